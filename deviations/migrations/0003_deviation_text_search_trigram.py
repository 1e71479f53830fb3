# The deviation list's free-text filter (number, title, description, place) measured 210 ms of
# database time for a search without matches at 100,000 deviations: two sequential scans.
# Trigram indexes answer its ILIKE '%text%' from the indexes (deviations.filters). pg_trgm is a
# trusted extension since PostgreSQL 13: the database owner may create it.

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('deviations', '0002_default_categories'),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name='deviation',
            index=django.contrib.postgres.indexes.GinIndex(fields=['number'], name='deviation_number_trgm', opclasses=['gin_trgm_ops']),
        ),
        migrations.AddIndex(
            model_name='deviation',
            index=django.contrib.postgres.indexes.GinIndex(fields=['title'], name='deviation_title_trgm', opclasses=['gin_trgm_ops']),
        ),
        migrations.AddIndex(
            model_name='deviation',
            index=django.contrib.postgres.indexes.GinIndex(fields=['description'], name='deviation_description_trgm', opclasses=['gin_trgm_ops']),
        ),
        migrations.AddIndex(
            model_name='deviation',
            index=django.contrib.postgres.indexes.GinIndex(fields=['location'], name='deviation_location_trgm', opclasses=['gin_trgm_ops']),
        ),
    ]
