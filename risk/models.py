"""Risk assessments with the risk matrix, and inspection rounds (HMS-runde)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units import access
from units.attachments import RecordAttachment
from units.limits import LONG_TEXT, NOTES_TEXT, validate_date_in_range
from units.models import Unit, audited


def _localised(nb: str, en: str) -> str:
    return en if (get_language() or "nb").startswith("en") and en else nb


class Zone(models.TextChoices):
    GREEN = "green", _("Acceptable")
    YELLOW = "yellow", _("Consider measures")
    RED = "red", _("Unacceptable: measures required")


class Dimension(models.TextChoices):
    PEOPLE = "people", _("People")
    ENVIRONMENT = "environment", _("External environment")
    MATERIAL = "material", _("Material and economy")
    REPUTATION = "reputation", _("Reputation")


CONSEQUENCE_LETTERS = "ABCDE"


@audited()
class RiskMatrix(models.Model):
    """One version of the risk matrix, configured by the HSE department. A version that an
    assessment uses is never changed: a new version is made instead, so old assessments keep
    the scales and zones they were made with."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    # Five labels each, lowest first, as {"nb": [...], "en": [...]}.
    probability_labels = models.JSONField(_("probability labels"))
    consequence_labels = models.JSONField(_("consequence labels"))
    green_max = models.PositiveSmallIntegerField(_("green up to"), default=4)
    red_min = models.PositiveSmallIntegerField(_("red from"), default=12)
    green_colour = models.CharField(_("green colour"), max_length=7, default="#4caf50")
    yellow_colour = models.CharField(_("yellow colour"), max_length=7, default="#ffc107")
    red_colour = models.CharField(_("red colour"), max_length=7, default="#e53935")
    is_current = models.BooleanField(_("current"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="riskmatrix_one_current"
            ),
            models.CheckConstraint(
                condition=Q(green_max__lt=models.F("red_min")), name="riskmatrix_zones_ordered"
            ),
        ]

    def __str__(self) -> str:
        return _("Risk matrix v%(version)s") % {"version": self.version}

    def zone(self, value: int) -> str:
        if value <= self.green_max:
            return Zone.GREEN
        if value >= self.red_min:
            return Zone.RED
        return Zone.YELLOW

    def colour(self, zone: str) -> str:
        return {Zone.GREEN: self.green_colour, Zone.YELLOW: self.yellow_colour}.get(
            zone, self.red_colour
        )

    def labels(self, kind: str) -> list[str]:
        labels = self.probability_labels if kind == "probability" else self.consequence_labels
        language = "en" if (get_language() or "nb").startswith("en") else "nb"
        return labels.get(language) or labels["nb"]


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


CURRENT_DEFINITION = _(
    "One version of each assessment counts: the approved version in force, or the draft of an "
    "assessment never approved. A revision being drafted counts once it is approved, and then "
    "replaces the version before it."
)
IN_FORCE_DEFINITION = _(
    "In force: approved and not yet replaced by an approved review. Drafts are not in force."
)


class RiskAssessmentQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RiskAssessmentQuerySet":
        """Assessments of the units the user's roles cover, and those they were invited to
        take part in (an employee or an expert from elsewhere reads what they helped assess)."""
        if not user.is_authenticated:
            return self.none()
        invited = Participant.objects.filter(user=user).values("assessment_id")
        return self.filter(access.records_q(user, "unit") | Q(pk__in=invited))

    def usable_as_source(self, user) -> "RiskAssessmentQuerySet":
        """What a new assessment may start from: any earlier assessment of a unit the user
        makes assessments for, and the approved ones of other units the user may see. Another
        unit's draft is left out: it is not yet that unit's word on its risks."""
        if not user.is_authenticated:
            return self.none()
        own = access.records_q(user, "unit", access.MANAGER_ROLES)
        return self.visible_to(user).filter(own | Q(status=AssessmentStatus.APPROVED))

    def search(self, text: str) -> "RiskAssessmentQuerySet":
        """Each word found in the title, the activity or area, or the unit's code or name."""
        found = self
        for word in text.split()[:5]:
            found = found.filter(
                Q(title__icontains=word)
                | Q(activity__icontains=word)
                | Q(unit__code__iexact=word)
                | Q(unit__name_nb__icontains=word)
                | Q(unit__name_en__icontains=word)
            )
        return found

    def due_for_review(self, today=None) -> "RiskAssessmentQuerySet":
        return self.filter(
            status=AssessmentStatus.APPROVED, review_date__lte=today or timezone.localdate()
        )

    def in_force(self) -> "RiskAssessmentQuerySet":
        """Approved assessments not yet replaced by an approved review of them: what the unit
        has decided its risks are. A draft is never in force, not even a revision being made
        of one that is (the approved version stays in force until the revision is approved)."""
        return self.filter(status=AssessmentStatus.APPROVED).exclude(pk__in=_replaced())

    def current(self) -> "RiskAssessmentQuerySet":
        """One version of each assessment, the one the unit's risk picture is made of today:
        the version in force, or for an assessment never approved, its draft. A revision
        being drafted of a version in force is left out, so no hazard counts twice."""
        revising = RiskAssessment.objects.filter(
            status=AssessmentStatus.APPROVED, pk=models.OuterRef("previous_id")
        )
        return self.exclude(pk__in=_replaced()).exclude(
            models.Q(status=AssessmentStatus.DRAFT) & models.Exists(revising)
        )


