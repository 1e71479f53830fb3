"""Courses, the courses each role requires, and who took which course when.

A record's expiry is fixed when it is registered (completion date + the course's validity),
as a certificate's is: changing a course's validity later changes no certificate already held.
"""

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units import access
from units.limits import LONG_TEXT, validate_date_in_range
from units.models import Role, RoleAssignment, audited


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later; the 31st becomes the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


@audited()
class Course(models.Model):
    """A course the HSE department keeps in its catalogue, in the app (/training/courses/).

    The code is the course's stable key: given when the course is added, never changed. A
    course with records is retired, not deleted; retired, no role requires it any more (its
    requirement rows stay, for when it is taken into use again) and no new record is
    registered for it, while the records keep pointing at it with their expiry fixed."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (bokmål)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    validity_months = models.PositiveSmallIntegerField(
        _("valid for (months)"),
        null=True,
        blank=True,
        help_text=_("Leave empty when the course does not expire."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # Bumped on every save through the services: two people editing the same course.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__isnull=True) | Q(validity_months__gt=0),
                name="course_validity_positive",
            ),
            models.CheckConstraint(
                condition=Q(duration_hours__isnull=True) | Q(duration_hours__gt=0),
                name="course_duration_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("training:mine") + f"#course-{self.code}"

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nb").startswith("en") else self.name_nb

    def expiry_for(self, completed_on: datetime.date) -> datetime.date | None:
        if self.validity_months is None:
            return None
        return add_months(completed_on, self.validity_months)


@audited()
class RoleRequirement(models.Model):
    """Everyone holding `role` on a unit must have taken `course` (and keep it valid)."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="requirements", verbose_name=_("course")
    )

    class Meta:
        verbose_name = _("course required by a role")
        verbose_name_plural = _("courses required by roles")
        ordering = ["role", "course__order", "course__code"]
        constraints = [
            models.UniqueConstraint(fields=["role", "course"], name="rolerequirement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} → {self.course}"

    def get_absolute_url(self) -> str:
        return self.course.get_absolute_url()


class TrainingRecordQuerySet(models.QuerySet):
    def visible_to(self, user) -> "TrainingRecordQuerySet":
        """A person's own records, and those of the people holding a role on a unit where the
        user is line manager, HSE coordinator or HSE department (MANAGER_ROLES)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if access.sees_everything(user):
            return self
        people = (
            RoleAssignment.objects.current()
            .filter(access.records_q(user, "unit", roles=access.MANAGER_ROLES))
            .values("user_id")
        )
        return self.filter(Q(person=user) | Q(person__in=people))


def proof_path(instance: "TrainingRecord", filename: str) -> str:
    # The stored name is not the uploaded one: names can carry personal data.
    return f"training/{instance.completed_on.year}/{instance.proof_token}"


@audited()
class TrainingRecord(models.Model):
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="training_records",
        verbose_name=_("person"),
    )
    course = models.ForeignKey(
        Course, on_delete=models.PROTECT, related_name="records", verbose_name=_("course")
    )
    completed_on = models.DateField(_("completed on"), validators=[validate_date_in_range])
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    duration_hours = models.DecimalField(
        _("duration (hours)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    content = models.TextField(_("content"), blank=True, max_length=LONG_TEXT)
    proof_reference = models.CharField(
        _("proof (reference)"),
        max_length=200,
        blank=True,
        help_text=_("E.g. the course provider's certificate number or the archive case number."),
    )
    proof_file = models.FileField(_("certificate"), upload_to=proof_path, blank=True)
    proof_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    proof_name = models.CharField(max_length=200, blank=True)
    proof_content_type = models.CharField(max_length=50, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered"), auto_now_add=True)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-completed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=models.F("completed_on")),
                name="trainingrecord_expires_after_completion",
            ),
            models.CheckConstraint(
                condition=Q(duration_hours__isnull=True) | Q(duration_hours__gt=0),
                name="trainingrecord_duration_positive",
            ),
            models.CheckConstraint(
                condition=Q(proof_file="") | Q(proof_token__isnull=False),
                name="trainingrecord_file_has_token",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "course", "expires_on"], name="training_person_idx"),
            models.Index(fields=["expires_on"], name="training_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.course} ({self.completed_on})"

    def get_absolute_url(self) -> str:
        return reverse("training:record", args=[self.pk])

    def proof_url(self) -> str:
        return reverse("training:proof", args=[self.pk, self.proof_token])


class ReminderKind(models.TextChoices):
    EXPIRING = "expiring", _("Expires soon")
    EXPIRED = "expired", _("Expired")


class TrainingReminder(models.Model):
    """A reminder that was sent: one per record and threshold, so none is sent twice."""

    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=16, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "kind"], name="trainingreminder_once"),
        ]

    def __str__(self) -> str:
        return f"{self.record} – {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return self.record.get_absolute_url()


class RoleCourseNotice(models.Model):
    """A person newly given a role was told which required courses they lack: once per role
    assignment."""

    assignment = models.OneToOneField(
        RoleAssignment, on_delete=models.CASCADE, related_name="training_notice"
    )
    sent_at = models.DateTimeField(auto_now_add=True)
    courses = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.assignment)

    def get_absolute_url(self) -> str:
        return reverse("training:mine")
