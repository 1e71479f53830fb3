"""Reporting and handling deviations. Each write is one transaction; e-mails are queued after
the transaction commits, so nobody is told about a case that was rolled back."""

import datetime
import hashlib
import secrets
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actionplans.models import OPEN_STATUSES as MEASURE_OPEN_STATUSES
from actionplans.models import Effectiveness, Measure, MeasureSource, MeasureStatus, Priority
from actionplans.services import follow_up_create, measure_create, measure_record_effect
from deviations import notifications
from deviations.models import (
    OPEN_STATUSES,
    Attachment,
    Comment,
    Deviation,
    DeviationStep,
    EventKind,
    InjuryKind,
    Status,
    deviation_number,
)
from units import access
from units.models import Unit

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


def _is_handler(user, deviation: Deviation) -> bool:
    # A case without a handler must not match a user without a primary key (AnonymousUser).
    return deviation.handler_id is not None and deviation.handler_id == user.pk


def can_handle(user, deviation: Deviation) -> bool:
    """The handler, and those who own the unit's HSE work (line manager, HSE coordinator,
    HSE department), may triage, handle and close a deviation."""
    return _is_handler(user, deviation) or access.can_manage_records(user, deviation.unit)


def can_comment(user, deviation: Deviation) -> bool:
    """Everyone who may see the case takes part in its thread (the safety rep above all)."""
    return (
        can_handle(user, deviation)
        or access.can_view_records(user, deviation.unit)
        or (deviation.reporter_id is not None and deviation.reporter_id == user.pk)
    )


def can_view_health_details(user, deviation: Deviation) -> bool:
    return _is_handler(user, deviation) or access.can_view_health_details(user, deviation.unit)


class ConcurrentEdit(Exception):
    """Someone else changed the deviation after the page this change came from was loaded."""


def receipt_code_hash(code: str) -> str:
    normalised = "".join(code.split()).upper().replace("-", "")
    return hashlib.sha256(normalised.encode()).hexdigest()


def new_receipt_code() -> str:
    raw = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _next_number(year: int) -> tuple[int, str]:
    """The year's next running number, gap-free: one statement creates or advances the
    counter row. The row stays locked until the report commits (a rolled-back report gives
    its number back), so the report does only its own rows' work after this."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO deviations_yearcounter (year, last) VALUES (%s, 1) "
            "ON CONFLICT (year) DO UPDATE SET last = deviations_yearcounter.last + 1 "
            "RETURNING last",
            [year],
        )
        (last,) = cursor.fetchone()
    return last, deviation_number(year, last)


def _event(deviation, kind, actor=None, **fields) -> DeviationStep:
    return DeviationStep.objects.create(deviation=deviation, kind=kind, actor=actor, **fields)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _require_status(deviation: Deviation, *statuses) -> None:
    if deviation.status not in statuses:
        raise ValidationError(
            _("This cannot be done while the deviation is “%(status)s”.")
            % {"status": deviation.get_status_display()}
        )


def _locked(deviation: Deviation) -> Deviation:
    return Deviation.objects.select_for_update().select_related("unit").get(pk=deviation.pk)


def _check_version(deviation: Deviation, version: int | None) -> None:
    """With `version` (from the page the change was made on), a change someone else made
    meanwhile is refused instead of overwritten. The row is locked, so this cannot race."""
    if version is not None and deviation.version != version:
        raise ConcurrentEdit


def _save(deviation: Deviation, fields: list[str]) -> Deviation:
    """Save the changed fields and bump the version that the pages' edit forms carry."""
    deviation.version = F("version") + 1
    deviation.save(update_fields=[*fields, "version"])
    deviation.refresh_from_db(fields=["version"])
    return deviation


def _check_date(deviation: Deviation, field: str, value: datetime.date | None) -> None:
    reported = timezone.localdate(deviation.created_at)
    if value is not None and value < reported:
        raise ValidationError(
            {
                field: _("The deadline cannot be before the deviation was reported (%(date)s).")
                % {"date": date_format(reported, "SHORT_DATE_FORMAT")}
            }
        )


def _token_lock_key(token: uuid.UUID) -> int:
    # A signed 64-bit key for pg_advisory_xact_lock from the token's last 64 bits.
    key = uuid.UUID(str(token)).int & 0xFFFF_FFFF_FFFF_FFFF
    return key - (1 << 64) if key >= (1 << 63) else key


