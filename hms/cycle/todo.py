"""What is the user's to do across their units, for the start page. A constant number of
queries whatever the number of units, deviations, measures or steps."""

import datetime

from django.db.models import Q
from django.utils import timezone

from actionplans.models import Measure
from deviations.models import Deviation, Status
from hms.cycle import evidence
from hms.cycle.models import CycleStep, StepStatus
from hms.cycle.progress import units_progress
from units import access
from units.models import Role, Unit

SOON = datetime.timedelta(days=14)
LIST_LENGTH = 10
# Those who must see a newly reported deviation in their units (DOMAIN.md: the line manager
# owns handling, the safety rep reviews every deviation, the HSE coordinator assists).
REVIEW_ROLES = frozenset({Role.LINE_MANAGER, Role.SAFETY_REP, Role.HMS_COORDINATOR})
OPEN_STEP_STATUSES = (StepStatus.NOT_STARTED, StepStatus.IN_PROGRESS)


def deviations_to_handle(user):
    """Open deviations the user handles, and newly reported ones in the units where they are
    line manager, safety rep or HSE coordinator (the HSE department is not pinged for every
    new case in the institution)."""
    new_in_my_units = Q(status=Status.REPORTED) & access.records_q(user, "unit", REVIEW_ROLES)
    if access.sees_everything(user):
        new_in_my_units = Q(pk__in=[])
    return (
        Deviation.objects.visible_to(user)
        .open()
        .filter(Q(handler=user) | new_in_my_units)
        .select_related("unit")
        .order_by("deadline", "created_at")
    )


def my_reports(user):
    """The user's own reports, newest first: what became of what they reported. Anonymous
    reports keep no reporter, so they are not among them (the receipt code finds those)."""
    return (
        Deviation.objects.filter(reporter=user)
        .only("number", "title", "status", "created_at")
        .order_by("-created_at", "-pk")
    )


def measures_due(user, today=None):
    today = today or timezone.localdate()
    return (
        Measure.objects.filter(responsible=user)
        .open()
        .filter(deadline__lte=today + SOON)
        .select_related("unit")
        .order_by("deadline", "pk")
    )


def cycle_todo(user, today=None) -> tuple[list, list[Unit]]:
    """This year's steps the user is responsible for, due within two weeks or past due, and
    the steps past due in the units they lead, less those whose evidence the app has found;
    and the units they lead, each with this year's cycle progress. The evidence providers
    (about one query each) run once for the units of both."""
    today = today or timezone.localdate()
    led_paths = sorted(access.role_paths(user).get(Role.LINE_MANAGER, ()))
    condition = Q(responsible=user, due_date__lte=today + SOON)
    if led_paths:
        condition |= Q(cycle__unit__path__in=led_paths, due_date__lt=today)
    steps = list(
        CycleStep.objects.filter(condition)
        .filter(cycle__year=today.year, status__in=OPEN_STEP_STATUSES)
        .select_related("cycle__unit")
        .order_by("due_date", "pk")
    )
    led = (
        list(Unit.objects.active().filter(path__in=led_paths).order_by("path")) if led_paths else []
    )
    units = {unit.pk: unit for unit in led}
    for step in steps:
        units.setdefault(step.cycle.unit_id, step.cycle.unit)
    found = evidence.collect(list(units.values()), today.year) if units else {}
    steps = [
        step for step in steps if not (step.key and step.cycle.unit_id in found.get(step.key, {}))
    ]
    if led:
        progress = units_progress(led, today.year, today, found=found)
        for unit in led:
            unit.progress = progress[unit.pk]
    return steps, led