def _replaced():
    """The ids of the versions an approved review has replaced."""
    return (
        RiskAssessment.objects.filter(status=AssessmentStatus.APPROVED)
        .exclude(previous=None)
        .values("previous_id")
    )


@audited()
class RiskAssessment(models.Model):
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="risk_assessments", verbose_name=_("unit")
    )
    title = models.CharField(_("title"), max_length=200)
    activity = models.CharField(_("activity or area"), max_length=300)
    assessed_on = models.DateField(
        _("date"), default=timezone.localdate, validators=[validate_date_in_range]
    )
    matrix = models.ForeignKey(
        RiskMatrix, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("matrix")
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.DRAFT,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    review_date = models.DateField(
        _("review date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reviews",
        verbose_name=_("previous assessment"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RiskAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-assessed_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="draft") | Q(approved_by__isnull=False),
                name="riskassessment_approved_has_approver",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="riskassessment_unit_idx"),
            models.Index(fields=["review_date"], name="riskassessment_review_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risk:assessment", args=[self.pk])

    def is_due_for_review(self, today=None) -> bool:
        return (
            self.status == AssessmentStatus.APPROVED
            and self.review_date is not None
            and self.review_date <= (today or timezone.localdate())
        )


class ParticipantRole(models.TextChoices):
    LINE_MANAGER = "line_manager", _("Line manager")
    SAFETY_REP = "safety_rep", _("Safety representative")
    OTHER = "other", _("Other")


@audited()
class Participant(models.Model):
    """Someone invited to a risk assessment; the safety rep must be invited and their
    participation recorded (internkontrollforskriften § 5 no. 3: employees take part)."""

    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    role = models.CharField(
        _("taking part as"), max_length=20, choices=ParticipantRole.choices, default="other"
    )
    took_part = models.BooleanField(_("took part"), default=False)
    # Bumped by every change through the app; the "took part" ticks carry it.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="participant_once")
        ]

    def __str__(self) -> str:
        return str(self.user)


@audited()
class WorkActivity(models.Model):
    """The mapping step: the unit's work tasks and activities, and whether each can harm
    people, material/equipment or the external environment. The risky ones are assessed."""

    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, related_name="activities"
    )
    name = models.CharField(_("work task or activity"), max_length=300)
    harms_people = models.BooleanField(_("can harm people"), default=False)
    harms_material = models.BooleanField(_("can harm material or equipment"), default=False)
    harms_environment = models.BooleanField(_("can harm the external environment"), default=False)
    order = models.PositiveIntegerField(default=0)
    # Bumped on every save through the services: two people editing the mapping at once.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_risky(self) -> bool:
        return self.harms_people or self.harms_material or self.harms_environment


class RiskRowQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RiskRowQuerySet":
        """The hazards of the risk assessments the user may see."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(assessment__in=RiskAssessment.objects.visible_to(user))


score = [MinValueValidator(1), MaxValueValidator(5)]
SCORE_FIELDS = (
    "probability",
    "consequence_people",
    "consequence_environment",
    "consequence_material",
    "consequence_reputation",
    "residual_probability",
    "residual_consequence",
)


@audited()
class RiskRow(models.Model):
    """One hazard: probability 1–5 and consequence A–E (stored 1–5) per dimension, before and
    after the proposed measures. Risk value = probability × consequence, per dimension."""

    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="rows")
    activity = models.ForeignKey(
        WorkActivity,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="rows",
        verbose_name=_("activity"),
    )
    hazard = models.CharField(_("hazard or unwanted event"), max_length=500)
    existing_measures = models.TextField(_("existing measures"), blank=True, max_length=LONG_TEXT)
    # Empty until scored: a row started from a template has its hazard but no scores yet.
    probability = models.PositiveSmallIntegerField(
        _("probability"), validators=score, null=True, blank=True
    )
    consequence_people = models.PositiveSmallIntegerField(
        _("consequence: people"), validators=score, null=True, blank=True
    )
    consequence_environment = models.PositiveSmallIntegerField(
        _("consequence: external environment"), validators=score, null=True, blank=True
    )
    consequence_material = models.PositiveSmallIntegerField(
        _("consequence: material and economy"), validators=score, null=True, blank=True
    )
    consequence_reputation = models.PositiveSmallIntegerField(
        _("consequence: reputation"), validators=score, null=True, blank=True
    )
    proposed_measures = models.TextField(_("proposed measures"), blank=True, max_length=LONG_TEXT)
    residual_probability = models.PositiveSmallIntegerField(
        _("probability after measures"), validators=score, null=True, blank=True
    )
    residual_consequence = models.PositiveSmallIntegerField(
        _("worst consequence after measures"), validators=score, null=True, blank=True
    )
    measures = models.ManyToManyField(
        "actionplans.Measure", through="RowMeasure", related_name="risk_rows", blank=True
    )
    order = models.PositiveIntegerField(default=0)
    # Bumped on every save through the services: two people editing the same hazard at once.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RiskRowQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(**{f"{name}__isnull": True}) | Q(**{f"{name}__range": (1, 5)}),
                name=f"riskrow_{name}_1_to_5",
            )
            for name in SCORE_FIELDS
        ]

    def __str__(self) -> str:
        return self.hazard

    def consequences(self) -> dict[str, int]:
        return {
            Dimension.PEOPLE: self.consequence_people,
            Dimension.ENVIRONMENT: self.consequence_environment,
            Dimension.MATERIAL: self.consequence_material,
            Dimension.REPUTATION: self.consequence_reputation,
        }

    @property
    def is_scored(self) -> bool:
        return self.probability is not None and None not in self.consequences().values()

    def values(self) -> dict[str, int | None]:
        """Risk value per dimension = probability × consequence (A=1 … E=5)."""
        return {
            dim: self.probability * c if self.probability and c else None
            for dim, c in self.consequences().items()
        }

    @property
    def worst_consequence(self) -> int | None:
        scored = [c for c in self.consequences().values() if c]
        return max(scored) if scored else None

    @property
    def risk_value(self) -> int | None:
        if self.probability and self.worst_consequence:
            return self.probability * self.worst_consequence
        return None

    @property
    def code(self) -> str:
        """The worst cell as people write it, e.g. "C3" (consequence letter, probability)."""
        if not self.risk_value:
            return ""
        return f"{CONSEQUENCE_LETTERS[self.worst_consequence - 1]}{self.probability}"

    @property
    def residual_value(self) -> int | None:
        if self.residual_probability and self.residual_consequence:
            return self.residual_probability * self.residual_consequence
        return None


@audited()
class RowMeasure(models.Model):
    row = models.ForeignKey(RiskRow, on_delete=models.CASCADE)
    measure = models.ForeignKey("actionplans.Measure", on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["row", "measure"], name="rowmeasure_once")]

    def __str__(self) -> str:
        return f"{self.row_id} → {self.measure_id}"


class TemplateQuerySet(models.QuerySet):
    def active(self) -> "TemplateQuerySet":
        """The templates offered for new assessments and rounds; retired ones are kept."""
        return self.filter(is_active=True)


class KeptTemplate(models.Model):
    """A list the HSE department keeps in the app: named in both languages, ordered by
    `position`, retired rather than deleted. `slug` is the stable key the code, the API and
    the round answers use; it is made once, from the first name, and never changes."""

    slug = models.SlugField(_("key"), max_length=50, unique=True, editable=False)
    name_nb = models.CharField(_("name (bokmål)"), max_length=200)
    name_nn = models.CharField(_("name (nynorsk)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped on every save through the services: two people editing the same template.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TemplateQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = get_language() or "nb"
        if language.startswith("en") and self.name_en:
            return self.name_en
        if language.startswith("nn") and self.name_nn:
            return self.name_nn
        return self.name_nb


@audited()
class HazardTemplate(KeptTemplate):
    """Common hazards to start an assessment from, kept by the HSE department. An assessment
    copies the rows when it is made, so a later change or retirement changes no assessment."""

    class Meta(KeptTemplate.Meta):
        verbose_name = _("hazard template")
        verbose_name_plural = _("hazard templates")
        constraints = [
            models.UniqueConstraint(
                Lower("name_nb"),
                name="hazardtemplate_name_once",
                violation_error_message=_("There is a hazard template with this name already."),
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("risk:hazard_template_edit", args=[self.pk])


@audited()
class HazardTemplateRow(models.Model):
    template = models.ForeignKey(
        HazardTemplate, on_delete=models.CASCADE, related_name="rows", verbose_name=_("template")
    )
    hazard_nb = models.CharField(_("hazard (bokmål)"), max_length=500)
    hazard_en = models.CharField(_("hazard (English)"), max_length=500, blank=True)
    existing_measures_nb = models.TextField(
        _("typical measures (bokmål)"), blank=True, max_length=LONG_TEXT
    )
    existing_measures_en = models.TextField(
        _("typical measures (English)"), blank=True, max_length=LONG_TEXT
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("hazard template row")
        verbose_name_plural = _("hazard template rows")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.hazard

    @property
    def hazard(self) -> str:
        return _localised(self.hazard_nb, self.hazard_en)

    @property
    def existing_measures(self) -> str:
        return _localised(self.existing_measures_nb, self.existing_measures_en)


@audited()
class ChecklistTemplate(KeptTemplate):
    """A checklist for the walk-through of an inspection round, kept by the HSE department.
    A round copies the questions when it is planned (ChecklistAnswer, by `slug`)."""

    class Meta(KeptTemplate.Meta):
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        constraints = [
            models.UniqueConstraint(
                Lower("name_nb"),
                name="checklisttemplate_name_once",
                violation_error_message=_("There is a checklist with this name already."),
            )
        ]

    def get_absolute_url(self) -> str:
        return reverse("risk:checklist_template_edit", args=[self.pk])


@audited()
class ChecklistTemplateItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.CASCADE,
        related_name="items",
        verbose_name=_("checklist template"),
    )
    text_nb = models.CharField(_("question (bokmål)"), max_length=500)
    text_en = models.CharField(_("question (English)"), max_length=500, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        return _localised(self.text_nb, self.text_en)


def checklists_by_slug(slugs) -> dict[str, ChecklistTemplate]:
    """The checklists behind the round answers' `checklist` keys, retired ones included."""
    return {t.slug: t for t in ChecklistTemplate.objects.filter(slug__in=set(slugs))}


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    COMPLETED = "completed", _("Completed")


