import datetime

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

from units.models import Unit

# As for reports (indicators/reports/models.py): a running export not heard from for this
# long, or a queued one no worker took, is stalled and is restarted when ordered again.
STALE_AFTER = datetime.timedelta(minutes=3)
HEARTBEAT_EVERY = datetime.timedelta(seconds=20)


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being produced")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


@deconstructible
class PrivateExportStorage(FileSystemStorage):
    """Under MEDIA_ROOT, which nothing serves: an export leaves only through the download
    view, which checks who may take it."""

    def url(self, name):
        raise ValueError("Unit exports have no public URL; use transfer:download.")


export_storage = PrivateExportStorage()


def export_file_name(instance: "UnitExport", filename: str) -> str:
    return f"exports/{filename}"


class UnitExportQuerySet(models.QuerySet):
    def pending(self) -> "UnitExportQuerySet":
        return self.filter(status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])


class UnitExport(models.Model):
    """One ordered ZIP of a unit and its subtree (hms/transfer/export.py), produced by a
    Celery job that claims the row, beats a heartbeat and moves the finished file in place."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", verbose_name=_("unit")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    percent = models.PositiveSmallIntegerField(_("progress"), default=0)
    file = models.FileField(
        _("file"), storage=export_storage, upload_to=export_file_name, blank=True, max_length=200
    )
    size = models.PositiveBigIntegerField(_("size"), default=0)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ordered by"),
    )
    ordered_at = models.DateTimeField(_("ordered"), default=timezone.now)
    claim = models.UUIDField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)

    objects = UnitExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit export")
        verbose_name_plural = _("unit exports")
        ordering = ["-ordered_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="unitexport_percent_max"),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(file=""), name="unitexport_done_has_file"
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"], name="unitexport_unit_idx")]

    def __str__(self) -> str:
        return f"{self.unit.code} {self.ordered_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("transfer:unit_exports", args=[self.unit.code]) + f"#export-{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_stalled(self) -> bool:
        if not self.is_pending:
            return False
        since = self.heartbeat_at if self.status == ExportStatus.RUNNING else self.ordered_at
        return since is None or since < timezone.now() - STALE_AFTER

    def download_name(self) -> str:
        return f"export-{self.unit.code}-{self.ordered_at:%Y%m%d-%H%M}.zip".lower()
