"""The evidence the cycle finds in its own records and in the units, risk, deviations and
action plan apps. Each provider answers for a list of units in a constant number of queries.
Imported from CycleConfig.ready(); the other apps register their own steps the same way."""

import datetime

from django.db.models import Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from actionplans.models import Measure
from deviations.models import Deviation
from hms.cycle.evidence import register
from hms.cycle.models import Goal, WorkingGroupMember
from risk.models import AssessmentStatus, InspectionRound, RiskAssessment, RoundStatus
from units.models import Role, RoleAssignment


def _year_span(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


def _cycle_url(unit, year: int, anchor: str) -> str:
    return reverse("cycle:cycle", args=[unit.code, year]) + f"#{anchor}"


@register("set_goals")
def goals_set(units, year):
    """A written goal of the unit for the year."""
    by_id = {unit.pk: unit for unit in units}
    found = Goal.objects.filter(unit__in=by_id, year=year).values_list("unit_id", flat=True)
    return {unit_id: _cycle_url(by_id[unit_id], year, "goals") for unit_id in set(found)}


@register("organise")
def working_group_with_driver(units, year):
    """A working group for the year with the one person who drives the work."""
    by_id = {unit.pk: unit for unit in units}
    found = WorkingGroupMember.objects.filter(
        unit__in=by_id, year=year, is_driver=True
    ).values_list("unit_id", flat=True)
    return {unit_id: _cycle_url(by_id[unit_id], year, "working-group") for unit_id in found}


@register("clarify_roles")
def line_manager_and_safety_rep(units, year):
    """The unit's roles page answers the step (responsibility, tasks and authority made
    known), when a line manager and a safety rep cover the unit: held on the unit or above,
    on the last day of the year (today, for the year running)."""
    on = min(timezone.localdate(), datetime.date(year, 12, 31))
    paths = {path for unit in units for path in (*unit.ancestor_paths(), unit.path)}
    held: dict[str, set[str]] = {}
    rows = (
        RoleAssignment.objects.current(on)
        .filter(
            role__in=[Role.LINE_MANAGER, Role.SAFETY_REP],
            unit__path__in=paths,
            user__is_active=True,
        )
        .values_list("role", "unit__path")
    )
    for role, path in rows:
        held.setdefault(role, set()).add(path)
    found = {}
    for unit in units:
        covering = {*unit.ancestor_paths(), unit.path}
        if covering & held.get(Role.LINE_MANAGER, set()) and covering & held.get(
            Role.SAFETY_REP, set()
        ):
            found[unit.pk] = unit.get_absolute_url() + "#roles"
    return found


@register("identify_challenges")
def risk_assessment_approved(units, year):
    """A risk assessment of the unit approved in the year (the latest one is linked)."""
    start, end = _year_span(year)
    rows = (
        RiskAssessment.objects.filter(
            unit__in=[unit.pk for unit in units],
            status=AssessmentStatus.APPROVED,
            approved_at__gte=start,
            approved_at__lt=end,
        )
        .order_by("unit_id", "-approved_at", "-pk")
        .distinct("unit_id")
        .values_list("unit_id", "pk")
    )
    return {unit_id: reverse("risk:assessment", args=[pk]) for unit_id, pk in rows}


@register("inspection_round")
def round_completed(units, year):
    """An inspection round of the unit completed in the year."""
    start, end = _year_span(year)
    rows = (
        InspectionRound.objects.filter(
            unit__in=[unit.pk for unit in units],
            status=RoundStatus.COMPLETED,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .order_by("unit_id", "-completed_at", "-pk")
        .distinct("unit_id")
        .values_list("unit_id", "pk")
    )
    return {unit_id: reverse("risk:round", args=[pk]) for unit_id, pk in rows}


@register("deviation_handling")
def deviations_handled(units, year):
    """Deviations are being handled: at least one of the unit's deviations was closed or
    rejected in the year, and none of its open ones is past its deadline (checked today for
    the year running, at the year's end for a past year). A unit with no deviation at all has
    nothing to show here; its line manager marks the step by hand."""
    start, end = _year_span(year)
    last_day = min(timezone.localdate(), datetime.date(year, 12, 31))
    ids = [unit.pk for unit in units]
    handled = set(
        Deviation.objects.filter(unit__in=ids, closed_at__gte=start, closed_at__lt=end)
        .values_list("unit_id", flat=True)
        .distinct()
    )
    # Open at the year's end and already late then; for a past year "open" means not closed
    # before the year ended.
    late = set(
        Deviation.objects.filter(unit__in=ids, deadline__lt=last_day)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__gte=end))
        .values_list("unit_id", flat=True)
        .distinct()
    )
    codes = {unit.pk: unit.code for unit in units}
    url = reverse("deviations:list")
    return {unit_id: f"{url}?unit={codes[unit_id]}" for unit_id in handled - late}


def action_plan_url(code: str) -> str:
    # The action plan page belongs to the actionplans app; its URL name may not exist yet.
    for name in ("actionplans:unit_plan", "actionplans:plan"):
        try:
            return reverse(name, args=[code])
        except NoReverseMatch:
            continue
    return f"/actionplans/?unit={code}"


@register("action_plan")
def measures_planned(units, year):
    """The unit's action plan has measures with a deadline in the year."""
    codes = {unit.pk: unit.code for unit in units}
    rows = (
        Measure.objects.filter(unit__in=codes, deadline__year=year)
        .values("unit_id")
        .annotate(last=Max("deadline"))
        .values_list("unit_id", flat=True)
    )
    return {unit_id: action_plan_url(codes[unit_id]) for unit_id in rows}
