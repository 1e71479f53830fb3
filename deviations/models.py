from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from units import access
from units.limits import LONG_TEXT, validate_date_in_range
from units.models import Unit, audited


class DeviationType(models.TextChoices):
    HAZARD = "hazard", _("Hazardous condition or observation")
    NEAR_MISS = "near_miss", _("Near miss")
    ACCIDENT = "accident", _("Accident (injury or damage)")
    IMPROVEMENT = "improvement", _("Improvement proposal")


class Severity(models.TextChoices):
    MINOR = "minor", _("Minor")
    SERIOUS = "serious", _("Serious")
    VERY_SERIOUS = "very_serious", _("Very serious (critical)")


class Status(models.TextChoices):
    REPORTED = "reported", _("Reported")
    UNDER_TREATMENT = "under_treatment", _("Under treatment")
    MEASURES = "measures", _("Measures")
    CLOSED = "closed", _("Closed")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = (Status.REPORTED, Status.UNDER_TREATMENT, Status.MEASURES)

# The one colour of each status, wherever it is shown (the list, the case page, the start page,
# the receipt): a new case waits in yellow, work under way is blue, closed is green.
STATUS_BADGES = {
    Status.REPORTED: "text-bg-warning",
    Status.UNDER_TREATMENT: "text-bg-primary",
    Status.MEASURES: "text-bg-info",
    Status.CLOSED: "text-bg-success",
    Status.REJECTED: "text-bg-secondary",
}


class InjuryKind(models.TextChoices):
    """For personal injuries: what the indicators H1, H2 and F count (DOMAIN.md)."""

    NONE = "", _("No personal injury")
    FIRST_AID = "first_aid", _("First aid only")
    NO_ABSENCE = "no_absence", _("Injury without absence")
    ABSENCE = "absence", _("Injury with absence")
    DEATH = "death", _("Death")


class Category(models.Model):
    """The configurable list of deviation categories (DOMAIN.md). Maintained in the admin."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_nb = models.CharField(_("name (bokmål)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    is_personal_injury = models.BooleanField(
        _("personal injury"),
        default=False,
        help_text=_("Counted as a reported personal injury in the indicators."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("deviation category")
        verbose_name_plural = _("deviation categories")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "nb").startswith("en") else self.name_nb


class YearCounter(models.Model):
    """The last running number given out per year; rows are locked while a number is taken."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class DeviationQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DeviationQuerySet":
        """Deviations of the units the user's roles cover, those they handle, and their own
        reports. Anonymous reports have no reporter, so nobody sees them as 'their own'."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit") | Q(reporter=user) | Q(handler=user))

    def open(self) -> "DeviationQuerySet":
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, today=None) -> "DeviationQuerySet":
        return self.open().filter(deadline__lt=today or timezone.localdate())

    def counted(self) -> "DeviationQuerySet":
        """The deviations every statistic counts (deviations.counts: rejected ones do not)."""
        from deviations.counts import counted_q

        return self.filter(counted_q())


def deviation_number(year: int, sequence: int) -> str:
    """A deviation's number, AV-2025-0042: the year's counter (YearCounter) gives the sequence."""
    return f"AV-{year}-{sequence:04d}"


# The audit trail leaves out: the reporter (anonymity is decided per case and the history
# tables are not the place to enforce it), the receipt code and form token, and the health
# details (only the handler, line manager, safety rep and HSE department may read them).
@audited(exclude=["reporter", "receipt_code_hash", "submission_token", "health_details"])
class Deviation(models.Model):
    """An HMS-avvik: a hazard, near miss, accident or improvement proposal, routed to a unit."""

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    year = models.PositiveSmallIntegerField(editable=False)
    sequence = models.PositiveIntegerField(editable=False)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="deviations", verbose_name=_("unit")
    )
    # Null for an anonymous report: nothing links it to the person who wrote it.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reported_deviations",
        verbose_name=_("reported by"),
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    receipt_code_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    # One form, one deviation: a second submit of the same form finds the first.
    submission_token = models.UUIDField(unique=True, editable=False)

    title = models.CharField(_("what happened (short)"), max_length=200)
    description = models.TextField(_("description"), max_length=LONG_TEXT)
    location = models.CharField(_("where"), max_length=200, blank=True)
    occurred_at = models.DateTimeField(_("when"), validators=[validate_date_in_range])
    deviation_type = models.CharField(_("type"), max_length=20, choices=DeviationType.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="deviations", verbose_name=_("category")
    )
    severity = models.CharField(_("severity"), max_length=20, choices=Severity.choices)
    actual_consequence = models.TextField(_("actual consequence"), blank=True, max_length=LONG_TEXT)
    potential_consequence = models.TextField(
        _("potential consequence"), blank=True, max_length=LONG_TEXT
    )
    immediate_action = models.TextField(
        _("immediate action taken"), blank=True, max_length=LONG_TEXT
    )
    injury_kind = models.CharField(
        _("personal injury"), max_length=20, choices=InjuryKind.choices, blank=True
    )
    absence_days = models.PositiveIntegerField(_("days of absence"), null=True, blank=True)
    # Health-related free text: shown only to the handler, the unit's line manager and safety
    # rep, and the HSE department (DESIGN.md). Never put in e-mails or exports.
    health_details = models.TextField(_("health-related details"), blank=True, max_length=LONG_TEXT)

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REPORTED
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_deviations",
        verbose_name=_("handler"),
    )
    deadline = models.DateField(
        _("deadline"), null=True, blank=True, validators=[validate_date_in_range]
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True, max_length=LONG_TEXT)
    cause = models.TextField(_("cause"), blank=True, max_length=LONG_TEXT)
    lessons_learned = models.TextField(_("lessons learned"), blank=True, max_length=LONG_TEXT)
    authorities_notified_at = models.DateTimeField(
        _("labour inspection and police notified"), null=True, blank=True
    )
    measures = models.ManyToManyField(
        "actionplans.Measure",
        through="DeviationMeasure",
        related_name="deviations",
        blank=True,
        verbose_name=_("measures"),
    )
    created_at = models.DateTimeField(_("reported"), default=timezone.now, editable=False)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = DeviationQuerySet.as_manager()

    class Meta:
        verbose_name = _("deviation")
        verbose_name_plural = _("deviations")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="deviation_number_per_year"),
            models.CheckConstraint(
                condition=Q(is_anonymous=False) | Q(reporter__isnull=True),
                name="deviation_anonymous_has_no_reporter",
            ),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""),
                name="deviation_rejection_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="deviation_unit_status_idx"),
            models.Index(fields=["status", "deadline"], name="deviation_status_deadline_idx"),
            models.Index(fields=["occurred_at"], name="deviation_occurred_idx"),
            models.Index(fields=["created_at"], name="deviation_created_idx"),
            models.Index(fields=["category", "occurred_at"], name="deviation_category_idx"),
            # The list sorted by deadline, both ways (units/keyset.py: nulls last, then the
            # primary key ascending); without them PostgreSQL sorted every visible row
            # (the HSE department at 1M: 745 ms).
            models.Index(F("deadline").asc(), F("id").asc(), name="deviation_deadline_idx"),
            models.Index(
                F("deadline").desc(nulls_last=True),
                F("id").asc(),
                name="deviation_deadline_desc_idx",
            ),
            models.Index(fields=["severity"], name="deviation_severity_idx"),
            models.Index(fields=["deviation_type"], name="deviation_type_idx"),
            models.Index(fields=["reporter"], name="deviation_reporter_idx"),
            models.Index(fields=["handler", "status"], name="deviation_handler_idx"),
            # The list's free-text filter (deviations.filters) matches with ILIKE, which
            # trigram indexes answer without reading the table (bench_deviations: a search
            # that matched nothing took 210 ms of database time at 100,000 rows without them).
            *(
                GinIndex(fields=[field], opclasses=["gin_trgm_ops"], name=f"deviation_{field}_trgm")
                for field in ("number", "title", "description", "location")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("deviations:detail", args=[self.number])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def status_badge(self) -> str:
        """The Bootstrap badge classes of the case's status (STATUS_BADGES)."""
        return STATUS_BADGES.get(self.status, "text-bg-secondary")

    def is_overdue(self, today=None) -> bool:
        return (
            self.is_open
            and self.deadline is not None
            and self.deadline < (today or timezone.localdate())
        )

    @property
    def is_serious_injury(self) -> bool:
        """Death or serious injury must be reported at once to the labour inspection authority
        and the police (arbeidsmiljøloven § 5-2)."""
        return self.injury_kind == InjuryKind.DEATH or (
            self.injury_kind in (InjuryKind.NO_ABSENCE, InjuryKind.ABSENCE)
            and self.severity in (Severity.SERIOUS, Severity.VERY_SERIOUS)
        )


