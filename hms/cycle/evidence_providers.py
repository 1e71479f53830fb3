"""The evidence the cycle finds in its own records and in the units, risk, deviations and
action plan apps. Each provider answers for a list of units in a constant number of queries.
Imported from CycleConfig.ready(); the other apps register their own steps the same way."""

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure
from deviations.models import Deviation
from hms.cycle.evidence import links_for, record_link, register, unit_link
from hms.cycle.models import Goal, WorkingGroupMember
from risk.models import AssessmentStatus, InspectionRound, RiskAssessment, RoundStatus
from units.models import Role, RoleAssignment


def _year_span(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    return start, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


@register("set_goals")
def goals_set(units, year):
    """A written goal of the unit for the year."""
    found = (
        Goal.objects.filter(unit__in=units, year=year).order_by().values_list("unit_id", flat=True)
    )
    return links_for(units, found, unit_link("cycle:cycle", year, suffix="#goals"))


@register("organise")
def working_group_with_driver(units, year):
    """A working group for the year with the one person who drives the work."""
    found = (
        WorkingGroupMember.objects.filter(unit__in=units, year=year, is_driver=True)
        .order_by()
        .values_list("unit_id", flat=True)
    )
    return links_for(units, found, unit_link("cycle:cycle", year, suffix="#working-group"))


@register("clarify_roles")
def line_manager_and_safety_rep(units, year):
    """The unit's roles page answers the step (responsibility, tasks and authority made
    known), when a line manager and a safety rep cover the unit: held on the unit or above,
    on the last day of the year (today, for the year running)."""
    on = min(timezone.localdate(), datetime.date(year, 12, 31))
    # The units themselves by `unit__in` (a subquery for a subtree), and the few above them:
    # the ancestors of the units whose parent is not among them.
    own = {unit.path for unit in units}
    above = set()
    for unit in units:
        if unit.parent_path() not in own:
            above.update(unit.ancestor_paths())
    rows = (
        RoleAssignment.objects.current(on)
        .filter(Q(unit__in=units) | Q(unit__path__in=above))
        .filter(role__in=[Role.LINE_MANAGER, Role.SAFETY_REP], user__is_active=True)
        .order_by()
        .values_list("role", "unit__path")
    )
    held: dict[str, set[str]] = {Role.LINE_MANAGER: set(), Role.SAFETY_REP: set()}
    for role, path in rows:
        held[role].add(path)
    managed, represented = held[Role.LINE_MANAGER], held[Role.SAFETY_REP]
    link = unit_link("units:detail", suffix="#roles")
    found = {}
    for unit in units:
        covering = (*unit.ancestor_paths(), unit.path)
        if not managed.isdisjoint(covering) and not represented.isdisjoint(covering):
            found[unit.pk] = link(unit)
    return found


@register("identify_challenges")
def risk_assessment_approved(units, year):
    """A risk assessment of the unit approved in the year (the latest one is linked)."""
    start, end = _year_span(year)
    rows = (
        RiskAssessment.objects.filter(
            unit__in=units,
            status=AssessmentStatus.APPROVED,
            approved_at__gte=start,
            approved_at__lt=end,
        )
        .order_by("unit_id", "-approved_at", "-pk")
        .distinct("unit_id")
        .values_list("unit_id", "pk")
    )
    link = record_link("risk:assessment")
    return {unit_id: link(pk) for unit_id, pk in rows}


@register("inspection_round")
def round_completed(units, year):
    """An inspection round of the unit completed in the year."""
    start, end = _year_span(year)
    rows = (
        InspectionRound.objects.filter(
            unit__in=units,
            status=RoundStatus.COMPLETED,
            completed_at__gte=start,
            completed_at__lt=end,
        )
        .order_by("unit_id", "-completed_at", "-pk")
        .distinct("unit_id")
        .values_list("unit_id", "pk")
    )
    link = record_link("risk:round")
    return {unit_id: link(pk) for unit_id, pk in rows}


@register("deviation_handling")
def deviations_handled(units, year):
    """Deviations are being handled: at least one of the unit's deviations was closed or
    rejected in the year, and none of its open ones is past its deadline (checked today for
    the year running, at the year's end for a past year). A unit with no deviation at all has
    nothing to show here; its line manager marks the step by hand."""
    start, end = _year_span(year)
    last_day = min(timezone.localdate(), datetime.date(year, 12, 31))
    handled = Q(closed_at__gte=start, closed_at__lt=end)
    # Open at the year's end and already late then; for a past year "open" means not closed
    # before the year ended.
    late = Q(deadline__lt=last_day) & (Q(closed_at__isnull=True) | Q(closed_at__gte=end))
    rows = (
        Deviation.objects.filter(handled | late, unit__in=units)
        .order_by()
        .values("unit_id")
        .annotate(handled=Count("pk", filter=handled), late=Count("pk", filter=late))
        .filter(handled__gt=0, late=0)
        .values_list("unit_id", flat=True)
    )
    url = reverse("deviations:list")
    return links_for(units, rows, lambda unit: f"{url}?unit={unit.code}")


def action_plan_url(code: str) -> str:
    return reverse("actionplans:plan", args=[code])


@register("action_plan")
def measures_planned(units, year):
    """The unit's action plan has measures with a deadline in the year."""
    rows = (
        Measure.objects.filter(unit__in=units, deadline__year=year)
        .order_by()
        .values_list("unit_id", flat=True)
        .distinct()
    )
    return links_for(units, rows, unit_link("actionplans:plan"))
