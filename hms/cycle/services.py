"""Writes of the yearly cycle: opening a year from the template, steps, goals and their
measures, and the working group. Keyword-only, atomic, validated; a change based on an older
version of a step or goal is refused instead of overwriting someone else's."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import Measure, MeasureSource, Priority
from actionplans.services import measure_create
from hms.cycle.models import (
    CycleStep,
    Goal,
    GoalMeasure,
    StepTemplate,
    UnitCycle,
    WorkingGroupMember,
)
from units import access, versions
from units.models import Unit

FIRST_YEAR = 2000


def year_allowed(year: int) -> bool:
    """A cycle may be opened for any year from 2000 up to next year (planning ahead)."""
    return FIRST_YEAR <= year <= timezone.localdate().year + 1


def can_change_cycle(user, unit: Unit) -> bool:
    """The line manager, the HSE coordinator and the HSE department change a unit's cycle."""
    return access.can_manage_records(user, unit)


def _require_manager(actor, unit: Unit) -> None:
    if not can_change_cycle(actor, unit):
        raise PermissionDenied


def cycle_open(*, unit: Unit, year: int) -> UnitCycle:
    """The unit's cycle for the year, made from the current template the first time it is
    opened. Steps are copies, so changing the template later leaves a held year alone."""
    cycle = UnitCycle.objects.filter(unit=unit, year=year).first()
    if cycle is not None:
        return cycle
    if not year_allowed(year):
        raise ValidationError(_("A cycle can be opened from 2000 up to next year."))
    try:
        with transaction.atomic():
            cycle = UnitCycle.objects.create(unit=unit, year=year)
            CycleStep.objects.bulk_create(
                CycleStep(
                    cycle=cycle,
                    template=template,
                    phase=template.phase,
                    order=template.order,
                    key=template.key,
                    title_nb=template.title_nb,
                    title_en=template.title_en,
                    guidance_nb=template.guidance_nb,
                    guidance_en=template.guidance_en,
                    due_date=template.due_date(year),
                )
                for template in StepTemplate.objects.filter(is_active=True)
            )
    except IntegrityError:
        # Two first openings at once: the other one made it.
        return UnitCycle.objects.get(unit=unit, year=year)
    return cycle


def _stale(what) -> ValidationError:
    return ValidationError(
        _("Someone else changed this %(what)s while you were editing; look at it again.")
        % {"what": what}
    )


@transaction.atomic
def step_update(
    *,
    actor,
    step: CycleStep,
    version: int,
    status: str,
    due_date: datetime.date,
    responsible=None,
    comment: str = "",
) -> CycleStep:
    """Set a step's status, due date, responsible person and comment. The unit's managers
    may change every step; the person responsible for a step may change that step."""
    step = CycleStep.objects.select_for_update().select_related("cycle__unit").get(pk=step.pk)
    if not (can_change_cycle(actor, step.cycle.unit) or step.responsible_id == actor.pk):
        raise PermissionDenied
    if step.version != version:
        raise _stale(_("step"))
    step.status = status
    step.due_date = due_date
    step.responsible = responsible
    step.comment = comment.strip()
    step.full_clean()
    step.version = F("version") + 1
    step.save(update_fields=["status", "due_date", "responsible", "comment", "version"])
    return CycleStep.objects.select_related("cycle__unit", "responsible").get(pk=step.pk)


def _check_parent(unit: Unit, year: int, parent: Goal | None) -> None:
    if parent is not None and (parent.year != year or parent.unit.path != unit.parent_path()):
        raise ValidationError({"parent": _("Choose a goal of the parent unit for the same year.")})


@transaction.atomic
def goal_create(
    *,
    actor,
    unit: Unit,
    year: int,
    title: str,
    description: str = "",
    parent: Goal | None = None,
    carried_over_from: Goal | None = None,
) -> Goal:
    _require_manager(actor, unit)
    if not year_allowed(year):
        raise ValidationError(_("Goals can be set from 2000 up to next year."))
    _check_parent(unit, year, parent)
    goal = Goal(
        unit=unit,
        year=year,
        title=title.strip(),
        description=description.strip(),
        parent=parent,
        carried_over_from=carried_over_from,
        created_by=actor,
    )
    goal.full_clean()
    goal.save()
    return goal


@transaction.atomic
def goal_update(
    *, actor, goal: Goal, version: int, title: str, description: str = "", parent=None
) -> Goal:
    goal = Goal.objects.select_for_update().select_related("unit").get(pk=goal.pk)
    _require_manager(actor, goal.unit)
    if goal.version != version:
        raise _stale(_("goal"))
    _check_parent(goal.unit, goal.year, parent)
    goal.title = title.strip()
    goal.description = description.strip()
    goal.parent = parent
    goal.full_clean()
    goal.version = F("version") + 1
    goal.save(update_fields=["title", "description", "parent", "version"])
    return Goal.objects.select_related("unit").get(pk=goal.pk)


