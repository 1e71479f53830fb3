"""Reporting and handling deviations. Each write is one transaction; e-mails are queued after
the transaction commits, so nobody is told about a case that was rolled back."""

import datetime
import hashlib
import secrets
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actionplans.models import Effectiveness, Measure, MeasureSource, MeasureStatus
from actionplans.services import measure_create
from deviations import notifications
from deviations.models import (
    OPEN_STATUSES,
    Attachment,
    Comment,
    Deviation,
    DeviationStep,
    EventKind,
    Status,
    YearCounter,
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
    YearCounter.objects.get_or_create(year=year)
    counter = YearCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last, f"AV-{year}-{counter.last:04d}"


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


@transaction.atomic
def deviation_delegate(*, actor, deviation: Deviation, handler, version: int | None = None):
    """The line manager keeps the responsibility; the handling task can be delegated."""
    deviation = _locked(deviation)
    _require(access.can_manage_records(actor, deviation.unit))
    _check_version(deviation, version)
    _require_status(deviation, *OPEN_STATUSES)
    if not handler.is_active:
        raise ValidationError({"handler": _("This user can no longer log in.")})
    if deviation.handler_id == handler.pk:
        raise ValidationError({"handler": _("This person already handles the deviation.")})
    previous = deviation.status
    deviation.handler = handler
    if deviation.status == Status.REPORTED:
        deviation.status = Status.UNDER_TREATMENT
    _save(deviation, ["handler", "status"])
    step = _event(
        deviation,
        EventKind.DELEGATED,
        actor,
        from_status=previous,
        to_status=deviation.status,
        note=str(handler),
    )
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
        source=MeasureSource.DEVIATION,
        origin_label=f"{deviation.number}: {deviation.title}",
        origin_url=deviation.get_absolute_url(),
    )
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
    return measure


@transaction.atomic
def deviation_close(
    *,
    actor,
    deviation: Deviation,
    cause: str,
    lessons_learned: str,
    measure_effects: dict[int, tuple[str, str]] | None = None,
    version: int | None = None,
) -> Deviation:
    """Close the case: the cause, the lessons learned and, for each measure, whether it worked.

    `measure_effects` maps a measure id to (effectiveness, comment). Each measure that is not
    cancelled needs its effect recorded; one still open is marked done with it.
    """
    deviation = _locked(deviation)
    _require(can_handle(actor, deviation))
    _check_version(deviation, version)
    _require_status(deviation, Status.UNDER_TREATMENT, Status.MEASURES)
    errors = {}
    if not cause.strip():
        errors["cause"] = _("Describe the cause before closing.")
    measure_effects = measure_effects or {}
    measures = list(deviation.measures.select_for_update())
    for measure in measures:
        effect, comment = measure_effects.get(measure.pk, ("", ""))
        if effect and effect not in Effectiveness.values:
            errors[f"effect_{measure.pk}"] = _("Choose whether the measure worked.")
        elif measure.status == MeasureStatus.CANCELLED:
            continue
        elif not effect:
            errors[f"effect_{measure.pk}"] = _("Record whether “%(measure)s” worked.") % {
                "measure": measure.title
            }
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for measure in measures:
        if measure.status == MeasureStatus.CANCELLED:
            continue
        effect, comment = measure_effects[measure.pk]
        measure.effectiveness = effect
        measure.effectiveness_comment = comment.strip()
        if measure.is_open:
            measure.status = MeasureStatus.DONE
            measure.completed_at = now
        measure.save(
            update_fields=["effectiveness", "effectiveness_comment", "status", "completed_at"]
        )
    previous = deviation.status
    deviation.status = Status.CLOSED
    deviation.cause = cause.strip()
    deviation.lessons_learned = lessons_learned.strip()
    deviation.closed_at = now
    _save(deviation, ["status", "cause", "lessons_learned", "closed_at"])
    step = _event(deviation, EventKind.CLOSED, actor, from_status=previous, to_status=Status.CLOSED)
    notifications.case_progress(deviation, step)  # into the outbox, in this transaction
    return deviation


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
