"""Ordering and producing reports.

A report is produced once per (kind, year, tertial, unit): ordering is a get-or-create, and
the production job claims the report with a conditional UPDATE before it starts, so two runs
of the job never both produce it. The PDF is written under a temporary name and moved into
place in the same transaction that marks the report done: a worker killed half-way leaves
the report not done and no file behind it, and the job runs again.

What brings it back is the report's own row, not the broker: kombu's filesystem transport
deletes a message when a worker fetches it, so `acks_late` cannot redeliver it there (on
Redis it would, but only after the visibility timeout, an hour). A run beats its heartbeat
every HEARTBEAT_EVERY while it works; a report not heard from for STALE_AFTER is stalled, and
the beat task `requeue_stalled_reports` (every minute) or ordering it again restarts it.
"""

import contextlib
import datetime
import logging
import os
import threading
import traceback
import uuid
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from indicators.reports import collect, document
from indicators.reports.models import (
    HEARTBEAT_EVERY,
    STALE_AFTER,
    Report,
    ReportKind,
    ReportStatus,
    Stage,
    last_ended_tertial,
    report_storage,
)
from units import access
from units.models import Unit

logger = logging.getLogger(__name__)


class ClaimLost(Exception):
    """Another run took the report over; this one must write nothing more."""


@transaction.atomic
def report_order(
    *, actor, kind: str, year: int, tertial: int | None, unit: Unit, today=None
) -> Report:
    """Order a report, or find the one already ordered for the same period and unit.

    Ordering twice gives the same report; a failed one is queued again. `actor` None is the
    beat schedule. Only ended periods can be ordered: the figures are frozen once."""
    if actor is not None and not access.can_order_report(actor, unit):
        raise PermissionDenied
    today = today or timezone.localdate()
    if kind == ReportKind.ANNUAL:
        tertial = None
    report = Report(
        kind=kind,
        year=year,
        tertial=tertial,
        unit=unit,
        ordered_by=actor,
        language=translation.get_language() or "nb",
    )
    report.full_clean(validate_unique=False, validate_constraints=False)
    if kind == ReportKind.TERTIAL and tertial not in (1, 2, 3):
        raise ValidationError({"tertial": _("Choose tertial 1, 2 or 3.")})
    if report.period().end > today:
        raise ValidationError(
            {"year": _("This period has not ended yet: a report can be ordered when it has.")}
        )
    existing = (
        Report.objects.select_for_update()
        .filter(kind=kind, year=year, tertial=tertial, unit=unit)
        .first()
    )
    if existing is None:
        # The unique constraint settles a race between two orders: the loser finds the winner.
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError:
            existing = Report.objects.get(kind=kind, year=year, tertial=tertial, unit=unit)
        else:
            _queue(report)
            return report
    if existing.status == ReportStatus.FAILED or existing.is_stalled:
        _restart(existing, actor)
    return existing


def _restart(report: Report, actor=None) -> None:
    """Queue a failed or stalled report again. Its claim is dropped, so a run that was only
    slow, not dead, finds it lost and writes nothing."""
    report.status, report.stage, report.percent = ReportStatus.QUEUED, "", 0
    report.claim = None
    report.error = ""
    report.ordered_at = timezone.now()
    report.ordered_by = actor or report.ordered_by
    report.save(
        update_fields=["status", "stage", "percent", "claim", "error", "ordered_at", "ordered_by"]
    )
    _queue(report)


def _queue(report: Report) -> None:
    from indicators.reports import tasks

    transaction.on_commit(lambda: tasks.produce_report.delay(report.pk))


def report_order_due(*, today: datetime.date | None = None) -> list[Report]:
    """What the beat schedule orders each morning: the last ended tertial's report for each
    root of the tree, and in January last year's annual report. Idempotent."""
    today = today or timezone.localdate()
    year, tertial = last_ended_tertial(today)
    ordered = []
    for root in Unit.objects.filter(depth=1, is_active=True):
        ordered.append(
            report_order(
                actor=None,
                kind=ReportKind.TERTIAL,
                year=year,
                tertial=tertial,
                unit=root,
                today=today,
            )
        )
        if today.month == 1:
            ordered.append(
                report_order(
                    actor=None,
                    kind=ReportKind.ANNUAL,
                    year=today.year - 1,
                    tertial=None,
                    unit=root,
                    today=today,
                )
            )
    return ordered


@transaction.atomic
def report_requeue_stalled() -> list[Report]:
    """Restart every stalled report (run by beat every minute). Locked rows are skipped: an
    order or a claim is changing them right now."""
    stalled = list(Report.objects.stalled().select_for_update(skip_locked=True))
    for report in stalled:
        _restart(report)
    return stalled


# --- producing --------------------------------------------------------------------------


@dataclass
class Outcome:
    produced: bool
    busy_for: float = 0.0  # seconds until a run that holds the report counts as stale