@transaction.atomic
def goal_evaluate(*, actor, goal: Goal, version: int, evaluation: str, comment: str = "") -> Goal:
    """Record whether the goal was reached (the seed: checked at the start of the next
    year). Evaluating again replaces the earlier evaluation."""
    goal = Goal.objects.select_for_update().select_related("unit").get(pk=goal.pk)
    _require_manager(actor, goal.unit)
    if goal.version != version:
        raise _stale(_("goal"))
    if evaluation not in Goal.Evaluation.values:
        raise ValidationError({"evaluation": _("Choose reached, partly reached or not reached.")})
    goal.evaluation = evaluation
    goal.evaluation_comment = comment.strip()
    goal.evaluated_at = timezone.now()
    goal.evaluated_by = actor
    goal.full_clean()
    goal.version = F("version") + 1
    goal.save(
        update_fields=[
            "evaluation",
            "evaluation_comment",
            "evaluated_at",
            "evaluated_by",
            "version",
        ]
    )
    return Goal.objects.select_related("unit").get(pk=goal.pk)


@transaction.atomic
def goal_carry_over(*, actor, goal: Goal, year: int) -> Goal:
    """A copy of the goal for a later year, for a goal the unit keeps working on. Carried
    once: a second carry-over returns the copy already made."""
    goal = Goal.objects.select_for_update().select_related("unit").get(pk=goal.pk)
    if year <= goal.year:
        raise ValidationError(_("A goal is carried over to a later year."))
    existing = goal.carried_over.filter(year=year).first()
    if existing is not None:
        _require_manager(actor, goal.unit)
        return existing
    return goal_create(
        actor=actor,
        unit=goal.unit,
        year=year,
        title=goal.title,
        description=goal.description,
        carried_over_from=goal,
    )


@transaction.atomic
def goal_add_measure(
    *,
    actor,
    goal: Goal,
    title: str,
    responsible,
    deadline: datetime.date,
    description: str = "",
    priority: str = Priority.MEDIUM,
    estimated_cost: Decimal | None = None,
) -> Measure:
    """A measure in the unit's action plan, made to reach the goal."""
    goal = Goal.objects.select_related("unit").get(pk=goal.pk)
    _require_manager(actor, goal.unit)
    measure = measure_create(
        actor=actor,
        unit=goal.unit,
        title=title,
        description=description,
        responsible=responsible,
        deadline=deadline,
        priority=priority,
        estimated_cost=estimated_cost,
        source=MeasureSource.GOAL,
        origin_label=goal.title,
        origin_url=goal.get_absolute_url(),
    )
    GoalMeasure.objects.create(goal=goal, measure=measure)
    return measure


def _lock_group(unit: Unit, year: int) -> UnitCycle:
    """The unit's cycle of the year, locked: it carries the working group's version, and the
    lock queues two managers changing the group at once (naming a driver, say)."""
    cycle = cycle_open(unit=unit, year=year)
    return UnitCycle.objects.select_for_update().get(pk=cycle.pk)


def _group_changed(cycle: UnitCycle) -> None:
    UnitCycle.objects.filter(pk=cycle.pk).update(group_version=F("group_version") + 1)


@transaction.atomic
def member_save(
    *,
    actor,
    unit: Unit,
    year: int,
    user,
    part: str = "",
    is_driver: bool = False,
    version: int | None = None,
) -> WorkingGroupMember:
    """Add a person to the unit's working group for the year, or change their part. Making
    someone the driver takes the role from whoever had it: there is one driver at most.
    `version` is the group's version as the page showed it: adding a person already in the
    group changes their part, and naming a driver takes the role from someone, so a save
    prepared on an older group is refused."""
    _require_manager(actor, unit)
    if not year_allowed(year):
        raise ValidationError(_("A working group can be set from 2000 up to next year."))
    cycle = _lock_group(unit, year)
    versions.check_version(
        cycle.group_version,
        version,
        _(
            "Someone else changed the working group while you were adding to it. The group "
            "as it is now is shown; your input is kept in the form. Save again to apply it."
        ),
    )
    members = list(WorkingGroupMember.objects.filter(unit=unit, year=year))
    if is_driver:
        for other in members:
            if other.is_driver and other.user_id != user.pk:
                other.is_driver = False
                other.save(update_fields=["is_driver"])
    member = next((m for m in members if m.user_id == user.pk), None)
    member = member or WorkingGroupMember(unit=unit, year=year, user=user)
    member.part = part.strip()
    member.is_driver = is_driver
    member.full_clean(validate_constraints=False)
    member.save()
    _group_changed(cycle)
    return member


@transaction.atomic
def member_remove(*, actor, member: WorkingGroupMember) -> None:
    _require_manager(actor, member.unit)
    cycle = _lock_group(member.unit, member.year)
    member.delete()
    _group_changed(cycle)


