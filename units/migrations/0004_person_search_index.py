from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# The expression is units.models.person_haystack() as Django compiles it; the people search
# filters on the same expression, so PostgreSQL can answer it from this trigram index.
HAYSTACK = """UPPER((COALESCE("first_name", '') || COALESCE((COALESCE(' ', '') || COALESCE((COALESCE("last_name", '') || COALESCE((COALESCE(' ', '') || COALESCE((COALESCE("email", '') || COALESCE((COALESCE(' ', '') || COALESCE("username", '')), '')), '')), '')), '')), '')))"""


class Migration(migrations.Migration):
    dependencies = [
        ("units", "0003_people_register_employment"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunSQL(
            f"CREATE INDEX user_search_trgm ON units_user USING gin (({HAYSTACK}) gin_trgm_ops)",
            "DROP INDEX IF EXISTS user_search_trgm",
        ),
    ]