@transaction.atomic
def deviation_report(
    *,
    reporter,
    anonymous: bool,
    unit: Unit,
    submission_token: uuid.UUID,
    files=(),
    **fields,
) -> tuple[Deviation, str | None, bool]:
    """Report a deviation. Returns (deviation, receipt code, created).

    A second submit of the same form (same `submission_token`) returns the first deviation and
    creates nothing. An anonymous report stores no reporter; its receipt code, shown once, is
    the only way back to it and is stored only as a hash. The browser shows only the answer to
    the last submit, so a repeated anonymous submit gets a fresh code (the earlier one stops
    working) rather than none: otherwise a double click would lose the way back.
    """
    # Two sends of one form racing past the lookup would both insert, and the loser's INSERT
    # would fail on the unique token; PostgreSQL then logs the whole failing statement, health
    # details included. A lock on the token, held to the end of the transaction, makes the
    # second send wait and find the first one's row, so no statement with personal data fails.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_token_lock_key(submission_token)])
    existing = (
        Deviation.objects.select_for_update().filter(submission_token=submission_token).first()
    )
    if existing is not None:
        if not existing.is_anonymous:
            return existing, None, False
        receipt_code = new_receipt_code()
        existing.receipt_code_hash = receipt_code_hash(receipt_code)
        existing.save(update_fields=["receipt_code_hash"])
        return existing, receipt_code, False
    now = timezone.now()
    receipt_code = new_receipt_code() if anonymous else None
    deviation = Deviation(
        unit=unit,
        reporter=None if anonymous else reporter,
        is_anonymous=anonymous,
        receipt_code_hash=receipt_code_hash(receipt_code) if receipt_code else "",
        submission_token=submission_token,
        created_at=now,
        **fields,
    )
    deviation.year = timezone.localtime(now).year
    deviation.full_clean(exclude=["number", "sequence", "year"], validate_unique=False)
    if not unit.is_active:
        raise ValidationError({"unit": _("This unit is no longer active; choose another.")})
    deviation.sequence, deviation.number = _next_number(deviation.year)
    deviation.save()
    for upload in files:
        attachment = Attachment(
            deviation=deviation,
            token=uuid.uuid4(),
            original_name=upload.name[:200],
            content_type=upload.content_type,
            size=upload.size,
        )
        attachment.file.save(str(attachment.token), upload, save=False)
        attachment.save()
    step = _event(deviation, EventKind.REPORTED, actor=None if anonymous else reporter)
    # The e-mails go into the outbox in this transaction: sent after commit, never lost.
    notifications.new_deviation(deviation, step)
    if deviation.is_serious_injury:
        notifications.serious_injury(deviation, step)
    return deviation, receipt_code, True


@transaction.atomic
def deviation_accept(
    *,
    actor,
    deviation: Deviation,
    deadline: datetime.date | None = None,
    version: int | None = None,
):
    """Take a reported deviation for treatment; the actor becomes its handler."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.REPORTED)
    _check_date(deviation, "deadline", deadline)
    deviation.status = Status.UNDER_TREATMENT
    deviation.handler = actor
    if deadline:
        deviation.deadline = deadline
    _save(deviation, ["status", "handler", "deadline"])
    step = _event(
        deviation,
        EventKind.ACCEPTED,
        actor,
        from_status=Status.REPORTED,
        to_status=Status.UNDER_TREATMENT,
        note=deadline.isoformat() if deadline else "",
    )
    notifications.case_progress(deviation, step)  # into the outbox, in this transaction
    return deviation


@transaction.atomic
def deviation_reject(*, actor, deviation: Deviation, reason: str, version: int | None = None):
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.REPORTED, Status.UNDER_TREATMENT)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for rejecting the deviation.")})
    previous = deviation.status
    deviation.status = Status.REJECTED
    deviation.rejection_reason = reason
    deviation.closed_at = timezone.now()
    _save(deviation, ["status", "rejection_reason", "closed_at"])
    step = _event(
        deviation,
        EventKind.REJECTED,
        actor,
        from_status=previous,
        to_status=Status.REJECTED,
        note=reason,
    )
    notifications.case_progress(deviation, step)  # into the outbox, in this transaction
    return deviation


@transaction.atomic
def deviation_transfer(
    *, actor, deviation: Deviation, to_unit: Unit, note: str = "", version: int | None = None
):
    """Send the deviation to another unit, which triages it afresh. The history is kept."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.REPORTED, Status.UNDER_TREATMENT)
    if to_unit.pk == deviation.unit_id:
        raise ValidationError({"to_unit": _("The deviation already belongs to this unit.")})
    if not to_unit.is_active:
        raise ValidationError({"to_unit": _("This unit is no longer active; choose another.")})
    from_unit, previous = deviation.unit, deviation.status
    deviation.unit = to_unit
    deviation.status = Status.REPORTED
    deviation.handler = None
    _save(deviation, ["unit", "status", "handler"])
    step = _event(
        deviation,
        EventKind.TRANSFERRED,
        actor,
        from_status=previous,
        to_status=Status.REPORTED,
        from_unit=from_unit,
        to_unit=to_unit,
        note=note.strip(),
    )
    notifications.new_deviation(deviation, step)  # into the outbox, in this transaction
    notifications.case_progress(deviation, step)
    return deviation


