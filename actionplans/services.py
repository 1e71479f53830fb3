"""Writes to the action plan. Keyword-only, atomic, validated; e-mails after commit.

Who may: those who manage the unit's records (line manager, HSE coordinator, HSE department,
on the unit or above) change the plan; the person responsible for a measure may record its
status and progress. Everyone else is refused (views show them a 404 before it comes to that).
"""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from actionplans import notifications
from actionplans.models import (
    OPEN_STATUSES,
    Effectiveness,
    Measure,
    MeasureSource,
    MeasureStatus,
    Priority,
)
from units import access
from units.models import Unit


def can_change_plan(user, unit: Unit) -> bool:
    return access.can_manage_records(user, unit)


def can_update_progress(user, measure: Measure) -> bool:
    return can_change_plan(user, measure.unit) or (
        user.is_authenticated and measure.responsible_id == user.pk
    )


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _locked(measure: Measure, version: int | None) -> Measure:
    """The row, locked for this transaction; refused if it changed since the form was shown."""
    current = Measure.objects.select_for_update().select_related("unit").get(pk=measure.pk)
    if version is not None and current.version != version:
        raise ValidationError(
            _(
                "Someone else changed this measure while you were editing it. Their version "
                "is shown; your input is kept in the form. Save again to overwrite it."
            ),
            code="stale",
        )
    return current


def _check_responsible(responsible) -> None:
    if responsible is None or not responsible.is_active:
        raise ValidationError({"responsible": _("This user can no longer log in.")})


def _save(measure: Measure, fields: list[str]) -> Measure:
    measure.full_clean()
    measure.version = F("version") + 1
    measure.save(update_fields=[*fields, "version"])
    measure.refresh_from_db(fields=["version"])
    return measure


@transaction.atomic
def measure_create(
    *,
    actor,
    unit: Unit,
    title: str,
    responsible,
    deadline: datetime.date,
    source: str,
    origin_label: str = "",
    origin_url: str = "",
    description: str = "",
    priority: str = Priority.MEDIUM,
    estimated_cost: Decimal | None = None,
    follow_up_of: Measure | None = None,
) -> Measure:
    """A measure in the unit's action plan, made by another app (a deviation, a risk
    assessment, a round, a survey, a goal), which has checked that the actor may. The origin is
    the record it came from, as a label and a link. The responsible person is told by e-mail."""
    _check_responsible(responsible)
    measure = Measure(
        unit=unit,
        title=title.strip(),
        description=description.strip(),
        responsible=responsible,
        deadline=deadline,
        priority=priority,
        estimated_cost=estimated_cost,
        source=source,
        origin_label=origin_label.strip()[:300],
        origin_url=origin_url,
        follow_up_of=follow_up_of,
        created_by=actor,
    )
    measure.full_clean()
    measure.save()
    notifications.measure_assigned(measure, actor)  # into the outbox, in this transaction
    return measure


@transaction.atomic
def plan_measure_add(
    *,
    actor,
    unit: Unit,
    title: str,
    responsible,
    deadline: datetime.date,
    description: str = "",
    priority: str = Priority.MEDIUM,
    estimated_cost: Decimal | None = None,
) -> Measure:
    """A measure added in the action plan itself."""
    _require(can_change_plan(actor, unit))
    return measure_create(
        actor=actor,
        unit=unit,
        title=title,
        responsible=responsible,
        deadline=deadline,
        description=description,
        priority=priority,
        estimated_cost=estimated_cost,
        source=MeasureSource.ACTION_PLAN,
    )


# A follow-up made in one click gets this long; its page asks for the real deadline.
FOLLOW_UP_DAYS = 30


@transaction.atomic
def follow_up_create(*, actor, measure: Measure) -> tuple[Measure, bool]:
    """The follow-up of a measure closed as not working, for the app that checked the actor
    may (the plan, a deviation's handler). One per measure: a second click finds the first.
    Returns (follow-up, created). It keeps the measure's unit, origin, responsible person and
    priority, and links back to it."""
    measure = Measure.objects.select_for_update().select_related("unit").get(pk=measure.pk)
    if not measure.did_not_work:
        raise ValidationError(_("Only a measure closed as not working is followed up this way."))
    existing = measure.follow_ups.order_by("pk").first()
    if existing is not None:
        return existing, False
    responsible = measure.responsible if measure.responsible.is_active else actor
    follow_up = measure_create(
        actor=actor,
        unit=measure.unit,
        title=(_("Follow-up: %(title)s") % {"title": measure.title})[:300],
        description=measure.effectiveness_comment,
        responsible=responsible,
        deadline=timezone.localdate() + datetime.timedelta(days=FOLLOW_UP_DAYS),
        source=measure.source,
        origin_label=measure.origin_label,
        origin_url=measure.origin_url,
        priority=measure.priority,
        follow_up_of=measure,
    )
    return follow_up, True


