"""The HSE department's start page shows the organisation's state, each figure counted as
the page it links to counts it."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure
from deviations.models import Deviation
from hms import organisation
from hms.cycle.progress import units_progress
from indicators.reports.models import Report, ReportKind, ReportStatus, last_ended_tertial
from tests.factories import make_deviation, make_unit
from tests.test_risk_assessments import spread  # noqa: F401 - a fixture
from units.models import Unit

STATE = reverse("organisation_state")
TODAY = timezone.localdate()
YESTERDAY = TODAY - datetime.timedelta(days=1)


def overdue_case(unit, reporter):
    deviation = make_deviation(unit, reporter)
    Deviation.objects.filter(pk=deviation.pk).update(deadline=YESTERDAY)
    return deviation


def overdue_measure(unit, actor):
    return Measure.objects.create(
        unit=unit, title="Bytt lås", responsible=actor, deadline=YESTERDAY, created_by=actor
    )


def test_the_start_page_loads_the_state_for_the_hms_department_only(
    client, org, hms_department, line_manager
):
    client.force_login(hms_department)
    assert STATE in client.get(reverse("home")).content.decode()
    client.force_login(line_manager)
    assert STATE not in client.get(reverse("home")).content.decode()


def test_others_get_no_state(client, org, line_manager, outsider, employee, safety_rep):
    for user in (line_manager, outsider, employee, safety_rep):
        client.force_login(user)
        assert client.get(STATE).status_code == 404
    client.logout()
    assert client.get(STATE).status_code == 302


def test_the_figures_are_those_of_the_pages_they_link_to(
    client, org, hms_department, line_manager, employee
):
    overdue_case(org.department, employee)
    overdue_case(org.other_department, employee)
    make_deviation(org.section, employee)  # not overdue
    overdue_measure(org.section, line_manager)
    year, tertial = last_ended_tertial(TODAY)
    Report.objects.create(
        kind=ReportKind.TERTIAL,
        year=year,
        tertial=tertial,
        unit=org.root,
        status=ReportStatus.FAILED,
        ordered_by=hms_department,
    )
    client.force_login(hms_department)
    response = client.get(STATE)
    assert response.status_code == 200
    context = response.context
    assert context["overdue_cases"] == 2
    assert context["overdue_measures"] == 1
    listed = client.get(reverse("deviations:list"), {"overdue": "on"})
    assert listed.context["page"].count == 2
    plan = client.get(
        reverse("actionplans:plan", args=["ROOT"]), {"subunits": "on", "overdue": "on"}
    )
    assert plan.context["page"].paginator.count == 1
    units = list(Unit.objects.active())
    behind = sum(1 for p in units_progress(units, TODAY.year).values() if p.behind)
    assert context["units_behind"] == behind
    overview = client.get(reverse("cycle:overview"), {"unit": "ROOT"})
    assert overview.context["total"].units_behind == behind
    states = {r["kind"]: r["report"] for r in context["reports"]}
    assert states[ReportKind.TERTIAL.label].status == ReportStatus.FAILED
    assert states[ReportKind.ANNUAL.label] is None
    assert context["reports_due"] == 2  # the failed tertial report, last year's not ordered
    content = response.content.decode()
    assert 'id="state-overdue-cases"' in content
    assert "Not ordered" in content and "Failed" in content


@pytest.mark.usefixtures("spread")
def test_red_risks_are_counted_as_the_red_risk_list_counts_them(client, org, hms_department):
    client.force_login(hms_department)
    state = client.get(STATE).context
    red = client.get(reverse("risk:red_risks"), {"unit": "ROOT"})
    assert state["red_risks"] == red.context["page"].paginator.count == 3


@pytest.mark.parametrize("extra", [2])
def test_the_state_runs_the_same_queries_at_two_sizes(
    client, org, hms_department, line_manager, employee, extra
):
    client.force_login(hms_department)

    def grow(n):
        for _ in range(n):
            unit = make_unit(Unit.objects.get(pk=org.department.pk))
            overdue_case(unit, employee)
            overdue_measure(unit, line_manager)

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(STATE).status_code == 200
        return len(captured)

    grow(extra)
    small = count()
    grow(extra * 4)
    assert count() == small
    assert organisation.BEHIND_LISTED == 5
