"""The unit's registers of the map and plan phases: which laws and rules apply (requirements
register), the documentation register, local HSE routines, and coordination agreements with
enterprises sharing the premises (samordningsavtaler, arbeidsmiljøloven § 2-2)."""

import datetime
import secrets

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

# A review date this close counts as "due soon" on pages and in reminders.
REVIEW_SOON_DAYS = 30
# An agreement ending this close is flagged, so a new one is negotiated in time.
AGREEMENT_EXPIRY_DAYS = 60


def shared_down_q(user, unit_field: str = "unit") -> Q:
    """Routines and documents: read by everyone in the unit's subtree, and by those whose
    roles cover the unit (issue 5: the institution's central routines reach every unit)."""
    return access.records_q(user, unit_field) | access.belonged_units_q(user, unit_field)


# --- Requirements register ----------------------------------------------------------------------


class RequirementKind(models.TextChoices):
    LAW = "law", _("Law")
    REGULATION = "regulation", _("Regulation")
    INTERNAL = "internal", _("Internal guideline")


class RequirementQuerySet(models.QuerySet):
    def catalogue(self) -> "RequirementQuerySet":
        """The institution's catalogue, kept by the HSE department."""
        return self.filter(unit__isnull=True)

    def for_register(self, unit: Unit) -> "RequirementQuerySet":
        """What a unit's register lists: the active catalogue, and the active local
        requirements of the unit and of the units above it (a faculty's rule binds its
        departments)."""
        return self.filter(is_active=True).filter(
            Q(unit__isnull=True) | Q(unit__path__in=[*unit.ancestor_paths(), unit.path])
        )


