import django.db.models.deletion
import django.utils.timezone
import indicators.reports.models
import pgtrigger.compiler
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration


class Migration(SquashedMigration):

    replaces = [('reports', '0001_initial')]

    initial = True

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Report',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('tertial', 'Tertial report to AMU'), ('annual', 'Annual HSE report')], max_length=20, verbose_name='report')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('tertial', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='tertial')),
                ('language', models.CharField(default='nb', max_length=10, verbose_name='language')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Being produced'), ('done', 'Ready'), ('failed', 'Failed')], default='queued', max_length=20, verbose_name='status')),
                ('stage', models.CharField(blank=True, choices=[('', 'Waiting for a worker'), ('collecting', 'Collecting the figures'), ('rendering', 'Writing the report'), ('layout', 'Laying out the pages'), ('saving', 'Saving the PDF'), ('done', 'Done')], max_length=20, verbose_name='stage')),
                ('percent', models.PositiveSmallIntegerField(default=0, verbose_name='progress')),
                ('figures', models.JSONField(blank=True, default=dict, verbose_name='frozen figures')),
                ('pdf', models.FileField(blank=True, max_length=200, storage=indicators.reports.models.PrivateReportStorage(), upload_to=indicators.reports.models.report_file_name, verbose_name='PDF')),
                ('ordered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='ordered')),
                ('claim', models.UUIDField(blank=True, editable=False, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                ('heartbeat_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('ordered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='ordered by')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='units.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'report',
                'verbose_name_plural': 'reports',
                'ordering': ['-ordered_at', '-pk'],
                'indexes': [models.Index(fields=['status', 'heartbeat_at'], name='report_status_idx'), models.Index(fields=['unit', 'status'], name='report_unit_idx')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'year', 'tertial', 'unit'), name='report_once_per_period_and_unit', nulls_distinct=False), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'tertial'), ('tertial__gte', 1), ('tertial__isnull', False), ('tertial__lte', 3)), models.Q(('kind', 'annual'), ('tertial__isnull', True)), _connector='OR'), name='report_tertial_matches_kind'), models.CheckConstraint(condition=models.Q(('percent__lte', 100)), name='report_percent_max_100'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), _negated=True), models.Q(('pdf', ''), _negated=True), _connector='OR'), name='report_done_has_pdf')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "reports_reportevent" ("attempts", "claim", "error", "finished_at", "heartbeat_at", "id", "kind", "language", "ordered_at", "ordered_by_id", "pdf", "percent", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "stage", "started_at", "status", "tertial", "unit_id", "year") VALUES (NEW."attempts", NEW."claim", NEW."error", NEW."finished_at", NEW."heartbeat_at", NEW."id", NEW."kind", NEW."language", NEW."ordered_at", NEW."ordered_by_id", NEW."pdf", NEW."percent", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."stage", NEW."started_at", NEW."status", NEW."tertial", NEW."unit_id", NEW."year"); RETURN NULL;', hash='2711de61d5d6b7c17aabc88d2b0a229a6179b964', operation='INSERT', pgid='pgtrigger_insert_insert_84ceb', table='reports_report', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."attempts" IS DISTINCT FROM (NEW."attempts") OR OLD."claim" IS DISTINCT FROM (NEW."claim") OR OLD."error" IS DISTINCT FROM (NEW."error") OR OLD."finished_at" IS DISTINCT FROM (NEW."finished_at") OR OLD."heartbeat_at" IS DISTINCT FROM (NEW."heartbeat_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."language" IS DISTINCT FROM (NEW."language") OR OLD."ordered_at" IS DISTINCT FROM (NEW."ordered_at") OR OLD."ordered_by_id" IS DISTINCT FROM (NEW."ordered_by_id") OR OLD."pdf" IS DISTINCT FROM (NEW."pdf") OR OLD."percent" IS DISTINCT FROM (NEW."percent") OR OLD."stage" IS DISTINCT FROM (NEW."stage") OR OLD."started_at" IS DISTINCT FROM (NEW."started_at") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."tertial" IS DISTINCT FROM (NEW."tertial") OR OLD."unit_id" IS DISTINCT FROM (NEW."unit_id") OR OLD."year" IS DISTINCT FROM (NEW."year"))', func='INSERT INTO "reports_reportevent" ("attempts", "claim", "error", "finished_at", "heartbeat_at", "id", "kind", "language", "ordered_at", "ordered_by_id", "pdf", "percent", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "stage", "started_at", "status", "tertial", "unit_id", "year") VALUES (NEW."attempts", NEW."claim", NEW."error", NEW."finished_at", NEW."heartbeat_at", NEW."id", NEW."kind", NEW."language", NEW."ordered_at", NEW."ordered_by_id", NEW."pdf", NEW."percent", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."stage", NEW."started_at", NEW."status", NEW."tertial", NEW."unit_id", NEW."year"); RETURN NULL;', hash='2a78fbf12d652abb7d0107f2208b569aa8304d47', operation='UPDATE', pgid='pgtrigger_update_update_234a9', table='reports_report', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "reports_reportevent" ("attempts", "claim", "error", "finished_at", "heartbeat_at", "id", "kind", "language", "ordered_at", "ordered_by_id", "pdf", "percent", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "stage", "started_at", "status", "tertial", "unit_id", "year") VALUES (OLD."attempts", OLD."claim", OLD."error", OLD."finished_at", OLD."heartbeat_at", OLD."id", OLD."kind", OLD."language", OLD."ordered_at", OLD."ordered_by_id", OLD."pdf", OLD."percent", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."stage", OLD."started_at", OLD."status", OLD."tertial", OLD."unit_id", OLD."year"); RETURN NULL;', hash='4da90a34b8d3c0f00447b176467d884d6956cf87', operation='DELETE', pgid='pgtrigger_delete_delete_6acd6', table='reports_report', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='ReportEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('kind', models.CharField(choices=[('tertial', 'Tertial report to AMU'), ('annual', 'Annual HSE report')], max_length=20, verbose_name='report')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('tertial', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='tertial')),
                ('language', models.CharField(default='nb', max_length=10, verbose_name='language')),
                ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Being produced'), ('done', 'Ready'), ('failed', 'Failed')], default='queued', max_length=20, verbose_name='status')),
                ('stage', models.CharField(blank=True, choices=[('', 'Waiting for a worker'), ('collecting', 'Collecting the figures'), ('rendering', 'Writing the report'), ('layout', 'Laying out the pages'), ('saving', 'Saving the PDF'), ('done', 'Done')], max_length=20, verbose_name='stage')),
                ('percent', models.PositiveSmallIntegerField(default=0, verbose_name='progress')),
                ('pdf', models.FileField(blank=True, max_length=200, storage=indicators.reports.models.PrivateReportStorage(), upload_to=indicators.reports.models.report_file_name, verbose_name='PDF')),
                ('ordered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='ordered')),
                ('claim', models.UUIDField(blank=True, editable=False, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0, editable=False)),
                ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started')),
                ('heartbeat_at', models.DateTimeField(blank=True, editable=False, null=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('error', models.TextField(blank=True, verbose_name='error')),
                ('ordered_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='ordered by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='reports.report')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
            ],
            options={
                'abstract': False,
            },
        ),
    ]
