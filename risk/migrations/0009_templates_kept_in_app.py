"""The hazard templates and the round checklists become rows the HSE department keeps in the
app: named in bokmål, nynorsk and English, ordered, retired rather than deleted. The old kind
becomes the stable key (`slug`), so the round answers that name their checklist by it stay
correct, and the names are filled from the labels the kinds had."""

import django.db.models.deletion
import django.db.models.functions.text
import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

# The labels the hard-coded kinds had (nb, nn, en), in the order the pages listed them.
HAZARD_NAMES = {
    "laboratory": ("Laboratorium", "Laboratorium", "Laboratory"),
    "office": ("Kontor", "Kontor", "Office"),
    "field_work": ("Feltarbeid", "Feltarbeid", "Field work"),
    "travel": ("Reise", "Reise", "Travel"),
    "workshop": ("Verksted", "Verkstad", "Workshop"),
}
CHECKLIST_NAMES = {
    "general": ("Generelt", "Generelt", "General"),
    "fire": ("Brann", "Brann", "Fire"),
    "laboratory": ("Laboratorium", "Laboratorium", "Laboratory"),
    "chemicals": ("Kjemikalier", "Kjemikaliar", "Chemicals"),
    "office": ("Kontor og ergonomi", "Kontor og ergonomi", "Office and ergonomics"),
}


def fill_names(apps, schema_editor):
    for model_name, names in (
        ("HazardTemplate", HAZARD_NAMES),
        ("ChecklistTemplate", CHECKLIST_NAMES),
    ):
        model = apps.get_model("risk", model_name)
        known = list(names)
        templates = sorted(
            model.objects.order_by("pk"),
            key=lambda t: (known.index(t.slug) if t.slug in known else len(known), t.slug),
        )
        for position, template in enumerate(templates, start=1):
            nb, nn, en = names.get(template.slug, (template.slug, "", template.slug))
            template.name_nb, template.name_nn, template.name_en = nb, nn, en
            template.position = position
            template.save(update_fields=["name_nb", "name_nn", "name_en", "position"])


def names_back_to_kinds(apps, schema_editor):
    """Going back, the kinds are the keys again; the names go with their columns."""


