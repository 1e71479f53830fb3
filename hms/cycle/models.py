"""The yearly HMS cycle of a unit (the seed's four phases as a checklist), the unit's written
HSE goals and the working group that drives the work.

A unit's cycle for a year is a copy of the template the HSE department keeps, made when the
cycle is first opened, so later changes to the template leave a held year as it was.
"""

import calendar
import datetime

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hms.cycle.evidence import STEP_KEYS
from units import access
from units.limits import LONG_TEXT, SHORT_TEXT, validate_date_in_range
from units.models import Unit, UnitType, audited


def _localised(nb: str, en: str) -> str:
    return en if (get_language() or "nb").startswith("en") and en else nb


class Phase(models.TextChoices):
    INITIATE = "initiate", _("Initiate")
    MAP = "map", _("Map")
    PLAN = "plan", _("Plan measures")
    FOLLOW_UP = "follow_up", _("Follow up")


PHASE_ORDER = {phase: index for index, phase in enumerate(Phase.values)}
STEP_KEY_CHOICES = [(key, key) for key in STEP_KEYS]


class StepStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    NOT_RELEVANT = "not_relevant", _("Not relevant")


class StepTextMixin(models.Model):
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The key ties a step to the evidence providers (hms/cycle/evidence.py). A step the HSE
    # department adds of its own has no key and is ticked by hand only.
    key = models.CharField(_("key"), max_length=40, choices=STEP_KEY_CHOICES, blank=True)
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    guidance_nb = models.TextField(_("guidance (bokmål)"), blank=True, max_length=LONG_TEXT)
    guidance_en = models.TextField(_("guidance (English)"), blank=True, max_length=LONG_TEXT)

    class Meta:
        abstract = True

    @property
    def title(self) -> str:
        return _localised(self.title_nb, self.title_en)

    @property
    def guidance(self) -> str:
        return _localised(self.guidance_nb, self.guidance_en)


@audited()
class StepTemplate(StepTextMixin):
    """One step of the yearly cycle as the HSE department sets it for every unit."""

    due_month = models.PositiveSmallIntegerField(_("due month"))
    due_day = models.PositiveSmallIntegerField(_("due day"))
    is_active = models.BooleanField(_("active"), default=True)
    # Kinds of unit the step does not apply to (a laboratory under a department has no
    # working group of its own): their cycles leave it out of the completion and of "behind".
    not_for_unit_types = ArrayField(
        models.CharField(max_length=20, choices=UnitType.choices),
        default=list,
        blank=True,
        verbose_name=_("does not apply to"),
    )

    class Meta:
        verbose_name = _("cycle step template")
        verbose_name_plural = _("cycle step templates")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~Q(key=""), name="steptemplate_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(due_month__gte=1, due_month__lte=12, due_day__gte=1, due_day__lte=31),
                name="steptemplate_due_in_calendar",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        # 29 February is refused: it would not exist in three years of four.
        if (
            self.due_month
            and self.due_day
            and 1 <= self.due_month <= 12
            and self.due_day > calendar.monthrange(2023, self.due_month)[1]
        ):
            raise ValidationError({"due_day": _("This day does not exist in that month.")})

    def due_date(self, year: int) -> datetime.date:
        return datetime.date(year, self.due_month, self.due_day)

    def applies_to(self, unit: Unit) -> bool:
        return unit.unit_type not in self.not_for_unit_types


class UnitCycleQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UnitCycleQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit"))