def _claim(report_id: int) -> uuid.UUID | None:
    """Take the report for this run: a queued one, or a running one whose run went silent.
    A conditional UPDATE, so of two runs at the same moment exactly one wins."""
    now = timezone.now()
    token = uuid.uuid4()
    taken = (
        Report.objects.filter(pk=report_id)
        .filter(
            Q(status=ReportStatus.QUEUED)
            | Q(status=ReportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
            | Q(status=ReportStatus.RUNNING, heartbeat_at__isnull=True)
        )
        .update(
            status=ReportStatus.RUNNING,
            claim=token,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            stage=Stage.COLLECTING,
            percent=5,
            error="",
        )
    )
    return token if taken else None


def _progress(report_id: int, token: uuid.UUID, stage: str, percent: int) -> None:
    moved = Report.objects.filter(pk=report_id, claim=token, status=ReportStatus.RUNNING).update(
        stage=stage, percent=percent, heartbeat_at=timezone.now()
    )
    if not moved:
        raise ClaimLost


def report_produce(report_id: int) -> Outcome:
    """Produce the report's PDF if no other run holds it. Safe to run any number of times."""
    token = _claim(report_id)
    if token is None:
        held = Report.objects.filter(pk=report_id, status=ReportStatus.RUNNING).first()
        if held is None:
            return Outcome(produced=False)  # done, failed, or gone: nothing to do
        busy = held.heartbeat_at + STALE_AFTER - timezone.now()
        return Outcome(produced=False, busy_for=max(busy.total_seconds(), 1.0))
    report = Report.objects.select_related("unit").get(pk=report_id)
    temporary = None
    beating = _Heartbeat(report_id, token)
    beating.start()
    try:
        with translation.override(report.language):
            figures = collect.collect_figures(report)
            # Laying out the pages is most of the work (bench_reports: over 90 %).
            _progress(report_id, token, Stage.RENDERING, 10)
            html = document.render_html(report, figures)
            _progress(report_id, token, Stage.LAYOUT, 15)
            pages = document.layout(html)
        _progress(report_id, token, Stage.SAVING, 85)
        pdf = pages.write_pdf()
        temporary = _write_temporary(report, pdf)
        _finish(report, token, figures, temporary)
        temporary = None
    except ClaimLost:
        return Outcome(produced=False)
    except (OperationalError, InterfaceError):
        # The database hiccupped: not the report's fault. Give the report back, if the
        # database lets us, so the task's retry claims it at once (else it is stalled soon).
        with contextlib.suppress(OperationalError, InterfaceError):
            Report.objects.filter(pk=report_id, claim=token).update(
                status=ReportStatus.QUEUED, claim=None
            )
        raise
    except Exception as error:
        Report.objects.filter(pk=report_id, claim=token).update(
            status=ReportStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception_only(error)).strip()[:2000],
        )
        raise
    finally:
        beating.stop()
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
    return Outcome(produced=True)


class _Heartbeat(threading.Thread):
    """Beats the report's heartbeat while the run works, also through the long layout step
    that reports no progress: a report falls silent only when its worker is gone."""

    def __init__(self, report_id: int, token: uuid.UUID):
        super().__init__(daemon=True, name=f"report-{report_id}-heartbeat")
        self.report_id, self.token = report_id, token
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(HEARTBEAT_EVERY.total_seconds()):
                Report.objects.filter(
                    pk=self.report_id, claim=self.token, status=ReportStatus.RUNNING
                ).update(heartbeat_at=timezone.now())
        except (OperationalError, InterfaceError):
            # A lost beat only makes the report look stalled sooner; the claim decides.
            logger.warning("Report %s: heartbeat lost", self.report_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)


def _final_name(report: Report) -> str:
    return f"reports/{report.year}/{report.pk}-{report.download_name()}"


def _write_temporary(report: Report, pdf: bytes) -> str:
    """Write the whole file beside its final place under a name nobody reads."""
    final = report_storage.path(_final_name(report))
    os.makedirs(os.path.dirname(final), exist_ok=True)
    temporary = f"{final}.{uuid.uuid4().hex}.part"
    with open(temporary, "wb") as handle:
        handle.write(pdf)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


@transaction.atomic
def _finish(report: Report, token: uuid.UUID, figures: dict, temporary: str) -> None:
    """Move the file into place and mark the report done, only while this run holds it.
    The rename is atomic: a reader sees the old file or the whole new one, never half."""
    locked = Report.objects.select_for_update().filter(pk=report.pk, claim=token).first()
    if locked is None or locked.status != ReportStatus.RUNNING:
        raise ClaimLost
    name = _final_name(report)
    os.replace(temporary, report_storage.path(name))
    locked.pdf.name = name
    locked.figures = figures
    locked.status = ReportStatus.DONE
    locked.stage = Stage.DONE
    locked.percent = 100
    locked.finished_at = timezone.now()
    locked.heartbeat_at = locked.finished_at
    locked.save(
        update_fields=[
            "pdf",
            "figures",
            "status",
            "stage",
            "percent",
            "finished_at",
            "heartbeat_at",
        ]
    )
