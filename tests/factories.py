import itertools

import factory
from django.contrib.auth import get_user_model

from units.models import Role, RoleAssignment, Unit, UnitType


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("hms-test-password")


_unit_numbers = itertools.count(1)


def make_unit(parent: Unit | None = None, **fields) -> Unit:
    """A unit under `parent` (or a new root). Trees are built with treebeard, not a factory."""
    fields.setdefault("code", f"U{next(_unit_numbers)}")
    fields.setdefault("name_nb", f"Enhet {fields['code']}")
    fields.setdefault("name_en", f"Unit {fields['code']}")
    fields.setdefault("unit_type", UnitType.DEPARTMENT)
    if parent is None:
        return Unit.objects.add_root(fields)
    return Unit.objects.add_child(parent, fields)


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.EMPLOYEE


def make_deviation(unit: Unit, reporter=None, *, anonymous: bool = False, **fields):
    """A reported deviation, made through the same service as the report form."""
    import datetime
    import uuid

    from django.utils import timezone

    from deviations.models import Category, DeviationType, Severity
    from deviations.services import deviation_report

    fields.setdefault("title", "Glass på gulvet i laben")
    fields.setdefault("description", "Knust glass ble liggende etter forsøket.")
    fields.setdefault("occurred_at", timezone.now() - datetime.timedelta(hours=2))
    fields.setdefault("deviation_type", DeviationType.HAZARD)
    fields.setdefault("severity", Severity.MINOR)
    if "category" not in fields:
        fields["category"] = Category.objects.get(code="building")
    deviation, _code, _created = deviation_report(
        reporter=reporter,
        anonymous=anonymous,
        unit=unit,
        submission_token=uuid.uuid4(),
        **fields,
    )
    return deviation


def load_reference_data() -> None:
    """The lists the migrations load (deviation categories, the risk matrix, templates).

    Tests marked `transaction=True` empty every table afterwards, these included, so those
    tests load them again first. Each loader is idempotent.
    """
    import importlib

    from django.apps import apps

    for module in (
        "deviations.migrations.0002_default_categories",
        "hms.cycle.migrations.0002_default_steps",
        "hms.registers.migrations.0002_defaults",
        "hms.training.migrations.0002_default_courses",
        "indicators.migrations.0002_catalogue",
    ):
        migration = importlib.import_module(module)
        loader = getattr(migration, "add_categories", None) or migration.add_defaults
        loader(apps, None)
    load_risk_reference_data()


def load_risk_reference_data() -> None:
    """The risk matrix and the templates of risk migration 0002, in today's shape: the old
    kinds are the keys, named as migration 0009 named them."""
    import importlib

    from risk.models import (
        ChecklistTemplate,
        ChecklistTemplateItem,
        HazardTemplate,
        HazardTemplateRow,
        RiskMatrix,
    )

    defaults = importlib.import_module("risk.migrations.0002_defaults")
    names = importlib.import_module("risk.migrations.0009_templates_kept_in_app")
    if not RiskMatrix.objects.exists():
        RiskMatrix.objects.create(
            version=1,
            probability_labels=defaults.PROBABILITY,
            consequence_labels=defaults.CONSEQUENCE,
            green_max=4,
            red_min=12,
            is_current=True,
        )
    for model, line_model, lines, named in (
        (HazardTemplate, HazardTemplateRow, defaults.HAZARDS, names.HAZARD_NAMES),
        (ChecklistTemplate, ChecklistTemplateItem, defaults.CHECKLISTS, names.CHECKLIST_NAMES),
    ):
        for position, (slug, (nb, nn, en)) in enumerate(named.items(), start=1):
            template, created = model.objects.get_or_create(
                slug=slug,
                defaults={"name_nb": nb, "name_nn": nn, "name_en": en, "position": position},
            )
            if not created:
                continue
            for order, texts in enumerate(lines[slug], start=1):
                if model is HazardTemplate:
                    hazard_nb, hazard_en, measures_nb, measures_en = texts
                    fields = {
                        "hazard_nb": hazard_nb,
                        "hazard_en": hazard_en,
                        "existing_measures_nb": measures_nb,
                        "existing_measures_en": measures_en,
                    }
                else:
                    fields = {"text_nb": texts[0], "text_en": texts[1]}
                line_model.objects.create(template=template, order=order, **fields)


def make_document(unit: Unit, actor, **fields):
    """A document of the unit's documentation register, kept by its archive case number."""
    from hms.registers.models import DocumentKind
    from hms.registers.services import document_save

    fields.setdefault("kind", DocumentKind.FIRE)
    fields.setdefault("title", "Branninstruks")
    fields.setdefault("archive_ref", "2025/100")
    return document_save(actor=actor, unit=unit, **fields)


def make_routine(unit: Unit, actor, *, approve_by=None, **fields):
    """A local HSE routine, a draft unless `approve_by` (a line manager) approves it."""
    import datetime

    from django.utils import timezone

    from hms.registers.services import routine_approve, routine_create

    fields.setdefault("title", "Rutine for alenearbeid")
    fields.setdefault("purpose", "Hindre skade ved alenearbeid.")
    fields.setdefault("procedure", "1. Avtal tilsyn.")
    fields.setdefault("review_due", timezone.localdate() + datetime.timedelta(days=365))
    routine = routine_create(actor=actor, unit=unit, **fields)
    if approve_by is not None:
        routine = routine_approve(actor=approve_by, routine=routine, version=routine.version)
    return routine


def make_agreement(unit: Unit, actor, **fields):
    """A coordination agreement between NTNU (main enterprise) and SINTEF."""
    import datetime

    from django.utils import timezone

    from hms.registers.services import agreement_save

    today = timezone.localdate()
    fields.setdefault("title", "Samordningsavtale Kjemiblokkene")
    fields.setdefault("premises", "Kjemiblokk 5")
    fields.setdefault("activities", "Forskning")
    fields.setdefault("valid_from", today.replace(month=1, day=1))
    fields.setdefault("valid_to", today + datetime.timedelta(days=400))
    fields.setdefault(
        "parties",
        [
            {"name": "NTNU", "contact": "", "is_main": True},
            {"name": "SINTEF", "contact": "", "is_main": False},
        ],
    )
    return agreement_save(actor=actor, unit=unit, **fields)


def make_measure(unit: Unit, responsible, **fields):
    """A measure in the unit's action plan, written directly (no e-mail, any deadline)."""
    import datetime

    from django.utils import timezone

    from actionplans.models import Measure

    fields.setdefault("title", "Sette opp skilt ved nødutgangen")
    fields.setdefault("deadline", timezone.localdate() + datetime.timedelta(days=30))
    fields.setdefault("created_by", responsible)
    return Measure.objects.create(unit=unit, responsible=responsible, **fields)
