"""The organisation's state on the HSE department's start page: units behind in the yearly
cycle, overdue cases and measures, red risks and the reports due. Each figure is the one its
own page shows (the cycle overview, the lists' "overdue" filters, the red-risk list, the
reports page), counted with the same definition; the partial loads beside the start page.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from actionplans.models import Measure
from deviations.models import Deviation
from hms.cycle import evidence
from hms.cycle.progress import units_progress
from indicators.reports.models import Report, ReportKind, ReportStatus, last_ended_tertial
from risk import services as risk_services
from risk.models import RiskAssessment, RiskRow
from units import access
from units.models import Unit

BEHIND_LISTED = 5


def _reports_due(roots, today) -> list[dict]:
    """Per institution: the last ended tertial's report to AMU and, once the year has turned,
    last year's annual report, each with its state (not ordered, queued, failed, ready)."""
    year, tertial = last_ended_tertial(today)
    wanted = [(ReportKind.TERTIAL, year, tertial), (ReportKind.ANNUAL, today.year - 1, None)]
    found = {
        (report.unit_id, report.kind, report.year, report.tertial): report
        for report in Report.objects.filter(unit__in=roots, year__in={year, today.year - 1})
    }
    due = []
    for root in roots:
        for kind, report_year, report_tertial in wanted:
            report = found.get((root.pk, kind, report_year, report_tertial))
            due.append(
                {
                    "unit": root,
                    "kind": ReportKind(kind).label,
                    "period": f"T{report_tertial} {report_year}" if report_tertial else report_year,
                    "report": report,
                    "ready": report is not None and report.status == ReportStatus.DONE,
                }
            )
    return due


def state(user, today=None) -> dict:
    today = today or timezone.localdate()
    roots = list(Unit.objects.filter(depth=1, is_active=True).order_by("path"))
    # A queryset, so that the evidence queries select the units by subquery, not by their ids.
    units = evidence.fetched(Unit.objects.active().order_by("path"))
    progress = units_progress(units, today.year, today)
    behind = [unit for unit in units if progress[unit.pk].behind]
    for unit in behind:
        unit.progress = progress[unit.pk]
    behind.sort(key=lambda unit: (-unit.progress.behind, unit.path))
    red = risk_services.red_rows(
        RiskRow.objects.filter(assessment__in=RiskAssessment.objects.visible_to(user).current())
    )
    reports = _reports_due(roots, today)
    return {
        "year": today.year,
        "root": roots[0] if roots else None,
        "units": len(units),
        "units_behind": len(behind),
        "behind": behind[:BEHIND_LISTED],
        "overdue_cases": Deviation.objects.visible_to(user).overdue(today).count(),
        "overdue_measures": Measure.objects.visible_to(user).overdue(today).count(),
        "red_risks": red.count(),
        "reports": reports,
        "reports_due": sum(not report["ready"] for report in reports),
    }


@login_required
@require_safe
def organisation_state(request):
    if not access.is_hms_department(request.user):
        raise Http404
    return render(request, "hms/_organisation_state.html", state(request.user))
