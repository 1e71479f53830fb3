"""The yearly management review (ledelsens gjennomgang), led by the rector.

The seed ("Ledelsens gjennomgang") asks the rector to review the HSE system once a year with
the HSE department, the occupational health service, the chief safety rep and the chief union
rep, and lists the items to go through. Each review is a document of the institution (a root
unit of the tree) and is archived in the archive system once final.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units import access
from units.limits import LONG_TEXT, NOTES_TEXT, validate_date_in_range
from units.models import Role, Unit, audited

# The agenda at the end of the seed ("Følgende momenter bør gjennomgås"), in its order:
# (key, bokmål title, English title). The titles are copied into each review's items, so a
# later change of this list does not change a review already held.
AGENDA = [
    ("previous_review", "Forrige års ledelsens gjennomgang", "Last year's management review"),
    ("legislation", "Endringer i aktuelt lovverk", "Changes in applicable legislation"),
    (
        "external_inspections",
        "Tilsyn og kontroller utført av offentlige myndigheter/eksterne aktører",
        "Inspections and audits by public authorities and external parties",
    ),
    (
        "policy_goals",
        "Politikk, HMS-mål, delmål og indikatorer",
        "Policy, HSE goals, sub-goals and indicators",
    ),
    ("ia_goals", "Mål for IA-arbeidet", "Goals of the inclusive working life (IA) work"),
    (
        "work_processes",
        "Arbeidsprosesser og tjenester; sikre at disse er i samsvar med lovverk og "
        "HMS-retningslinjer",
        "Work processes and services: in line with legislation and HSE guidelines",
    ),
    (
        "internal_audits",
        "Interne revisjoner og revisjonsplaner for kommende år",
        "Internal audits and audit plans for next year",
    ),
    ("risk_analyses", "ROS-analyser", "Risk and vulnerability analyses"),
    (
        "work_environment_survey",
        "Arbeidsmiljøundersøkelse; trender og vurdere behov for endringer",
        "Work environment survey: trends and the need for changes",
    ),
    (
        "deviations",
        "HMS-avvik; trender og meldekultur",
        "HSE deviations: trends and reporting culture",
    ),
    (
        "environment",
        "Miljøprestasjon; trender og oppfølging av tiltak",
        "Environmental performance: trends and follow-up of measures",
    ),
    ("emergency", "Beredskap", "Emergency preparedness"),
    ("fire_protection", "Brannvern", "Fire protection"),
    (
        "special_incidents",
        "Spesielle forhold/uønskede hendelser inneværende år",
        "Special matters and unwanted incidents this year",
    ),
    (
        "focus_areas",
        "Forslag til satsningsområder kommende år",
        "Proposed focus areas for next year",
    ),
    (
        "committee_input",
        "Innspill fra aktuelle utvalg og nettverk",
        "Input from committees and networks",
    ),
]
AGENDA_KEYS = [key for key, _nb, _en in AGENDA]


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FINAL = "final", _("Final")


class ParticipantFunction(models.TextChoices):
    RECTOR = "rector", _("Rector")
    HMS_DEPARTMENT = "hms_department", _("HSE department")
    OCCUPATIONAL_HEALTH = "occupational_health", _("Occupational health service")
    CHIEF_SAFETY_REP = "chief_safety_rep", _("Chief safety representative")
    CHIEF_UNION_REP = "chief_union_rep", _("Chief union representative")
    OTHER = "other", _("Other")


def can_run_review(user, root: Unit) -> bool:
    """The HSE department and the institution's line manager (the rector) create, edit and
    finalise the review (DOMAIN.md: the HSE department runs it with the rector)."""
    return access.is_hms_department(user) or access.leads_institution(user, root)


class ManagementReviewQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ManagementReviewQuerySet":
        """The HSE department sees every review; the rector and the chief safety rep those of
        their institution (a role held on the root unit itself); a named participant the
        reviews they are named in. Everyone else sees none: the pages answer 404."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if access.is_hms_department(user):
            return self
        held = access.role_paths(user)
        # A root's path is one step long: a role on a faculty never matches it.
        root_paths = [
            path
            for role in (Role.LINE_MANAGER, Role.CHIEF_SAFETY_REP)
            for path in held.get(role, ())
            if len(path) == Unit.steplen
        ]
        named = ReviewParticipant.objects.filter(user=user).values("review_id")
        return self.filter(Q(root__path__in=root_paths) | Q(pk__in=named))


@audited()
class ManagementReview(models.Model):
    root = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="management_reviews",
        verbose_name=_("institution"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    meeting_date = models.DateField(
        _("meeting date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    archive_case_number = models.CharField(
        _("archive case number"),
        max_length=50,
        blank=True,
        help_text=_("The case number of the review in the archive system, e.g. 2026/1234."),
    )
    # The year's figures as they were when taken: the review discusses these, and a final
    # review must show the same figures whenever it is opened again.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    facts_taken_at = models.DateTimeField(_("facts taken"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    finalised_at = models.DateTimeField(_("finalised"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ManagementReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("management review")
        verbose_name_plural = _("management reviews")
        ordering = ["-year", "root__path"]
        constraints = [
            models.UniqueConstraint(fields=["root", "year"], name="review_one_per_year"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="review_year_sensible"
            ),
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(finalised_at__isnull=False) & Q(finalised_by__isnull=False)),
                name="review_final_has_finaliser",
            ),
        ]

    def __str__(self) -> str:
        return _("Management review %(year)s") % {"year": self.year}

    def get_absolute_url(self) -> str:
        return reverse("review:detail", args=[self.year])

    @property
    def is_final(self) -> bool:
        return self.status == ReviewStatus.FINAL


@audited()
class ReviewParticipant(models.Model):
    """A person taking part: a user of the app, or a name only (the occupational health
    service and the union often have no account)."""

    review = models.ForeignKey(
        ManagementReview, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    function = models.CharField(_("function"), max_length=30, choices=ParticipantFunction.choices)
    took_part = models.BooleanField(_("took part"), default=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(name=""), name="reviewparticipant_named"
            ),
            models.UniqueConstraint(
                fields=["review", "user"],
                condition=Q(user__isnull=False),
                name="reviewparticipant_once",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.name


@audited()
class AgendaItem(models.Model):
    review = models.ForeignKey(ManagementReview, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=40)
    order = models.PositiveSmallIntegerField()
    title_nb = models.CharField(_("title (bokmål)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    notes = models.TextField(_("notes"), blank=True, max_length=NOTES_TEXT)
    # Each item carries its own version: two people writing on different items never clash.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["order"]
        constraints = [
            models.UniqueConstraint(fields=["review", "key"], name="agendaitem_once"),
            models.UniqueConstraint(fields=["review", "order"], name="agendaitem_order_once"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "nb").startswith("en") else self.title_nb

    @property
    def number(self) -> int:
        return self.order


@audited()
class Decision(models.Model):
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"), max_length=LONG_TEXT)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible"),
    )
    deadline = models.DateField(
        _("deadline"), null=True, blank=True, validators=[validate_date_in_range]
    )
    # Set when the decision was turned into a measure of the institution's action plan.
    measure = models.OneToOneField(
        "actionplans.Measure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_decision",
        verbose_name=_("measure"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.text[:80]
