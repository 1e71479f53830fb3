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
        "risk.migrations.0002_defaults",
        "hms.cycle.migrations.0002_default_steps",
        "indicators.migrations.0002_catalogue",
    ):
        migration = importlib.import_module(module)
        loader = getattr(migration, "add_categories", None) or migration.add_defaults
        loader(apps, None)
