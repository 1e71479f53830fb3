from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units import access
from units.attachments import RecordAttachment
from units.limits import LONG_TEXT, SHORT_TEXT, validate_date_in_range
from units.models import Unit, audited


class MeasureStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class MeasureSource(models.TextChoices):
    DEVIATION = "deviation", _("Deviation")
    RISK_ASSESSMENT = "risk_assessment", _("Risk assessment")
    INSPECTION_ROUND = "inspection_round", _("Inspection round")
    SURVEY = "survey", _("Work environment survey")
    GOAL = "goal", _("Goal")
    ACTION_PLAN = "action_plan", _("Added to the action plan")


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Effectiveness(models.TextChoices):
    EFFECTIVE = "effective", _("Effective")
    PARTLY = "partly", _("Partly effective")
    NOT_EFFECTIVE = "not_effective", _("Not effective")


OPEN_STATUSES = (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)


class MeasureQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeasureQuerySet":
        """Measures of the units the user's roles cover, and those the user is responsible for."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit") | Q(responsible=user))

    def open(self) -> "MeasureQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None) -> "MeasureQuerySet":
        return self.open().filter(deadline__lt=today or timezone.localdate())


@audited()
class Measure(models.Model):
    """A tiltak: one action item of a unit's action plan, whatever it came from. Deviations,
    risk assessments and inspection rounds create them here, so nothing is typed twice; each
    of those apps links its records to the measures (apps depend downwards: this one knows
    none of them)."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="measures", verbose_name=_("unit")
    )
    title = models.CharField(_("measure"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("responsible"),
    )
    deadline = models.DateField(_("deadline"), validators=[validate_date_in_range])
    status = models.CharField(
        _("status"), max_length=20, choices=MeasureStatus.choices, default=MeasureStatus.PLANNED
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    estimated_cost = models.DecimalField(
        _("estimated cost (NOK)"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    source = models.CharField(
        _("source"), max_length=20, choices=MeasureSource.choices, default=MeasureSource.ACTION_PLAN
    )
    effectiveness = models.CharField(
        _("effect"), max_length=20, choices=Effectiveness.choices, blank=True
    )
    effectiveness_comment = models.TextField(
        _("comment on the effect"), blank=True, max_length=LONG_TEXT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    progress = models.TextField(
        _("progress"),
        blank=True,
        max_length=LONG_TEXT,
        help_text=_("What has been done so far, and what remains."),
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True, max_length=SHORT_TEXT)
    # Where the measure came from, set by the app that made it (a deviation, a risk assessment,
    # a round, a survey, a goal). Stored as text and a link because this app imports none of
    # them: the label names the record (e.g. a deviation number and title), the source field
    # says what kind it is.
    origin_label = models.CharField(_("came from"), max_length=300, blank=True)
    origin_url = models.CharField(_("link to where it came from"), max_length=500, blank=True)
    # A measure closed as not working is followed up by a new one: the new one points back, so
    # both pages show the chain (and a round's check found not working names its follow-up).
    follow_up_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("follow-up of"),
    )
    # Bumped on every change through the services: an edit prepared on an older version is
    # refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["unit", "status", "deadline"], name="measure_unit_status_idx"),
            models.Index(fields=["responsible", "status"], name="measure_responsible_idx"),
            models.Index(fields=["status", "deadline"], name="measure_status_deadline_idx"),
            models.Index(fields=["source"], name="measure_source_idx"),
            models.Index(fields=["unit", "deadline"], name="measure_unit_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_cost__isnull=True) | Q(estimated_cost__gte=0),
                name="measure_cost_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(status=MeasureStatus.DONE) | Q(completed_at__isnull=False),
                name="measure_done_has_completed_at",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="measure_version_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("actionplans:measure", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.deadline < (today or timezone.localdate())

    @property
    def did_not_work(self) -> bool:
        """Closed, and found not to work: it is not "done" in any sense that matters."""
        return (
            self.status == MeasureStatus.DONE and self.effectiveness == Effectiveness.NOT_EFFECTIVE
        )

    @property
    def status_label(self) -> str:
        """The status as every page shows it: a measure closed as not working says so."""
        if self.did_not_work:
            return str(DID_NOT_WORK)
        # Not get_status_display(), which translates every status to show one: the plan shows
        # this twice a row.
        return str(dict(MeasureStatus.choices).get(self.status, self.status))

    @property
    def status_badge(self) -> str:
        if self.did_not_work:
            return "text-bg-danger"
        return STATUS_BADGES.get(self.status, "text-bg-light border")


DID_NOT_WORK = _("Closed: did not work")
STATUS_BADGES = {
    MeasureStatus.DONE: "text-bg-success",
    MeasureStatus.CANCELLED: "text-bg-secondary",
    MeasureStatus.IN_PROGRESS: "text-bg-primary",
    MeasureStatus.PLANNED: "text-bg-light border",
}


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class MeasureReminder(models.Model):
    """A reminder e-mail sent about a measure: remembered so each (measure, kind, deadline) is
    mailed once. A moved deadline is a new deadline, and is reminded of again."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    deadline = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["measure", "kind", "deadline"], name="measure_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.kind} {self.deadline}"


@audited()
class MeasureAttachment(RecordAttachment):
    """A photo or file on a measure: the fix, before and after."""

    record_field = "measure"
    url_name = "actionplans:measure"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="attachments")

    class Meta(RecordAttachment.Meta):
        indexes = [models.Index(fields=["measure", "uploaded_at"], name="measure_attachment_idx")]
