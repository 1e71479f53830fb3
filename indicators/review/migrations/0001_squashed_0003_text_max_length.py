import django.db.models.deletion
import pgtrigger.compiler
import units.limits
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration


class Migration(SquashedMigration):

    replaces = [('review', '0001_initial'), ('review', '0002_dates_in_range'), ('review', '0003_text_max_length')]

    initial = True

    dependencies = [
        ('actionplans', '0001_initial'),
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='ManagementReview',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('final', 'Final')], default='draft', max_length=10, verbose_name='status')),
                ('meeting_date', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='meeting date')),
                ('archive_case_number', models.CharField(blank=True, help_text='The case number of the review in the archive system, e.g. 2026/1234.', max_length=50, verbose_name='archive case number')),
                ('facts', models.JSONField(blank=True, default=dict, verbose_name='facts')),
                ('facts_taken_at', models.DateTimeField(blank=True, null=True, verbose_name='facts taken')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('finalised_at', models.DateTimeField(blank=True, null=True, verbose_name='finalised')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('finalised_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('root', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='management_reviews', to='units.unit', verbose_name='institution')),
            ],
            options={
                'verbose_name': 'management review',
                'verbose_name_plural': 'management reviews',
                'ordering': ['-year', 'root__path'],
                'constraints': [models.UniqueConstraint(fields=('root', 'year'), name='review_one_per_year'), models.CheckConstraint(condition=models.Q(('year__gte', 2000), ('year__lte', 2100)), name='review_year_sensible'), models.CheckConstraint(condition=models.Q(('status', 'draft'), models.Q(('finalised_at__isnull', False), ('finalised_by__isnull', False)), _connector='OR'), name='review_final_has_finaliser')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_managementreviewevent" ("archive_case_number", "created_at", "created_by_id", "facts", "facts_taken_at", "finalised_at", "finalised_by_id", "id", "meeting_date", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "root_id", "status", "version", "year") VALUES (NEW."archive_case_number", NEW."created_at", NEW."created_by_id", NEW."facts", NEW."facts_taken_at", NEW."finalised_at", NEW."finalised_by_id", NEW."id", NEW."meeting_date", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."root_id", NEW."status", NEW."version", NEW."year"); RETURN NULL;', hash='0f70c21cfa2d0177a707f84c95213982397e5663', operation='INSERT', pgid='pgtrigger_insert_insert_a9b04', table='review_managementreview', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "review_managementreviewevent" ("archive_case_number", "created_at", "created_by_id", "facts", "facts_taken_at", "finalised_at", "finalised_by_id", "id", "meeting_date", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "root_id", "status", "version", "year") VALUES (NEW."archive_case_number", NEW."created_at", NEW."created_by_id", NEW."facts", NEW."facts_taken_at", NEW."finalised_at", NEW."finalised_by_id", NEW."id", NEW."meeting_date", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."root_id", NEW."status", NEW."version", NEW."year"); RETURN NULL;', hash='3870be8b98c1b961c89f26f2ed73348330e688e2', operation='UPDATE', pgid='pgtrigger_update_update_73705', table='review_managementreview', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_managementreviewevent" ("archive_case_number", "created_at", "created_by_id", "facts", "facts_taken_at", "finalised_at", "finalised_by_id", "id", "meeting_date", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "root_id", "status", "version", "year") VALUES (OLD."archive_case_number", OLD."created_at", OLD."created_by_id", OLD."facts", OLD."facts_taken_at", OLD."finalised_at", OLD."finalised_by_id", OLD."id", OLD."meeting_date", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."root_id", OLD."status", OLD."version", OLD."year"); RETURN NULL;', hash='853d957ddbba159cfeb4285ff355602f712a9783', operation='DELETE', pgid='pgtrigger_delete_delete_5e33c', table='review_managementreview', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='AgendaItem',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=40)),
                ('order', models.PositiveSmallIntegerField()),
                ('title_nb', models.CharField(max_length=200, verbose_name='title (bokmål)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('notes', models.TextField(blank=True, max_length=20000, verbose_name='notes')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('review', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='review.managementreview')),
            ],
            options={
                'ordering': ['order'],
                'constraints': [models.UniqueConstraint(fields=('review', 'key'), name='agendaitem_once'), models.UniqueConstraint(fields=('review', 'order'), name='agendaitem_order_once')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_agendaitemevent" ("id", "key", "notes", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "review_id", "title_en", "title_nb", "version") VALUES (NEW."id", NEW."key", NEW."notes", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."review_id", NEW."title_en", NEW."title_nb", NEW."version"); RETURN NULL;', hash='841865ad4cc83c62546664ff69e84e38b9663c7e', operation='INSERT', pgid='pgtrigger_insert_insert_a95eb', table='review_agendaitem', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "review_agendaitemevent" ("id", "key", "notes", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "review_id", "title_en", "title_nb", "version") VALUES (NEW."id", NEW."key", NEW."notes", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."review_id", NEW."title_en", NEW."title_nb", NEW."version"); RETURN NULL;', hash='abe0a300f1ab4059bf2cb478fc1a6c6a6948f3c0', operation='UPDATE', pgid='pgtrigger_update_update_2f15f', table='review_agendaitem', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_agendaitemevent" ("id", "key", "notes", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "review_id", "title_en", "title_nb", "version") VALUES (OLD."id", OLD."key", OLD."notes", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."review_id", OLD."title_en", OLD."title_nb", OLD."version"); RETURN NULL;', hash='1b1bcd96ed9f6c4a28093d513b72f8f20a4e844f', operation='DELETE', pgid='pgtrigger_delete_delete_9f244', table='review_agendaitem', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='Decision',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.TextField(max_length=10000, verbose_name='decision')),
                ('deadline', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='deadline')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='decisions', to='review.agendaitem')),
                ('measure', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='review_decision', to='actionplans.measure', verbose_name='measure')),
                ('responsible', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responsible')),
            ],
            options={
                'ordering': ['pk'],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_decisionevent" ("created_at", "created_by_id", "deadline", "id", "item_id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_id", "text") VALUES (NEW."created_at", NEW."created_by_id", NEW."deadline", NEW."id", NEW."item_id", NEW."measure_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."responsible_id", NEW."text"); RETURN NULL;', hash='f4ce10d3463db8d8f23848a4eadde9a868d8358c', operation='INSERT', pgid='pgtrigger_insert_insert_8812a', table='review_decision', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "review_decisionevent" ("created_at", "created_by_id", "deadline", "id", "item_id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_id", "text") VALUES (NEW."created_at", NEW."created_by_id", NEW."deadline", NEW."id", NEW."item_id", NEW."measure_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."responsible_id", NEW."text"); RETURN NULL;', hash='3790b78144440e65152b3b2cb56b81c9e382cce3', operation='UPDATE', pgid='pgtrigger_update_update_6c3ff', table='review_decision', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_decisionevent" ("created_at", "created_by_id", "deadline", "id", "item_id", "measure_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "responsible_id", "text") VALUES (OLD."created_at", OLD."created_by_id", OLD."deadline", OLD."id", OLD."item_id", OLD."measure_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."responsible_id", OLD."text"); RETURN NULL;', hash='6479b8118190cc2583bcc0aadf5ab935de0cd2f9', operation='DELETE', pgid='pgtrigger_delete_delete_927e4', table='review_decision', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='DecisionEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('text', models.TextField(max_length=10000, verbose_name='decision')),
                ('deadline', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='deadline')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                ('item', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='review.agendaitem')),
                ('measure', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='actionplans.measure', verbose_name='measure')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='review.decision')),
                ('responsible', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='responsible')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='AgendaItemEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('key', models.CharField(max_length=40)),
                ('order', models.PositiveSmallIntegerField()),
                ('title_nb', models.CharField(max_length=200, verbose_name='title (bokmål)')),
                ('title_en', models.CharField(max_length=200, verbose_name='title (English)')),
                ('notes', models.TextField(blank=True, max_length=20000, verbose_name='notes')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='review.agendaitem')),
                ('review', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='review.managementreview')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ManagementReviewEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(verbose_name='year')),
                ('status', models.CharField(choices=[('draft', 'Draft'), ('final', 'Final')], default='draft', max_length=10, verbose_name='status')),
                ('meeting_date', models.DateField(blank=True, null=True, validators=[units.limits.validate_date_in_range], verbose_name='meeting date')),
                ('archive_case_number', models.CharField(blank=True, help_text='The case number of the review in the archive system, e.g. 2026/1234.', max_length=50, verbose_name='archive case number')),
                ('facts', models.JSONField(blank=True, default=dict, verbose_name='facts')),
                ('facts_taken_at', models.DateTimeField(blank=True, null=True, verbose_name='facts taken')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created')),
                ('finalised_at', models.DateTimeField(blank=True, null=True, verbose_name='finalised')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('created_by', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                ('finalised_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL)),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='review.managementreview')),
                ('root', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='institution')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ReviewParticipant',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                ('function', models.CharField(choices=[('rector', 'Rector'), ('hms_department', 'HSE department'), ('occupational_health', 'Occupational health service'), ('chief_safety_rep', 'Chief safety representative'), ('chief_union_rep', 'Chief union representative'), ('other', 'Other')], max_length=30, verbose_name='function')),
                ('took_part', models.BooleanField(default=True, verbose_name='took part')),
                ('review', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='participants', to='review.managementreview')),
                ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'ordering': ['pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('user__isnull', False), models.Q(('name', ''), _negated=True), _connector='OR'), name='reviewparticipant_named'), models.UniqueConstraint(condition=models.Q(('user__isnull', False)), fields=('review', 'user'), name='reviewparticipant_once')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_reviewparticipantevent" ("function", "id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "review_id", "took_part", "user_id") VALUES (NEW."function", NEW."id", NEW."name", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."review_id", NEW."took_part", NEW."user_id"); RETURN NULL;', hash='b4714a08d75db2c9db8c168605f09ada315b2631', operation='INSERT', pgid='pgtrigger_insert_insert_b0344', table='review_reviewparticipant', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "review_reviewparticipantevent" ("function", "id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "review_id", "took_part", "user_id") VALUES (NEW."function", NEW."id", NEW."name", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."review_id", NEW."took_part", NEW."user_id"); RETURN NULL;', hash='c74fdd7609730cfc92c3b26fda37e91c4433460b', operation='UPDATE', pgid='pgtrigger_update_update_5b6d0', table='review_reviewparticipant', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "review_reviewparticipantevent" ("function", "id", "name", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "review_id", "took_part", "user_id") VALUES (OLD."function", OLD."id", OLD."name", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."review_id", OLD."took_part", OLD."user_id"); RETURN NULL;', hash='011c23308d6dd2eb987bb17e581c1fec42615110', operation='DELETE', pgid='pgtrigger_delete_delete_66486', table='review_reviewparticipant', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='ReviewParticipantEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('name', models.CharField(blank=True, max_length=200, verbose_name='name')),
                ('function', models.CharField(choices=[('rector', 'Rector'), ('hms_department', 'HSE department'), ('occupational_health', 'Occupational health service'), ('chief_safety_rep', 'Chief safety representative'), ('chief_union_rep', 'Chief union representative'), ('other', 'Other')], max_length=30, verbose_name='function')),
                ('took_part', models.BooleanField(default=True, verbose_name='took part')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='review.reviewparticipant')),
                ('review', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='review.managementreview')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='person')),
            ],
            options={
                'abstract': False,
            },
        ),
    ]
