from importlib import import_module

import django.db.models.deletion
import hms.training.models
import pgtrigger.compiler
import units.limits
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration

# The data steps a fresh database needs (the defaults), from the migrations this one
# replaces; when those files are deleted, their functions move here.
_default_courses = import_module("hms.training.migrations.0002_default_courses")


class Migration(SquashedMigration):

    replaces = [('training', '0001_initial'), ('training', '0002_default_courses'), ('training', '0003_dates_in_range'), ('training', '0004_text_max_length')]

    initial = True

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='RoleCourseNotice',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
                ('courses', models.PositiveSmallIntegerField(default=0)),
                ('assignment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='training_notice', to='units.roleassignment')),
            ],
        ),
        migrations.CreateModel(
            name='Course',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('name_nb', models.CharField(max_length=200, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                ('description', models.TextField(blank=True, max_length=10000, verbose_name='description')),
                ('duration_hours', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='duration (hours)')),
                ('validity_months', models.PositiveSmallIntegerField(blank=True, help_text='Leave empty when the course does not expire.', null=True, verbose_name='valid for (months)')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
            ],
            options={
                'verbose_name': 'course',
                'verbose_name_plural': 'courses',
                'ordering': ['order', 'code'],
                'constraints': [models.CheckConstraint(condition=models.Q(('validity_months__isnull', True), ('validity_months__gt', 0), _connector='OR'), name='course_validity_positive'), models.CheckConstraint(condition=models.Q(('duration_hours__isnull', True), ('duration_hours__gt', 0), _connector='OR'), name='course_duration_positive')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "training_courseevent" ("code", "description", "duration_hours", "id", "is_active", "name_en", "name_nb", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "validity_months") VALUES (NEW."code", NEW."description", NEW."duration_hours", NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."validity_months"); RETURN NULL;', hash='37f4fb38834124e80724c1232f8ed6aadd6b5b68', operation='INSERT', pgid='pgtrigger_insert_insert_bfc1a', table='training_course', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "training_courseevent" ("code", "description", "duration_hours", "id", "is_active", "name_en", "name_nb", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "validity_months") VALUES (NEW."code", NEW."description", NEW."duration_hours", NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."validity_months"); RETURN NULL;', hash='0a6bd2abb6995b7b99d959bcfaf46e7a5ab93b1a', operation='UPDATE', pgid='pgtrigger_update_update_27da0', table='training_course', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "training_courseevent" ("code", "description", "duration_hours", "id", "is_active", "name_en", "name_nb", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "validity_months") VALUES (OLD."code", OLD."description", OLD."duration_hours", OLD."id", OLD."is_active", OLD."name_en", OLD."name_nb", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."validity_months"); RETURN NULL;', hash='93bd1050c861ca25ec988db1f4d6f5e85ae3341a', operation='DELETE', pgid='pgtrigger_delete_delete_9186d', table='training_course', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='CourseEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('code', models.SlugField(db_index=False, max_length=40, verbose_name='code')),
                ('name_nb', models.CharField(max_length=200, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                ('description', models.TextField(blank=True, max_length=10000, verbose_name='description')),
                ('duration_hours', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='duration (hours)')),
                ('validity_months', models.PositiveSmallIntegerField(blank=True, help_text='Leave empty when the course does not expire.', null=True, verbose_name='valid for (months)')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='training.course')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RoleRequirement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('line_manager', 'Line manager'), ('safety_rep', 'Safety representative'), ('chief_safety_rep', 'Chief safety representative'), ('hms_coordinator', 'HSE coordinator'), ('radiation_coordinator', 'Radiation protection coordinator'), ('chemical_contact', 'Chemical register contact'), ('hms_department', 'HSE department'), ('employee', 'Employee')], max_length=32, verbose_name='role')),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='requirements', to='training.course', verbose_name='course')),
            ],
            options={
                'verbose_name': 'course required by a role',
                'verbose_name_plural': 'courses required by roles',
                'ordering': ['role', 'course__order', 'course__code'],
                'constraints': [models.UniqueConstraint(fields=('role', 'course'), name='rolerequirement_unique')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "training_rolerequirementevent" ("course_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role") VALUES (NEW."course_id", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."role"); RETURN NULL;', hash='b0d53e820e03e49ec4b27f91ac7c9589c60d0bd9', operation='INSERT', pgid='pgtrigger_insert_insert_df99a', table='training_rolerequirement', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "training_rolerequirementevent" ("course_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role") VALUES (NEW."course_id", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."role"); RETURN NULL;', hash='7bac31d9ff88b0d40950b61989bb6c277a1a1229', operation='UPDATE', pgid='pgtrigger_update_update_32fda', table='training_rolerequirement', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "training_rolerequirementevent" ("course_id", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role") VALUES (OLD."course_id", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."role"); RETURN NULL;', hash='fd28af6b17f143a87ecf78b0efeb74824c6a4a2f', operation='DELETE', pgid='pgtrigger_delete_delete_0beb6', table='training_rolerequirement', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='RoleRequirementEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('role', models.CharField(choices=[('line_manager', 'Line manager'), ('safety_rep', 'Safety representative'), ('chief_safety_rep', 'Chief safety representative'), ('hms_coordinator', 'HSE coordinator'), ('radiation_coordinator', 'Radiation protection coordinator'), ('chemical_contact', 'Chemical register contact'), ('hms_department', 'HSE department'), ('employee', 'Employee')], max_length=32, verbose_name='role')),
                ('course', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='training.course', verbose_name='course')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='training.rolerequirement')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='TrainingRecord',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('completed_on', models.DateField(validators=[units.limits.validate_date_in_range], verbose_name='completed on')),
                ('expires_on', models.DateField(blank=True, null=True, verbose_name='expires on')),
                ('duration_hours', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='duration (hours)')),
                ('content', models.TextField(blank=True, max_length=10000, verbose_name='content')),
                ('proof_reference', models.CharField(blank=True, help_text="E.g. the course provider's certificate number or the archive case number.", max_length=200, verbose_name='proof (reference)')),
                ('proof_file', models.FileField(blank=True, upload_to=hms.training.models.proof_path, verbose_name='certificate')),
                ('proof_token', models.UUIDField(blank=True, editable=False, null=True, unique=True)),
                ('proof_name', models.CharField(blank=True, max_length=200)),
                ('proof_content_type', models.CharField(blank=True, max_length=50)),
                ('registered_at', models.DateTimeField(auto_now_add=True, verbose_name='registered')),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='records', to='training.course', verbose_name='course')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='training_records', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('registered_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered by')),
            ],
            options={
                'verbose_name': 'training record',
                'verbose_name_plural': 'training records',
                'ordering': ['-completed_on', '-pk'],
                'indexes': [models.Index(fields=['person', 'course', 'expires_on'], name='training_person_idx'), models.Index(fields=['expires_on'], name='training_expires_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('expires_on__isnull', True), ('expires_on__gt', models.F('completed_on')), _connector='OR'), name='trainingrecord_expires_after_completion'), models.CheckConstraint(condition=models.Q(('duration_hours__isnull', True), ('duration_hours__gt', 0), _connector='OR'), name='trainingrecord_duration_positive'), models.CheckConstraint(condition=models.Q(('proof_file', ''), ('proof_token__isnull', False), _connector='OR'), name='trainingrecord_file_has_token')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "training_trainingrecordevent" ("completed_on", "content", "course_id", "duration_hours", "expires_on", "id", "person_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "proof_content_type", "proof_file", "proof_name", "proof_reference", "proof_token", "registered_at", "registered_by_id") VALUES (NEW."completed_on", NEW."content", NEW."course_id", NEW."duration_hours", NEW."expires_on", NEW."id", NEW."person_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."proof_content_type", NEW."proof_file", NEW."proof_name", NEW."proof_reference", NEW."proof_token", NEW."registered_at", NEW."registered_by_id"); RETURN NULL;', hash='80e5848aa09bdbeaccaa9b97346365b63e11887c', operation='INSERT', pgid='pgtrigger_insert_insert_a1626', table='training_trainingrecord', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "training_trainingrecordevent" ("completed_on", "content", "course_id", "duration_hours", "expires_on", "id", "person_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "proof_content_type", "proof_file", "proof_name", "proof_reference", "proof_token", "registered_at", "registered_by_id") VALUES (NEW."completed_on", NEW."content", NEW."course_id", NEW."duration_hours", NEW."expires_on", NEW."id", NEW."person_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."proof_content_type", NEW."proof_file", NEW."proof_name", NEW."proof_reference", NEW."proof_token", NEW."registered_at", NEW."registered_by_id"); RETURN NULL;', hash='60b9ec24131f5755b205ecb9d52eb48ab563a6dd', operation='UPDATE', pgid='pgtrigger_update_update_07fd7', table='training_trainingrecord', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "training_trainingrecordevent" ("completed_on", "content", "course_id", "duration_hours", "expires_on", "id", "person_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "proof_content_type", "proof_file", "proof_name", "proof_reference", "proof_token", "registered_at", "registered_by_id") VALUES (OLD."completed_on", OLD."content", OLD."course_id", OLD."duration_hours", OLD."expires_on", OLD."id", OLD."person_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."proof_content_type", OLD."proof_file", OLD."proof_name", OLD."proof_reference", OLD."proof_token", OLD."registered_at", OLD."registered_by_id"); RETURN NULL;', hash='219e496350c07a9a4b05fc563f4495305e4e85ec', operation='DELETE', pgid='pgtrigger_delete_delete_338e4', table='training_trainingrecord', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='TrainingRecordEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('completed_on', models.DateField(validators=[units.limits.validate_date_in_range], verbose_name='completed on')),
                ('expires_on', models.DateField(blank=True, null=True, verbose_name='expires on')),
                ('duration_hours', models.DecimalField(blank=True, decimal_places=1, max_digits=5, null=True, verbose_name='duration (hours)')),
                ('content', models.TextField(blank=True, max_length=10000, verbose_name='content')),
                ('proof_reference', models.CharField(blank=True, help_text="E.g. the course provider's certificate number or the archive case number.", max_length=200, verbose_name='proof (reference)')),
                ('proof_file', models.FileField(blank=True, upload_to=hms.training.models.proof_path, verbose_name='certificate')),
                ('proof_token', models.UUIDField(blank=True, editable=False, null=True)),
                ('proof_name', models.CharField(blank=True, max_length=200)),
                ('proof_content_type', models.CharField(blank=True, max_length=50)),
                ('registered_at', models.DateTimeField(auto_now_add=True, verbose_name='registered')),
                ('course', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='training.course', verbose_name='course')),
                ('person', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='training.trainingrecord')),
                ('registered_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='registered by')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='TrainingReminder',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('expiring', 'Expires soon'), ('expired', 'Expired')], max_length=16)),
                ('sent_at', models.DateTimeField(auto_now_add=True)),
                ('recipients', models.PositiveSmallIntegerField(default=0)),
                ('record', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='training.trainingrecord')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('record', 'kind'), name='trainingreminder_once')],
            },
        ),
        migrations.RunPython(_default_courses.add_defaults, migrations.RunPython.noop),
    ]