class InspectionRoundQuerySet(models.QuerySet):
    def visible_to(self, user) -> "InspectionRoundQuerySet":
        """Rounds of the units the user's roles cover, and those they take part in."""
        if not user.is_authenticated:
            return self.none()
        taking_part = RoundParticipant.objects.filter(user=user).values("round_id")
        return self.filter(access.records_q(user, "unit") | Q(pk__in=taking_part))

    def completed(self) -> "InspectionRoundQuerySet":
        return self.filter(status=RoundStatus.COMPLETED)


@audited()
class InspectionRound(models.Model):
    """An HMS-runde: a "here and now" check of the working conditions, at least yearly per
    unit. The line manager owns it; the safety rep takes part in all of it."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="inspection_rounds", verbose_name=_("unit")
    )
    planned_for = models.DateField(_("date"), validators=[validate_date_in_range])
    status = models.CharField(
        _("status"), max_length=20, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    checklists = models.ManyToManyField(
        ChecklistTemplate, blank=True, related_name="+", verbose_name=_("checklists")
    )
    pre_meeting_notes = models.TextField(_("pre-meeting notes"), blank=True, max_length=NOTES_TEXT)
    post_meeting_notes = models.TextField(
        _("post-meeting notes"), blank=True, max_length=NOTES_TEXT
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = InspectionRoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        ordering = ["-planned_for", "-pk"]
        indexes = [
            models.Index(fields=["unit", "status", "completed_at"], name="round_unit_idx"),
        ]

    def __str__(self) -> str:
        return _("Inspection round %(unit)s %(date)s") % {
            "unit": self.unit.code,
            "date": self.planned_for.isoformat(),
        }

    def get_absolute_url(self) -> str:
        return reverse("risk:round", args=[self.pk])


@audited()
class RoundParticipant(models.Model):
    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("person"),
    )
    role = models.CharField(
        _("taking part as"), max_length=20, choices=ParticipantRole.choices, default="other"
    )
    took_part = models.BooleanField(_("took part"), default=False)
    # Bumped by every change through the app; the "took part" ticks carry it.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="roundparticipant_once")
        ]

    def __str__(self) -> str:
        return str(self.user)


class Answer(models.TextChoices):
    OK = "ok", _("OK")
    NOT_OK = "not_ok", _("Not OK")
    NOT_RELEVANT = "n_a", _("Not relevant")


@audited()
class ChecklistAnswer(models.Model):
    """A question of the round's checklists, copied in when the round is planned, so a later
    change of the template does not change a round already held."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="answers")
    # The checklist's stable key (ChecklistTemplate.slug), kept as text: the answers are a
    # copy and stay as they were whatever happens to the template.
    checklist = models.CharField(max_length=50)
    question = models.CharField(max_length=500)
    question_en = models.CharField(max_length=500, blank=True)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=LONG_TEXT)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["checklist", "order", "pk"]

    def __str__(self) -> str:
        return self.question

    @property
    def question_text(self) -> str:
        return _localised(self.question, self.question_en)