class Migration(migrations.Migration):

    dependencies = [
        ('risk', '0008_template_rows_names'),
    ]

    operations = [
        migrations.RenameField(model_name='hazardtemplate', old_name='kind', new_name='slug'),
        migrations.RenameField(model_name='checklisttemplate', old_name='kind', new_name='slug'),
        migrations.AlterField(
            model_name='hazardtemplate',
            name='slug',
            field=models.SlugField(editable=False, unique=True, verbose_name='key'),
        ),
        migrations.AlterField(
            model_name='checklisttemplate',
            name='slug',
            field=models.SlugField(editable=False, unique=True, verbose_name='key'),
        ),
        migrations.AddField(
            model_name='hazardtemplate',
            name='name_nb',
            field=models.CharField(default='', max_length=200, verbose_name='name (bokmål)'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='hazardtemplate',
            name='name_nn',
            field=models.CharField(blank=True, max_length=200, verbose_name='name (nynorsk)'),
        ),
        migrations.AddField(
            model_name='hazardtemplate',
            name='name_en',
            field=models.CharField(default='', max_length=200, verbose_name='name (English)'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='hazardtemplate',
            name='position',
            field=models.PositiveIntegerField(default=0, verbose_name='position'),
        ),
        migrations.AddField(
            model_name='hazardtemplate',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.AddField(
            model_name='checklisttemplate',
            name='name_nb',
            field=models.CharField(default='', max_length=200, verbose_name='name (bokmål)'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='checklisttemplate',
            name='name_nn',
            field=models.CharField(blank=True, max_length=200, verbose_name='name (nynorsk)'),
        ),
        migrations.AddField(
            model_name='checklisttemplate',
            name='name_en',
            field=models.CharField(default='', max_length=200, verbose_name='name (English)'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='checklisttemplate',
            name='position',
            field=models.PositiveIntegerField(default=0, verbose_name='position'),
        ),
        migrations.AddField(
            model_name='checklisttemplate',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False),
        ),
        migrations.RunPython(fill_names, names_back_to_kinds),
        migrations.AlterModelOptions(
            name='hazardtemplate',
            options={'ordering': ['position', 'pk'], 'verbose_name': 'hazard template', 'verbose_name_plural': 'hazard templates'},
        ),
        migrations.AlterModelOptions(
            name='checklisttemplate',
            options={'ordering': ['position', 'pk'], 'verbose_name': 'checklist template', 'verbose_name_plural': 'checklist templates'},
        ),
        migrations.AlterField(
            model_name='checklistanswer',
            name='checklist',
            field=models.CharField(max_length=50),
        ),
        migrations.AlterField(
            model_name='checklistanswerevent',
            name='checklist',
            field=models.CharField(max_length=50),
        ),
        migrations.CreateModel(
            name='ChecklistTemplateEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('slug', models.SlugField(db_index=False, editable=False, verbose_name='key')),
                ('name_nb', models.CharField(max_length=200, verbose_name='name (bokmål)')),
                ('name_nn', models.CharField(blank=True, max_length=200, verbose_name='name (nynorsk)')),
                ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                ('position', models.PositiveIntegerField(default=0, verbose_name='position')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='ChecklistTemplateItemEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('text_nb', models.CharField(max_length=500, verbose_name='question (bokmål)')),
                ('text_en', models.CharField(blank=True, max_length=500, verbose_name='question (English)')),
                ('order', models.PositiveIntegerField(default=0, verbose_name='order')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='HazardTemplateEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('slug', models.SlugField(db_index=False, editable=False, verbose_name='key')),
                ('name_nb', models.CharField(max_length=200, verbose_name='name (bokmål)')),
                ('name_nn', models.CharField(blank=True, max_length=200, verbose_name='name (nynorsk)')),
                ('name_en', models.CharField(max_length=200, verbose_name='name (English)')),
                ('position', models.PositiveIntegerField(default=0, verbose_name='position')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='HazardTemplateRowEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('hazard_nb', models.CharField(max_length=500, verbose_name='hazard (bokmål)')),
                ('hazard_en', models.CharField(blank=True, max_length=500, verbose_name='hazard (English)')),
                ('existing_measures_nb', models.TextField(blank=True, max_length=10000, verbose_name='typical measures (bokmål)')),
                ('existing_measures_en', models.TextField(blank=True, max_length=10000, verbose_name='typical measures (English)')),
                ('order', models.PositiveIntegerField(default=0, verbose_name='order')),
            ],
            options={
                'abstract': False,
            },
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checklisttemplate',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_checklisttemplateevent" ("id", "is_active", "name_en", "name_nb", "name_nn", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "version") VALUES (NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."name_nn", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."position", NEW."slug", NEW."version"); RETURN NULL;', hash='ae54c8286a3ab2f2b546cd58f71a9d1749db968b', operation='INSERT', pgid='pgtrigger_insert_insert_0c310', table='risk_checklisttemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checklisttemplate',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "risk_checklisttemplateevent" ("id", "is_active", "name_en", "name_nb", "name_nn", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "version") VALUES (NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."name_nn", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."position", NEW."slug", NEW."version"); RETURN NULL;', hash='b6fff5bf98868a4c5530241fe46a2fa25e64a17a', operation='UPDATE', pgid='pgtrigger_update_update_b182b', table='risk_checklisttemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checklisttemplate',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_checklisttemplateevent" ("id", "is_active", "name_en", "name_nb", "name_nn", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "version") VALUES (OLD."id", OLD."is_active", OLD."name_en", OLD."name_nb", OLD."name_nn", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."position", OLD."slug", OLD."version"); RETURN NULL;', hash='73c2f748689e9c7e488b54d7e918e8f424dd2ad2', operation='DELETE', pgid='pgtrigger_delete_delete_40165', table='risk_checklisttemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checklisttemplateitem',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_checklisttemplateitemevent" ("id", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "template_id", "text_en", "text_nb") VALUES (NEW."id", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."template_id", NEW."text_en", NEW."text_nb"); RETURN NULL;', hash='947899a6b2fdcf4f8ef16e1e63251e61d8586658', operation='INSERT', pgid='pgtrigger_insert_insert_cb721', table='risk_checklisttemplateitem', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checklisttemplateitem',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "risk_checklisttemplateitemevent" ("id", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "template_id", "text_en", "text_nb") VALUES (NEW."id", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."template_id", NEW."text_en", NEW."text_nb"); RETURN NULL;', hash='d60b2fdb4468e26c29ec63ecb506cb5a4d79961d', operation='UPDATE', pgid='pgtrigger_update_update_c4c02', table='risk_checklisttemplateitem', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='checklisttemplateitem',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_checklisttemplateitemevent" ("id", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "template_id", "text_en", "text_nb") VALUES (OLD."id", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."template_id", OLD."text_en", OLD."text_nb"); RETURN NULL;', hash='ce93138dac4596cbeac77f5baaefc0b2362845a0', operation='DELETE', pgid='pgtrigger_delete_delete_d2a2a', table='risk_checklisttemplateitem', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='hazardtemplate',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_hazardtemplateevent" ("id", "is_active", "name_en", "name_nb", "name_nn", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "version") VALUES (NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."name_nn", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."position", NEW."slug", NEW."version"); RETURN NULL;', hash='b7261f7c74b6cba7e7576751d89786aed4756fb4', operation='INSERT', pgid='pgtrigger_insert_insert_29305', table='risk_hazardtemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='hazardtemplate',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "risk_hazardtemplateevent" ("id", "is_active", "name_en", "name_nb", "name_nn", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "version") VALUES (NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."name_nn", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."position", NEW."slug", NEW."version"); RETURN NULL;', hash='83b42dfc9fcee858bf9261752f48db6be57a8bed', operation='UPDATE', pgid='pgtrigger_update_update_dda5a', table='risk_hazardtemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='hazardtemplate',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_hazardtemplateevent" ("id", "is_active", "name_en", "name_nb", "name_nn", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "position", "slug", "version") VALUES (OLD."id", OLD."is_active", OLD."name_en", OLD."name_nb", OLD."name_nn", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."position", OLD."slug", OLD."version"); RETURN NULL;', hash='cff1eef17f333c0f99de3a53489ddd552b5abd5d', operation='DELETE', pgid='pgtrigger_delete_delete_82cd3', table='risk_hazardtemplate', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='hazardtemplaterow',
            trigger=pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_hazardtemplaterowevent" ("existing_measures_en", "existing_measures_nb", "hazard_en", "hazard_nb", "id", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "template_id") VALUES (NEW."existing_measures_en", NEW."existing_measures_nb", NEW."hazard_en", NEW."hazard_nb", NEW."id", NEW."order", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."template_id"); RETURN NULL;', hash='59240e1d8918319fb6cc1d6cc3b7689016887804', operation='INSERT', pgid='pgtrigger_insert_insert_d0566', table='risk_hazardtemplaterow', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='hazardtemplaterow',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "risk_hazardtemplaterowevent" ("existing_measures_en", "existing_measures_nb", "hazard_en", "hazard_nb", "id", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "template_id") VALUES (NEW."existing_measures_en", NEW."existing_measures_nb", NEW."hazard_en", NEW."hazard_nb", NEW."id", NEW."order", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."template_id"); RETURN NULL;', hash='8c9ec511341535accbc2a23d6e78f9c6856fd03c', operation='UPDATE', pgid='pgtrigger_update_update_6eb36', table='risk_hazardtemplaterow', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='hazardtemplaterow',
            trigger=pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "risk_hazardtemplaterowevent" ("existing_measures_en", "existing_measures_nb", "hazard_en", "hazard_nb", "id", "order", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "template_id") VALUES (OLD."existing_measures_en", OLD."existing_measures_nb", OLD."hazard_en", OLD."hazard_nb", OLD."id", OLD."order", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."template_id"); RETURN NULL;', hash='668092392f7578b2b831c4157d6f66cab5fba3c9', operation='DELETE', pgid='pgtrigger_delete_delete_1a9e5', table='risk_hazardtemplaterow', when='AFTER')),
        ),
        migrations.AddConstraint(
            model_name='checklisttemplate',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name_nb'), name='checklisttemplate_name_once', violation_error_message='There is a checklist with this name already.'),
        ),
        migrations.AddConstraint(
            model_name='hazardtemplate',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name_nb'), name='hazardtemplate_name_once', violation_error_message='There is a hazard template with this name already.'),
        ),
        migrations.AddField(
            model_name='checklisttemplateevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='checklisttemplateevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='risk.checklisttemplate'),
        ),
        migrations.AddField(
            model_name='checklisttemplateitemevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='checklisttemplateitemevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='risk.checklisttemplateitem'),
        ),
        migrations.AddField(
            model_name='checklisttemplateitemevent',
            name='template',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='risk.checklisttemplate', verbose_name='checklist template'),
        ),
        migrations.AddField(
            model_name='hazardtemplateevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='hazardtemplateevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='risk.hazardtemplate'),
        ),
        migrations.AddField(
            model_name='hazardtemplaterowevent',
            name='pgh_context',
            field=models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context'),
        ),
        migrations.AddField(
            model_name='hazardtemplaterowevent',
            name='pgh_obj',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='risk.hazardtemplaterow'),
        ),
        migrations.AddField(
            model_name='hazardtemplaterowevent',
            name='template',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='risk.hazardtemplate', verbose_name='template'),
        ),
    ]
