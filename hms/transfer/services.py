"""Ordering and producing a unit export, the way reports are produced
(indicators/reports/services.py): the job claims the row with a conditional UPDATE, reports
its progress as a heartbeat, writes the ZIP under a `.part` name and moves it into place in
the transaction that marks the export done. A killed worker leaves a stalled row and no file;
ordering the export again restarts it."""

import contextlib
import os
import traceback
import uuid

from django.core.exceptions import PermissionDenied
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from hms.transfer.export import export_unit
from hms.transfer.models import STALE_AFTER, ExportStatus, UnitExport, export_storage
from units import access
from units.models import Unit


class ClaimLost(Exception):
    """Another run took the export over; this one must write nothing more."""


@transaction.atomic
def export_order(*, actor, unit: Unit) -> UnitExport:
    """Order an export of the unit's subtree, or find the one already being made for it."""
    if not access.can_export_unit(actor, unit):
        raise PermissionDenied
    pending = UnitExport.objects.select_for_update().filter(unit=unit).pending().first()
    if pending is not None and not pending.is_stalled:
        return pending
    if pending is not None:
        pending.status, pending.claim, pending.percent = ExportStatus.QUEUED, None, 0
        pending.ordered_at, pending.ordered_by = timezone.now(), actor
        pending.save(update_fields=["status", "claim", "percent", "ordered_at", "ordered_by"])
        job = pending
    else:
        job = UnitExport.objects.create(unit=unit, ordered_by=actor)
    from hms.transfer import tasks

    transaction.on_commit(lambda: tasks.produce_export.delay(job.pk))
    return job


def _claim(export_id: int) -> uuid.UUID | None:
    now = timezone.now()
    token = uuid.uuid4()
    taken = (
        UnitExport.objects.filter(pk=export_id)
        .filter(
            Q(status=ExportStatus.QUEUED)
            | Q(status=ExportStatus.RUNNING, heartbeat_at__lt=now - STALE_AFTER)
            | Q(status=ExportStatus.RUNNING, heartbeat_at__isnull=True)
        )
        .update(
            status=ExportStatus.RUNNING,
            claim=token,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
            percent=1,
            error="",
        )
    )
    return token if taken else None


def _progress(export_id: int, token: uuid.UUID, percent: int) -> None:
    moved = UnitExport.objects.filter(
        pk=export_id, claim=token, status=ExportStatus.RUNNING
    ).update(percent=percent, heartbeat_at=timezone.now())
    if not moved:
        raise ClaimLost


def export_produce(export_id: int) -> bool:
    """Write the export's ZIP if no other run holds it. Safe to run any number of times."""
    token = _claim(export_id)
    if token is None:
        return False
    job = UnitExport.objects.select_related("unit").get(pk=export_id)
    final = f"exports/{job.pk}-{job.download_name()}"
    path = export_storage.path(final)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = f"{path}.{uuid.uuid4().hex}.part"
    try:
        export_unit(job.unit, temporary, progress=lambda p: _progress(export_id, token, p))
        _finish(job, token, temporary, final)
    except ClaimLost:
        return False
    except (OperationalError, InterfaceError):
        with contextlib.suppress(OperationalError, InterfaceError):
            UnitExport.objects.filter(pk=export_id, claim=token).update(
                status=ExportStatus.QUEUED, claim=None
            )
        raise
    except Exception as error:
        UnitExport.objects.filter(pk=export_id, claim=token).update(
            status=ExportStatus.FAILED,
            finished_at=timezone.now(),
            error="".join(traceback.format_exception_only(error)).strip()[:2000],
        )
        raise
    finally:
        if os.path.exists(temporary):
            os.remove(temporary)
    return True


@transaction.atomic
def _finish(job: UnitExport, token: uuid.UUID, temporary: str, final: str) -> None:
    locked = UnitExport.objects.select_for_update().filter(pk=job.pk, claim=token).first()
    if locked is None or locked.status != ExportStatus.RUNNING:
        raise ClaimLost
    size = os.path.getsize(temporary)
    os.replace(temporary, export_storage.path(final))
    locked.file.name = final
    locked.size = size
    locked.status = ExportStatus.DONE
    locked.percent = 100
    locked.finished_at = locked.heartbeat_at = timezone.now()
    locked.save(update_fields=["file", "size", "status", "percent", "finished_at", "heartbeat_at"])
