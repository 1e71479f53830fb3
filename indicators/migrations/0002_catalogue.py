"""The default indicator catalogue: every indicator of the seed's "Indikatorer" list, and the
emission factors given in DOMAIN.md. The HSE department changes them in the admin."""

from django.db import migrations

# (code, name nb, name en, category, measure, period, source, supplier, roll_up, over_time,
#  feeds, decimals, definition nb, definition en)
H, E, W, P, T = "health", "energy", "waste", "procurement", "travel"
COMPUTED, ENTERED = "computed", "entered"
SUM, RATIO, NONE = "sum", "ratio", "none"
AVG = "average"

CATALOGUE = [
    # Health: reported per tertial to AMU and yearly to the board.
    ("deviations", "Antall HMS-avvik", "HSE deviations", H, "count", "tertial", COMPUTED,
     "hms_department", SUM, SUM, "", 0,
     "HMS-avvik som skjedde i perioden, meldt til enheten eller enheter under den. Avviste "
     "meldinger telles ikke.",
     "Deviations that occurred in the period, reported to the unit or a unit below it. "
     "Rejected reports are not counted."),
    ("personal_injuries", "Antall meldte personskader", "Reported personal injuries", H,
     "count", "tertial", COMPUTED, "hms_department", SUM, SUM, "", 0,
     "Avvik i perioden i en personskadekategori eller med en personskade registrert "
     "(også førstehjelp).",
     "Deviations in the period in a personal-injury category or with an injury recorded "
     "(first aid included)."),
    ("injuries_with_absence", "Personskader med fravær", "Injuries with absence", H, "count",
     "tertial", COMPUTED, "hms_department", SUM, SUM, "", 0,
     "Personskader med fravær (dødsfall medregnet).",
     "Personal injuries with absence (deaths included)."),
    ("injuries_without_absence", "Personskader uten fravær", "Injuries without absence", H,
     "count", "tertial", COMPUTED, "hms_department", SUM, SUM, "", 0,
     "Personskader uten fravær, utover ren førstehjelp.",
     "Personal injuries without absence, first aid only not counted."),
    ("injury_absence_days", "Fraværsdager etter personskader", "Days of absence from injuries",
     H, "days", "tertial", COMPUTED, "hms_department", SUM, SUM, "", 0,
     "Summen av fraværsdagene registrert på personskadene i perioden.",
     "The days of absence recorded on the personal injuries of the period."),
    ("fte", "Årsverk", "Full-time equivalents (FTE)", H, "fte", "tertial", ENTERED, "hr", SUM,
     AVG, "", 1,
     "Gjennomsnittlig antall årsverk i perioden. Gir arbeidede timer (årsverk × 1 700 t per "
     "år) der timene ikke er registrert, og avtalte dagsverk der de ikke er oppgitt.",
     "Average full-time equivalents in the period. Gives the hours worked (FTE × 1,700 h a "
     "year) where they are not recorded, and the agreed working days where not given."),
    ("hours_worked", "Arbeidede timer", "Hours worked", H, "hours", "tertial", ENTERED, "hr",
     SUM, SUM, "", 0,
     "Registrerte arbeidede timer i perioden. Brukes foran årsverk × 1 700 t når de finnes.",
     "Recorded hours worked in the period. Used instead of FTE × 1,700 h where given."),
    ("h1", "H1-verdi", "H1 (lost-time injury rate)", H, "per_million_hours", "tertial",
     COMPUTED, "hms_department", RATIO, SUM, "", 1,
     "Personskader med fravær × 1 000 000 / arbeidede timer, over 12 måneder: rullerende 12 "
     "måneder som slutter med perioden når perioden er kortere enn et år.",
     "Injuries with absence × 1,000,000 / hours worked, over 12 months: the rolling 12 months "
     "ending with the period when the period is shorter than a year."),
    ("h2", "H2-verdi", "H2 (total injury rate)", H, "per_million_hours", "tertial", COMPUTED,
     "hms_department", RATIO, SUM, "", 1,
     "Alle personskader (med og uten fravær, ikke ren førstehjelp) × 1 000 000 / arbeidede "
     "timer, over samme 12 måneder som H1.",
     "All injuries (with and without absence, not first aid only) × 1,000,000 / hours "
     "worked, over the same 12 months as H1."),
    ("f_value", "F-verdi", "F (absence rate)", H, "per_million_hours", "tertial", COMPUTED,
     "hms_department", RATIO, SUM, "", 1,
     "Fraværsdager etter personskader × 1 000 000 / arbeidede timer, over samme 12 måneder "
     "som H1.",
     "Days of absence from injuries × 1,000,000 / hours worked, over the same 12 months as H1."),
    ("sick_leave_days", "Sykefraværsdagsverk", "Sick-leave days (weighted)", H, "days",
     "tertial", ENTERED, "hr", SUM, SUM, "", 1,
     "Sykefraværsdager vektet med stillingsandel og sykmeldingsgrad (egenmelding teller som "
     "grad 1).",
     "Sick-leave days weighted by position share and sick-leave grade (self-certified "
     "absence counts at grade 1)."),
    ("agreed_days", "Avtalte dagsverk", "Agreed working days", H, "days", "tertial", ENTERED,
     "hr", SUM, SUM, "", 0,
     "Avtalte dagsverk: virkedager minus helligdager, ganger stillingsandel. Der de ikke er "
     "oppgitt, regnes de ut fra årsverk.",
     "Agreed working days: weekdays less public holidays, times position share. Where not "
     "given, worked out from the FTEs."),
    ("sick_leave_pct", "Sykefravær", "Sick leave", H, "percent", "tertial", COMPUTED, "hr",
     RATIO, SUM, "", 1,
     "Sykefraværsdagsverk × 100 / avtalte dagsverk.",
     "Weighted sick-leave days × 100 / agreed working days."),
    # Energy: estates reports yearly to the HSE department.
    ("electricity_kwh", "Elektrisk kraft", "Electric power", E, "kwh", "year", ENTERED,
     "estates", SUM, SUM, "energy_carrier", 0,
     "Målt forbruk av elektrisk kraft.", "Metered consumption of electric power."),
    ("district_heating_kwh", "Fjernvarme", "District heating", E, "kwh", "year", ENTERED,
     "estates", SUM, SUM, "energy_carrier", 0,
     "Målt forbruk av fjernvarme.", "Metered consumption of district heating."),
    ("energy_total_kwh", "Totalt energiforbruk", "Total energy use", E, "kwh", "year",
     COMPUTED, "estates", SUM, SUM, "", 0,
     "Summen av energibærerne.", "The energy carriers added up."),
    ("energy_corrected_kwh", "Graddagskorrigert energiforbruk", "Degree-day corrected energy",
     E, "kwh", "year", COMPUTED, "estates", SUM, SUM, "", 0,
     "E × (1 − a) + E × a × (normale graddager / årets graddager), med enhetens "
     "temperaturavhengige andel a (standard 0,6) og kommunens graddager.",
     "E × (1 − a) + E × a × (normal degree days / the year's degree days), with the unit's "
     "temperature-dependent share a (0.6 by default) and its municipality's degree days."),
    ("floor_area_m2", "Oppvarmet areal", "Heated floor area", E, "m2", "year", ENTERED,
     "estates", SUM, AVG, "", 0,
     "Oppvarmet bruttoareal.", "Heated gross floor area."),
    ("specific_energy", "Spesifikt energiforbruk", "Specific energy use", E, "kwh_per_m2",
     "year", COMPUTED, "estates", RATIO, SUM, "", 1,
     "Graddagskorrigert energiforbruk / oppvarmet areal.",
     "Degree-day corrected energy / heated floor area."),
    ("co2_energy_tonnes", "CO2-utslipp fra strøm og fjernvarme",
     "CO2 from electricity and district heating", E, "tonnes", "year", COMPUTED,
     "hms_department", SUM, SUM, "", 1,
     "kWh × utslippsfaktor (g/kWh, lokasjonsbasert, årets eller siste før) / 10⁶, per "
     "energibærer.",
     "kWh × emission factor (g/kWh, location-based, the year's or the latest before it) / "
     "10⁶, per energy carrier."),
    # Waste: estates reports yearly.
    ("waste_residual_t", "Restavfall", "Residual waste", W, "tonnes", "year", ENTERED,
     "estates", SUM, SUM, "waste_unsorted", 1, "Usortert restavfall.", "Unsorted waste."),
    ("waste_paper_t", "Papir og papp", "Paper and cardboard", W, "tonnes", "year", ENTERED,
     "estates", SUM, SUM, "waste_sorted", 1, "", ""),
    ("waste_plastic_t", "Plast", "Plastic", W, "tonnes", "year", ENTERED, "estates", SUM, SUM,
     "waste_sorted", 1, "", ""),
    ("waste_food_t", "Matavfall", "Food waste", W, "tonnes", "year", ENTERED, "estates", SUM,
     SUM, "waste_sorted", 1, "", ""),
    ("waste_glass_metal_t", "Glass- og metallemballasje", "Glass and metal packaging", W,
     "tonnes", "year", ENTERED, "estates", SUM, SUM, "waste_sorted", 1, "", ""),
    ("waste_wood_t", "Trevirke", "Wood", W, "tonnes", "year", ENTERED, "estates", SUM, SUM,
     "waste_sorted", 1, "", ""),
    ("waste_electronic_t", "EE-avfall", "Electrical and electronic waste", W, "tonnes", "year",
     ENTERED, "estates", SUM, SUM, "waste_sorted", 1, "", ""),
    ("waste_hazardous_t", "Farlig avfall", "Hazardous waste", W, "tonnes", "year", ENTERED,
     "estates", SUM, SUM, "waste_sorted", 1, "", ""),
    ("waste_total_t", "Total mengde avfall", "Total waste", W, "tonnes", "year", COMPUTED,
     "estates", SUM, SUM, "", 1,
     "Summen av avfallsfraksjonene.", "The waste fractions added up."),
    ("waste_sorting_pct", "Sorteringsgrad", "Waste sorting", W, "percent", "year", COMPUTED,
     "estates", RATIO, SUM, "", 1,
     "Sorterte fraksjoner × 100 / total mengde avfall.",
     "Sorted fractions × 100 / total waste."),
    # Procurement: the procurement section reports yearly.
    ("tenders_count", "Anbud over 500 000 kr", "Tenders over NOK 500,000", P, "count", "year",
     ENTERED, "procurement", SUM, SUM, "", 0, "", ""),
    ("tenders_env_count", "Anbud over 500 000 kr med miljøkrav",
     "Tenders over NOK 500,000 with environmental requirements", P, "count", "year", ENTERED,
     "procurement", SUM, SUM, "", 0, "", ""),
    ("tenders_env_pct", "Andel anbud med miljøkrav", "Tenders with environmental requirements",
     P, "percent", "year", COMPUTED, "procurement", RATIO, SUM, "", 1,
     "Anbud over 500 000 kr med miljøkrav × 100 / alle anbud over 500 000 kr.",
     "Tenders over NOK 500,000 with environmental requirements × 100 / all such tenders."),
    ("env_weight_pct", "Vekting av miljøkrav i anbud", "Weight of environmental requirements",
     P, "percent", "year", ENTERED, "procurement", NONE, AVG, "", 1,
     "Gjennomsnittlig vekt miljøkravene har i tildelingen.",
     "The average weight of the environmental requirements in the award."),
    ("invoices_count", "Fakturaer mottatt", "Invoices received", P, "count", "year", ENTERED,
     "procurement", SUM, SUM, "", 0, "", ""),
    ("invoices_digital_count", "Fakturaer mottatt digitalt", "Invoices received digitally", P,
     "count", "year", ENTERED, "procurement", SUM, SUM, "", 0, "", ""),
    ("invoices_digital_pct", "Andel digitale fakturaer", "Invoices received digitally (share)",
     P, "percent", "year", COMPUTED, "procurement", RATIO, SUM, "", 1,
     "Digitale fakturaer × 100 / alle fakturaer.", "Digital invoices × 100 / all invoices."),
    # Travel: the travel agency reports yearly.
    ("flights_total", "Bestilte tur/retur-flyreiser", "Round-trip flights booked", T, "count",
     "year", ENTERED, "travel_agency", SUM, SUM, "", 0, "", ""),
    ("flights_trd_osl", "Tur/retur-flyreiser Trondheim–Oslo", "Round trips Trondheim–Oslo",
     T, "count", "year", ENTERED, "travel_agency", SUM, SUM, "", 0, "", ""),
    ("flight_destinations", "Antall destinasjoner", "Destinations", T, "count", "year",
     ENTERED, "travel_agency", NONE, AVG, "", 0,
     "Ulike reisemål; telles ikke sammen på tvers av enheter (samme by kan gå igjen).",
     "Distinct destinations; not added up across units (the same city may recur)."),
    ("flight_km", "Flydistanse", "Distance flown", T, "km", "year", ENTERED, "travel_agency",
     SUM, SUM, "", 0, "", ""),
    ("flight_co2_tonnes", "CO2-utslipp fra flyreiser", "CO2 from flights", T, "tonnes",
     "year", ENTERED, "travel_agency", SUM, SUM, "", 1,
     "Som oppgitt av reisebyrået.", "As reported by the travel agency."),
]

