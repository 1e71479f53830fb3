"""The reports page: the reports a user may read with their status, the order form, a status
partial that the page polls (htmx) while a report is produced, and the download.

Everything starts from `Report.objects.visible_to(request.user)`. The page exists for those
who read records of some unit; for anyone else it is a 404, as the report files are.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators.reports import services
from indicators.reports.forms import ReportOrderForm
from indicators.reports.models import Report
from units import access
from units.downloads import file_response
from units.forms import add_service_errors
from units.models import Role, Unit

PAGE_SIZE = 20
HOME_COUNT = 5


def _default_unit(user) -> Unit | None:
    """The HSE department's default is the whole institution; a line manager's, the highest
    unit they manage."""
    if access.is_hms_department(user):
        return Unit.objects.filter(depth=1).order_by("path").first()
    paths = sorted(access.role_paths(user).get(Role.LINE_MANAGER, ()), key=len)
    return Unit.objects.filter(path=paths[0]).first() if paths else None


def _panel_context(request, form=None, page_number=None) -> dict:
    may_order = access.may_order_reports(request.user)
    if may_order and form is None:
        default = _default_unit(request.user)
        initial = ReportOrderForm.initial_values()
        initial["unit"] = default.code if default else ""
        form = ReportOrderForm(initial=initial)
    reports = Report.objects.visible_to(request.user).select_related("unit", "ordered_by")
    page = Paginator(reports, PAGE_SIZE).get_page(page_number)
    return {"form": form if may_order else None, "page": page}


@login_required
def report_list(request):
    if not access.reads_records_somewhere(request.user):
        raise Http404
    context = _panel_context(request, page_number=request.GET.get("page"))
    return render(request, "reports/report_list.html", context)


@login_required
@require_POST
def report_order(request):
    if not access.reads_records_somewhere(request.user):
        raise Http404
    if not access.may_order_reports(request.user):
        raise PermissionDenied
    form = ReportOrderForm(request.POST)
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        unit = data["unit"] or _default_unit(request.user)
        try:
            report = services.report_order(
                actor=request.user,
                kind=data["kind"],
                year=data["year"],
                tertial=data["tertial"],
                unit=unit,
            )
        except PermissionDenied:
            form.add_error(
                "unit", _("You may order reports only for the units you are line manager of.")
            )
            status = 403
        except ValidationError as error:
            add_service_errors(form, error)
            status = 400
        else:
            messages.success(
                request,
                _("%(report)s is ordered. This page shows when it is ready.") % {"report": report},
            )
            if not request.htmx:
                return redirect("reports:list")
            form = None
    elif form.errors:
        status = 400
    context = _panel_context(request, form=form)
    if request.htmx:
        # htmx swaps only successful responses: the form with its errors comes back as 200.
        return render(request, "reports/_panel.html", context)
    return render(request, "reports/report_list.html", context, status=status)


@login_required
def report_status(request, pk: int):
    """One report's row: the page polls it every second while the report is produced."""
    report = get_object_or_404(
        Report.objects.visible_to(request.user).select_related("unit", "ordered_by"), pk=pk
    )
    return render(request, "reports/_report_row.html", {"report": report})


def report_file(user, pk):
    """The download of a finished report's PDF, for those who may read the report; else a
    404. The page and the API download through here."""
    report = get_object_or_404(Report.objects.visible_to(user).done(), pk=pk)
    try:
        handle = report.pdf.open("rb")
    except (FileNotFoundError, ValueError) as missing:
        raise Http404 from missing
    return file_response(handle, report.download_name(), content_type="application/pdf")


@login_required
def report_download(request, pk: int):
    return report_file(request.user, pk)


@login_required
def home_partial(request):
    """The newest finished reports the user may read, for the start page."""
    if not access.reads_records_somewhere(request.user):
        raise Http404
    reports = (
        Report.objects.visible_to(request.user)
        .done()
        .select_related("unit")
        .order_by("-finished_at", "-pk")[:HOME_COUNT]
    )
    return render(request, "reports/_home_reports.html", {"reports": reports})
