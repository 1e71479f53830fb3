from importlib import import_module

import deviations.models
import django.contrib.postgres.indexes
import django.contrib.postgres.operations
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
import units.limits
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration

# The data steps a fresh database needs (the defaults), from the migrations this one
# replaces; when those files are deleted, their functions move here.
_default_categories = import_module("deviations.migrations.0002_default_categories")


class Migration(SquashedMigration):

    replaces = [('deviations', '0001_initial'), ('deviations', '0002_default_categories'), ('deviations', '0003_deviation_text_search_trigram'), ('deviations', '0004_receipt_index_and_no_health_details_in_history'), ('deviations', '0005_dates_in_range'), ('deviations', '0006_text_max_length'), ('deviations', '0007_step_corrections')]

    initial = True

    dependencies = [
        ('actionplans', '0001_initial'),
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        django.contrib.postgres.operations.TrigramExtension(
        ),
        migrations.CreateModel(
            name='Category',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('name_nb', models.CharField(max_length=120, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(max_length=120, verbose_name='name (English)')),
                ('is_personal_injury', models.BooleanField(default=False, help_text='Counted as a reported personal injury in the indicators.', verbose_name='personal injury')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
            ],
            options={
                'verbose_name': 'deviation category',
                'verbose_name_plural': 'deviation categories',
                'ordering': ['order', 'code'],
            },
        ),
        migrations.CreateModel(
            name='YearCounter',
            fields=[
                ('year', models.PositiveSmallIntegerField(primary_key=True, serialize=False)),
                ('last', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='Deviation',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.CharField(editable=False, max_length=20, unique=True, verbose_name='number')),
                ('year', models.PositiveSmallIntegerField(editable=False)),
                ('sequence', models.PositiveIntegerField(editable=False)),
                ('is_anonymous', models.BooleanField(default=False, verbose_name='anonymous')),
                ('receipt_code_hash', models.CharField(blank=True, db_index=True, editable=False, max_length=64)),
                ('submission_token', models.UUIDField(editable=False, unique=True)),
                ('title', models.CharField(max_length=200, verbose_name='what happened (short)')),
                ('description', models.TextField(max_length=10000, verbose_name='description')),
                ('location', models.CharField(blank=True, max_length=200, verbose_name='where')),
                ('occurred_at', models.DateTimeField(validators=[units.limits.validate_date_in_range], verbose_name='when')),
                ('deviation_type', models.CharField(choices=[('hazard', 'Hazardous condition or observation'), ('near_miss', 'Near miss'), ('accident', 'Accident (injury or damage)'), ('improvement', 'Improvement proposal')], max_length=20, verbose_name='type')),
                ('severity', models.CharField(choices=[('minor', 'Minor'), ('serious', 'Serious'), ('very_serious', 'Very serious (critical)')], max_length=20, verbose_name='severity')),
                ('actual_consequence', models.TextField(blank=True, max_length=10000, verbose_name='actual consequence')),
                ('potential_consequence', models.TextField(blank=True, max_length=10000, verbose_name='potential consequence')),
                ('immediate_action', models.TextField(blank=True, max_length=10000, verbose_name='immediate action taken')),
                ('injury_kind', models.CharField(blank=True, choices=[('', 'No personal injury'), ('first_aid', 'First aid only'), ('no_absence', 'Injury without absence'), ('absence', 'Injury with absence'), ('death', 'Death')], max_length=20, verbose_name='personal injury')),
                ('absence_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='days of absence')),
                ('health_details', models.TextField(blank=True, max_length=10000, verbose_name='health-related details')),
                ('status', models.CharField(choices=[('reported', 'Reported'), ('under_treatment', 'Under treatment'), ('measures', 'Measures'), ('closed', 'Closed'), ('rejected', 'Rejected')], default='reported', max_length=20, verbose_name='status')),
                ('deadline', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='deadline')),
                ('rejection_reason', models.TextField(blank=True, max_length=10000, verbose_name='reason for rejection')),
                ('cause', models.TextField(blank=True, max_length=10000, verbose_name='cause')),
                ('lessons_learned', models.TextField(blank=True, max_length=10000, verbose_name='lessons learned')),
                ('authorities_notified_at', models.DateTimeField(blank=True, null=True, verbose_name='labour inspection and police notified')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='reported')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deviations', to='deviations.category', verbose_name='category')),
                ('handler', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='handled_deviations', to=settings.AUTH_USER_MODEL, verbose_name='handler')),
                ('reporter', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='reported_deviations', to=settings.AUTH_USER_MODEL, verbose_name='reported by')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='deviations', to='units.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'deviation',
                'verbose_name_plural': 'deviations',
                'ordering': ['-created_at', '-pk'],
                'indexes': [models.Index(fields=['unit', 'status'], name='deviation_unit_status_idx'), models.Index(fields=['status', 'deadline'], name='deviation_status_deadline_idx'), models.Index(fields=['occurred_at'], name='deviation_occurred_idx'), models.Index(fields=['created_at'], name='deviation_created_idx'), models.Index(fields=['category', 'occurred_at'], name='deviation_category_idx'), models.Index(fields=['severity'], name='deviation_severity_idx'), models.Index(fields=['deviation_type'], name='deviation_type_idx'), models.Index(fields=['reporter'], name='deviation_reporter_idx'), models.Index(fields=['handler', 'status'], name='deviation_handler_idx'), django.contrib.postgres.indexes.GinIndex(fields=['number'], name='deviation_number_trgm', opclasses=['gin_trgm_ops']), django.contrib.postgres.indexes.GinIndex(fields=['title'], name='deviation_title_trgm', opclasses=['gin_trgm_ops']), django.contrib.postgres.indexes.GinIndex(fields=['description'], name='deviation_description_trgm', opclasses=['gin_trgm_ops']), django.contrib.postgres.indexes.GinIndex(fields=['location'], name='deviation_location_trgm', opclasses=['gin_trgm_ops'])],
                'constraints': [models.UniqueConstraint(fields=('year', 'sequence'), name='deviation_number_per_year'), models.CheckConstraint(condition=models.Q(('is_anonymous', False), ('reporter__isnull', True), _connector='OR'), name='deviation_anonymous_has_no_reporter'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'rejected'), _negated=True), models.Q(('rejection_reason', ''), _negated=True), _connector='OR'), name='deviation_rejection_has_reason')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_deviationevent" ("absence_days", "actual_consequence", "authorities_notified_at", "category_id", "cause", "closed_at", "created_at", "deadline", "description", "deviation_type", "handler_id", "id", "immediate_action", "injury_kind", "is_anonymous", "lessons_learned", "location", "number", "occurred_at", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "potential_consequence", "rejection_reason", "sequence", "severity", "status", "title", "unit_id", "version", "year") VALUES (NEW."absence_days", NEW."actual_consequence", NEW."authorities_notified_at", NEW."category_id", NEW."cause", NEW."closed_at", NEW."created_at", NEW."deadline", NEW."description", NEW."deviation_type", NEW."handler_id", NEW."id", NEW."immediate_action", NEW."injury_kind", NEW."is_anonymous", NEW."lessons_learned", NEW."location", NEW."number", NEW."occurred_at", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."potential_consequence", NEW."rejection_reason", NEW."sequence", NEW."severity", NEW."status", NEW."title", NEW."unit_id", NEW."version", NEW."year"); RETURN NULL;', hash='6cf23f5a9010ae52c9c97595db06ddd901edbf3e', operation='INSERT', pgid='pgtrigger_insert_insert_8194d', table='deviations_deviation', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."absence_days" IS DISTINCT FROM (NEW."absence_days") OR OLD."actual_consequence" IS DISTINCT FROM (NEW."actual_consequence") OR OLD."authorities_notified_at" IS DISTINCT FROM (NEW."authorities_notified_at") OR OLD."category_id" IS DISTINCT FROM (NEW."category_id") OR OLD."cause" IS DISTINCT FROM (NEW."cause") OR OLD."closed_at" IS DISTINCT FROM (NEW."closed_at") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."deadline" IS DISTINCT FROM (NEW."deadline") OR OLD."description" IS DISTINCT FROM (NEW."description") OR OLD."deviation_type" IS DISTINCT FROM (NEW."deviation_type") OR OLD."handler_id" IS DISTINCT FROM (NEW."handler_id") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."immediate_action" IS DISTINCT FROM (NEW."immediate_action") OR OLD."injury_kind" IS DISTINCT FROM (NEW."injury_kind") OR OLD."is_anonymous" IS DISTINCT FROM (NEW."is_anonymous") OR OLD."lessons_learned" IS DISTINCT FROM (NEW."lessons_learned") OR OLD."location" IS DISTINCT FROM (NEW."location") OR OLD."number" IS DISTINCT FROM (NEW."number") OR OLD."occurred_at" IS DISTINCT FROM (NEW."occurred_at") OR OLD."potential_consequence" IS DISTINCT FROM (NEW."potential_consequence") OR OLD."rejection_reason" IS DISTINCT FROM (NEW."rejection_reason") OR OLD."sequence" IS DISTINCT FROM (NEW."sequence") OR OLD."severity" IS DISTINCT FROM (NEW."severity") OR OLD."status" IS DISTINCT FROM (NEW."status") OR OLD."title" IS DISTINCT FROM (NEW."title") OR OLD."unit_id" IS DISTINCT FROM (NEW."unit_id") OR OLD."version" IS DISTINCT FROM (NEW."version") OR OLD."year" IS DISTINCT FROM (NEW."year"))', func='INSERT INTO "deviations_deviationevent" ("absence_days", "actual_consequence", "authorities_notified_at", "category_id", "cause", "closed_at", "created_at", "deadline", "description", "deviation_type", "handler_id", "id", "immediate_action", "injury_kind", "is_anonymous", "lessons_learned", "location", "number", "occurred_at", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "potential_consequence", "rejection_reason", "sequence", "severity", "status", "title", "unit_id", "version", "year") VALUES (NEW."absence_days", NEW."actual_consequence", NEW."authorities_notified_at", NEW."category_id", NEW."cause", NEW."closed_at", NEW."created_at", NEW."deadline", NEW."description", NEW."deviation_type", NEW."handler_id", NEW."id", NEW."immediate_action", NEW."injury_kind", NEW."is_anonymous", NEW."lessons_learned", NEW."location", NEW."number", NEW."occurred_at", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."potential_consequence", NEW."rejection_reason", NEW."sequence", NEW."severity", NEW."status", NEW."title", NEW."unit_id", NEW."version", NEW."year"); RETURN NULL;', hash='0c1388198588db23ee5dfaabf9092b5c24cf1480', operation='UPDATE', pgid='pgtrigger_update_update_bcfff', table='deviations_deviation', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_deviationevent" ("absence_days", "actual_consequence", "authorities_notified_at", "category_id", "cause", "closed_at", "created_at", "deadline", "description", "deviation_type", "handler_id", "id", "immediate_action", "injury_kind", "is_anonymous", "lessons_learned", "location", "number", "occurred_at", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "potential_consequence", "rejection_reason", "sequence", "severity", "status", "title", "unit_id", "version", "year") VALUES (OLD."absence_days", OLD."actual_consequence", OLD."authorities_notified_at", OLD."category_id", OLD."cause", OLD."closed_at", OLD."created_at", OLD."deadline", OLD."description", OLD."deviation_type", OLD."handler_id", OLD."id", OLD."immediate_action", OLD."injury_kind", OLD."is_anonymous", OLD."lessons_learned", OLD."location", OLD."number", OLD."occurred_at", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."potential_consequence", OLD."rejection_reason", OLD."sequence", OLD."severity", OLD."status", OLD."title", OLD."unit_id", OLD."version", OLD."year"); RETURN NULL;', hash='c1170d143f394dc43b12bb3f7b1be88e53a38cb3', operation='DELETE', pgid='pgtrigger_delete_delete_1b4e1', table='deviations_deviation', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='Attachment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('token', models.UUIDField(editable=False, unique=True)),
                ('file', models.FileField(upload_to=deviations.models.attachment_path)),
                ('original_name', models.CharField(max_length=200)),
                ('content_type', models.CharField(max_length=50)),
                ('size', models.PositiveIntegerField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('deviation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='deviations.deviation')),
            ],
            options={
                'ordering': ['created_at', 'pk'],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_attachmentevent" ("content_type", "created_at", "deviation_id", "file", "id", "original_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "size", "token") VALUES (NEW."content_type", NEW."created_at", NEW."deviation_id", NEW."file", NEW."id", NEW."original_name", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."size", NEW."token"); RETURN NULL;', hash='f31242785aeb2deeeef253df338028185017b139', operation='INSERT', pgid='pgtrigger_insert_insert_434de', table='deviations_attachment', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "deviations_attachmentevent" ("content_type", "created_at", "deviation_id", "file", "id", "original_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "size", "token") VALUES (NEW."content_type", NEW."created_at", NEW."deviation_id", NEW."file", NEW."id", NEW."original_name", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."size", NEW."token"); RETURN NULL;', hash='1a8e0ae7e229e0fba5684ef6fcf905af567b9c4f', operation='UPDATE', pgid='pgtrigger_update_update_d4ac8', table='deviations_attachment', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_attachmentevent" ("content_type", "created_at", "deviation_id", "file", "id", "original_name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "size", "token") VALUES (OLD."content_type", OLD."created_at", OLD."deviation_id", OLD."file", OLD."id", OLD."original_name", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."size", OLD."token"); RETURN NULL;', hash='9d7c081b66ab7044ad57c2a39c81f515ed743e20', operation='DELETE', pgid='pgtrigger_delete_delete_6b94b', table='deviations_attachment', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='Comment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_reporter', models.BooleanField(default=False)),
                ('text', models.TextField(max_length=10000, verbose_name='comment')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('author', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('deviation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='comments', to='deviations.deviation')),
            ],
            options={
                'ordering': ['created_at', 'pk'],
                'indexes': [models.Index(fields=['deviation', 'created_at'], name='comment_idx')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_commentevent" ("created_at", "deviation_id", "from_reporter", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "text") VALUES (NEW."created_at", NEW."deviation_id", NEW."from_reporter", NEW."id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."text"); RETURN NULL;', hash='2297229542140f05a8adb6ab28be4c72e1570f86', operation='INSERT', pgid='pgtrigger_insert_insert_bb389', table='deviations_comment', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."deviation_id" IS DISTINCT FROM (NEW."deviation_id") OR OLD."from_reporter" IS DISTINCT FROM (NEW."from_reporter") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."text" IS DISTINCT FROM (NEW."text"))', func='INSERT INTO "deviations_commentevent" ("created_at", "deviation_id", "from_reporter", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "text") VALUES (NEW."created_at", NEW."deviation_id", NEW."from_reporter", NEW."id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."text"); RETURN NULL;', hash='b45379e52bda99d444428acb0af37f7509b2c155', operation='UPDATE', pgid='pgtrigger_update_update_051f4', table='deviations_comment', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_commentevent" ("created_at", "deviation_id", "from_reporter", "id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "text") VALUES (OLD."created_at", OLD."deviation_id", OLD."from_reporter", OLD."id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."text"); RETURN NULL;', hash='2694d7d9a56369839af2963f94810e383e6c3eeb', operation='DELETE', pgid='pgtrigger_delete_delete_10420', table='deviations_comment', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='CommentEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('from_reporter', models.BooleanField(default=False)),
                ('text', models.TextField(max_length=10000, verbose_name='comment')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='deviations.comment')),
                ('deviation', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='deviations.deviation')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='AttachmentEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('token', models.UUIDField(editable=False)),
                ('file', models.FileField(upload_to=deviations.models.attachment_path)),
                ('original_name', models.CharField(max_length=200)),
                ('content_type', models.CharField(max_length=50)),
                ('size', models.PositiveIntegerField()),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='deviations.attachment')),
                ('deviation', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='deviations.deviation')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='DeviationEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('number', models.CharField(editable=False, max_length=20, verbose_name='number')),
                ('year', models.PositiveSmallIntegerField(editable=False)),
                ('sequence', models.PositiveIntegerField(editable=False)),
                ('is_anonymous', models.BooleanField(default=False, verbose_name='anonymous')),
                ('title', models.CharField(max_length=200, verbose_name='what happened (short)')),
                ('description', models.TextField(max_length=10000, verbose_name='description')),
                ('location', models.CharField(blank=True, max_length=200, verbose_name='where')),
                ('occurred_at', models.DateTimeField(validators=[units.limits.validate_date_in_range], verbose_name='when')),
                ('deviation_type', models.CharField(choices=[('hazard', 'Hazardous condition or observation'), ('near_miss', 'Near miss'), ('accident', 'Accident (injury or damage)'), ('improvement', 'Improvement proposal')], max_length=20, verbose_name='type')),
                ('severity', models.CharField(choices=[('minor', 'Minor'), ('serious', 'Serious'), ('very_serious', 'Very serious (critical)')], max_length=20, verbose_name='severity')),
                ('actual_consequence', models.TextField(blank=True, max_length=10000, verbose_name='actual consequence')),
                ('potential_consequence', models.TextField(blank=True, max_length=10000, verbose_name='potential consequence')),
                ('immediate_action', models.TextField(blank=True, max_length=10000, verbose_name='immediate action taken')),
                ('injury_kind', models.CharField(blank=True, choices=[('', 'No personal injury'), ('first_aid', 'First aid only'), ('no_absence', 'Injury without absence'), ('absence', 'Injury with absence'), ('death', 'Death')], max_length=20, verbose_name='personal injury')),
                ('absence_days', models.PositiveIntegerField(blank=True, null=True, verbose_name='days of absence')),
                ('status', models.CharField(choices=[('reported', 'Reported'), ('under_treatment', 'Under treatment'), ('measures', 'Measures'), ('closed', 'Closed'), ('rejected', 'Rejected')], default='reported', max_length=20, verbose_name='status')),
                ('deadline', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='deadline')),
                ('rejection_reason', models.TextField(blank=True, max_length=10000, verbose_name='reason for rejection')),
                ('cause', models.TextField(blank=True, max_length=10000, verbose_name='cause')),
                ('lessons_learned', models.TextField(blank=True, max_length=10000, verbose_name='lessons learned')),
                ('authorities_notified_at', models.DateTimeField(blank=True, null=True, verbose_name='labour inspection and police notified')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='reported')),
                ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('category', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='deviations.category', verbose_name='category')),
                ('handler', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='handler')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='deviations.deviation')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='DeviationMeasure',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('deviation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to='deviations.deviation')),
                ('measure', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, to='actionplans.measure')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('deviation', 'measure'), name='deviationmeasure_once')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_deviationmeasureevent" ("deviation_id", "id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."deviation_id", NEW."id", NEW."measure_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id"); RETURN NULL;', hash='6d63c456dbc7ff9574ffc50536b3839c016bc058', operation='INSERT', pgid='pgtrigger_insert_insert_10740', table='deviations_deviationmeasure', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "deviations_deviationmeasureevent" ("deviation_id", "id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."deviation_id", NEW."id", NEW."measure_id", _pgh_attach_context(), NOW(), \'update\', NEW."id"); RETURN NULL;', hash='110d0aa597b877cfb1e1944e3f1203716a88e581', operation='UPDATE', pgid='pgtrigger_update_update_33c1c', table='deviations_deviationmeasure', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "deviations_deviationmeasureevent" ("deviation_id", "id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (OLD."deviation_id", OLD."id", OLD."measure_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id"); RETURN NULL;', hash='5fe478945e4838a0f2db8f4e3684b2e5e09a0d40', operation='DELETE', pgid='pgtrigger_delete_delete_4c4d6', table='deviations_deviationmeasure', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='DeviationMeasureEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('deviation', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='deviations.deviation')),
                ('measure', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='actionplans.measure')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='deviations.deviationmeasure')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='DeviationStep',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('reported', 'Reported'), ('accepted', 'Taken for treatment'), ('rejected', 'Rejected'), ('transferred', 'Transferred'), ('status', 'Status changed'), ('deadline', 'Deadline set'), ('delegated', 'Handler changed'), ('closed', 'Closed'), ('reopened', 'Reopened'), ('authorities', 'Authorities notified'), ('corrected', 'Corrected')], max_length=20)),
                ('at', models.DateTimeField(default=django.utils.timezone.now)),
                ('from_status', models.CharField(blank=True, choices=[('reported', 'Reported'), ('under_treatment', 'Under treatment'), ('measures', 'Measures'), ('closed', 'Closed'), ('rejected', 'Rejected')], max_length=20)),
                ('to_status', models.CharField(blank=True, choices=[('reported', 'Reported'), ('under_treatment', 'Under treatment'), ('measures', 'Measures'), ('closed', 'Closed'), ('rejected', 'Rejected')], max_length=20)),
                ('note', models.TextField(blank=True, max_length=10000)),
                ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('deviation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='steps', to='deviations.deviation')),
                ('from_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit')),
                ('to_unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='units.unit')),
                ('field', models.CharField(blank=True, max_length=30)),
                ('new_value', models.CharField(blank=True, max_length=100)),
                ('old_value', models.CharField(blank=True, max_length=100)),
            ],
            options={
                'ordering': ['at', 'pk'],
                'indexes': [models.Index(fields=['deviation', 'at'], name='deviationstep_idx')],
            },
        ),
        migrations.AddField(
            model_name='deviation',
            name='measures',
            field=models.ManyToManyField(blank=True, related_name='deviations', through='deviations.DeviationMeasure', to='actionplans.measure', verbose_name='measures'),
        ),
        migrations.RunPython(_default_categories.add_categories, migrations.RunPython.noop),
    ]
