"""Registering training, and the reminders before a course expires."""

import datetime
import logging
import smtplib
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hms.training.models import (
    Course,
    ReminderKind,
    RoleCourseNotice,
    RoleRequirement,
    TrainingRecord,
    TrainingReminder,
)
from units import access, ordering, versions
from units.models import Role, RoleAssignment, Unit

logger = logging.getLogger(__name__)

# An expiry missed by more than this (beat down, a record registered late) is not announced:
# a reminder months after the fact helps nobody, and the matrix shows it anyway.
EXPIRED_GRACE_DAYS = 14


def managed_units(user):
    """Units whose people's training the user registers and reviews (MANAGER_ROLES)."""
    return access.units_covered(user, roles=access.MANAGER_ROLES)


def can_manage_training(user, unit: Unit) -> bool:
    return access.can_manage_records(user, unit)


def can_register_for(user, person) -> bool:
    """Oneself; or a person holding a current role on a unit the user manages."""
    if person.pk == user.pk or access.sees_everything(user):
        return True
    return (
        RoleAssignment.objects.current()
        .filter(user=person)
        .filter(access.records_q(user, "unit", roles=access.MANAGER_ROLES))
        .exists()
    )


@transaction.atomic
def training_record_register(
    *,
    actor,
    person,
    course: Course,
    completed_on: datetime.date,
    duration_hours=None,
    content: str = "",
    proof_reference: str = "",
    proof_file=None,
    proof_content_type: str = "",
) -> TrainingRecord:
    """Register a completed course for `person`. The expiry is fixed now, from the course's
    validity. A file must already be checked by its first bytes (forms.TrainingRecordForm)."""
    if not can_register_for(actor, person):
        raise PermissionDenied
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The date is in the future.")})
    if not course.is_active:
        raise ValidationError({"course": _("This course is no longer offered.")})
    record = TrainingRecord(
        person=person,
        course=course,
        completed_on=completed_on,
        expires_on=course.expiry_for(completed_on),
        duration_hours=duration_hours if duration_hours is not None else course.duration_hours,
        content=content,
        proof_reference=proof_reference,
        registered_by=actor,
    )
    if proof_file is not None:
        record.proof_token = uuid.uuid4()
        record.proof_name = (proof_file.name or "certificate")[-200:]
        record.proof_content_type = proof_content_type
        record.proof_file = proof_file
    record.full_clean()
    record.save()
    return record


def can_delete_record(user, record: TrainingRecord) -> bool:
    """A wrong registration is removed by whoever may register for the person (the person,
    their line manager or HSE coordinator, the HSE department). The audit trail keeps it."""
    return can_register_for(user, record.person)


@transaction.atomic
def training_record_delete(*, actor, record: TrainingRecord) -> None:
    if not can_delete_record(actor, record):
        raise PermissionDenied
    if record.proof_file:
        # Removed after the commit: a rolled-back delete must not lose the certificate.
        storage, name = record.proof_file.storage, record.proof_file.name
        transaction.on_commit(lambda: storage.delete(name))
    record.delete()


# --- The course catalogue ---------------------------------------------------------------------

# The HSE department's own role covers everything and is left out of the matrix: no course
# is required "of the HSE department".
REQUIRABLE_ROLES = [(value, label) for value, label in Role.choices if value != Role.HMS_DEPARTMENT]


def _require_hms_department(actor) -> None:
    if not access.is_hms_department(actor):
        raise PermissionDenied


@transaction.atomic
def course_save(
    *,
    actor,
    course: Course | None = None,
    version: int | None = None,
    code: str = "",
    name_nb: str,
    name_en: str,
    description: str = "",
    duration_hours=None,
    validity_months: int | None = None,
    roles: list[str],
) -> Course:
    """Add a course to the catalogue or change one, with the roles requiring it: the
    requirement rows are added and removed here, in the same transaction. The code is given
    once, when the course is added. A record already registered keeps its course and its
    expiry (fixed when it was registered), so a changed validity counts for new records only.
    A change prepared on an older version (`version` from the form) is refused."""
    _require_hms_department(actor)
    unknown = set(roles) - {value for value, _label in REQUIRABLE_ROLES}
    if unknown:
        raise ValidationError({"roles": _("Choose among the roles offered.")})
    if course is not None:
        course = Course.objects.select_for_update().get(pk=course.pk)
        versions.check_version(course.version, version)
    else:
        course = Course(
            code=code.strip(),
            order=(Course.objects.aggregate(last=Max("order"))["last"] or 0) + 1,
        )
    course.name_nb, course.name_en = name_nb.strip(), name_en.strip()
    course.description = description.strip()
    course.duration_hours, course.validity_months = duration_hours, validity_months
    course.full_clean()
    fields = ["name_nb", "name_en", "description", "duration_hours", "validity_months"]
    if course.pk is None:
        try:
            with transaction.atomic():
                course.save()
        except IntegrityError as error:  # the same code, saved a moment ago
            raise ValidationError({"code": _("A course with this code exists already.")}) from error
    else:
        versions.bump(course, fields)
    held = set(course.requirements.values_list("role", flat=True))
    wanted = set(roles)
    course.requirements.filter(role__in=held - wanted).delete()
    RoleRequirement.objects.bulk_create(
        [RoleRequirement(role=role, course=course) for role in sorted(wanted - held)]
    )
    return course


