"""E-mail reminders of the yearly cycle, run by beat through the thin tasks in tasks.py:
goals of last year to evaluate (in January) and inspection rounds due. Each unit is reminded
once per period: a ReminderSent row is written before the mail goes, so a second run of the
same period (or two workers at once) sends nothing more."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from hms.cycle.models import Goal, ReminderKind, ReminderSent
from risk.models import InspectionRound, RoundStatus
from units import outbox
from units.models import Role, RoleAssignment, Unit


def _nearest_line_managers(units, today) -> dict[int, list]:
    """{unit id: the line managers answering for it} (held on the unit, or on the nearest
    unit above that has one), in one query for all the units."""
    paths = {path for unit in units for path in (*unit.ancestor_paths(), unit.path)}
    by_path = defaultdict(list)
    for assignment in (
        RoleAssignment.objects.current(today)
        .filter(role=Role.LINE_MANAGER, unit__path__in=paths, user__is_active=True)
        .select_related("user", "unit")
    ):
        by_path[assignment.unit.path].append(assignment.user)
    found = {}
    for unit in units:
        for path in reversed([*unit.ancestor_paths(), unit.path]):
            if by_path.get(path):
                found[unit.pk] = by_path[path]
                break
    return found


def _claim(kind: str, unit: Unit, period: str) -> bool:
    """Record that the unit is reminded for the period; False when it already was."""
    try:
        with transaction.atomic():
            ReminderSent.objects.create(kind=kind, unit=unit, period=period)
    except IntegrityError:
        return False
    return True


def _send_per_person(kind: str, units, period: str, template: str, today, extra=None) -> int:
    managers = _nearest_line_managers(units, today)
    per_person: dict[int, list] = defaultdict(list)
    people = {}
    for unit in units:
        recipients = managers.get(unit.pk, [])
        if not recipients or not _claim(kind, unit, period):
            continue
        for person in recipients:
            people[person.pk] = person
            per_person[person.pk].append(unit)
    sent = 0
    site = settings.SITE_URL.rstrip("/")
    for person_pk, person_units in per_person.items():
        person = people[person_pk]
        if not person.email:
            continue
        context = {
            "person": person,
            "units": person_units,
            "period": period,
            "site_url": site,
            **(extra or {}),
        }
        for unit in person_units:
            unit.link = site + unit.cycle_url
        sent += outbox.send_to(person, f"cycle/email/{template}", context)
    return sent


def goals_to_evaluate(today=None) -> int:
    """In January: the line manager of each unit with unevaluated goals of last year is asked
    to evaluate them and set new ones (the seed: at the start of the year the unit checks
    whether the goal was reached). Returns the number of e-mails sent."""
    today = today or timezone.localdate()
    if today.month != 1:
        return 0
    year = today.year - 1
    unit_ids = Goal.objects.filter(year=year, evaluation="").values("unit_id")
    units = list(Unit.objects.active().filter(pk__in=unit_ids).order_by("path"))
    for unit in units:
        unit.cycle_url = reverse("cycle:cycle", args=[unit.code, today.year]) + "#last-year"
    return _send_per_person(
        ReminderKind.GOAL_EVALUATION,
        units,
        str(year),
        "goal_evaluation",
        today,
        {"year": year},
    )


def _months_back(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return datetime.date(year, month + 1, min(day.day, 28))


def rounds_due(today=None) -> int:
    """Units whose last completed inspection round is more than 11 months old, or that have
    none: their line manager is reminded, once a month while it stays due, so the round (at
    least yearly) can be planned before the year is out."""
    today = today or timezone.localdate()
    since = timezone.make_aware(
        datetime.datetime.combine(_months_back(today, 11), datetime.time.min)
    )
    recent = InspectionRound.objects.filter(
        status=RoundStatus.COMPLETED, completed_at__gte=since
    ).values("unit_id")
    units = list(Unit.objects.active().exclude(pk__in=recent).order_by("path"))
    for unit in units:
        unit.cycle_url = f"{reverse('risk:round_plan')}?unit={unit.code}"
    return _send_per_person(
        ReminderKind.ROUND_DUE, units, today.strftime("%Y-%m"), "round_due", today
    )