# A case handed to someone without a deadline gets this long (the delegation form shows it).
DELEGATED_DEADLINE_DAYS = 14


def default_deadline() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DELEGATED_DEADLINE_DAYS)


@transaction.atomic
def deviation_delegate(
    *,
    actor,
    deviation: Deviation,
    handler,
    version: int | None = None,
    deadline: datetime.date | None = None,
):
    """The line manager keeps the responsibility; the handling task can be delegated. The
    case keeps a deadline (`deadline`, else the one it has, else default_deadline()), so a
    delegated case can go overdue and shows in the overdue lists and digests like any other."""
    deviation = _locked(deviation)
    _require(access.can_manage_records(actor, deviation.unit))
    _check_version(deviation, version)
    _require_status(deviation, *OPEN_STATUSES)
    errors = {}
    if not handler.is_active:
        errors["handler"] = _("This user can no longer log in.")
    elif deviation.handler_id == handler.pk:
        errors["handler"] = _("This person already handles the deviation.")
    if errors:
        raise ValidationError(errors)
    if deadline is None and deviation.deadline is None:
        deadline = default_deadline()
    _check_date(deviation, "deadline", deadline)
    previous = deviation.status
    new_deadline = deadline is not None and deadline != deviation.deadline
    deviation.handler = handler
    if new_deadline:
        deviation.deadline = deadline
    if deviation.status == Status.REPORTED:
        deviation.status = Status.UNDER_TREATMENT
    _save(deviation, ["handler", "status", "deadline"])
    step = _event(
        deviation,
        EventKind.DELEGATED,
        actor,
        from_status=previous,
        to_status=deviation.status,
        note=str(handler),
    )
    if new_deadline:
        _event(deviation, EventKind.DEADLINE, actor, note=deadline.isoformat())
    if handler.pk != actor.pk:
        notifications.handler_assigned(deviation, step)  # into the outbox, in this transaction
    return deviation


@transaction.atomic
def deviation_set_deadline(
    *, actor, deviation: Deviation, deadline: datetime.date, version: int | None = None
):
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.REPORTED, Status.UNDER_TREATMENT, Status.MEASURES)
    _check_date(deviation, "deadline", deadline)
    deviation.deadline = deadline
    _save(deviation, ["deadline"])
    _event(deviation, EventKind.DEADLINE, actor, note=deadline.isoformat())
    return deviation


@transaction.atomic
def deviation_add_measure(
    *,
    actor,
    deviation: Deviation,
    title: str,
    responsible,
    deadline: datetime.date,
    description: str = "",
    priority: str = Priority.MEDIUM,
    estimated_cost: Decimal | None = None,
) -> Measure:
    """A measure in the unit's action plan, linked to this deviation."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _require_status(deviation, Status.UNDER_TREATMENT, Status.MEASURES)
    _check_date(deviation, "deadline", deadline)
    if not responsible.is_active:
        raise ValidationError({"responsible": _("This user can no longer log in.")})
    measure = measure_create(
        actor=actor,
        unit=deviation.unit,
        title=title,
        description=description,
        responsible=responsible,
        deadline=deadline,
        priority=priority,
        estimated_cost=estimated_cost,
        source=MeasureSource.DEVIATION,
        origin_label=f"{deviation.number}: {deviation.title}",
        origin_url=deviation.get_absolute_url(),
    )
    _link_measure(actor, deviation, measure)
    return measure


def _link_measure(actor, deviation: Deviation, measure: Measure) -> None:
    deviation.measures.add(measure)
    if deviation.status != Status.MEASURES:
        _event(
            deviation,
            EventKind.STATUS,
            actor,
            from_status=deviation.status,
            to_status=Status.MEASURES,
        )
        deviation.status = Status.MEASURES
    # The close form lists the measures: a close prepared before this one was added is stale.
    _save(deviation, ["status"])


@transaction.atomic
def deviation_follow_up_measure(*, actor, deviation: Deviation, measure: Measure) -> Measure:
    """One click from a measure of the case that did not work to a follow-up measure, in the
    action plan and on the case. A second click finds the first follow-up."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _require_status(deviation, Status.UNDER_TREATMENT, Status.MEASURES)
    if not deviation.measures.filter(pk=measure.pk).exists():
        raise ValidationError(_("This measure does not belong to the case."))
    follow_up, created = follow_up_create(actor=actor, measure=measure)
    if created:
        _link_measure(actor, deviation, follow_up)
    return follow_up


