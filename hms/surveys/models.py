"""Map-phase records (seed: «Identifisere og vurdere HMS-utfordringer»): the results of the
work environment survey per unit and topic, with follow-up measures in the action plan, and
how many employee appraisals were held. Appraisals are counted only: their content is between
the leader and the employee and never stored here (DOMAIN.md)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from units import access
from units.limits import SHORT_TEXT
from units.models import Unit, audited

FIRST_YEAR, LAST_YEAR = 1900, 2999


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Records of the units the user's roles cover."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit"))


@audited()
class SurveyResult(models.Model):
    """One topic's score in one survey for one unit, e.g. «Arbeidsmiljøundersøkelsen 2026,
    Psykososialt arbeidsmiljø: 4.1 of 5, 23 respondents»."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="survey_results", verbose_name=_("unit")
    )
    survey = models.CharField(_("survey"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    topic = models.CharField(_("topic"), max_length=200)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    scale_min = models.DecimalField(
        _("lowest on the scale"), max_digits=6, decimal_places=2, default=1
    )
    scale_max = models.DecimalField(
        _("highest on the scale"), max_digits=6, decimal_places=2, default=5
    )
    respondents = models.PositiveIntegerField(_("respondents"))
    comment = models.TextField(_("comment"), blank=True, max_length=SHORT_TEXT)
    measures = models.ManyToManyField(
        "actionplans.Measure", through="SurveyMeasure", related_name="survey_results", blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("survey result")
        verbose_name_plural = _("survey results")
        ordering = ["-year", "survey", "topic"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "year", "survey", "topic"], name="survey_result_unique_topic"
            ),
            models.CheckConstraint(
                condition=Q(scale_min__lt=F("scale_max")), name="survey_scale_ordered"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=F("scale_min")) & Q(score__lte=F("scale_max")),
                name="survey_score_on_scale",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR),
                name="survey_year_in_range",
            ),
        ]
        indexes = [models.Index(fields=["unit", "year"], name="survey_unit_year_idx")]

    def __str__(self) -> str:
        return f"{self.survey} {self.year}: {self.topic}"

    def get_absolute_url(self) -> str:
        url = reverse("surveys:unit", args=[self.unit.code])
        return f"{url}?year={self.year}#result-{self.pk}"

    @property
    def share(self) -> float:
        """Where the score lies on its scale, 0 to 1: for the bar on the page."""
        return float((self.score - self.scale_min) / (self.scale_max - self.scale_min))


class SurveyMeasure(models.Model):
    """A follow-up measure of a survey result; the measure lives in the action plan."""

    result = models.ForeignKey(SurveyResult, on_delete=models.PROTECT, related_name="+")
    measure = models.OneToOneField(
        "actionplans.Measure", on_delete=models.PROTECT, related_name="survey_link"
    )

    def __str__(self) -> str:
        return f"{self.result_id} → {self.measure_id}"


@audited()
class AppraisalCount(models.Model):
    """How many of the unit's employees had their appraisal (medarbeidersamtale) in a year, out
    of how many should have. Numbers only: never who, never what was said."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="appraisal_counts", verbose_name=_("unit")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    held = models.PositiveIntegerField(_("appraisals held"))
    eligible = models.PositiveIntegerField(_("employees who should have one"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    updated_at = models.DateTimeField(_("recorded"), default=timezone.now)
    version = models.PositiveIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal count")
        verbose_name_plural = _("appraisal counts")
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="appraisal_count_once_a_year"),
            models.CheckConstraint(
                condition=Q(held__gte=0) & Q(held__lte=F("eligible")),
                name="appraisals_held_within_eligible",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=FIRST_YEAR) & Q(year__lte=LAST_YEAR),
                name="appraisal_year_in_range",
            ),
        ]
        indexes = [models.Index(fields=["year", "unit"], name="appraisal_year_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year}: {self.held}/{self.eligible}"

    def get_absolute_url(self) -> str:
        return reverse("surveys:unit", args=[self.unit.code]) + f"?year={self.year}"