@transaction.atomic
def plan_follow_up_add(*, actor, measure: Measure) -> tuple[Measure, bool]:
    """The follow-up of a measure that did not work, from the measure's page."""
    _require(can_change_plan(actor, measure.unit))
    return follow_up_create(actor=actor, measure=measure)


@transaction.atomic
def measure_update(
    *,
    actor,
    measure: Measure,
    version: int | None,
    title: str,
    responsible,
    deadline: datetime.date,
    description: str = "",
    priority: str = Priority.MEDIUM,
    estimated_cost: Decimal | None = None,
) -> Measure:
    """Change what the measure is, who does it and by when. A new responsible person is told."""
    measure = _locked(measure, version)
    _require(can_change_plan(actor, measure.unit))
    if not measure.is_open:
        raise ValidationError(_("A closed or cancelled measure is not changed."))
    _check_responsible(responsible)
    reassigned = responsible.pk != measure.responsible_id
    measure.title = title.strip()
    measure.description = description.strip()
    measure.responsible = responsible
    measure.deadline = deadline
    measure.priority = priority
    measure.estimated_cost = estimated_cost
    fields = ["title", "description", "responsible", "deadline", "priority", "estimated_cost"]
    _save(measure, fields)
    if reassigned:
        notifications.measure_assigned(measure, actor)  # into the outbox, in this transaction
    return measure


@transaction.atomic
def measure_set_progress(
    *, actor, measure: Measure, version: int | None, status: str, progress: str
) -> Measure:
    """Planned or in progress, with a note on how far it has come: the responsible person's
    own update. Closing and cancelling have their own steps."""
    measure = _locked(measure, version)
    _require(can_update_progress(actor, measure))
    if not measure.is_open:
        raise ValidationError(_("A closed or cancelled measure is not changed."))
    if status not in OPEN_STATUSES:
        raise ValidationError({"status": _("Close or cancel the measure with its own button.")})
    measure.status = status
    measure.progress = progress.strip()
    return _save(measure, ["status", "progress"])


@transaction.atomic
def measure_close(
    *,
    actor,
    measure: Measure,
    version: int | None,
    effectiveness: str,
    effectiveness_comment: str = "",
) -> Measure:
    """Done, with the effectiveness check the plan asks for: did it work?"""
    measure = _locked(measure, version)
    _require(can_change_plan(actor, measure.unit))
    if not measure.is_open:
        raise ValidationError(_("This measure is closed or cancelled already."))
    if effectiveness not in Effectiveness.values:
        raise ValidationError({"effectiveness": _("Record whether the measure worked.")})
    measure.status = MeasureStatus.DONE
    measure.effectiveness = effectiveness
    measure.effectiveness_comment = effectiveness_comment.strip()
    measure.completed_at = timezone.now()
    fields = ["status", "effectiveness", "effectiveness_comment", "completed_at"]
    return _save(measure, fields)


def measure_record_effect(
    *, measure: Measure, effectiveness: str, effectiveness_comment: str, close: bool
) -> Measure:
    """Record whether a measure worked, for the app that checked the actor may and locked
    the row (a deviation closing); `close` marks an open measure done. Bumps the version, so a
    form prepared before this is refused rather than overwriting it."""
    measure.effectiveness = effectiveness
    measure.effectiveness_comment = effectiveness_comment.strip()
    fields = ["effectiveness", "effectiveness_comment"]
    if close and measure.is_open:
        measure.status = MeasureStatus.DONE
        measure.completed_at = timezone.now()
        fields += ["status", "completed_at"]
    return _save(measure, fields)


@transaction.atomic
def measure_cancel(*, actor, measure: Measure, version: int | None, reason: str) -> Measure:
    """A measure no longer needed, with the reason, kept in the plan as cancelled."""
    measure = _locked(measure, version)
    _require(can_change_plan(actor, measure.unit))
    if not measure.is_open:
        raise ValidationError(_("This measure is closed or cancelled already."))
    if not reason.strip():
        raise ValidationError({"cancel_reason": _("Say why the measure is cancelled.")})
    measure.status = MeasureStatus.CANCELLED
    measure.cancel_reason = reason.strip()
    return _save(measure, ["status", "cancel_reason"])
