from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units import access
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
    description = models.TextField(_("description"), blank=True)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="measures",
        verbose_name=_("responsible"),
    )
    deadline = models.DateField(_("deadline"))
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
    effectiveness_comment = models.TextField(_("comment on the effect"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(fields=["unit", "status", "deadline"], name="measure_unit_status_idx"),
            models.Index(fields=["responsible", "status"], name="measure_responsible_idx"),
            models.Index(fields=["status", "deadline"], name="measure_status_deadline_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.unit.get_absolute_url()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.deadline < (today or timezone.localdate())
