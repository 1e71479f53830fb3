from importlib import import_module

import django.contrib.auth.validators
import django.contrib.postgres.operations
import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.utils.timezone
import pgtrigger.compiler
import units.limits
import units.models
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration

# The data steps a fresh database needs (the defaults), from the migrations this one
# replaces; when those files are deleted, their functions move here.
_person_search_index = import_module("units.migrations.0004_person_search_index")
_default_role_descriptions = import_module("units.migrations.0009_default_role_descriptions")


class Migration(SquashedMigration):

    replaces = [('units', '0001_initial'), ('units', '0002_user_identifiers'), ('units', '0003_people_register_employment'), ('units', '0004_person_search_index'), ('units', '0005_outbox_message'), ('units', '0006_dates_in_range'), ('units', '0007_forget_sign_in_times'), ('units', '0008_role_descriptions'), ('units', '0009_default_role_descriptions'), ('units', '0010_user_language')]

    initial = True

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('pghistory', '0007_auto_20250421_0444'),
    ]

    operations = [
        django.contrib.postgres.operations.TrigramExtension(
        ),
        migrations.CreateModel(
            name='User',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('password', models.CharField(max_length=128, verbose_name='password')),
                ('last_login', models.DateTimeField(blank=True, null=True, verbose_name='last login')),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, unique=True, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('groups', models.ManyToManyField(blank=True, help_text='The groups this user belongs to. A user will get all permissions granted to each of their groups.', related_name='user_set', related_query_name='user', to='auth.group', verbose_name='groups')),
                ('user_permissions', models.ManyToManyField(blank=True, help_text='Specific permissions for this user.', related_name='user_set', related_query_name='user', to='auth.permission', verbose_name='user permissions')),
                ('employee_number', models.CharField(blank=True, max_length=32, null=True, unique=True, verbose_name='employee number')),
                ('feide_id', models.CharField(blank=True, help_text='eduPersonPrincipalName, e.g. ola.nordmann@ntnu.no.', max_length=254, null=True, unique=True, verbose_name='Feide id')),
                ('oidc_subject', models.CharField(blank=True, max_length=255, null=True, unique=True, verbose_name='sign-in subject')),
                ('language', models.CharField(blank=True, choices=[('nb', 'Norwegian bokmål'), ('nn', 'Norwegian nynorsk'), ('en', 'English')], max_length=10, verbose_name='language of e-mails')),
            ],
            options={
                'verbose_name': 'user',
                'verbose_name_plural': 'users',
                'abstract': False,
                'swappable': 'AUTH_USER_MODEL',
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_userevent" ("date_joined", "email", "employee_number", "feide_id", "first_name", "id", "is_active", "is_staff", "is_superuser", "language", "last_name", "oidc_subject", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "username") VALUES (NEW."date_joined", NEW."email", NEW."employee_number", NEW."feide_id", NEW."first_name", NEW."id", NEW."is_active", NEW."is_staff", NEW."is_superuser", NEW."language", NEW."last_name", NEW."oidc_subject", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."username"); RETURN NULL;', hash='ffe8d44f94bbb599b12f581a52077e7a7763ea54', operation='INSERT', pgid='pgtrigger_insert_insert_f0b08', table='units_user', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."date_joined" IS DISTINCT FROM (NEW."date_joined") OR OLD."email" IS DISTINCT FROM (NEW."email") OR OLD."employee_number" IS DISTINCT FROM (NEW."employee_number") OR OLD."feide_id" IS DISTINCT FROM (NEW."feide_id") OR OLD."first_name" IS DISTINCT FROM (NEW."first_name") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."is_active" IS DISTINCT FROM (NEW."is_active") OR OLD."is_staff" IS DISTINCT FROM (NEW."is_staff") OR OLD."is_superuser" IS DISTINCT FROM (NEW."is_superuser") OR OLD."language" IS DISTINCT FROM (NEW."language") OR OLD."last_name" IS DISTINCT FROM (NEW."last_name") OR OLD."oidc_subject" IS DISTINCT FROM (NEW."oidc_subject") OR OLD."username" IS DISTINCT FROM (NEW."username"))', func='INSERT INTO "units_userevent" ("date_joined", "email", "employee_number", "feide_id", "first_name", "id", "is_active", "is_staff", "is_superuser", "language", "last_name", "oidc_subject", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "username") VALUES (NEW."date_joined", NEW."email", NEW."employee_number", NEW."feide_id", NEW."first_name", NEW."id", NEW."is_active", NEW."is_staff", NEW."is_superuser", NEW."language", NEW."last_name", NEW."oidc_subject", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."username"); RETURN NULL;', hash='5b00733b31a474af8a99dc81f4afa2e1ddf16640', operation='UPDATE', pgid='pgtrigger_update_update_0de8a', table='units_user', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_userevent" ("date_joined", "email", "employee_number", "feide_id", "first_name", "id", "is_active", "is_staff", "is_superuser", "language", "last_name", "oidc_subject", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "username") VALUES (OLD."date_joined", OLD."email", OLD."employee_number", OLD."feide_id", OLD."first_name", OLD."id", OLD."is_active", OLD."is_staff", OLD."is_superuser", OLD."language", OLD."last_name", OLD."oidc_subject", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."username"); RETURN NULL;', hash='548ecf3a1f61e93c6c063fcff402dddbb0f3d543', operation='DELETE', pgid='pgtrigger_delete_delete_19537', table='units_user', when='AFTER'))],
            },
            managers=[
                ('objects', units.models.PersonManager()),
            ],
        ),
        migrations.CreateModel(
            name='UserEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('is_superuser', models.BooleanField(default=False, help_text='Designates that this user has all permissions without explicitly assigning them.', verbose_name='superuser status')),
                ('username', models.CharField(error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('first_name', models.CharField(blank=True, max_length=150, verbose_name='first name')),
                ('last_name', models.CharField(blank=True, max_length=150, verbose_name='last name')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_staff', models.BooleanField(default=False, help_text='Designates whether the user can log into this admin site.', verbose_name='staff status')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('date_joined', models.DateTimeField(default=django.utils.timezone.now, verbose_name='date joined')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to=settings.AUTH_USER_MODEL)),
                ('employee_number', models.CharField(blank=True, max_length=32, null=True, verbose_name='employee number')),
                ('feide_id', models.CharField(blank=True, help_text='eduPersonPrincipalName, e.g. ola.nordmann@ntnu.no.', max_length=254, null=True, verbose_name='Feide id')),
                ('oidc_subject', models.CharField(blank=True, max_length=255, null=True, verbose_name='sign-in subject')),
                ('language', models.CharField(blank=True, choices=[('nb', 'Norwegian bokmål'), ('nn', 'Norwegian nynorsk'), ('en', 'English')], max_length=10, verbose_name='language of e-mails')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Unit',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('path', models.CharField(max_length=255, unique=True)),
                ('depth', models.PositiveIntegerField()),
                ('numchild', models.PositiveIntegerField(default=0)),
                ('code', models.CharField(max_length=32, unique=True, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'Use letters, digits, dot, dash or underscore, starting with a letter or digit.')], verbose_name='code')),
                ('name_nb', models.CharField(max_length=200, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(blank=True, max_length=200, verbose_name='name (English)')),
                ('unit_type', models.CharField(choices=[('institution', 'Institution'), ('faculty', 'Faculty'), ('department', 'Department'), ('section', 'Section'), ('laboratory', 'Laboratory'), ('research_group', 'Research group'), ('other', 'Other')], default='other', max_length=20, verbose_name='unit type')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'verbose_name': 'unit',
                'verbose_name_plural': 'units',
                'permissions': [('manage_tree', 'Can manage the unit tree and role assignments')],
                'indexes': [models.Index(fields=['is_active', 'depth'], name='unit_active_depth_idx')],
                'constraints': [models.UniqueConstraint(django.db.models.functions.text.Upper('code'), name='unit_code_unique_ignoring_case')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_unitevent" ("code", "depth", "id", "is_active", "name_en", "name_nb", "numchild", "path", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_type", "version") VALUES (NEW."code", NEW."depth", NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."numchild", NEW."path", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."unit_type", NEW."version"); RETURN NULL;', hash='2d7ce83549a9a74b87935ec012e23fbea7bc0f83', operation='INSERT', pgid='pgtrigger_insert_insert_fb1f3', table='units_unit', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "units_unitevent" ("code", "depth", "id", "is_active", "name_en", "name_nb", "numchild", "path", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_type", "version") VALUES (NEW."code", NEW."depth", NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."numchild", NEW."path", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."unit_type", NEW."version"); RETURN NULL;', hash='f85cb8e45beb14c9436bb2a185c1de804a678995', operation='UPDATE', pgid='pgtrigger_update_update_727f7', table='units_unit', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_unitevent" ("code", "depth", "id", "is_active", "name_en", "name_nb", "numchild", "path", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "unit_type", "version") VALUES (OLD."code", OLD."depth", OLD."id", OLD."is_active", OLD."name_en", OLD."name_nb", OLD."numchild", OLD."path", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."unit_type", OLD."version"); RETURN NULL;', hash='811e46daaf2311e6305c77ea0909263bc54f9610', operation='DELETE', pgid='pgtrigger_delete_delete_ebb8b', table='units_unit', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='UnitEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('path', models.CharField(max_length=255)),
                ('depth', models.PositiveIntegerField()),
                ('numchild', models.PositiveIntegerField(default=0)),
                ('code', models.CharField(max_length=32, validators=[django.core.validators.RegexValidator('^[A-Za-z0-9][A-Za-z0-9_.-]*$', 'Use letters, digits, dot, dash or underscore, starting with a letter or digit.')], verbose_name='code')),
                ('name_nb', models.CharField(max_length=200, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(blank=True, max_length=200, verbose_name='name (English)')),
                ('unit_type', models.CharField(choices=[('institution', 'Institution'), ('faculty', 'Faculty'), ('department', 'Department'), ('section', 'Section'), ('laboratory', 'Laboratory'), ('research_group', 'Research group'), ('other', 'Other')], default='other', max_length=20, verbose_name='unit type')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='units.unit')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='RoleAssignment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('line_manager', 'Line manager'), ('safety_rep', 'Safety representative'), ('chief_safety_rep', 'Chief safety representative'), ('hms_coordinator', 'HSE coordinator'), ('radiation_coordinator', 'Radiation protection coordinator'), ('chemical_contact', 'Chemical register contact'), ('hms_department', 'HSE department'), ('employee', 'Employee')], max_length=32, verbose_name='role')),
                ('valid_from', models.DateField(default=django.utils.timezone.localdate, validators=[units.limits.validate_date_in_range], verbose_name='valid from')),
                ('valid_to', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='valid to')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='role_assignments', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='role_assignments', to='units.unit', verbose_name='unit')),
                ('delegated', models.TextField(blank=True, help_text="What the line manager has delegated to this person beyond the role's own tasks, e.g. handling the unit's deviations or keeping its chemical register.", max_length=2000, verbose_name='tasks and authority delegated')),
            ],
            options={
                'verbose_name': 'role assignment',
                'verbose_name_plural': 'role assignments',
                'ordering': ['unit__path', 'role', 'user__last_name'],
                'indexes': [models.Index(fields=['user', 'valid_to'], name='roleassignment_user_idx'), models.Index(fields=['unit', 'role'], name='roleassignment_unit_role_idx')],
                'constraints': [models.CheckConstraint(condition=models.Q(('valid_to__isnull', True), ('valid_to__gte', models.F('valid_from')), _connector='OR'), name='roleassignment_period_ordered'), models.UniqueConstraint(condition=models.Q(('valid_to__isnull', True)), fields=('user', 'unit', 'role'), name='roleassignment_one_open_per_role')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_roleassignmentevent" ("delegated", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "unit_id", "user_id", "valid_from", "valid_to") VALUES (NEW."delegated", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."role", NEW."unit_id", NEW."user_id", NEW."valid_from", NEW."valid_to"); RETURN NULL;', hash='24159766e2f90711bcabf17b31e8e4df06040fdf', operation='INSERT', pgid='pgtrigger_insert_insert_357f7', table='units_roleassignment', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "units_roleassignmentevent" ("delegated", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "unit_id", "user_id", "valid_from", "valid_to") VALUES (NEW."delegated", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."role", NEW."unit_id", NEW."user_id", NEW."valid_from", NEW."valid_to"); RETURN NULL;', hash='f9c586e5466eb54377dbb706373735306a8395f0', operation='UPDATE', pgid='pgtrigger_update_update_0b350', table='units_roleassignment', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_roleassignmentevent" ("delegated", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "unit_id", "user_id", "valid_from", "valid_to") VALUES (OLD."delegated", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."role", OLD."unit_id", OLD."user_id", OLD."valid_from", OLD."valid_to"); RETURN NULL;', hash='2429d8f48269bb1228a871b9422a355e68b07400', operation='DELETE', pgid='pgtrigger_delete_delete_50a7c', table='units_roleassignment', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='RoleAssignmentEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('role', models.CharField(choices=[('line_manager', 'Line manager'), ('safety_rep', 'Safety representative'), ('chief_safety_rep', 'Chief safety representative'), ('hms_coordinator', 'HSE coordinator'), ('radiation_coordinator', 'Radiation protection coordinator'), ('chemical_contact', 'Chemical register contact'), ('hms_department', 'HSE department'), ('employee', 'Employee')], max_length=32, verbose_name='role')),
                ('valid_from', models.DateField(default=django.utils.timezone.localdate, validators=[units.limits.validate_date_in_range], verbose_name='valid from')),
                ('valid_to', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='valid to')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='units.roleassignment')),
                ('user', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
                ('delegated', models.TextField(blank=True, help_text="What the line manager has delegated to this person beyond the role's own tasks, e.g. handling the unit's deviations or keeping its chemical register.", max_length=2000, verbose_name='tasks and authority delegated')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Employment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('position_share', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='position share (%)')),
                ('start', models.DateField(validators=[units.limits.validate_date_in_range], verbose_name='start of employment')),
                ('end', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='end of employment')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employments', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='employments', to='units.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'employment',
                'verbose_name_plural': 'employments',
                'ordering': ['-start', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('position_share__gt', 0), ('position_share__lte', 100)), name='employment_share_percentage'), models.CheckConstraint(condition=models.Q(('end__isnull', True), ('end__gte', models.F('start')), _connector='OR'), name='employment_period_ordered'), models.UniqueConstraint(fields=('person', 'unit', 'start'), name='employment_one_per_start')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_employmentevent" ("end", "id", "person_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position_share", "start", "unit_id") VALUES (NEW."end", NEW."id", NEW."person_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."position_share", NEW."start", NEW."unit_id"); RETURN NULL;', hash='abf52c544e23677e15083dec8f7619203d809546', operation='INSERT', pgid='pgtrigger_insert_insert_9b291', table='units_employment', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "units_employmentevent" ("end", "id", "person_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position_share", "start", "unit_id") VALUES (NEW."end", NEW."id", NEW."person_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."position_share", NEW."start", NEW."unit_id"); RETURN NULL;', hash='9d9b0cbd2e474f585fbca69af787f7df81cf9722', operation='UPDATE', pgid='pgtrigger_update_update_cdfb6', table='units_employment', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_employmentevent" ("end", "id", "person_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position_share", "start", "unit_id") VALUES (OLD."end", OLD."id", OLD."person_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."position_share", OLD."start", OLD."unit_id"); RETURN NULL;', hash='98e05c11614feb1b6be0986541988dbc24a9a659', operation='DELETE', pgid='pgtrigger_delete_delete_e925d', table='units_employment', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='EmploymentEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('position_share', models.DecimalField(decimal_places=2, max_digits=5, verbose_name='position share (%)')),
                ('start', models.DateField(validators=[units.limits.validate_date_in_range], verbose_name='start of employment')),
                ('end', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='end of employment')),
                ('person', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='units.employment')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='OutboxMessage',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(max_length=60)),
                ('key', models.CharField(max_length=100)),
                ('recipient', models.EmailField(max_length=254)),
                ('subject', models.CharField(max_length=300)),
                ('body', models.TextField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('sent_at', models.DateTimeField(blank=True, null=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('last_error', models.TextField(blank=True)),
            ],
            options={
                'verbose_name': 'outgoing e-mail',
                'verbose_name_plural': 'outgoing e-mails',
                'indexes': [models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='outbox_unsent_idx'), models.Index(fields=['kind', 'key'], name='outbox_event_idx')],
                'constraints': [models.UniqueConstraint(fields=('kind', 'key', 'recipient'), name='outbox_once_per_event_and_recipient')],
            },
        ),
        migrations.CreateModel(
            name='RoleDescription',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('role', models.CharField(choices=[('line_manager', 'Line manager'), ('safety_rep', 'Safety representative'), ('chief_safety_rep', 'Chief safety representative'), ('hms_coordinator', 'HSE coordinator'), ('radiation_coordinator', 'Radiation protection coordinator'), ('chemical_contact', 'Chemical register contact'), ('hms_department', 'HSE department'), ('employee', 'Employee')], max_length=32, unique=True, verbose_name='role')),
                ('responsibility', models.TextField(blank=True, max_length=10000, verbose_name='responsibility')),
                ('tasks', models.TextField(blank=True, max_length=10000, verbose_name='tasks')),
                ('authority', models.TextField(blank=True, max_length=10000, verbose_name='authority')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'verbose_name': 'role description',
                'verbose_name_plural': 'role descriptions',
                'ordering': ['role'],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_roledescriptionevent" ("authority", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsibility", "role", "tasks", "version") VALUES (NEW."authority", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."responsibility", NEW."role", NEW."tasks", NEW."version"); RETURN NULL;', hash='c68554638ec8e61dcd352102b8b35fc7927e5c03', operation='INSERT', pgid='pgtrigger_insert_insert_99bc1', table='units_roledescription', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "units_roledescriptionevent" ("authority", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsibility", "role", "tasks", "version") VALUES (NEW."authority", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."responsibility", NEW."role", NEW."tasks", NEW."version"); RETURN NULL;', hash='a6485cc52a9f5ccc0a0c33ab1c2d478672e049c4', operation='UPDATE', pgid='pgtrigger_update_update_02861', table='units_roledescription', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "units_roledescriptionevent" ("authority", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsibility", "role", "tasks", "version") VALUES (OLD."authority", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."responsibility", OLD."role", OLD."tasks", OLD."version"); RETURN NULL;', hash='7a875a9da2bbe946a8dd0ed1536935933efec7af', operation='DELETE', pgid='pgtrigger_delete_delete_f764d', table='units_roledescription', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='RoleDescriptionEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('role', models.CharField(choices=[('line_manager', 'Line manager'), ('safety_rep', 'Safety representative'), ('chief_safety_rep', 'Chief safety representative'), ('hms_coordinator', 'HSE coordinator'), ('radiation_coordinator', 'Radiation protection coordinator'), ('chemical_contact', 'Chemical register contact'), ('hms_department', 'HSE department'), ('employee', 'Employee')], max_length=32, verbose_name='role')),
                ('responsibility', models.TextField(blank=True, max_length=10000, verbose_name='responsibility')),
                ('tasks', models.TextField(blank=True, max_length=10000, verbose_name='tasks')),
                ('authority', models.TextField(blank=True, max_length=10000, verbose_name='authority')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='units.roledescription')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.RunSQL(
            f"CREATE INDEX user_search_trgm ON units_user USING gin (({_person_search_index.HAYSTACK}) gin_trgm_ops)",
            "DROP INDEX IF EXISTS user_search_trgm",
        ),
        migrations.RunPython(_default_role_descriptions.fill, migrations.RunPython.noop),
    ]