# Norwegian location-based electricity (DOMAIN.md).
ELECTRICITY_FACTORS = {2019: 17, 2020: 8, 2022: 19, 2023: 15}


def add_defaults(apps, schema_editor):
    Indicator = apps.get_model("indicators", "Indicator")
    EmissionFactor = apps.get_model("indicators", "EmissionFactor")
    for order, row in enumerate(CATALOGUE, start=1):
        (code, name_nb, name_en, category, measure, period, source, supplier, roll_up,
         over_time, feeds, decimals, definition_nb, definition_en) = row
        Indicator.objects.get_or_create(
            code=code,
            defaults={
                "name_nb": name_nb,
                "name_en": name_en,
                "category": category,
                "unit_of_measure": measure,
                "period": period,
                "source": source,
                "supplier": supplier,
                "roll_up": roll_up,
                "over_time": over_time,
                "feeds": feeds,
                "decimals": decimals,
                "definition_nb": definition_nb,
                "definition_en": definition_en,
                "order": order * 10,
            },
        )
    electricity = Indicator.objects.get(code="electricity_kwh")
    for year, grams in ELECTRICITY_FACTORS.items():
        EmissionFactor.objects.get_or_create(
            year=year,
            carrier=electricity,
            method="location",
            defaults={"grams_per_kwh": grams, "reference": "DOMAIN.md (NVE, location-based)"},
        )


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
