"""A unit's exports: the page that lists them and orders a new one, the row the page polls
(htmx) while an export is made, and the download. Only administrators and the HSE department
over the unit (access.can_export_unit) reach any of them; for everyone else they are 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from hms.transfer import services
from hms.transfer.models import ExportStatus, UnitExport
from units import access
from units.downloads import file_response
from units.models import Unit

LIST_SIZE = 20


def _exportable_unit(request, code: str) -> Unit:
    unit = get_object_or_404(Unit, code=code)
    if not access.can_export_unit(request.user, unit):
        raise Http404
    return unit


def _export_of(request, pk: int) -> UnitExport:
    job = get_object_or_404(UnitExport.objects.select_related("unit", "ordered_by"), pk=pk)
    if not access.can_export_unit(request.user, job.unit):
        raise Http404
    return job


@login_required
def unit_exports(request, code: str):
    unit = _exportable_unit(request, code)
    exports = UnitExport.objects.filter(unit=unit).select_related("unit", "ordered_by")
    return render(
        request,
        "transfer/unit_exports.html",
        {"unit": unit, "exports": exports[:LIST_SIZE]},
    )


@login_required
@require_POST
def export_order(request, code: str):
    unit = _exportable_unit(request, code)
    services.export_order(actor=request.user, unit=unit)
    messages.success(request, _("The export is ordered. This page shows when it is ready."))
    return redirect("transfer:unit_exports", code=unit.code)


@login_required
def export_status(request, pk: int):
    """One export's row: the page polls it every second while the export is made."""
    return render(request, "transfer/_export_row.html", {"export": _export_of(request, pk)})


@login_required
def export_download(request, pk: int):
    job = _export_of(request, pk)
    if job.status != ExportStatus.DONE:
        raise Http404
    try:
        handle = job.file.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    return file_response(handle, job.download_name(), content_type="application/zip")