@audited()
class UnitCycle(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="cycles", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # The working group's version: bumped by every change of the group, carried by the form
    # that adds a person (the steps and goals carry their own versions).
    group_version = models.PositiveIntegerField(default=1, editable=False)

    objects = UnitCycleQuerySet.as_manager()

    class Meta:
        verbose_name = _("yearly HMS cycle")
        verbose_name_plural = _("yearly HMS cycles")
        ordering = ["unit__path", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="unitcycle_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("cycle:cycle", args=[self.unit.code, self.year])


class CycleStepQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CycleStepQuerySet":
        """Steps of the cycles of units the user's roles cover, and those they are
        responsible for."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "cycle__unit") | Q(responsible=user))


@audited()
class CycleStep(StepTextMixin):
    """One step of a unit's cycle for a year. Its status is set by hand; a step whose evidence
    exists in the app counts as done whatever its status says (see hms/cycle/progress.py)."""

    cycle = models.ForeignKey(
        UnitCycle, on_delete=models.CASCADE, related_name="steps", verbose_name=_("cycle")
    )
    # The template the step was copied from: whether it applies to the unit's kind is the
    # template's to say, also for cycles opened before the HSE department said so.
    template = models.ForeignKey(
        StepTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("template"),
    )
    due_date = models.DateField(_("due date"), validators=[validate_date_in_range])
    status = models.CharField(
        _("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.NOT_STARTED
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cycle_steps",
        verbose_name=_("responsible"),
    )
    comment = models.TextField(_("comment"), blank=True, max_length=SHORT_TEXT)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CycleStepQuerySet.as_manager()

    class Meta:
        verbose_name = _("cycle step")
        verbose_name_plural = _("cycle steps")
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "key"], condition=~Q(key=""), name="cyclestep_key_once"
            ),
        ]
        indexes = [
            models.Index(fields=["responsible", "status"], name="cyclestep_responsible_idx"),
            models.Index(fields=["due_date"], name="cyclestep_due_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.cycle.get_absolute_url() + f"#step-{self.pk}"


class GoalQuerySet(models.QuerySet):
    def visible_to(self, user) -> "GoalQuerySet":
        """Goals of the units the user's roles cover."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit"))

    def unevaluated(self) -> "GoalQuerySet":
        return self.filter(evaluation="")


@audited()
class Goal(models.Model):
    """A unit's written HSE goal for a year (internkontrollforskriften § 5 no. 4), linked to a
    goal of the parent unit; evaluated at the start of the next year."""

    class Evaluation(models.TextChoices):
        REACHED = "reached", _("Reached")
        PARTLY = "partly", _("Partly reached")
        NOT_REACHED = "not_reached", _("Not reached")

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="goals", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("goal"), max_length=300)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    parent = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("supports the goal"),
    )
    evaluation = models.CharField(
        _("evaluation"), max_length=20, choices=Evaluation.choices, blank=True
    )
    evaluation_comment = models.TextField(
        _("comment on the evaluation"), blank=True, max_length=SHORT_TEXT
    )
    evaluated_at = models.DateTimeField(_("evaluated"), null=True, blank=True)
    evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("evaluated by"),
    )
    carried_over_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="carried_over",
        verbose_name=_("carried over from"),
    )
    measures = models.ManyToManyField(
        "actionplans.Measure",
        through="GoalMeasure",
        related_name="goals",
        blank=True,
        verbose_name=_("measures"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = GoalQuerySet.as_manager()

    class Meta:
        verbose_name = _("HSE goal")
        verbose_name_plural = _("HSE goals")
        ordering = ["unit__path", "-year", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(evaluation="") | Q(evaluated_at__isnull=False),
                name="goal_evaluation_has_time",
            ),
            models.CheckConstraint(
                condition=Q(evaluation__in=["", "reached", "partly", "not_reached"]),
                name="goal_evaluation_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "year"], name="goal_unit_year_idx"),
            models.Index(fields=["year", "evaluation"], name="goal_year_evaluation_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("cycle:cycle", args=[self.unit.code, self.year]) + f"#goal-{self.pk}"

    def clean(self) -> None:
        if self.parent_id and self.unit_id:
            parent = self.parent
            if parent.year != self.year or parent.unit.path != self.unit.parent_path():
                raise ValidationError(
                    {"parent": _("Choose a goal of the parent unit for the same year.")}
                )


@audited()
class GoalMeasure(models.Model):
    """A measure (in the unit's action plan) made to reach a goal."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="goal_measures")
    measure = models.OneToOneField(
        "actionplans.Measure", on_delete=models.CASCADE, related_name="goal_link"
    )

    class Meta:
        verbose_name = _("goal measure")
        verbose_name_plural = _("goal measures")

    def __str__(self) -> str:
        return f"{self.goal} → {self.measure}"


class WorkingGroupQuerySet(models.QuerySet):
    def visible_to(self, user) -> "WorkingGroupQuerySet":
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit"))


@audited()
class WorkingGroupMember(models.Model):
    """A member of the group that drives a unit's HSE work for a year. The seed: a broadly
    composed group, and one person with responsibility and authority to drive the work."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="working_group", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="working_groups",
        verbose_name=_("person"),
    )
    part = models.CharField(_("part in the work"), max_length=200, blank=True)
    is_driver = models.BooleanField(_("drives the work"), default=False)

    objects = WorkingGroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("working group member")
        verbose_name_plural = _("working group members")
        ordering = ["-is_driver", "user__last_name", "user__first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "user"], name="workinggroup_member_once"
            ),
            models.UniqueConstraint(
                fields=["unit", "year"],
                condition=Q(is_driver=True),
                name="workinggroup_one_driver",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.unit.code} {self.year})"


class ReminderKind(models.TextChoices):
    GOAL_EVALUATION = "goal_evaluation", _("Goals to evaluate")
    ROUND_DUE = "round_due", _("Inspection round due")


class ReminderSent(models.Model):
    """What was sent, so a reminder goes once per unit and period however often beat runs."""

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=20)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "unit", "period"], name="remindersent_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.unit_id} {self.period}"