# Starting a year from last year ------------------------------------------------------------


def _a_year_later(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


@dataclass(frozen=True)
class StepPlan:
    """What a step of last year's cycle hands on to the same step this year: its responsible
    person (still an active user) and the due date, where the unit moved it from the
    template's, a year later. Status and comment describe last year's work and stay."""

    step: CycleStep
    responsible: object | None
    due_date: datetime.date | None

    @property
    def match(self) -> tuple:
        return _step_match(self.step)


def _step_match(step: CycleStep) -> tuple:
    # The HSE department's own steps have no key; their template ties the two years.
    return ("key", step.key) if step.key else ("template", step.template_id)


def last_year_step_plans(unit: Unit, year: int) -> list[StepPlan]:
    """The steps of the unit's cycle of `year - 1` that have a plan to carry into `year`.
    One query; none when last year's cycle was never opened."""
    plans = []
    steps = CycleStep.objects.filter(cycle__unit=unit, cycle__year=year - 1).select_related(
        "template", "responsible"
    )
    for step in steps:
        if step.template_id is None and not step.key:
            continue
        responsible = step.responsible if step.responsible and step.responsible.is_active else None
        moved = step.template is None or step.due_date != step.template.due_date(year - 1)
        due_date = _a_year_later(step.due_date) if moved else None
        if responsible is not None or due_date is not None:
            plans.append(StepPlan(step=step, responsible=responsible, due_date=due_date))
    return plans


def year_is_started(unit: Unit, year: int) -> bool:
    """A year is started once it has a working group member or a goal."""
    return (
        WorkingGroupMember.objects.filter(unit=unit, year=year).exists()
        or Goal.objects.filter(unit=unit, year=year).exists()
    )


@dataclass(frozen=True)
class YearStart:
    members: int = 0
    goals: int = 0
    steps: int = 0

    @property
    def copied_anything(self) -> bool:
        return bool(self.members or self.goals or self.steps)


@transaction.atomic
def cycle_start_from_last_year(*, actor, unit: Unit, year: int, goals=None) -> YearStart:
    """Start the unit's `year` from `year - 1`, to be edited afterwards: the working group
    (its members who are still active users, with their parts and the driver), last year's
    goals as new goals (not evaluated, no measures; `goals` picks which, default all), and
    the steps' responsible people and moved due dates, onto steps not changed this year.

    Only for a year not started yet (no member, no goal): a second call, a double click
    included, copies nothing and returns zero counts."""
    _require_manager(actor, unit)
    if not (year_allowed(year) and year_allowed(year - 1)):
        raise ValidationError(_("A cycle can be opened from 2000 up to next year."))
    # The lock on this year's cycle queues a second click behind the first; once that one
    # has committed, the year is started and the second copies nothing.
    cycle = _lock_group(unit, year)
    if year_is_started(unit, year):
        return YearStart()
    members = WorkingGroupMember.objects.bulk_create(
        WorkingGroupMember(
            unit=unit, year=year, user_id=old.user_id, part=old.part, is_driver=old.is_driver
        )
        for old in WorkingGroupMember.objects.filter(unit=unit, year=year - 1, user__is_active=True)
    )
    if members:
        _group_changed(cycle)
    last_goals = Goal.objects.filter(unit=unit, year=year - 1).order_by("pk")
    if goals is not None:
        last_goals = last_goals.filter(pk__in=[goal.pk for goal in goals])
    last_goals = list(last_goals)
    # A goal supporting a goal of the unit above supports that goal's copy this year, if the
    # unit above has carried it over; otherwise the link is for the user to set again.
    parents = {
        goal.carried_over_from_id: goal
        for goal in Goal.objects.filter(
            unit__path=unit.parent_path() or "",
            year=year,
            carried_over_from__in=[goal.parent_id for goal in last_goals if goal.parent_id],
        ).select_related("unit")
    }
    for goal in last_goals:
        goal_create(
            actor=actor,
            unit=unit,
            year=year,
            title=goal.title,
            description=goal.description,
            parent=parents.get(goal.parent_id),
            carried_over_from=goal,
        )
    steps = 0
    untouched = {
        _step_match(step): step
        for step in cycle.steps.filter(version=1).select_for_update(of=("self",))
    }
    for plan in last_year_step_plans(unit, year):
        step = untouched.get(plan.match)
        if step is None:
            continue
        fields = []
        if plan.responsible is not None:
            step.responsible = plan.responsible
            fields.append("responsible")
        if plan.due_date is not None:
            step.due_date = plan.due_date
            fields.append("due_date")
        step.full_clean()
        step.version = F("version") + 1
        step.save(update_fields=[*fields, "version"])
        steps += 1
    return YearStart(members=len(members), goals=len(last_goals), steps=steps)
