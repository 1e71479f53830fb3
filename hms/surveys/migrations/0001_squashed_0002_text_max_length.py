import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration


class Migration(SquashedMigration):

    replaces = [('surveys', '0001_initial'), ('surveys', '0002_text_max_length')]

    initial = True

    dependencies = [
        ('actionplans', '0003_fill_origins'),
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AppraisalCount',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('held', models.PositiveIntegerField(verbose_name='appraisals held')),
                ('eligible', models.PositiveIntegerField(verbose_name='employees who should have one')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
                ('version', models.PositiveIntegerField(default=1)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='appraisal_counts', to='units.unit', verbose_name='unit')),
                ('updated_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'verbose_name': 'appraisal count',
                'verbose_name_plural': 'appraisal counts',
                'indexes': [models.Index(fields=['year', 'unit'], name='appraisal_year_unit_idx')],
                'constraints': [models.UniqueConstraint(fields=('unit', 'year'), name='appraisal_count_once_a_year'), models.CheckConstraint(condition=models.Q(('held__gte', 0), ('held__lte', models.F('eligible'))), name='appraisals_held_within_eligible'), models.CheckConstraint(condition=models.Q(('year__gte', 1900), ('year__lte', 2999)), name='appraisal_year_in_range')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "surveys_appraisalcountevent" ("eligible", "held", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "updated_at", "updated_by_id", "version", "year") VALUES (NEW."eligible", NEW."held", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."unit_id", NEW."updated_at", NEW."updated_by_id", NEW."version", NEW."year"); RETURN NULL;', hash='2ffda41f841e8b2b9d874a861bafe9ea1a10131f', operation='INSERT', pgid='pgtrigger_insert_insert_c44da', table='surveys_appraisalcount', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "surveys_appraisalcountevent" ("eligible", "held", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "updated_at", "updated_by_id", "version", "year") VALUES (NEW."eligible", NEW."held", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."unit_id", NEW."updated_at", NEW."updated_by_id", NEW."version", NEW."year"); RETURN NULL;', hash='4ae69b7b2ffe1ede7bafa8ceec82f0528b806645', operation='UPDATE', pgid='pgtrigger_update_update_ca811', table='surveys_appraisalcount', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "surveys_appraisalcountevent" ("eligible", "held", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "updated_at", "updated_by_id", "version", "year") VALUES (OLD."eligible", OLD."held", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."unit_id", OLD."updated_at", OLD."updated_by_id", OLD."version", OLD."year"); RETURN NULL;', hash='b9083ae62ccf35ede8ac0130bd2998b52cc0b051', operation='DELETE', pgid='pgtrigger_delete_delete_add13', table='surveys_appraisalcount', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='AppraisalCountEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('held', models.PositiveIntegerField(verbose_name='appraisals held')),
                ('eligible', models.PositiveIntegerField(verbose_name='employees who should have one')),
                ('updated_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='recorded')),
                ('version', models.PositiveIntegerField(default=1)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='surveys.appraisalcount')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
                ('updated_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='SurveyResult',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('survey', models.CharField(max_length=200, verbose_name='survey')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('topic', models.CharField(max_length=200, verbose_name='topic')),
                ('score', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='score')),
                ('scale_min', models.DecimalField(decimal_places=2, default=1, max_digits=6, verbose_name='lowest on the scale')),
                ('scale_max', models.DecimalField(decimal_places=2, default=5, max_digits=6, verbose_name='highest on the scale')),
                ('respondents', models.PositiveIntegerField(verbose_name='respondents')),
                ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                ('version', models.PositiveIntegerField(default=1)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='survey_results', to='units.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'survey result',
                'verbose_name_plural': 'survey results',
                'ordering': ['-year', 'survey', 'topic'],
                'indexes': [models.Index(fields=['unit', 'year'], name='survey_unit_year_idx')],
                'constraints': [models.UniqueConstraint(fields=('unit', 'year', 'survey', 'topic'), name='survey_result_unique_topic'), models.CheckConstraint(condition=models.Q(('scale_min__lt', models.F('scale_max'))), name='survey_scale_ordered'), models.CheckConstraint(condition=models.Q(('score__gte', models.F('scale_min')), ('score__lte', models.F('scale_max'))), name='survey_score_on_scale'), models.CheckConstraint(condition=models.Q(('year__gte', 1900), ('year__lte', 2999)), name='survey_year_in_range')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "surveys_surveyresultevent" ("comment", "created_at", "created_by_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "respondents", "scale_max", "scale_min", "score", "survey", "topic", "unit_id", "version", "year") VALUES (NEW."comment", NEW."created_at", NEW."created_by_id", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."respondents", NEW."scale_max", NEW."scale_min", NEW."score", NEW."survey", NEW."topic", NEW."unit_id", NEW."version", NEW."year"); RETURN NULL;', hash='e734112001e1c61584ce053fa740e27158251d65', operation='INSERT', pgid='pgtrigger_insert_insert_2e9ca', table='surveys_surveyresult', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "surveys_surveyresultevent" ("comment", "created_at", "created_by_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "respondents", "scale_max", "scale_min", "score", "survey", "topic", "unit_id", "version", "year") VALUES (NEW."comment", NEW."created_at", NEW."created_by_id", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."respondents", NEW."scale_max", NEW."scale_min", NEW."score", NEW."survey", NEW."topic", NEW."unit_id", NEW."version", NEW."year"); RETURN NULL;', hash='9a0bb823267c08320b3011cea4e99f440159a502', operation='UPDATE', pgid='pgtrigger_update_update_41707', table='surveys_surveyresult', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "surveys_surveyresultevent" ("comment", "created_at", "created_by_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "respondents", "scale_max", "scale_min", "score", "survey", "topic", "unit_id", "version", "year") VALUES (OLD."comment", OLD."created_at", OLD."created_by_id", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."respondents", OLD."scale_max", OLD."scale_min", OLD."score", OLD."survey", OLD."topic", OLD."unit_id", OLD."version", OLD."year"); RETURN NULL;', hash='8cd68f41358e9a450e04c71eb5b1a541a14a1ec6', operation='DELETE', pgid='pgtrigger_delete_delete_f9d9b', table='surveys_surveyresult', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='SurveyMeasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('measure', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='survey_link', to='actionplans.measure')),
                ('result', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='surveys.surveyresult')),
            ],
        ),
        migrations.CreateModel(
            name='SurveyResultEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('survey', models.CharField(max_length=200, verbose_name='survey')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('topic', models.CharField(max_length=200, verbose_name='topic')),
                ('score', models.DecimalField(decimal_places=2, max_digits=6, verbose_name='score')),
                ('scale_min', models.DecimalField(decimal_places=2, default=1, max_digits=6, verbose_name='lowest on the scale')),
                ('scale_max', models.DecimalField(decimal_places=2, default=5, max_digits=6, verbose_name='highest on the scale')),
                ('respondents', models.PositiveIntegerField(verbose_name='respondents')),
                ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='added')),
                ('version', models.PositiveIntegerField(default=1)),
                ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='added by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='surveys.surveyresult')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='surveyresult',
            name='measures',
            field=models.ManyToManyField(blank=True, related_name='survey_results', through='surveys.SurveyMeasure', to='actionplans.measure'),
        ),
    ]
