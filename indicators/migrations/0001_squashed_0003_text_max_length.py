from importlib import import_module

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import pgtrigger.compiler
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models

from hms.squashed_migration import SquashedMigration

# The data steps a fresh database needs (the defaults), from the migrations this one
# replaces; when those files are deleted, their functions move here.
_catalogue = import_module("indicators.migrations.0002_catalogue")


class Migration(SquashedMigration):

    replaces = [('indicators', '0001_initial'), ('indicators', '0002_catalogue'), ('indicators', '0003_text_max_length')]

    initial = True

    dependencies = [
        ('pghistory', '0007_auto_20250421_0444'),
        ('units', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EnergyProfile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('municipality', models.CharField(default='Trondheim', max_length=80, verbose_name='municipality')),
                ('temperature_share', models.DecimalField(decimal_places=2, default=Decimal('0.60'), help_text='The share of the energy use that depends on the outdoor temperature.', max_digits=3, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)], verbose_name='temperature-dependent share')),
                ('unit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='energy_profile', to='units.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'energy profile',
                'verbose_name_plural': 'energy profiles',
                'constraints': [models.CheckConstraint(condition=models.Q(('temperature_share__gte', 0), ('temperature_share__lte', 1)), name='energyprofile_share_between_0_and_1')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_energyprofileevent" ("id", "municipality", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "temperature_share", "unit_id") VALUES (NEW."id", NEW."municipality", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."temperature_share", NEW."unit_id"); RETURN NULL;', hash='963f0707084a6ea948a6eaf59ac993385a458863', operation='INSERT', pgid='pgtrigger_insert_insert_dd20a', table='indicators_energyprofile', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "indicators_energyprofileevent" ("id", "municipality", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "temperature_share", "unit_id") VALUES (NEW."id", NEW."municipality", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."temperature_share", NEW."unit_id"); RETURN NULL;', hash='a5d5c9deaf81244ab293890694c69706bc3304a3', operation='UPDATE', pgid='pgtrigger_update_update_98451', table='indicators_energyprofile', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_energyprofileevent" ("id", "municipality", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "temperature_share", "unit_id") VALUES (OLD."id", OLD."municipality", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."temperature_share", OLD."unit_id"); RETURN NULL;', hash='826c95163dfa5150f2c8e21be830f9257c87ad7e', operation='DELETE', pgid='pgtrigger_delete_delete_54763', table='indicators_energyprofile', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='EnergyProfileEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('municipality', models.CharField(default='Trondheim', max_length=80, verbose_name='municipality')),
                ('temperature_share', models.DecimalField(decimal_places=2, default=Decimal('0.60'), help_text='The share of the energy use that depends on the outdoor temperature.', max_digits=3, validators=[django.core.validators.MinValueValidator(0), django.core.validators.MaxValueValidator(1)], verbose_name='temperature-dependent share')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='indicators.energyprofile')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='Indicator',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, unique=True, verbose_name='code')),
                ('name_nb', models.CharField(max_length=160, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(max_length=160, verbose_name='name (English)')),
                ('category', models.CharField(choices=[('health', 'Health and safety'), ('energy', 'Energy'), ('waste', 'Waste'), ('procurement', 'Procurement'), ('travel', 'Travel')], max_length=20, verbose_name='category')),
                ('unit_of_measure', models.CharField(choices=[('count', 'count'), ('percent', '%'), ('per_million_hours', 'per million hours'), ('hours', 'hours'), ('days', 'days'), ('fte', 'FTE'), ('kwh', 'kWh'), ('kwh_per_m2', 'kWh/m²'), ('m2', 'm²'), ('tonnes', 'tonnes'), ('km', 'km')], default='count', max_length=20, verbose_name='unit of measure')),
                ('period', models.CharField(choices=[('tertial', 'Tertial'), ('year', 'Year')], max_length=10, verbose_name='period')),
                ('source', models.CharField(choices=[('computed', 'Computed from records'), ('entered', 'Entered in the browser'), ('imported', 'Imported from a file')], max_length=10, verbose_name='obtained')),
                ('supplier', models.CharField(choices=[('hms_department', 'HSE department'), ('hr', 'HR (personnel)'), ('estates', 'Estates and operations'), ('procurement', 'Procurement section'), ('travel_agency', 'Travel agency'), ('unit', 'The unit')], max_length=20, verbose_name='supplied by')),
                ('roll_up', models.CharField(choices=[('sum', 'Sum of the units'), ('ratio', 'Ratio recomputed from the summed parts'), ('none', "Not added up (the unit's own value)")], max_length=10, verbose_name='rolls up as')),
                ('over_time', models.CharField(choices=[('sum', 'Sum of the periods'), ('average', 'Average of the periods')], default='sum', max_length=10, verbose_name='over several periods')),
                ('feeds', models.CharField(blank=True, choices=[('', 'Nothing'), ('energy_carrier', 'Energy carrier (total energy, CO2)'), ('waste_sorted', 'Sorted waste fraction'), ('waste_unsorted', 'Unsorted (residual) waste')], default='', max_length=20, verbose_name='feeds into')),
                ('definition_nb', models.TextField(blank=True, max_length=10000, verbose_name='definition (bokmål)')),
                ('definition_en', models.TextField(blank=True, max_length=10000, verbose_name='definition (English)')),
                ('decimals', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(4)], verbose_name='decimals shown')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
            ],
            options={
                'verbose_name': 'indicator',
                'verbose_name_plural': 'indicators',
                'ordering': ['order', 'code'],
                'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('source', 'computed'), _negated=True), ('feeds', ''), _connector='OR'), name='indicator_computed_feeds_nothing')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_indicatorevent" ("category", "code", "decimals", "definition_en", "definition_nb", "feeds", "id", "is_active", "name_en", "name_nb", "order", "over_time", "period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "roll_up", "source", "supplier", "unit_of_measure") VALUES (NEW."category", NEW."code", NEW."decimals", NEW."definition_en", NEW."definition_nb", NEW."feeds", NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."order", NEW."over_time", NEW."period", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."roll_up", NEW."source", NEW."supplier", NEW."unit_of_measure"); RETURN NULL;', hash='60923f6a3851c6f3862e3b67dd69976f9e3b3224', operation='INSERT', pgid='pgtrigger_insert_insert_6ab67', table='indicators_indicator', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "indicators_indicatorevent" ("category", "code", "decimals", "definition_en", "definition_nb", "feeds", "id", "is_active", "name_en", "name_nb", "order", "over_time", "period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "roll_up", "source", "supplier", "unit_of_measure") VALUES (NEW."category", NEW."code", NEW."decimals", NEW."definition_en", NEW."definition_nb", NEW."feeds", NEW."id", NEW."is_active", NEW."name_en", NEW."name_nb", NEW."order", NEW."over_time", NEW."period", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."roll_up", NEW."source", NEW."supplier", NEW."unit_of_measure"); RETURN NULL;', hash='4096e2d4647798887a902ad670709ad896ce8b65', operation='UPDATE', pgid='pgtrigger_update_update_4281e', table='indicators_indicator', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_indicatorevent" ("category", "code", "decimals", "definition_en", "definition_nb", "feeds", "id", "is_active", "name_en", "name_nb", "order", "over_time", "period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "roll_up", "source", "supplier", "unit_of_measure") VALUES (OLD."category", OLD."code", OLD."decimals", OLD."definition_en", OLD."definition_nb", OLD."feeds", OLD."id", OLD."is_active", OLD."name_en", OLD."name_nb", OLD."order", OLD."over_time", OLD."period", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."roll_up", OLD."source", OLD."supplier", OLD."unit_of_measure"); RETURN NULL;', hash='4cf4dd45cd407eb508b5d590ed5e02d4e646b775', operation='DELETE', pgid='pgtrigger_delete_delete_f068f', table='indicators_indicator', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='EmissionFactor',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('method', models.CharField(choices=[('location', 'Location-based'), ('market', 'Market-based')], default='location', max_length=10, verbose_name='method')),
                ('grams_per_kwh', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(0)], verbose_name='g CO2 per kWh')),
                ('reference', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ('carrier', models.ForeignKey(limit_choices_to={'feeds': 'energy_carrier'}, on_delete=django.db.models.deletion.PROTECT, related_name='emission_factors', to='indicators.indicator', verbose_name='energy carrier')),
            ],
            options={
                'verbose_name': 'emission factor',
                'verbose_name_plural': 'emission factors',
                'ordering': ['carrier__order', 'method', '-year'],
                'constraints': [models.UniqueConstraint(fields=('year', 'carrier', 'method'), name='emissionfactor_one_per_year'), models.CheckConstraint(condition=models.Q(('grams_per_kwh__gte', 0)), name='emissionfactor_not_negative')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_emissionfactorevent" ("carrier_id", "grams_per_kwh", "id", "method", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "year") VALUES (NEW."carrier_id", NEW."grams_per_kwh", NEW."id", NEW."method", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."reference", NEW."year"); RETURN NULL;', hash='5f0a4ec1de0fec699e7f27e164cf0fb06b1286ee', operation='INSERT', pgid='pgtrigger_insert_insert_c397a', table='indicators_emissionfactor', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "indicators_emissionfactorevent" ("carrier_id", "grams_per_kwh", "id", "method", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "year") VALUES (NEW."carrier_id", NEW."grams_per_kwh", NEW."id", NEW."method", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."reference", NEW."year"); RETURN NULL;', hash='d02d0900187688981ee5b084a7155371705fcb07', operation='UPDATE', pgid='pgtrigger_update_update_8d5aa', table='indicators_emissionfactor', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_emissionfactorevent" ("carrier_id", "grams_per_kwh", "id", "method", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "reference", "year") VALUES (OLD."carrier_id", OLD."grams_per_kwh", OLD."id", OLD."method", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."reference", OLD."year"); RETURN NULL;', hash='c38de3df701f953acf25f32e5a21b8c96daeaa89', operation='DELETE', pgid='pgtrigger_delete_delete_6d7fe', table='indicators_emissionfactor', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='EmissionFactorEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('method', models.CharField(choices=[('location', 'Location-based'), ('market', 'Market-based')], default='location', max_length=10, verbose_name='method')),
                ('grams_per_kwh', models.DecimalField(decimal_places=2, max_digits=8, validators=[django.core.validators.MinValueValidator(0)], verbose_name='g CO2 per kWh')),
                ('reference', models.CharField(blank=True, max_length=200, verbose_name='source')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='indicators.emissionfactor')),
                ('carrier', models.ForeignKey(db_constraint=False, limit_choices_to={'feeds': 'energy_carrier'}, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='indicators.indicator', verbose_name='energy carrier')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='IndicatorEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('code', models.SlugField(db_index=False, max_length=40, verbose_name='code')),
                ('name_nb', models.CharField(max_length=160, verbose_name='name (bokmål)')),
                ('name_en', models.CharField(max_length=160, verbose_name='name (English)')),
                ('category', models.CharField(choices=[('health', 'Health and safety'), ('energy', 'Energy'), ('waste', 'Waste'), ('procurement', 'Procurement'), ('travel', 'Travel')], max_length=20, verbose_name='category')),
                ('unit_of_measure', models.CharField(choices=[('count', 'count'), ('percent', '%'), ('per_million_hours', 'per million hours'), ('hours', 'hours'), ('days', 'days'), ('fte', 'FTE'), ('kwh', 'kWh'), ('kwh_per_m2', 'kWh/m²'), ('m2', 'm²'), ('tonnes', 'tonnes'), ('km', 'km')], default='count', max_length=20, verbose_name='unit of measure')),
                ('period', models.CharField(choices=[('tertial', 'Tertial'), ('year', 'Year')], max_length=10, verbose_name='period')),
                ('source', models.CharField(choices=[('computed', 'Computed from records'), ('entered', 'Entered in the browser'), ('imported', 'Imported from a file')], max_length=10, verbose_name='obtained')),
                ('supplier', models.CharField(choices=[('hms_department', 'HSE department'), ('hr', 'HR (personnel)'), ('estates', 'Estates and operations'), ('procurement', 'Procurement section'), ('travel_agency', 'Travel agency'), ('unit', 'The unit')], max_length=20, verbose_name='supplied by')),
                ('roll_up', models.CharField(choices=[('sum', 'Sum of the units'), ('ratio', 'Ratio recomputed from the summed parts'), ('none', "Not added up (the unit's own value)")], max_length=10, verbose_name='rolls up as')),
                ('over_time', models.CharField(choices=[('sum', 'Sum of the periods'), ('average', 'Average of the periods')], default='sum', max_length=10, verbose_name='over several periods')),
                ('feeds', models.CharField(blank=True, choices=[('', 'Nothing'), ('energy_carrier', 'Energy carrier (total energy, CO2)'), ('waste_sorted', 'Sorted waste fraction'), ('waste_unsorted', 'Unsorted (residual) waste')], default='', max_length=20, verbose_name='feeds into')),
                ('definition_nb', models.TextField(blank=True, max_length=10000, verbose_name='definition (bokmål)')),
                ('definition_en', models.TextField(blank=True, max_length=10000, verbose_name='definition (English)')),
                ('decimals', models.PositiveSmallIntegerField(default=0, validators=[django.core.validators.MaxValueValidator(4)], verbose_name='decimals shown')),
                ('order', models.PositiveSmallIntegerField(default=0, verbose_name='order')),
                ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='indicators.indicator')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='IndicatorValue',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('tertial', models.PositiveSmallIntegerField(default=0, help_text='1–3, or 0 for the whole year.', verbose_name='tertial')),
                ('value', models.DecimalField(decimal_places=4, max_digits=18, verbose_name='value')),
                ('source', models.CharField(choices=[('entered', 'Entered in the browser'), ('imported', 'Imported from a file')], default='entered', max_length=10, verbose_name='obtained')),
                ('entered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='entered')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('entered_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='entered by')),
                ('indicator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='values', to='indicators.indicator', verbose_name='indicator')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='indicator_values', to='units.unit', verbose_name='unit')),
            ],
            options={
                'verbose_name': 'indicator value',
                'verbose_name_plural': 'indicator values',
                'ordering': ['indicator__order', 'year', 'tertial'],
                'indexes': [models.Index(fields=['year', 'tertial'], name='indicatorvalue_period_idx'), models.Index(fields=['unit', 'year'], name='indicatorvalue_unit_year_idx')],
                'constraints': [models.UniqueConstraint(fields=('indicator', 'unit', 'year', 'tertial'), name='indicatorvalue_one_per_period'), models.CheckConstraint(condition=models.Q(('tertial__gte', 0), ('tertial__lte', 3)), name='indicatorvalue_tertial'), models.CheckConstraint(condition=models.Q(('year__gte', 2000), ('year__lte', 2100)), name='indicatorvalue_year'), models.CheckConstraint(condition=models.Q(('value__gte', 0)), name='indicatorvalue_not_negative')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_indicatorvalueevent" ("entered_at", "entered_by_id", "id", "indicator_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tertial", "unit_id", "value", "version", "year") VALUES (NEW."entered_at", NEW."entered_by_id", NEW."id", NEW."indicator_id", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."source", NEW."tertial", NEW."unit_id", NEW."value", NEW."version", NEW."year"); RETURN NULL;', hash='10cfb57a3a93a020a91c9ad2fdf7102914708498', operation='INSERT', pgid='pgtrigger_insert_insert_3850c', table='indicators_indicatorvalue', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "indicators_indicatorvalueevent" ("entered_at", "entered_by_id", "id", "indicator_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tertial", "unit_id", "value", "version", "year") VALUES (NEW."entered_at", NEW."entered_by_id", NEW."id", NEW."indicator_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."source", NEW."tertial", NEW."unit_id", NEW."value", NEW."version", NEW."year"); RETURN NULL;', hash='c3b5f91cbda6525ad495ee978dac4b35f36c1f9a', operation='UPDATE', pgid='pgtrigger_update_update_f327f', table='indicators_indicatorvalue', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_indicatorvalueevent" ("entered_at", "entered_by_id", "id", "indicator_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "source", "tertial", "unit_id", "value", "version", "year") VALUES (OLD."entered_at", OLD."entered_by_id", OLD."id", OLD."indicator_id", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."source", OLD."tertial", OLD."unit_id", OLD."value", OLD."version", OLD."year"); RETURN NULL;', hash='4df42db035c1a84a1c74add29410b6ad7802920e', operation='DELETE', pgid='pgtrigger_delete_delete_2883d', table='indicators_indicatorvalue', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='IndicatorValueEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('tertial', models.PositiveSmallIntegerField(default=0, help_text='1–3, or 0 for the whole year.', verbose_name='tertial')),
                ('value', models.DecimalField(decimal_places=4, max_digits=18, verbose_name='value')),
                ('source', models.CharField(choices=[('entered', 'Entered in the browser'), ('imported', 'Imported from a file')], default='entered', max_length=10, verbose_name='obtained')),
                ('entered_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='entered')),
                ('version', models.PositiveIntegerField(default=1, editable=False)),
                ('entered_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to=settings.AUTH_USER_MODEL, verbose_name='entered by')),
                ('indicator', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='indicators.indicator', verbose_name='indicator')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='indicators.indicatorvalue')),
                ('unit', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='units.unit', verbose_name='unit')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.CreateModel(
            name='DegreeDays',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('municipality', models.CharField(max_length=80, verbose_name='municipality')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('actual', models.DecimalField(decimal_places=1, max_digits=7, validators=[django.core.validators.MinValueValidator(1)], verbose_name='degree days, actual')),
                ('normal', models.DecimalField(decimal_places=1, max_digits=7, validators=[django.core.validators.MinValueValidator(1)], verbose_name='degree days, normal')),
                ('normal_period', models.CharField(default='1991–2020', max_length=20, verbose_name='normal period')),
            ],
            options={
                'verbose_name': 'degree days',
                'verbose_name_plural': 'degree days',
                'ordering': ['municipality', '-year'],
                'constraints': [models.UniqueConstraint(fields=('municipality', 'year'), name='degreedays_one_per_year'), models.CheckConstraint(condition=models.Q(('actual__gt', 0), ('normal__gt', 0)), name='degreedays_positive')],
                'triggers': [pgtrigger.compiler.Trigger(name='insert_insert', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_degreedaysevent" ("actual", "id", "municipality", "normal", "normal_period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "year") VALUES (NEW."actual", NEW."id", NEW."municipality", NEW."normal", NEW."normal_period", _pgh_attach_context(), NOW(), \'insert\', NEW."id", NEW."year"); RETURN NULL;', hash='5a0f948279d5535306c851ff34bc2b3c92495a0a', operation='INSERT', pgid='pgtrigger_insert_insert_47147', table='indicators_degreedays', when='AFTER')), pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD.* IS DISTINCT FROM NEW.*)', func='INSERT INTO "indicators_degreedaysevent" ("actual", "id", "municipality", "normal", "normal_period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "year") VALUES (NEW."actual", NEW."id", NEW."municipality", NEW."normal", NEW."normal_period", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."year"); RETURN NULL;', hash='f53390dbfc92dd46690e6b4a68072a05b5c69f8e', operation='UPDATE', pgid='pgtrigger_update_update_2ce78', table='indicators_degreedays', when='AFTER')), pgtrigger.compiler.Trigger(name='delete_delete', sql=pgtrigger.compiler.UpsertTriggerSql(func='INSERT INTO "indicators_degreedaysevent" ("actual", "id", "municipality", "normal", "normal_period", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "year") VALUES (OLD."actual", OLD."id", OLD."municipality", OLD."normal", OLD."normal_period", _pgh_attach_context(), NOW(), \'delete\', OLD."id", OLD."year"); RETURN NULL;', hash='779f507204c9f1508f56a1b34cb12cc794bbe61d', operation='DELETE', pgid='pgtrigger_delete_delete_bbae2', table='indicators_degreedays', when='AFTER'))],
            },
        ),
        migrations.CreateModel(
            name='DegreeDaysEvent',
            fields=[
                ('pgh_id', models.AutoField(primary_key=True, serialize=False)),
                ('pgh_created_at', models.DateTimeField(auto_now_add=True)),
                ('pgh_label', models.TextField(help_text='The event label.')),
                ('id', models.BigIntegerField()),
                ('municipality', models.CharField(max_length=80, verbose_name='municipality')),
                ('year', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(2000), django.core.validators.MaxValueValidator(2100)], verbose_name='year')),
                ('actual', models.DecimalField(decimal_places=1, max_digits=7, validators=[django.core.validators.MinValueValidator(1)], verbose_name='degree days, actual')),
                ('normal', models.DecimalField(decimal_places=1, max_digits=7, validators=[django.core.validators.MinValueValidator(1)], verbose_name='degree days, normal')),
                ('normal_period', models.CharField(default='1991–2020', max_length=20, verbose_name='normal period')),
                ('pgh_context', models.ForeignKey(db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='pghistory.context')),
                ('pgh_obj', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='events', to='indicators.degreedays')),
            ],
            options={
                'abstract': False,
            },
        ),
        migrations.RunPython(_catalogue.add_defaults, migrations.RunPython.noop),
    ]