@transaction.atomic
def deviation_close(
    *,
    actor,
    deviation: Deviation,
    cause: str,
    lessons_learned: str,
    measure_effects: dict[int, tuple[str, str]] | None = None,
    version: int | None = None,
    measure_versions: dict[int, int] | None = None,
) -> Deviation:
    """Close the case: the cause, the lessons learned and, for each measure, whether it worked.

    `measure_effects` maps a measure id to (effectiveness, comment). A measure still open
    stays open in the action plan unless an effect is given for it, which closes it. A measure
    already done keeps the effect recorded when it was closed unless another is given. With
    `measure_versions` (each measure's version as the form showed it; the case page always
    sends them), a measure changed since is refused, so an effect recorded meanwhile is never
    overwritten unseen.
    """
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.UNDER_TREATMENT, Status.MEASURES)
    errors = {}
    if not cause.strip():
        errors["cause"] = _("Describe the cause before closing.")
    measure_effects = measure_effects or {}
    measures = [
        m for m in deviation.measures.select_for_update() if m.status != MeasureStatus.CANCELLED
    ]
    changes = []
    for measure in measures:
        effect, comment = measure_effects.get(measure.pk, ("", ""))
        key = f"effect_{measure.pk}"
        shown = (measure_versions or {}).get(measure.pk)
        if shown is not None and shown != measure.version:
            errors[key] = _(
                "“%(measure)s” was changed while you were closing the case (it is now "
                "“%(status)s”, effect “%(effect)s”). Check it, then submit again."
            ) % {
                "measure": measure.title,
                "status": measure.status_label,
                "effect": measure.get_effectiveness_display() or "–",
            }
        elif effect and effect not in Effectiveness.values:
            errors[key] = _("Choose whether the measure worked.")
        elif not effect and not measure.is_open and not measure.effectiveness:
            errors[key] = _("Record whether “%(measure)s” worked.") % {"measure": measure.title}
        elif effect and (
            measure.is_open
            or effect != measure.effectiveness
            or comment.strip() != measure.effectiveness_comment
        ):
            changes.append((measure, effect, comment))
    if errors:
        raise ValidationError(errors)
    for measure, effect, comment in changes:
        measure_record_effect(
            measure=measure, effectiveness=effect, effectiveness_comment=comment, close=True
        )
    now = timezone.now()
    previous = deviation.status
    deviation.status = Status.CLOSED
    deviation.cause = cause.strip()
    deviation.lessons_learned = lessons_learned.strip()
    deviation.closed_at = now
    _save(deviation, ["status", "cause", "lessons_learned", "closed_at"])
    left_open = [m.title for m in measures if m.is_open]
    step = _event(
        deviation,
        EventKind.CLOSED,
        actor,
        from_status=previous,
        to_status=Status.CLOSED,
        note=(
            _("Left open in the action plan: %(measures)s") % {"measures": "; ".join(left_open)}
            if left_open
            else ""
        ),
    )
    notifications.case_progress(deviation, step)  # into the outbox, in this transaction
    return deviation


