"""The courses a university tracks, and which roles require them (arbeidsmiljøloven § 3-5 for
the employer's own HSE training, § 6-5 for the safety representatives' 40 hours, the
radiation protection regulation for radiation coordinators). The HSE department changes them
in the app (/training/courses/)."""

from django.db import migrations

# code, name (nb), name (en), hours, validity in months (None: does not expire), roles, description
COURSES = [
    (
        "hms-ledere",
        "HMS-plattform for ledere",
        "HSE platform course for leaders",
        14,
        None,
        ["line_manager"],
        "Lederens ansvar for systematisk HMS-arbeid: lovverk, risikostyring, avvik, "
        "oppfølging (arbeidsmiljøloven § 3-5).",
    ),
    (
        "grunnkurs-40",
        "Grunnopplæring i arbeidsmiljø (40 timer)",
        "Basic HSE course (40 hours)",
        40,
        None,
        ["safety_rep", "chief_safety_rep"],
        "Opplæring for verneombud og medlemmer av arbeidsmiljøutvalget "
        "(arbeidsmiljøloven § 6-5).",
    ),
    (
        "hms-koordinator",
        "Kurs for HMS-koordinatorer",
        "Course for HSE coordinators",
        7,
        None,
        ["hms_coordinator"],
        "",
    ),
    (
        "stralevern",
        "Strålevern for strålevernkoordinatorer",
        "Radiation protection for radiation coordinators",
        16,
        60,
        ["radiation_coordinator"],
        "Strålevernforskriften: kilder, dosegrenser, melding og registrering. Fornyes hvert "
        "femte år.",
    ),
    (
        "stoffkartotek",
        "Opplæring i stoffkartoteket",
        "Chemical register training",
        3,
        None,
        ["chemical_contact"],
        "Registrering av kjemikalier og sikkerhetsdatablad i stoffkartoteket.",
    ),
    (
        "forstehjelp",
        "Førstehjelpskurs",
        "First aid course",
        4,
        24,
        [],
        "Hjerte-lungeredning og førstehjelp. Fornyes hvert annet år.",
    ),
    (
        "brannvern",
        "Opplæring for branninstruktører",
        "Fire warden training",
        3,
        24,
        [],
        "Rømning, varsling og slokking for branninstruktører. Fornyes hvert annet år.",
    ),
]


def add_defaults(apps, schema_editor):
    Course = apps.get_model("training", "Course")
    RoleRequirement = apps.get_model("training", "RoleRequirement")
    for order, (code, name_nb, name_en, hours, months, roles, description) in enumerate(COURSES):
        course, _created = Course.objects.get_or_create(
            code=code,
            defaults={
                "name_nb": name_nb,
                "name_en": name_en,
                "duration_hours": hours,
                "validity_months": months,
                "description": description,
                "order": order * 10,
            },
        )
        for role in roles:
            RoleRequirement.objects.get_or_create(role=role, course=course)


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
