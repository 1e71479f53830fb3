import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration


class Migration(SquashedMigration):

    replaces = [('actionplans', '0001_initial'), ('actionplans', '0002_measure_plan_fields')]

    initial = True

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Measure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=300, verbose_name='measure')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('deadline', models.DateField(verbose_name='deadline')),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='planned', max_length=20, verbose_name='status')),
                ('priority', models.CharField(choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], default='medium', max_length=10, verbose_name='priority')),
                ('estimated_cost', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='estimated cost (NOK)')),
                ('source', models.CharField(choices=[('deviation', 'Deviation'), ('risk_assessment', 'Risk assessment'), ('inspection_round', 'Inspection round'), ('survey', 'Work environment survey'), ('goal', 'Goal'), ('action_plan', 'Added to the action plan')], default='action_plan', max_length=20, verbose_name='source')),
                ('effectiveness', models.CharField(blank=True, choices=[('effective', 'Effective'), ('partly', 'Partly effective'), ('not_effective', 'Not effective')], max_length=20, verbose_name='effect')),
                ('effectiveness_comment', models.TextField(blank=True, verbose_name='comment on the effect')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed')),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('responsible', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measures', to=settings.AUTH_USER_MODEL, verbose_name='responsible')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='measures', to='units.unit', verbose_name='unit')),
                ('cancel_reason', models.TextField(blank=True, verbose_name='reason for cancelling')),
                ('origin_label', models.CharField(blank=True, max_length=300, verbose_name='came from')),
                ('origin_url', models.CharField(blank=True, max_length=500, verbose_name='link to where it came from')),
                ('progress', models.TextField(blank=True, help_text='What has been done so far, and what remains.', verbose_name='progress')),
                ('version', models.PositiveIntegerField(default=1)),
            ],
            options={
                'verbose_name': 'measure',
                'verbose_name_plural': 'measures',
                'ordering': ['deadline', 'pk'],
                'indexes': [models.Index(fields=['unit', 'status', 'deadline'], name='measure_unit_status_idx'), models.Index(fields=['responsible', 'status'], name='measure_responsible_idx'), models.Index(fields=['status', 'deadline'], name='measure_status_deadline_idx'), models.Index(fields=['source'], name='measure_source_idx'), models.Index(fields=['unit', 'deadline'], name='measure_unit_deadline_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('estimated_cost__isnull', True), ('estimated_cost__gte', 0), _connector='OR'), name='measure_cost_not_negative'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), _negated=True), ('completed_at__isnull', False), _connector='OR'), name='measure_done_has_completed_at'), models.CheckConstraint(condition=models.Q(('version__gte', 1)), name='measure_version_positive')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "actionplans_measureevent" ("cancel_reason", "completed_at", "created_at", "created_by_id", "deadline", "description", "effectiveness", "effectiveness_comment", "estimated_cost", "id", "origin_label", "origin_url", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority", "progress", "responsible_id", "source", "status", "title", "unit_id", "version") VALUES (NEW."cancel_reason", NEW."completed_at", NEW."created_at", NEW."created_by_id", NEW."deadline", NEW."description", NEW."effectiveness", NEW."effectiveness_comment", NEW."estimated_cost", NEW."id", NEW."origin_label", NEW."origin_url", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."priority", NEW."progress", NEW."responsible_id", NEW."source", NEW."status", NEW."title", NEW."unit_id", NEW."version"); RETURN NULL;', hash='98357f09519472d39ef4321836c2d17df6b36202', operation='INSERT', pgid='pgtrigger_insert_insert_f90d3', table='actionplans_measure', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "actionplans_measureevent" ("cancel_reason", "completed_at", "created_at", "created_by_id", "deadline", "description", "effectiveness", "effectiveness_comment", "estimated_cost", "id", "origin_label", "origin_url", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority", "progress", "responsible_id", "source", "status", "title", "unit_id", "version") VALUES (NEW."cancel_reason", NEW."completed_at", NEW."created_at", NEW."created_by_id", NEW."deadline", NEW."description", NEW."effectiveness", NEW."effectiveness_comment", NEW."estimated_cost", NEW."id", NEW."origin_label", NEW."origin_url", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."priority", NEW."progress", NEW."responsible_id", NEW."source", NEW."status", NEW."title", NEW."unit_id", NEW."version"); RETURN NULL;', hash='6b3525a502cc33c9c52165eddb60c502b256a7f2', operation='UPDATE', pgid='pgtrigger_update_update_5b275', table='actionplans_measure', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "actionplans_measureevent" ("cancel_reason", "completed_at", "created_at", "created_by_id", "deadline", "description", "effectiveness", "effectiveness_comment", "estimated_cost", "id", "origin_label", "origin_url", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "priority", "progress", "responsible_id", "source", "status", "title", "unit_id", "version") VALUES (OLD."cancel_reason", OLD."completed_at", OLD."created_at", OLD."created_by_id", OLD."deadline", OLD."description", OLD."effectiveness", OLD."effectiveness_comment", OLD."estimated_cost", OLD."id", OLD."origin_label", OLD."origin_url", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."priority", OLD."progress", OLD."responsible_id", OLD."source", OLD."status", OLD."title", OLD."unit_id", OLD."version"); RETURN NULL;', hash='8d234cf4de148eacc0b1d6da0e5d6d9ba172fe25', operation='DELETE', pgid='pgtrigger_delete_delete_2a9b4', table='actionplans_measure', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='MeasureEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('title', models.CharField(max_length=300, verbose_name='measure')),
                ('description', models.TextField(blank=True, verbose_name='description')),
                ('deadline', models.DateField(verbose_name='deadline')),
                ('status', models.CharField(choices=[('planned', 'Planned'), ('in_progress', 'In progress'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='planned', max_length=20, verbose_name='status')),
                ('priority', models.CharField(choices=[('high', 'High'), ('medium', 'Medium'), ('low', 'Low')], default='medium', max_length=10, verbose_name='priority')),
                ('estimated_cost', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True, verbose_name='estimated cost (NOK)')),
                ('source', models.CharField(choices=[('deviation', 'Deviation'), ('risk_assessment', 'Risk assessment'), ('inspection_round', 'Inspection round'), ('survey', 'Work environment survey'), ('goal', 'Goal'), ('action_plan', 'Added to the action plan')], default='action_plan', max_length=20, verbose_name='source')),
                ('effectiveness', models.CharField(blank=True, choices=[('effective', 'Effective'), ('partly', 'Partly effective'), ('not_effective', 'Not effective')], max_length=20, verbose_name='effect')),
                ('effectiveness_comment', models.TextField(blank=True, verbose_name='comment on the effect')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('completed_at', models.DateTimeField(blank=True, null=True, verbose_name='completed')),
                ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='created by')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='actionplans.measure')),
                ('responsible', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responsible')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
                ('cancel_reason', models.TextField(blank=True, verbose_name='reason for cancelling')),
                ('origin_label', models.CharField(blank=True, max_length=300, verbose_name='came from')),
                ('origin_url', models.CharField(blank=True, max_length=500, verbose_name='link to where it came from')),
                ('progress', models.TextField(blank=True, help_text='What has been done so far, and what remains.', verbose_name='progress')),
                ('version', models.PositiveIntegerField(default=1)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='MeasureReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('due_soon', 'Due soon'), ('overdue', 'Overdue')], max_length=10)),
                ('deadline', models.DateField()),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('measure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='actionplans.measure')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('measure', 'kind', 'deadline'), name='measure_reminder_once')],
            },
        ),
    ]