@transaction.atomic
def course_set_active(*, actor, course: Course, is_active: bool) -> Course:
    """Retire a course (no role requires it any more, no new record is registered for it;
    the records and the roles it was required of stay) or take it into use again."""
    _require_hms_department(actor)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.is_active != is_active:
        course.is_active = is_active
        course.save(update_fields=["is_active"])
    return course


@transaction.atomic
def course_move(*, actor, course: Course, up: bool) -> Course:
    """Move a course one place up or down among those in use (or among the retired ones).
    The catalogue is locked and numbered afresh, so two moves at once cannot leave two
    courses on one place."""
    _require_hms_department(actor)
    ordered = list(Course.objects.select_for_update().order_by("order", "code"))
    moved = next(item for item in ordered if item.pk == course.pk)
    changed = ordering.move_one_place(ordered, moved, up=up, field="order")
    Course.objects.bulk_update(changed, ["order"])
    return moved


@transaction.atomic
def course_delete(*, actor, course: Course) -> None:
    """Delete a course added by mistake. One that anyone has taken is part of their history:
    it is retired instead, never deleted."""
    _require_hms_department(actor)
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.records.exists():
        raise ValidationError(
            _("People have taken this course: retire it instead, so their records keep it.")
        )
    course.delete()


# --- Reminders ---------------------------------------------------------------------------------


def _not_renewed(queryset):
    """Leave out records the person has since renewed: a record of the same course that
    never expires or expires later."""
    newer = TrainingRecord.objects.filter(
        person=OuterRef("person"), course=OuterRef("course")
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    return queryset.filter(~Exists(newer))


def due_reminders(today: datetime.date, warn_days: int) -> list[tuple[int, str]]:
    """(record id, kind) of every reminder due today and not sent yet."""
    base = _not_renewed(
        TrainingRecord.objects.filter(
            course__is_active=True, person__is_active=True, expires_on__isnull=False
        )
    )
    sent = TrainingReminder.objects.filter(record=OuterRef("pk"))
    expiring = base.filter(
        expires_on__gt=today, expires_on__lte=today + datetime.timedelta(days=warn_days)
    ).exclude(Exists(sent.filter(kind=ReminderKind.EXPIRING)))
    expired = base.filter(
        expires_on__lte=today,
        expires_on__gt=today - datetime.timedelta(days=EXPIRED_GRACE_DAYS),
    ).exclude(Exists(sent.filter(kind=ReminderKind.EXPIRED)))
    due = [(pk, ReminderKind.EXPIRING) for pk in expiring.values_list("pk", flat=True)]
    due += [(pk, ReminderKind.EXPIRED) for pk in expired.values_list("pk", flat=True)]
    return sorted(due)


def send_expiry_reminders(
    *, today: datetime.date | None = None, warn_days: int | None = None
) -> int:
    """Send each due reminder once: the row that remembers it is written in the same
    transaction as the mail is sent, so a failed send is retried tomorrow and a second run
    (or a second beat) finds the row and sends nothing. Returns the number of reminders."""
    from hms.training import notifications
    from hms.training.matrix import warning_days

    today = today or timezone.localdate()
    warn_days = warning_days() if warn_days is None else warn_days
    sent = 0
    for record_id, kind in due_reminders(today, warn_days):
        try:
            with transaction.atomic():
                reminder = TrainingReminder.objects.create(record_id=record_id, kind=kind)
                reminder.recipients = notifications.expiry_reminder(record_id, kind)
                reminder.save(update_fields=["recipients"])
        except IntegrityError:
            continue  # sent meanwhile by another run
        except (OSError, smtplib.SMTPException):
            # Nothing remembered: tomorrow's run tries again. The others still go out.
            logger.exception("Training reminder %s for record %s not sent", kind, record_id)
            continue
        sent += 1
    return sent


# A role given within this many days counts as new: a missed beat run still tells the person,
# but roles held for years are not announced when the notice starts running.
NEW_ROLE_DAYS = 7


def lacking_courses(assignment, on: datetime.date) -> list[Course]:
    """The courses the assignment's role requires that its holder lacks or holds expired."""
    from hms.training import matrix

    _columns, rows = matrix.build_rows([assignment], on)
    if not rows:
        return []
    return [cell.course for cell in rows[0].cells if cell.status in matrix.GAPS]


def notify_new_role_holders(*, today: datetime.date | None = None) -> int:
    """Tell each person newly given a role which courses it requires that they lack, once per
    role assignment. Returns the number of people told."""
    from hms.training import notifications
    from hms.training.matrix import requirements

    today = today or timezone.localdate()
    roles = [role for role, courses in requirements().items() if courses]
    assignments = (
        RoleAssignment.objects.current(today)
        .filter(
            role__in=roles,
            valid_from__gte=today - datetime.timedelta(days=NEW_ROLE_DAYS),
            user__is_active=True,
            training_notice__isnull=True,
        )
        .exclude(role=Role.HMS_DEPARTMENT)
        .select_related("user", "unit")
    )
    told = 0
    for assignment in assignments:
        missing = lacking_courses(assignment, today)
        if not missing:
            continue
        try:
            with transaction.atomic():
                RoleCourseNotice.objects.create(assignment=assignment, courses=len(missing))
                notifications.new_role_courses(assignment, missing)
        except IntegrityError:
            continue
        except (OSError, smtplib.SMTPException):
            logger.exception("Training notice for role assignment %s not sent", assignment.pk)
            continue
        told += 1
    return told
