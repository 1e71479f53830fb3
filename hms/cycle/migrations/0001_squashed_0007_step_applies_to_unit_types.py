from importlib import import_module

import django.contrib.postgres.fields
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import units.limits
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration

# The data steps a fresh database needs (the defaults), from the migrations this one
# replaces; when those files are deleted, their functions move here.
_default_steps = import_module("hms.cycle.migrations.0002_default_steps")


class Migration(SquashedMigration):

    replaces = [('cycle', '0001_initial'), ('cycle', '0002_default_steps'), ('cycle', '0003_goal_carried_over_from'), ('cycle', '0004_dates_in_range'), ('cycle', '0005_text_max_length'), ('cycle', '0006_working_group_version'), ('cycle', '0007_step_applies_to_unit_types')]

    initial = True

    dependencies = [
        ('actionplans', '0001_initial'),
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='UnitCycle',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='cycles', to='units.unit', verbose_name='unit')),
                ('group_version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'verbose_name': 'yearly HMS cycle',
                'verbose_name_plural': 'yearly HMS cycles',
                'ordering': ['unit__path', '-year'],
                'constraints': [models.UniqueConstraint(fields=('unit', 'year'), name='unitcycle_one_per_year')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_unitcycleevent" ("created_at", "group_version", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "year") VALUES (NEW."created_at", NEW."group_version", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."unit_id", NEW."year"); RETURN NULL;', hash='721560fcb89bdff8069aea45a8e77635dee06d55', operation='INSERT', pgid='pgtrigger_insert_insert_e9e9e', table='cycle_unitcycle', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "cycle_unitcycleevent" ("created_at", "group_version", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "year") VALUES (NEW."created_at", NEW."group_version", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."unit_id", NEW."year"); RETURN NULL;', hash='97310da4d52d39476d15f876f7e45e35928f293a', operation='UPDATE', pgid='pgtrigger_update_update_ad61b', table='cycle_unitcycle', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_unitcycleevent" ("created_at", "group_version", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "year") VALUES (OLD."created_at", OLD."group_version", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."unit_id", OLD."year"); RETURN NULL;', hash='d272e1118a8f47ace7af0c9719852e549d74fcc2', operation='DELETE', pgid='pgtrigger_delete_delete_3476a', table='cycle_unitcycle', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='UnitCycleEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='cycle.unitcycle')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
                ('group_version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='WorkingGroupMember',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('part', models.CharField(blank=True, max_length=200, verbose_name='part in the work')),
                ('is_driver', models.BooleanField(default=False, verbose_name='drives the work')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='working_group', to='units.unit', verbose_name='unit')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='working_groups', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'verbose_name': 'working group member',
                'verbose_name_plural': 'working group members',
                'ordering': ['-is_driver', 'user__last_name', 'user__first_name'],
                'constraints': [models.UniqueConstraint(fields=('unit', 'year', 'user'), name='workinggroup_member_once'), models.UniqueConstraint(condition=models.Q(('is_driver', True)), fields=('unit', 'year'), name='workinggroup_one_driver')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_workinggroupmemberevent" ("id", "is_driver", "part", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "user_id", "year") VALUES (NEW."id", NEW."is_driver", NEW."part", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."unit_id", NEW."user_id", NEW."year"); RETURN NULL;', hash='b5b9c7838ca248368b212f4f36247798076d6be1', operation='INSERT', pgid='pgtrigger_insert_insert_85a0a', table='cycle_workinggroupmember', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "cycle_workinggroupmemberevent" ("id", "is_driver", "part", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "user_id", "year") VALUES (NEW."id", NEW."is_driver", NEW."part", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."unit_id", NEW."user_id", NEW."year"); RETURN NULL;', hash='08f9c4c37f71649e6d4bb17365603bf18c7c68b2', operation='UPDATE', pgid='pgtrigger_update_update_93df5', table='cycle_workinggroupmember', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_workinggroupmemberevent" ("id", "is_driver", "part", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_id", "user_id", "year") VALUES (OLD."id", OLD."is_driver", OLD."part", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."unit_id", OLD."user_id", OLD."year"); RETURN NULL;', hash='06b3e55e80081cbd729b09866e91e2a9cb201533', operation='DELETE', pgid='pgtrigger_delete_delete_f3756', table='cycle_workinggroupmember', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='WorkingGroupMemberEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('part', models.CharField(blank=True, max_length=200, verbose_name='part in the work')),
                ('is_driver', models.BooleanField(default=False, verbose_name='drives the work')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='cycle.workinggroupmember')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
                ('user', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Goal',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('title', models.CharField(max_length=300, verbose_name='goal')),
                ('description', models.TextField(blank=True, max_length=10000, verbose_name='description')),
                ('evaluation', models.CharField(blank=True, choices=[('reached', 'Reached'), ('partly', 'Partly reached'), ('not_reached', 'Not reached')], max_length=20, verbose_name='evaluation')),
                ('evaluation_comment', models.TextField(blank=True, max_length=2000, verbose_name='comment on the evaluation')),
                ('evaluated_at', models.DateTimeField(blank=True, null=True, verbose_name='evaluated')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('evaluated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='evaluated by')),
                ('parent', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='children', to='cycle.goal', verbose_name='supports the goal')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='goals', to='units.unit', verbose_name='unit')),
                ('carried_over_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='carried_over', to='cycle.goal', verbose_name='carried over from')),
            ],
            options={
                'verbose_name': 'HSE goal',
                'verbose_name_plural': 'HSE goals',
                'ordering': ['unit__path', '-year', 'pk'],
                'indexes': [models.Index(fields=['unit', 'year'], name='goal_unit_year_idx'), models.Index(fields=['year', 'evaluation'], name='goal_year_evaluation_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('evaluation', ''), ('evaluated_at__isnull', False), _connector='OR'), name='goal_evaluation_has_time'), models.CheckConstraint(condition=models.Q(('evaluation__in', ['', 'reached', 'partly', 'not_reached'])), name='goal_evaluation_valid')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_goalevent" ("carried_over_from_id", "created_at", "created_by_id", "description", "evaluated_at", "evaluated_by_id", "evaluation", "evaluation_comment", "id", "parent_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "title", "unit_id", "version", "year") VALUES (NEW."carried_over_from_id", NEW."created_at", NEW."created_by_id", NEW."description", NEW."evaluated_at", NEW."evaluated_by_id", NEW."evaluation", NEW."evaluation_comment", NEW."id", NEW."parent_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."title", NEW."unit_id", NEW."version", NEW."year"); RETURN NULL;', hash='68b649dca76749a7dcb3b2c39b34aaa3edc14c38', operation='INSERT', pgid='pgtrigger_insert_insert_bb4cb', table='cycle_goal', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "cycle_goalevent" ("carried_over_from_id", "created_at", "created_by_id", "description", "evaluated_at", "evaluated_by_id", "evaluation", "evaluation_comment", "id", "parent_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "title", "unit_id", "version", "year") VALUES (NEW."carried_over_from_id", NEW."created_at", NEW."created_by_id", NEW."description", NEW."evaluated_at", NEW."evaluated_by_id", NEW."evaluation", NEW."evaluation_comment", NEW."id", NEW."parent_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."title", NEW."unit_id", NEW."version", NEW."year"); RETURN NULL;', hash='6f9e4eaf678ef64f80fcc78b32928758fa9433e3', operation='UPDATE', pgid='pgtrigger_update_update_35417', table='cycle_goal', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_goalevent" ("carried_over_from_id", "created_at", "created_by_id", "description", "evaluated_at", "evaluated_by_id", "evaluation", "evaluation_comment", "id", "parent_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "title", "unit_id", "version", "year") VALUES (OLD."carried_over_from_id", OLD."created_at", OLD."created_by_id", OLD."description", OLD."evaluated_at", OLD."evaluated_by_id", OLD."evaluation", OLD."evaluation_comment", OLD."id", OLD."parent_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."title", OLD."unit_id", OLD."version", OLD."year"); RETURN NULL;', hash='8e855bcfa00d51e8adcd1222ce8e3b261e957a81', operation='DELETE', pgid='pgtrigger_delete_delete_6b935', table='cycle_goal', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='GoalEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('title', models.CharField(max_length=300, verbose_name='goal')),
                ('description', models.TextField(blank=True, max_length=10000, verbose_name='description')),
                ('evaluation', models.CharField(blank=True, choices=[('reached', 'Reached'), ('partly', 'Partly reached'), ('not_reached', 'Not reached')], max_length=20, verbose_name='evaluation')),
                ('evaluation_comment', models.TextField(blank=True, max_length=2000, verbose_name='comment on the evaluation')),
                ('evaluated_at', models.DateTimeField(blank=True, null=True, verbose_name='evaluated')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                ('evaluated_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='evaluated by')),
                ('parent', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='cycle.goal', verbose_name='supports the goal')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='cycle.goal')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
                ('carried_over_from', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='cycle.goal', verbose_name='carried over from')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='GoalMeasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('goal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='goal_measures', to='cycle.goal')),
                ('measure', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='goal_link', to='actionplans.measure')),
            ],
            options={
                'verbose_name': 'goal measure',
                'verbose_name_plural': 'goal measures',
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_goalmeasureevent" ("goal_id", "id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."goal_id", NEW."id", NEW."measure_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id"); RETURN NULL;', hash='3981bc94eb3f6cfe716103d51a698cf0f2436424', operation='INSERT', pgid='pgtrigger_insert_insert_31b7a', table='cycle_goalmeasure', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "cycle_goalmeasureevent" ("goal_id", "id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."goal_id", NEW."id", NEW."measure_id", _pgh_attach_context(), NOW(), \'update\', NEW."id"); RETURN NULL;', hash='dad4fcb1188042539a2a58d377b15c247389701e', operation='UPDATE', pgid='pgtrigger_update_update_a41ad', table='cycle_goalmeasure', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_goalmeasureevent" ("goal_id", "id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (OLD."goal_id", OLD."id", OLD."measure_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id"); RETURN NULL;', hash='50ff69187262c6cc830c79cc18b6fe17ea5141f5', operation='DELETE', pgid='pgtrigger_delete_delete_673ad', table='cycle_goalmeasure', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='GoalMeasureEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('goal', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='cycle.goal')),
                ('measure', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='actionplans.measure')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='cycle.goalmeasure')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ReminderSent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('goal_evaluation', 'Goals to evaluate'), ('round_due', 'Inspection round due')], max_length=30)),
                ('period', models.CharField(max_length=20)),
                ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='units.unit')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('kind', 'unit', 'period'), name='remindersent_once_per_period')],
            },
        ),
        migrations.CreateModel(
            name='StepTemplate',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phase', models.CharField(choices=[('initiate', 'Initiate'), ('map', 'Map'), ('plan', 'Plan measures'), ('follow_up', 'Follow up')], max_length=20, verbose_name='phase')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('key', models.CharField(blank=True, choices=[('take_initiative', 'take_initiative'), ('inform_involve', 'inform_involve'), ('clarify_roles', 'clarify_roles'), ('set_goals', 'set_goals'), ('organise', 'organise'), ('requirements', 'requirements'), ('identify_challenges', 'identify_challenges'), ('training_needs', 'training_needs'), ('documentation', 'documentation'), ('local_routines', 'local_routines'), ('coordination_agreement', 'coordination_agreement'), ('action_plan', 'action_plan'), ('inspection_round', 'inspection_round'), ('deviation_handling', 'deviation_handling'), ('indicators', 'indicators')], max_length=40, verbose_name='key')),
                ('title_nb', models.CharField(max_length=200, verbose_name='title (bokmål)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('guidance_nb', models.TextField(blank=True, max_length=10000, verbose_name='guidance (bokmål)')),
                ('guidance_en', models.TextField(blank=True, max_length=10000, verbose_name='guidance (English)')),
                ('due_month', models.PositiveSmallIntegerField(verbose_name='due month')),
                ('due_day', models.PositiveSmallIntegerField(verbose_name='due day')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('not_for_unit_types', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('institution', 'Institution'), ('faculty', 'Faculty'), ('department', 'Department'), ('section', 'Section'), ('laboratory', 'Laboratory'), ('research_group', 'Research group'), ('other', 'Other')], max_length=20), blank=True, default=list, size=None, verbose_name='does not apply to')),
            ],
            options={
                'verbose_name': 'cycle step template',
                'verbose_name_plural': 'cycle step templates',
                'ordering': ['order', 'pk'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('key',), name='steptemplate_key_unique'), models.CheckConstraint(condition=models.Q(('due_day__gte', 1), ('due_day__lte', 31), ('due_month__gte', 1), ('due_month__lte', 12)), name='steptemplate_due_in_calendar')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_steptemplateevent" ("due_day", "due_month", "guidance_en", "guidance_nb", "id", "is_active", "key", "not_for_unit_types", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phase", "title_en", "title_nb") VALUES (NEW."due_day", NEW."due_month", NEW."guidance_en", NEW."guidance_nb", NEW."id", NEW."is_active", NEW."key", NEW."not_for_unit_types", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."phase", NEW."title_en", NEW."title_nb"); RETURN NULL;', hash='e5d1bd60a1b1b0cfdd8c501179428821ae61db2d', operation='INSERT', pgid='pgtrigger_insert_insert_f3b82', table='cycle_steptemplate', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "cycle_steptemplateevent" ("due_day", "due_month", "guidance_en", "guidance_nb", "id", "is_active", "key", "not_for_unit_types", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phase", "title_en", "title_nb") VALUES (NEW."due_day", NEW."due_month", NEW."guidance_en", NEW."guidance_nb", NEW."id", NEW."is_active", NEW."key", NEW."not_for_unit_types", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."phase", NEW."title_en", NEW."title_nb"); RETURN NULL;', hash='ad33ed9334ee3be2ccb0c2f9db642694bb3e17e4', operation='UPDATE', pgid='pgtrigger_update_update_87ada', table='cycle_steptemplate', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_steptemplateevent" ("due_day", "due_month", "guidance_en", "guidance_nb", "id", "is_active", "key", "not_for_unit_types", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phase", "title_en", "title_nb") VALUES (OLD."due_day", OLD."due_month", OLD."guidance_en", OLD."guidance_nb", OLD."id", OLD."is_active", OLD."key", OLD."not_for_unit_types", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."phase", OLD."title_en", OLD."title_nb"); RETURN NULL;', hash='a0d424ea47f148f0271e2dea392d56e69c6151f7', operation='DELETE', pgid='pgtrigger_delete_delete_8a63b', table='cycle_steptemplate', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='StepTemplateEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('phase', models.CharField(choices=[('initiate', 'Initiate'), ('map', 'Map'), ('plan', 'Plan measures'), ('follow_up', 'Follow up')], max_length=20, verbose_name='phase')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('key', models.CharField(blank=True, choices=[('take_initiative', 'take_initiative'), ('inform_involve', 'inform_involve'), ('clarify_roles', 'clarify_roles'), ('set_goals', 'set_goals'), ('organise', 'organise'), ('requirements', 'requirements'), ('identify_challenges', 'identify_challenges'), ('training_needs', 'training_needs'), ('documentation', 'documentation'), ('local_routines', 'local_routines'), ('coordination_agreement', 'coordination_agreement'), ('action_plan', 'action_plan'), ('inspection_round', 'inspection_round'), ('deviation_handling', 'deviation_handling'), ('indicators', 'indicators')], max_length=40, verbose_name='key')),
                ('title_nb', models.CharField(max_length=200, verbose_name='title (bokmål)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('guidance_nb', models.TextField(blank=True, max_length=10000, verbose_name='guidance (bokmål)')),
                ('guidance_en', models.TextField(blank=True, max_length=10000, verbose_name='guidance (English)')),
                ('due_month', models.PositiveSmallIntegerField(verbose_name='due month')),
                ('due_day', models.PositiveSmallIntegerField(verbose_name='due day')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='cycle.steptemplate')),
                ('not_for_unit_types', django.contrib.postgres.fields.ArrayField(base_field=models.CharField(choices=[('institution', 'Institution'), ('faculty', 'Faculty'), ('department', 'Department'), ('section', 'Section'), ('laboratory', 'Laboratory'), ('research_group', 'Research group'), ('other', 'Other')], max_length=20), blank=True, default=list, size=None, verbose_name='does not apply to')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='CycleStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('phase', models.CharField(choices=[('initiate', 'Initiate'), ('map', 'Map'), ('plan', 'Plan measures'), ('follow_up', 'Follow up')], max_length=20, verbose_name='phase')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('key', models.CharField(blank=True, choices=[('take_initiative', 'take_initiative'), ('inform_involve', 'inform_involve'), ('clarify_roles', 'clarify_roles'), ('set_goals', 'set_goals'), ('organise', 'organise'), ('requirements', 'requirements'), ('identify_challenges', 'identify_challenges'), ('training_needs', 'training_needs'), ('documentation', 'documentation'), ('local_routines', 'local_routines'), ('coordination_agreement', 'coordination_agreement'), ('action_plan', 'action_plan'), ('inspection_round', 'inspection_round'), ('deviation_handling', 'deviation_handling'), ('indicators', 'indicators')], max_length=40, verbose_name='key')),
                ('title_nb', models.CharField(max_length=200, verbose_name='title (bokmål)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('guidance_nb', models.TextField(blank=True, max_length=10000, verbose_name='guidance (bokmål)')),
                ('guidance_en', models.TextField(blank=True, max_length=10000, verbose_name='guidance (English)')),
                ('due_date', models.DateField(validators=[units.limits.validate_date_in_range], verbose_name='due date')),
                ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('done', 'Done'), ('not_relevant', 'Not relevant')], default='not_started', max_length=20, verbose_name='status')),
                ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('responsible', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='cycle_steps', to=settings.AUTH_USER_MODEL, verbose_name='responsible')),
                ('cycle', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='cycle.unitcycle', verbose_name='cycle')),
                ('template', models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='cycle.steptemplate', verbose_name='template')),
            ],
            options={
                'verbose_name': 'cycle step',
                'verbose_name_plural': 'cycle steps',
                'ordering': ['order', 'pk'],
                'indexes': [models.Index(fields=['responsible', 'status'], name='cyclestep_responsible_idx'), models.Index(fields=['due_date'], name='cyclestep_due_idx')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('key', ''), _negated=True), fields=('cycle', 'key'), name='cyclestep_key_once')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_cyclestepevent" ("comment", "cycle_id", "due_date", "guidance_en", "guidance_nb", "id", "key", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phase", "responsible_id", "status", "template_id", "title_en", "title_nb", "version") VALUES (NEW."comment", NEW."cycle_id", NEW."due_date", NEW."guidance_en", NEW."guidance_nb", NEW."id", NEW."key", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."phase", NEW."responsible_id", NEW."status", NEW."template_id", NEW."title_en", NEW."title_nb", NEW."version"); RETURN NULL;', hash='a4f7632968273bc163b4330d70120a9b7fbf75a9', operation='INSERT', pgid='pgtrigger_insert_insert_135dd', table='cycle_cyclestep', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "cycle_cyclestepevent" ("comment", "cycle_id", "due_date", "guidance_en", "guidance_nb", "id", "key", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phase", "responsible_id", "status", "template_id", "title_en", "title_nb", "version") VALUES (NEW."comment", NEW."cycle_id", NEW."due_date", NEW."guidance_en", NEW."guidance_nb", NEW."id", NEW."key", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."phase", NEW."responsible_id", NEW."status", NEW."template_id", NEW."title_en", NEW."title_nb", NEW."version"); RETURN NULL;', hash='1174dc08e0415fe3cc4047a63b7191c30710419b', operation='UPDATE', pgid='pgtrigger_update_update_6a7d8', table='cycle_cyclestep', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "cycle_cyclestepevent" ("comment", "cycle_id", "due_date", "guidance_en", "guidance_nb", "id", "key", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phase", "responsible_id", "status", "template_id", "title_en", "title_nb", "version") VALUES (OLD."comment", OLD."cycle_id", OLD."due_date", OLD."guidance_en", OLD."guidance_nb", OLD."id", OLD."key", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."phase", OLD."responsible_id", OLD."status", OLD."template_id", OLD."title_en", OLD."title_nb", OLD."version"); RETURN NULL;', hash='1c2cabcfcb246d6672930c058832769ea676f777', operation='DELETE', pgid='pgtrigger_delete_delete_159aa', table='cycle_cyclestep', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='CycleStepEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('phase', models.CharField(choices=[('initiate', 'Initiate'), ('map', 'Map'), ('plan', 'Plan measures'), ('follow_up', 'Follow up')], max_length=20, verbose_name='phase')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('key', models.CharField(blank=True, choices=[('take_initiative', 'take_initiative'), ('inform_involve', 'inform_involve'), ('clarify_roles', 'clarify_roles'), ('set_goals', 'set_goals'), ('organise', 'organise'), ('requirements', 'requirements'), ('identify_challenges', 'identify_challenges'), ('training_needs', 'training_needs'), ('documentation', 'documentation'), ('local_routines', 'local_routines'), ('coordination_agreement', 'coordination_agreement'), ('action_plan', 'action_plan'), ('inspection_round', 'inspection_round'), ('deviation_handling', 'deviation_handling'), ('indicators', 'indicators')], max_length=40, verbose_name='key')),
                ('title_nb', models.CharField(max_length=200, verbose_name='title (bokmål)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('guidance_nb', models.TextField(blank=True, max_length=10000, verbose_name='guidance (bokmål)')),
                ('guidance_en', models.TextField(blank=True, max_length=10000, verbose_name='guidance (English)')),
                ('due_date', models.DateField(validators=[units.limits.validate_date_in_range], verbose_name='due date')),
                ('status', models.CharField(choices=[('not_started', 'Not started'), ('in_progress', 'In progress'), ('done', 'Done'), ('not_relevant', 'Not relevant')], default='not_started', max_length=20, verbose_name='status')),
                ('comment', models.TextField(blank=True, max_length=2000, verbose_name='comment')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='cycle.cyclestep')),
                ('responsible', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responsible')),
                ('cycle', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='cycle.unitcycle', verbose_name='cycle')),
                ('template', models.ForeignKey(blank=True, db_constraint=False, editable=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='cycle.steptemplate', verbose_name='template')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.AddField(
            model_name='goal',
            name='measures',
            field=models.ManyToManyField(blank=True, related_name='goals', through='cycle.GoalMeasure', to='actionplans.measure', verbose_name='measures'),
        ),
        migrations.RunPython(_default_steps.add_defaults, migrations.RunPython.noop),
    ]
