"""The default steps of the yearly cycle, from the seed (NTNU's "HMS - Systematisk arbeid").
The HSE department changes them later in the admin; a unit's held year keeps its own copy."""

from django.db import migrations

# (key, phase, due month, due day, title nb, title en, guidance nb, guidance en)
DEFAULT_STEPS = [
    (
        "take_initiative",
        "initiate",
        1,
        31,
        "Ta initiativ til å starte arbeidet",
        "Take the initiative to start the work",
        "Linjeleder skal ta initiativ til å starte arbeidet. Arbeidet skal skje i samarbeid "
        "med verneombud og andre arbeidstakere.",
        "The line manager takes the initiative to start the work, together with the safety "
        "representative and the other employees.",
    ),
    (
        "inform_involve",
        "initiate",
        2,
        15,
        "Informere, motivere og medvirke",
        "Inform, motivate and involve",
        "Ansatte skal delta i prosessen. Den som har daglig befatning med HMS-utfordringer "
        "bidrar med erfaringer og forslag til løsninger.",
        "Employees take part in the process. Those who meet the HSE challenges every day "
        "contribute their experience and proposals for solutions.",
    ),
    (
        "clarify_roles",
        "initiate",
        1,
        31,
        "Avklare arbeidsoppgaver og myndighet",
        "Clarify tasks and authority",
        "Oversikt over hvordan ansvar, oppgaver og myndighet innenfor HMS er fordelt skal "
        "gjøres kjent og være tilgjengelig ved enheten.",
        "An overview of how HSE responsibility, tasks and authority are distributed is made "
        "known and available at the unit.",
    ),
    (
        "set_goals",
        "initiate",
        2,
        15,
        "Sette mål for arbeidet",
        "Set goals for the work",
        "Enheten skal sette et mål for HMS-arbeidet. Målet skal henge sammen med NTNUs mål og "
        "være mest mulig konkret. Ved årsstart kontrollerer enheten om målet er nådd og "
        "setter eventuelt et nytt mål.",
        "The unit sets a goal for its HSE work, linked to the institution's goals and as "
        "concrete as possible. At the start of the year the unit checks whether the goal was "
        "reached and sets a new one if needed.",
    ),
    (
        "organise",
        "initiate",
        2,
        28,
        "Organisere og planlegge innføring av systematisk HMS-arbeid",
        "Organise and plan the systematic HSE work",
        "Sett gjerne ned en bredt sammensatt gruppe og sørg for at én får ansvar og myndighet "
        "til å drive arbeidet framover.",
        "Set up a broadly composed group and make sure one person has the responsibility and "
        "authority to drive the work forward.",
    ),
    (
        "requirements",
        "map",
        3,
        31,
        "Skaffe oversikt over lover, forskrifter, HMS-retningslinjer og andre krav",
        "Overview of laws, regulations, HSE guidelines and other requirements",
        "Alle enheter skal ha oversikt over hvilke krav som stilles til egen virksomhet, og "
        "innrette aktiviteten etter dem.",
        "Every unit keeps an overview of the requirements that apply to its activities, and "
        "arranges its work accordingly.",
    ),
    (
        "identify_challenges",
        "map",
        4,
        30,
        "Identifisere og vurdere HMS-utfordringer",
        "Identify and assess HSE challenges",
        "Bruk de fire verktøyene: medarbeidersamtale, arbeidsmiljøundersøkelse, "
        "risikovurdering og oversikt over HMS-avvik. De danner grunnlaget for handlingsplaner.",
        "Use the four tools: employee appraisals, the work environment survey, risk "
        "assessment and the overview of HSE deviations. They are the basis of action plans.",
    ),
    (
        "training_needs",
        "map",
        4,
        30,
        "Identifisere behov for HMS-opplæring",
        "Identify HSE training needs",
        "Ledere, HMS-koordinatorer og verneombud skal ha nødvendig kompetanse, minimum "
        "HMS-plattformen. Linjeleder vurderer behov for tilleggskompetanse, også for "
        "strålevernkoordinator og stoffkartotek-kontakt.",
        "Leaders, HSE coordinators and safety representatives need the necessary competence, "
        "at least the HSE platform course. The line manager assesses further needs, also for "
        "the radiation protection coordinator and the chemical register contact.",
    ),
    (
        "documentation",
        "map",
        5,
        31,
        "Sørge for dokumentasjon",
        "Keep the documentation",
        "Eksisterende dokumentasjon skal systematiseres og lagres: ansvarsoversikt, "
        "arbeidsavtaler, skade- og sykefraværsregistrering, opplæringsoversikt og "
        "brannverndokumentasjon.",
        "Existing documentation is organised and kept: the responsibility overview, work "
        "agreements, injury and sick-leave records, the training overview and fire "
        "protection documentation.",
    ),
    (
        "local_routines",
        "plan",
        6,
        15,
        "Lokale HMS-rutiner",
        "Local HSE routines",
        "Der NTNUs sentrale HMS-retningslinjer ikke dekker enhetens behov, kan enheten "
        "utvikle lokale HMS-rutiner, om mulig på fakultetsnivå.",
        "Where the central HSE guidelines do not cover the unit's needs, the unit may write "
        "local HSE routines, at faculty level where possible.",
    ),
    (
        "coordination_agreement",
        "plan",
        6,
        15,
        "Samordningsavtale",
        "Coordination agreement",
        "Der NTNU deler lokaler eller aktiviteter med andre virksomheter skal det inngås "
        "skriftlig avtale som sier hvem som er hovedbedrift, og årsplan for samarbeidet "
        "iverksettes.",
        "Where premises or activities are shared with other enterprises, a written agreement "
        "names the main enterprise responsible for coordination, and the year's cooperation "
        "plan is put into effect.",
    ),
    (
        "action_plan",
        "plan",
        6,
        30,
        "Handlingsplan",
        "Action plan",
        "Handlingsplanen gir oversikt over tiltak, prioritering, eventuelle kostnader, "
        "ansvarlig og tidsfrister.",
        "The action plan lists the measures, their priority, any costs, who is responsible "
        "and the deadlines.",
    ),
    (
        "inspection_round",
        "follow_up",
        10,
        31,
        "HMS-runde",
        "Inspection round",
        "En «her og nå»-kontroll av arbeidsforholdene, minst årlig: er tiltakene fra "
        "risikovurderingen gjennomført, og virker de?",
        "A 'here and now' check of the working conditions, at least yearly: have the "
        "measures from the risk assessment been carried out, and do they work?",
    ),
    (
        "deviation_handling",
        "follow_up",
        12,
        15,
        "Avviksbehandling",
        "Deviation handling",
        "Sørg for at HMS-avvikene blir behandlet, se på trender og prioriter tiltak.",
        "Make sure the HSE deviations are handled, look at the trends and prioritise measures.",
    ),
    (
        "indicators",
        "follow_up",
        12,
        31,
        "Indikatorer",
        "Indicators",
        "Indikatorer måler ansattes helse, sikkerhet og miljøpåvirkning: avvik, personskader, "
        "sykefravær, energi og avfall.",
        "Indicators measure the employees' health and safety and the environmental impact: "
        "deviations, injuries, sick leave, energy and waste.",
    ),
]


def add_defaults(apps, schema_editor):
    StepTemplate = apps.get_model("cycle", "StepTemplate")
    for order, row in enumerate(DEFAULT_STEPS, start=1):
        key, phase, month, day, title_nb, title_en, guidance_nb, guidance_en = row
        StepTemplate.objects.get_or_create(
            key=key,
            defaults={
                "phase": phase,
                "order": order * 10,
                "due_month": month,
                "due_day": day,
                "title_nb": title_nb,
                "title_en": title_en,
                "guidance_nb": guidance_nb,
                "guidance_en": guidance_en,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cycle", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
