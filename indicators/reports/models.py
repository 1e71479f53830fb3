import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from units import access
from units.models import Unit, audited

# A running report whose run has not been heard from for this long, or a queued one no worker
# has taken for this long, is stalled: its worker was killed, or the broker lost its message
# (kombu's filesystem transport deletes a message when a worker fetches it, so acks_late
# cannot bring it back). A live run beats every HEARTBEAT_EVERY, whatever stage it is in.
STALE_AFTER = datetime.timedelta(minutes=3)
HEARTBEAT_EVERY = datetime.timedelta(seconds=20)


class ReportKind(models.TextChoices):
    TERTIAL = "tertial", _("Tertial report to AMU")
    ANNUAL = "annual", _("Annual HSE report")


class ReportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being produced")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Stage(models.TextChoices):
    WAITING = "", _("Waiting for a worker")
    COLLECTING = "collecting", _("Collecting the figures")
    RENDERING = "rendering", _("Writing the report")
    LAYOUT = "layout", _("Laying out the pages")
    SAVING = "saving", _("Saving the PDF")
    DONE = "done", _("Done")


# --- periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A half-open span of days [start, end) and how a report names it."""

    start: datetime.date
    end: datetime.date  # the first day after the period

    @property
    def last_day(self) -> datetime.date:
        return self.end - datetime.timedelta(days=1)


def tertial_period(year: int, tertial: int) -> Period:
    """T1 January–April, T2 May–August, T3 September–December (DOMAIN.md)."""
    first_month = 1 + 4 * (tertial - 1)
    start = datetime.date(year, first_month, 1)
    end = datetime.date(year + 1, 1, 1) if tertial == 3 else datetime.date(year, first_month + 4, 1)
    return Period(start, end)


def year_period(year: int) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1))


def last_ended_tertial(today: datetime.date) -> tuple[int, int]:
    """The newest tertial that has ended by `today`, as (year, tertial)."""
    current = (today.month - 1) // 4 + 1
    return (today.year - 1, 3) if current == 1 else (today.year, current - 1)


# --- the stored file ----------------------------------------------------------------------


@deconstructible
class PrivateReportStorage(FileSystemStorage):
    """The PDFs live under MEDIA_ROOT, which nothing serves: a file leaves only through the
    download view, which checks who may read the report."""

    def url(self, name):
        raise ValueError("Report PDFs have no public URL; use reports:download.")


report_storage = PrivateReportStorage()


def report_file_name(instance: "Report", filename: str) -> str:
    return f"reports/{instance.year}/{filename}"


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReportQuerySet":
        """Reports on the units the user's roles cover (a report on a faculty is read by those
        who see the faculty's records)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(access.records_q(user, "unit"))

    def done(self) -> "ReportQuerySet":
        return self.filter(status=ReportStatus.DONE)

    def stalled(self, now=None) -> "ReportQuerySet":
        """Pending reports nobody is working on (see STALE_AFTER)."""
        limit = (now or timezone.now()) - STALE_AFTER
        running = Q(status=ReportStatus.RUNNING) & (
            Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True)
        )
        queued = Q(status=ReportStatus.QUEUED, ordered_at__lt=limit)
        return self.filter(running | queued)


# The figures are left out of the audit trail: they are frozen once, with the file, and the
# history would only repeat them.
@audited(exclude=["figures"])
class Report(models.Model):
    """A tertial or annual report for a unit's subtree, produced once as a PDF by a Celery
    job. Its figures are frozen with it so it can be reproduced and audited later."""

    kind = models.CharField(_("report"), max_length=20, choices=ReportKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    # 1–3 for a tertial report; empty for an annual one (the unique constraint below treats
    # two empty tertials as equal).
    tertial = models.PositiveSmallIntegerField(_("tertial"), null=True, blank=True)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="reports", verbose_name=_("unit")
    )
    language = models.CharField(_("language"), max_length=10, default=settings.LANGUAGE_CODE)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.QUEUED
    )
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, blank=True)
    percent = models.PositiveSmallIntegerField(_("progress"), default=0)
    figures = models.JSONField(_("frozen figures"), default=dict, blank=True)
    pdf = models.FileField(
        _("PDF"), storage=report_storage, upload_to=report_file_name, blank=True, max_length=200
    )
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    # The run that holds the report: set by the claim, checked by every later write, so a
    # run that lost its claim (it was too slow and another took over) writes nothing.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-ordered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "year", "tertial", "unit"],
                nulls_distinct=False,
                name="report_once_per_period_and_unit",
            ),
            models.CheckConstraint(
                condition=(Q(kind="tertial", tertial__isnull=False, tertial__gte=1, tertial__lte=3))
                | (Q(kind="annual") & Q(tertial__isnull=True)),
                name="report_tertial_matches_kind",
            ),
            models.CheckConstraint(condition=Q(percent__lte=100), name="report_percent_max_100"),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(pdf=""), name="report_done_has_pdf"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="report_status_idx"),
            models.Index(fields=["unit", "status"], name="report_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} {self.period_label} – {self.unit.code}"

    def get_absolute_url(self) -> str:
        return reverse("reports:list") + f"#report-{self.pk}"

    @property
    def title(self) -> str:
        return str(self.get_kind_display())

    @property
    def period_label(self) -> str:
        return f"T{self.tertial} {self.year}" if self.tertial else str(self.year)

    def period(self) -> Period:
        return tertial_period(self.year, self.tertial) if self.tertial else year_period(self.year)

    def previous_period(self) -> Period:
        """The same period a year earlier: what the figures are compared with."""
        if self.tertial:
            return tertial_period(self.year - 1, self.tertial)
        return year_period(self.year - 1)

    @property
    def is_pending(self) -> bool:
        return self.status in (ReportStatus.QUEUED, ReportStatus.RUNNING)

    @property
    def is_stalled(self) -> bool:
        if not self.is_pending:
            return False
        since = self.heartbeat_at if self.status == ReportStatus.RUNNING else self.ordered_at
        return since is None or since < timezone.now() - STALE_AFTER

    @property
    def was_restarted(self) -> bool:
        """Taken up again after a run stopped (or failed) half-way."""
        if self.is_stalled:
            return False
        if self.status == ReportStatus.QUEUED:
            return self.attempts >= 1
        return self.status == ReportStatus.RUNNING and self.attempts >= 2

    def download_name(self) -> str:
        period = f"{self.year}-T{self.tertial}" if self.tertial else str(self.year)
        return f"{self.kind}-{period}-{self.unit.code}.pdf".lower()