@audited()
class DeviationMeasure(models.Model):
    """Links a measure of the action plan to the deviation it came from."""

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE)
    measure = models.ForeignKey("actionplans.Measure", on_delete=models.PROTECT)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deviation", "measure"], name="deviationmeasure_once")
        ]

    def __str__(self) -> str:
        return f"{self.deviation_id} → {self.measure_id}"


class EventKind(models.TextChoices):
    REPORTED = "reported", _("Reported")
    ACCEPTED = "accepted", _("Taken for treatment")
    REJECTED = "rejected", _("Rejected")
    TRANSFERRED = "transferred", _("Transferred")
    STATUS = "status", _("Status changed")
    DEADLINE = "deadline", _("Deadline set")
    DELEGATED = "delegated", _("Handler changed")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    AUTHORITIES = "authorities", _("Authorities notified")
    CORRECTED = "corrected", _("Corrected")


class DeviationStep(models.Model):
    """The case log shown on the deviation: each step with who and when."""

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=Status.choices, blank=True)
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True, max_length=LONG_TEXT)
    # A correction: which field, and its value before and after as stored (codes, a category's
    # id); the case log shows them in words in the reader's language.
    field = models.CharField(max_length=30, blank=True)
    old_value = models.CharField(max_length=100, blank=True)
    new_value = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["deviation", "at"], name="deviationstep_idx")]

    def __str__(self) -> str:
        return f"{self.deviation.number}: {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return self.deviation.get_absolute_url()


@audited(exclude=["author"])
class Comment(models.Model):
    """The case thread. The reporter of an anonymous case answers through the receipt code:
    such a comment has no author and `from_reporter` set."""

    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_reporter = models.BooleanField(default=False)
    text = models.TextField(_("comment"), max_length=LONG_TEXT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["deviation", "created_at"], name="comment_idx")]

    def __str__(self) -> str:
        return self.text[:60]

    def get_absolute_url(self) -> str:
        return self.deviation.get_absolute_url() + f"#comment-{self.pk}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    # The stored name is not the uploaded one: names can carry personal data.
    return f"deviations/{instance.deviation.year}/{instance.deviation.number}/{instance.token}"


@audited()
class Attachment(models.Model):
    deviation = models.ForeignKey(Deviation, on_delete=models.CASCADE, related_name="attachments")
    token = models.UUIDField(unique=True, editable=False)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("deviations:attachment", args=[self.deviation.number, self.token])
