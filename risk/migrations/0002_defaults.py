"""The default risk matrix (DOMAIN.md), hazard templates and inspection checklists. The HSE
department changes them in the admin; a matrix in use is replaced by a new version."""

from django.db import migrations

PROBABILITY = {
    "nb": [
        "1 Svært liten (≤ én gang per 50 år)",
        "2 Liten (≤ én gang per 10 år)",
        "3 Middels (≤ én gang per år)",
        "4 Stor (≤ én gang per måned)",
        "5 Svært stor (ukentlig)",
    ],
    "en": [
        "1 Very low (≤ once in 50 years)",
        "2 Low (≤ once in 10 years)",
        "3 Medium (≤ once a year)",
        "4 High (≤ once a month)",
        "5 Very high (weekly)",
    ],
}
CONSEQUENCE = {
    "nb": ["A Svært liten", "B Liten", "C Moderat", "D Alvorlig", "E Svært alvorlig"],
    "en": ["A Very small", "B Small", "C Moderate", "D Serious", "E Very serious"],
}

HAZARDS = {
    "laboratory": [
        ("Søl eller sprut av etsende kjemikalier", "Spill or splash of corrosive chemicals",
         "Avtrekk, vernebriller, labfrakk, øyedusj", "Fume hood, goggles, lab coat, eye shower"),
        ("Innånding av giftige damper", "Inhalation of toxic vapours",
         "Arbeid i avtrekksskap, stoffkartotek", "Work in fume cupboard, chemical register"),
        ("Brann i brennbare løsemidler", "Fire in flammable solvents",
         "Brannskap, slukkeutstyr, begrenset mengde", "Fire cabinet, extinguishers, small amounts"),
        ("Kutt fra glassutstyr", "Cuts from glassware", "Hansker, kasse for knust glass",
         "Gloves, bin for broken glass"),
        ("Gasslekkasje fra trykkflasker", "Gas leak from cylinders",
         "Festede flasker, gassdetektor", "Secured cylinders, gas detector"),
    ],
    "office": [
        ("Belastningsplager ved skjermarbeid", "Strain injuries from screen work",
         "Justerbar pult og stol, pauser", "Adjustable desk and chair, breaks"),
        ("Høyt arbeidspress", "High workload", "Medarbeidersamtaler, prioritering",
         "Appraisals, prioritising"),
        ("Snubling i ledninger", "Tripping over cables", "Kabelkanaler", "Cable ducts"),
    ],
    "field_work": [
        ("Fall i ulendt terreng", "Falls in rough terrain", "Egnet fottøy, følge to og to",
         "Proper footwear, work in pairs"),
        ("Uvær og nedkjøling", "Bad weather and hypothermia", "Værvarsel, bekledning",
         "Weather forecast, clothing"),
        ("Manglende kommunikasjon", "No means of communication", "Satellittelefon, meldeplan",
         "Satellite phone, check-in plan"),
    ],
    "travel": [
        ("Trafikkulykke", "Traffic accident", "Godkjent transport", "Approved transport"),
        ("Sykdom på reise", "Illness when travelling", "Reiseforsikring, vaksiner",
         "Travel insurance, vaccines"),
        ("Politisk uro", "Political unrest", "Reiseråd fra UD, registrering",
         "Foreign ministry travel advice, registration"),
    ],
    "workshop": [
        ("Klemskader i maskiner", "Crushing in machines", "Verneinnretninger, opplæring",
         "Guards, training"),
        ("Støy", "Noise", "Hørselvern", "Hearing protection"),
        ("Flygende spon", "Flying chips", "Vernebriller", "Safety goggles"),
    ],
}

CHECKLISTS = {
    "general": [
        ("Er rømningsveier frie og merket?", "Are escape routes clear and marked?"),
        ("Er orden og renhold tilfredsstillende?", "Are order and cleaning satisfactory?"),
        ("Er førstehjelpsutstyr tilgjengelig og komplett?",
         "Is first-aid equipment available and complete?"),
        ("Kjenner de ansatte til avvikssystemet?", "Do employees know the deviation system?"),
        ("Er lokale HMS-rutiner kjent og tilgjengelige?",
         "Are local HSE routines known and available?"),
    ],
    "fire": [
        ("Er brannslukkere kontrollert og tilgjengelige?",
         "Are fire extinguishers checked and accessible?"),
        ("Er branndører lukket og uten kiler?", "Are fire doors closed and not wedged open?"),
        ("Er brannvarslere hele og frie?", "Are fire alarms intact and unobstructed?"),
        ("Er branninstruks oppslått?", "Is the fire instruction posted?"),
    ],
    "laboratory": [
        ("Fungerer avtrekksskapene og er de kontrollert?",
         "Do the fume cupboards work, and are they checked?"),
        ("Er øyedusj og nøddusj testet?", "Are eye shower and safety shower tested?"),
        ("Er trykkflasker festet og merket?", "Are gas cylinders secured and labelled?"),
        ("Brukes riktig verneutstyr?", "Is the right protective equipment used?"),
    ],
    "chemicals": [
        ("Er alle kjemikalier registrert i stoffkartoteket?",
         "Are all chemicals in the chemical register?"),
        ("Er kjemikalier merket og forsvarlig lagret?",
         "Are chemicals labelled and safely stored?"),
        ("Er sikkerhetsdatablader tilgjengelige?", "Are safety data sheets available?"),
        ("Håndteres kjemikalieavfall etter rutinen?",
         "Is chemical waste handled by the routine?"),
    ],
    "office": [
        ("Er arbeidsplassene ergonomisk tilpasset?", "Are workstations ergonomically adjusted?"),
        ("Er lys, støy og inneklima tilfredsstillende?",
         "Are light, noise and indoor climate satisfactory?"),
        ("Er ledninger og kabler sikret?", "Are wires and cables secured?"),
    ],
}


def add_defaults(apps, schema_editor):
    RiskMatrix = apps.get_model("risk", "RiskMatrix")
    if not RiskMatrix.objects.exists():
        RiskMatrix.objects.create(
            version=1,
            probability_labels=PROBABILITY,
            consequence_labels=CONSEQUENCE,
            green_max=4,
            red_min=12,
            is_current=True,
        )
    HazardTemplate = apps.get_model("risk", "HazardTemplate")
    HazardTemplateRow = apps.get_model("risk", "HazardTemplateRow")
    for kind, rows in HAZARDS.items():
        template, created = HazardTemplate.objects.get_or_create(kind=kind)
        if created:
            for order, (nb, en, measures_nb, measures_en) in enumerate(rows, start=1):
                HazardTemplateRow.objects.create(
                    template=template, hazard_nb=nb, hazard_en=en,
                    existing_measures_nb=measures_nb, existing_measures_en=measures_en,
                    order=order,
                )
    ChecklistTemplate = apps.get_model("risk", "ChecklistTemplate")
    ChecklistTemplateItem = apps.get_model("risk", "ChecklistTemplateItem")
    for kind, items in CHECKLISTS.items():
        template, created = ChecklistTemplate.objects.get_or_create(kind=kind)
        if created:
            for order, (nb, en) in enumerate(items, start=1):
                ChecklistTemplateItem.objects.create(
                    template=template, text_nb=nb, text_en=en, order=order
                )


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