@audited()
class MeasureCheck(models.Model):
    """The round checks each measure from the unit's risk assessments: implemented? working?"""

    round = models.ForeignKey(
        InspectionRound, on_delete=models.CASCADE, related_name="measure_checks"
    )
    measure = models.ForeignKey("actionplans.Measure", on_delete=models.PROTECT, related_name="+")
    implemented = models.BooleanField(_("implemented"), null=True)
    working = models.BooleanField(_("working as intended"), null=True)
    comment = models.TextField(_("comment"), blank=True, max_length=LONG_TEXT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "measure"], name="measurecheck_once")
        ]

    def __str__(self) -> str:
        return str(self.measure)


class FindingOutcome(models.TextChoices):
    OPEN = "", _("Not followed up yet")
    DEVIATION = "deviation", _("Reported as a deviation")
    MEASURE = "measure", _("Made a measure")


@audited()
class Finding(models.Model):
    """Something found on the round. One step turns it into a deviation or a measure."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="findings")
    text = models.TextField(_("finding"), max_length=LONG_TEXT)
    location = models.CharField(_("where"), max_length=200, blank=True)
    outcome = models.CharField(
        _("follow-up"), max_length=20, choices=FindingOutcome.choices, blank=True
    )
    deviation = models.ForeignKey(
        "deviations.Deviation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    measure = models.ForeignKey(
        "actionplans.Measure", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Set when the finding is a measure found not working on this round.
    measure_check = models.ForeignKey(
        MeasureCheck, on_delete=models.SET_NULL, null=True, blank=True, related_name="findings"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="") | Q(deviation__isnull=False) | Q(measure__isnull=False),
                name="finding_outcome_names_its_record",
            )
        ]

    def __str__(self) -> str:
        return self.text[:80]


@audited()
class AssessmentAttachment(RecordAttachment):
    """A photo or file on a risk assessment (a sketch of the lab, the signed copy)."""

    record_field = "assessment"
    url_name = "risk:assessment"

    assessment = models.ForeignKey(
        RiskAssessment, on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta(RecordAttachment.Meta):
        indexes = [
            models.Index(fields=["assessment", "uploaded_at"], name="assessment_attachment_idx")
        ]


@audited()
class FindingAttachment(RecordAttachment):
    """A photo of what a round found."""

    record_field = "finding"
    url_name = "risk:finding"

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="attachments")

    class Meta(RecordAttachment.Meta):
        indexes = [models.Index(fields=["finding", "uploaded_at"], name="finding_attachment_idx")]

    @classmethod
    def record_args(cls, record) -> list:
        return [record.round_id, record.pk]
