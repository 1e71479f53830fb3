from django.db import migrations

# The default list from DOMAIN.md; administrators change it in the admin.
CATEGORIES = [
    ("personal_injury", "Personskade", "Personal injury", True),
    ("fire", "Brann/branntilløp (inkl. falske alarmer, evakuering)",
     "Fire or near-fire (incl. false alarms, evacuation)", False),
    ("building", "Bygning, teknisk, materiell", "Building, technical, material", False),
    ("chemical_biological", "Kjemikalier og biologisk materiale", "Chemical or biological", False),
    ("radiation", "Stråling", "Radiation", False),
    ("psychosocial", "Psykososialt arbeidsmiljø", "Psychosocial work environment", False),
    ("ergonomics", "Ergonomi", "Ergonomics", False),
    ("external_environment", "Ytre miljø, utslipp", "External environment or spill", False),
    ("travel_fieldwork", "Reise og feltarbeid", "Travel or field work", False),
    ("other", "Annet", "Other", False),
]


def add_categories(apps, schema_editor):
    Category = apps.get_model("deviations", "Category")
    for order, (code, name_nb, name_en, injury) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={"name_nb": name_nb, "name_en": name_en, "is_personal_injury": injury,
                      "order": order},
        )


class Migration(migrations.Migration):
    dependencies = [("deviations", "0001_initial")]

    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