@transaction.atomic
def deviation_reopen(
    *, actor, deviation: Deviation, reason: str, version: int | None = None
) -> Deviation:
    """Open a closed case again, with the reason, for its handler or whoever may handle it.
    It goes back to treatment (to "measures" if some are still open) and keeps its deadline."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.CLOSED)
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for reopening the case.")})
    has_open = deviation.measures.filter(status__in=MEASURE_OPEN_STATUSES).exists()
    deviation.status = Status.MEASURES if has_open else Status.UNDER_TREATMENT
    deviation.closed_at = None
    if deviation.handler_id is None:
        deviation.handler = actor
    _save(deviation, ["status", "closed_at", "handler"])
    _event(
        deviation,
        EventKind.REOPENED,
        actor,
        from_status=Status.CLOSED,
        to_status=deviation.status,
        note=reason,
    )
    return deviation


# What the handler may correct before the case is closed, in the order the form shows them.
CORRECTABLE = ("deviation_type", "category", "severity", "injury_kind", "absence_days", "unit")


@transaction.atomic
def deviation_correct(
    *,
    actor,
    deviation: Deviation,
    version: int | None = None,
    deviation_type: str,
    category,
    severity: str,
    injury_kind: str,
    absence_days: int | None = None,
    unit: Unit,
) -> Deviation:
    """Put right what the report got wrong: type, category, severity, injury kind (which the
    indicators H1, H2 and F count) and unit. Each change goes into the case log, old and new.
    The unit can only become one whose cases the actor handles; to hand the case to a unit
    they do not, it is transferred (and triaged there afresh)."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, *OPEN_STATUSES)
    if injury_kind != InjuryKind.ABSENCE:
        absence_days = None
    errors = {}
    if unit.pk != deviation.unit_id:
        if not unit.is_active:
            errors["unit"] = _("This unit is no longer active; choose another.")
        elif not access.can_manage_records(actor, unit):
            errors["unit"] = _(
                "You do not handle the cases of %(unit)s. Transfer the case to it instead."
            ) % {"unit": unit.name}
    if category.pk != deviation.category_id and not category.is_active:
        errors["category"] = _("This category is no longer in use; choose another.")
    if injury_kind == InjuryKind.ABSENCE and not absence_days:
        errors["absence_days"] = _("Give the number of days of absence for an injury with absence.")
    if errors:
        raise ValidationError(errors)
    was_serious = deviation.is_serious_injury
    before = {name: _stored(deviation, name) for name in CORRECTABLE}
    from_unit = deviation.unit
    deviation.deviation_type = deviation_type
    deviation.category = category
    deviation.severity = severity
    deviation.injury_kind = injury_kind
    deviation.absence_days = absence_days
    deviation.unit = unit
    deviation.full_clean(exclude=["number", "sequence", "year"], validate_unique=False)
    changed = [name for name in CORRECTABLE if _stored(deviation, name) != before[name]]
    if not changed:
        raise ValidationError(_("Nothing was changed: the values are as they were."))
    _save(deviation, changed)
    step = None
    for name in changed:
        extra = {"from_unit": from_unit, "to_unit": unit} if name == "unit" else {}
        step = _event(
            deviation,
            EventKind.CORRECTED,
            actor,
            field=name,
            old_value=before[name],
            new_value=_stored(deviation, name),
            **extra,
        )
    if deviation.is_serious_injury and not was_serious:
        notifications.serious_injury(deviation, step)  # into the outbox, in this transaction
    return deviation


def _stored(deviation: Deviation, name: str) -> str:
    """A correctable field's value as the case log stores it: a code, a number or an id."""
    if name in ("category", "unit"):
        return str(getattr(deviation, f"{name}_id"))
    value = getattr(deviation, name)
    return "" if value is None else str(value)


@transaction.atomic
def deviation_record_authorities_notified(*, actor, deviation: Deviation) -> Deviation:
    """Record that the labour inspection authority and the police were notified. Recording
    it twice keeps the first time."""
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    if deviation.authorities_notified_at is not None:
        return deviation
    deviation.authorities_notified_at = timezone.now()
    _save(deviation, ["authorities_notified_at"])
    _event(deviation, EventKind.AUTHORITIES, actor)
    return deviation


@transaction.atomic
def comment_add(*, author, deviation: Deviation, text: str) -> Comment:
    _require(can_comment(author, deviation))
    comment = Comment(deviation=deviation, author=author, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment


@transaction.atomic
def comment_add_from_anonymous_reporter(*, deviation: Deviation, text: str) -> Comment:
    """The anonymous reporter answers through the receipt code: no author is stored."""
    comment = Comment(deviation=deviation, author=None, from_reporter=True, text=text.strip())
    comment.full_clean()
    comment.save()
    return comment