@audited()
class Requirement(models.Model):
    """One law, regulation or internal guideline: in the catalogue the HSE department keeps
    (no unit), or a unit's own local requirement (its lab rules, a local agreement)."""

    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="local_requirements",
        verbose_name=_("unit"),
        help_text=_("Empty for the institution's catalogue; set for a unit's own requirement."),
    )
    title = models.CharField(_("title"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    reference = models.CharField(
        _("reference or link"), max_length=500, blank=True, help_text=_("e.g. a Lovdata link")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RequirementKind.choices)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped on every save: two people of the HSE department changing the catalogue at once.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements catalogue")
        ordering = ["order", "short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["short_name"],
                condition=Q(unit__isnull=True),
                name="requirement_short_name_in_catalogue",
                violation_error_message=_("The catalogue already has a requirement by that name."),
            ),
            models.UniqueConstraint(
                fields=["unit", "short_name"],
                name="requirement_short_name_in_unit",
                violation_error_message=_("The unit already has a requirement by that name."),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    def get_absolute_url(self) -> str:
        if self.unit_id:
            return reverse("registers:local_requirement_edit", args=[self.pk])
        return reverse("registers:catalogue_edit", args=[self.pk])

    @property
    def is_local(self) -> bool:
        return self.unit_id is not None

    @property
    def is_link(self) -> bool:
        return self.reference.startswith(("https://", "http://"))


class UnitRequirementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "UnitRequirementQuerySet":
        return self.filter(access.records_q(user, "unit"))


@audited()
class UnitRequirement(models.Model):
    """Whether a requirement of the catalogue applies to a unit, and the unit's comment."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="requirements")
    requirement = models.ForeignKey(
        Requirement, on_delete=models.PROTECT, related_name="unit_entries"
    )
    applies = models.BooleanField(_("applies"), default=False)
    comment = models.TextField(_("comment"), blank=True, max_length=SHORT_TEXT)
    reviewed_on = models.DateField(_("reviewed on"), default=timezone.localdate)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Bumped on every review: two people reviewing the unit's register at once.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = UnitRequirementQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit requirement")
        verbose_name_plural = _("unit requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "requirement"], name="unitrequirement_once_per_unit"
            ),
        ]
        indexes = [models.Index(fields=["unit", "applies", "reviewed_on"], name="unitreq_idx")]

    def __str__(self) -> str:
        return f"{self.unit.code}: {self.requirement}"

    def get_absolute_url(self) -> str:
        return reverse("registers:requirements", args=[self.unit.code])


# --- Documentation register ---------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    RESPONSIBILITY = "responsibility", _("Responsibility overview")
    WORK_AGREEMENTS = "work_agreements", _("Work agreements")
    INJURY_SICK_LEAVE = "injury_sick_leave", _("Injury and sick-leave registration")
    TRAINING = "training", _("Training overview")
    FIRE = "fire", _("Fire protection documentation")
    OTHER = "other", _("Other")


class ReviewedQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(shared_down_q(user, "unit"))

    def review_passed(self, today: datetime.date | None = None):
        return self.filter(review_due__lt=today or timezone.localdate())

    def review_soon(self, today: datetime.date | None = None):
        today = today or timezone.localdate()
        return self.filter(
            review_due__gte=today,
            review_due__lte=today + datetime.timedelta(days=REVIEW_SOON_DAYS),
        )


class ReviewDates:
    """Review state shown on pages: passed (red) or within REVIEW_SOON_DAYS (yellow)."""

    review_due: datetime.date | None

    @property
    def review_passed(self) -> bool:
        return bool(self.review_due and self.review_due < timezone.localdate())

    @property
    def review_soon(self) -> bool:
        today = timezone.localdate()
        return bool(
            self.review_due
            and today <= self.review_due <= today + datetime.timedelta(days=REVIEW_SOON_DAYS)
        )


def document_path(instance: "Document", filename: str) -> str:
    # A random name: the stored path never carries the uploader's file name.
    return f"registers/documents/{secrets.token_hex(16)}"


@audited()
class Document(ReviewDates, models.Model):
    """A document of the unit's documentation register: the file itself, or the archive case
    number where the original lives (at least one of the two). This row is the current
    version; a new file or edition keeps the one it replaces as a DocumentVersion. Approval is
    an action of someone with the authority (who, when), never typed text."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="documents")
    kind = models.CharField(_("kind"), max_length=30, choices=DocumentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    edition = models.CharField(_("version"), max_length=30, blank=True)
    # The current version's number in the register: 1, and one more for each new version.
    number = models.PositiveIntegerField(_("version number"), default=1, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Typed before approval became an action; kept as it was written, shown as such.
    recorded_approver = models.CharField(_("approver as recorded"), max_length=200, blank=True)
    recorded_approved_on = models.DateField(_("approval date as recorded"), null=True, blank=True)
    review_due = models.DateField(
        _("review date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    file = models.FileField(_("file"), upload_to=document_path, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    archive_ref = models.CharField(
        _("archive case number"),
        max_length=100,
        blank=True,
        help_text=_("Where the original is kept, e.g. 2024/12345 in the archive."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ReviewedQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["kind", "title"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(file="") | ~Q(archive_ref=""),
                name="document_file_or_archive_ref",
                violation_error_message=_(
                    "Upload the file, or give the archive case number where it is kept."
                ),
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="document_approval_says_who_and_when",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "kind"], name="document_unit_kind_idx"),
            models.Index(fields=["review_due"], name="document_review_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("registers:document", args=[self.pk])


@audited()
class DocumentVersion(models.Model):
    """An earlier version of a document, as it was when a newer one replaced it: its file,
    edition, archive reference and approval stay reachable."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version number"))
    edition = models.CharField(_("version"), max_length=30, blank=True)
    file = models.FileField(_("file"), upload_to=document_path, blank=True)
    file_name = models.CharField(max_length=255, blank=True)
    file_type = models.CharField(max_length=100, blank=True)
    archive_ref = models.CharField(_("archive case number"), max_length=100, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    recorded_approver = models.CharField(_("approver as recorded"), max_length=200, blank=True)
    recorded_approved_on = models.DateField(_("approval date as recorded"), null=True, blank=True)
    replaced_at = models.DateTimeField(_("replaced at"), default=timezone.now)
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("replaced by"),
    )

    class Meta:
        verbose_name = _("earlier document version")
        verbose_name_plural = _("earlier document versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="documentversion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.document}: {self.number}"


# --- Local HSE routines -------------------------------------------------------------------------


class RoutineTemplate(models.Model):
    """A starting point kept by the HSE department. A routine copies the text when it is made,
    so changing a template changes no routine."""

    title = models.CharField(_("title"), max_length=200, unique=True)
    purpose = models.TextField(_("purpose"), blank=True, max_length=LONG_TEXT)
    scope = models.TextField(_("scope"), blank=True, max_length=LONG_TEXT)
    responsibility = models.TextField(_("responsibility"), blank=True, max_length=LONG_TEXT)
    procedure = models.TextField(_("procedure"), blank=True, max_length=LONG_TEXT)
    references = models.TextField(_("references"), blank=True, max_length=LONG_TEXT)
    is_active = models.BooleanField(_("active"), default=True)
    # Bumped on every save: two people of the HSE department changing a template at once.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("routine template")
        verbose_name_plural = _("routine templates")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("registers:template_edit", args=[self.pk])


class RoutineStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    # An earlier version, replaced when its revision was approved: kept readable as it was.
    SUPERSEDED = "superseded", _("Replaced")


# Read by the whole subtree once approved; the replaced versions stay readable with them.
PUBLISHED = [RoutineStatus.APPROVED, RoutineStatus.SUPERSEDED]


class RoutineQuerySet(ReviewedQuerySet):
    def visible_to(self, user):
        """A draft is work in progress: those whose roles cover the unit read it; the rest
        of the subtree reads the routine once it is approved."""
        return self.filter(
            access.records_q(user, "unit")
            | (access.belonged_units_q(user, "unit") & Q(status__in=PUBLISHED))
        )

    def current(self):
        """What the lists show: approved routines and drafts, not the replaced versions."""
        return self.exclude(status=RoutineStatus.SUPERSEDED)

    def in_force(self, on: datetime.date | None = None):
        """Approved, and not past its review date (a routine nobody reviewed is not in force)."""
        on = on or timezone.localdate()
        return self.filter(status=RoutineStatus.APPROVED, approved_at__date__lte=on).filter(
            Q(review_due__isnull=True) | Q(review_due__gte=on)
        )


@audited()
class Routine(ReviewDates, models.Model):
    """A local HSE routine, one row per version. Changing an approved routine drafts its next
    version (`previous` points back): the approved one stays in force until the revision is
    approved, and is then kept as replaced, readable with its approval."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="routines")
    template = models.ForeignKey(
        RoutineTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    purpose = models.TextField(_("purpose"), max_length=LONG_TEXT)
    scope = models.TextField(_("scope"), blank=True, max_length=LONG_TEXT)
    responsibility = models.TextField(_("responsibility"), blank=True, max_length=LONG_TEXT)
    procedure = models.TextField(_("procedure"), max_length=LONG_TEXT)
    references = models.TextField(_("references"), blank=True, max_length=LONG_TEXT)
    status = models.CharField(
        _("status"), max_length=20, choices=RoutineStatus.choices, default=RoutineStatus.DRAFT
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    review_due = models.DateField(
        _("review date"), null=True, blank=True, validators=[validate_date_in_range]
    )
    # The versions of one routine: the first has no `first`; each revision points at the
    # version it revises and at the first, so the whole history is one query.
    edition = models.PositiveIntegerField(_("version"), default=1, editable=False)
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revision"
    )
    first = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(_("replaced at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every save (the edit forms' overwrite check); not the routine's `edition`.
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RoutineQuerySet.as_manager()

    class Meta:
        verbose_name = _("local HSE routine")
        verbose_name_plural = _("local HSE routines")
        ordering = ["title"]
        constraints = [
            # An approved (or replaced) routine says who approved it and when; a draft says
            # nobody did. Only a replaced one has a replacement date.
            models.CheckConstraint(
                condition=(
                    Q(status="approved", approved_by__isnull=False, approved_at__isnull=False)
                    | Q(status="draft", approved_by__isnull=True, approved_at__isnull=True)
                    | Q(status="superseded", approved_by__isnull=False, approved_at__isnull=False)
                ),
                name="routine_approval_matches_status",
                violation_error_message=_("An approved routine says who approved it and when."),
            ),
            models.CheckConstraint(
                condition=Q(status="superseded", superseded_at__isnull=False)
                | (~Q(status="superseded") & Q(superseded_at__isnull=True)),
                name="routine_superseded_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="routine_unit_status_idx"),
            models.Index(fields=["review_due"], name="routine_review_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("registers:routine", args=[self.pk])

    def versions(self) -> models.QuerySet:
        """Every version of this routine, the first first."""
        first = self.first_id or self.pk
        return Routine.objects.filter(Q(pk=first) | Q(first_id=first)).order_by("edition")


# --- Coordination agreements --------------------------------------------------------------------


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AgreementQuerySet":
        return self.filter(access.records_q(user, "unit"))

    def valid_in_year(self, year: int) -> "AgreementQuerySet":
        return self.filter(valid_from__lte=datetime.date(year, 12, 31)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=datetime.date(year, 1, 1))
        )


@audited()
class CoordinationAgreement(models.Model):
    """A samordningsavtale: the enterprises sharing premises agree who coordinates the HSE
    work there (arbeidsmiljøloven § 2-2: the main enterprise is responsible)."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(_("title"), max_length=200)
    premises = models.TextField(
        _("premises"), help_text=_("Buildings, floors, rooms, areas."), max_length=LONG_TEXT
    )
    activities = models.TextField(
        _("activities"), help_text=_("What each party does there."), max_length=LONG_TEXT
    )
    valid_from = models.DateField(_("valid from"), validators=[validate_date_in_range])
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, validators=[validate_date_in_range]
    )
    archive_ref = models.CharField(_("archive case number"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        verbose_name = _("coordination agreement")
        verbose_name_plural = _("coordination agreements")
        ordering = ["-valid_from", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="agreement_period_ordered",
                violation_error_message=_("The end date is before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["unit", "valid_to"], name="agreement_unit_idx")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("registers:agreement", args=[self.pk])

    @property
    def expired(self) -> bool:
        return bool(self.valid_to and self.valid_to < timezone.localdate())

    @property
    def expiring(self) -> bool:
        today = timezone.localdate()
        return bool(
            self.valid_to
            and today <= self.valid_to <= today + datetime.timedelta(days=AGREEMENT_EXPIRY_DAYS)
        )


@audited()
class AgreementParty(models.Model):
    agreement = models.ForeignKey(
        CoordinationAgreement, on_delete=models.CASCADE, related_name="parties"
    )
    name = models.CharField(_("enterprise"), max_length=200)
    contact = models.CharField(_("contact person"), max_length=200, blank=True)
    is_main = models.BooleanField(_("main enterprise (coordinates)"), default=False)

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["-is_main", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(is_main=True),
                name="agreement_one_main_party",
                violation_error_message=_("An agreement has one main enterprise."),
            ),
            models.UniqueConstraint(fields=["agreement", "name"], name="agreement_party_once"),
        ]

    def __str__(self) -> str:
        return self.name


@audited()
class CooperationItem(models.Model):
    """One line of the year's cooperation plan: when, what, who."""

    agreement = models.ForeignKey(
        CoordinationAgreement, on_delete=models.CASCADE, related_name="plan_items"
    )
    date = models.DateField(_("date"), validators=[validate_date_in_range])
    what = models.CharField(_("what"), max_length=300)
    who = models.CharField(_("who"), max_length=200)

    class Meta:
        verbose_name = _("cooperation plan item")
        verbose_name_plural = _("cooperation plan")
        ordering = ["date", "pk"]
        indexes = [models.Index(fields=["agreement", "date"], name="coopitem_idx")]

    def __str__(self) -> str:
        return f"{self.date}: {self.what}"


# --- Reminders ---------------------------------------------------------------------------------


class ReminderThreshold(models.TextChoices):
    SOON = "soon", _("Review due soon")
    PASSED = "passed", _("Review date passed")


class ReviewReminder(models.Model):
    """A reminder sent: one per item, threshold and review date, so beat can run daily (or
    twice) without repeating itself, and a new review date gets new reminders."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, null=True, related_name="+")
    routine = models.ForeignKey(Routine, on_delete=models.CASCADE, null=True, related_name="+")
    threshold = models.CharField(max_length=10, choices=ReminderThreshold.choices)
    review_due = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(document__isnull=False, routine__isnull=True)
                | Q(document__isnull=True, routine__isnull=False),
                name="reviewreminder_one_item",
            ),
            models.UniqueConstraint(
                fields=["document", "threshold", "review_due"],
                condition=Q(document__isnull=False),
                name="reviewreminder_document_once",
            ),
            models.UniqueConstraint(
                fields=["routine", "threshold", "review_due"],
                condition=Q(routine__isnull=False),
                name="reviewreminder_routine_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document or self.routine}: {self.threshold} {self.review_due}"


@audited()
class AgreementAttachment(RecordAttachment):
    """A file on a coordination agreement: above all the signed copy."""

    record_field = "agreement"
    url_name = "registers:agreement"

    agreement = models.ForeignKey(
        CoordinationAgreement, on_delete=models.CASCADE, related_name="attachments"
    )

    class Meta(RecordAttachment.Meta):
        indexes = [
            models.Index(fields=["agreement", "uploaded_at"], name="agreement_attachment_idx")
        ]
