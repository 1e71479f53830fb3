"""Reports: ordering, producing once, surviving a crash, the beat schedule, and the figures.

The PDFs are checked by their text (pypdf): every frozen figure must be what the PDF prints.
"""

import datetime
import io
import re

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from pypdf import PdfReader

from deviations.models import Category, InjuryKind, Severity
from hms.cycle.models import Goal
from indicators.reports import collect, document, services, tasks
from indicators.reports.models import (
    Report,
    ReportKind,
    ReportStatus,
    last_ended_tertial,
    tertial_period,
)
from tests.factories import load_reference_data, make_deviation
from units.models import Unit

LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pdf_files(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def pdf_text(report: Report) -> str:
    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", " ", "\n".join(page.extract_text() for page in reader.pages))


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def order(actor, unit, *, kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=2, capture=None):
    return services.report_order(actor=actor, kind=kind, year=year, tertial=tertial, unit=unit)


# --- periods and the beat schedule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 1, 1), (2025, 3)),
        (datetime.date(2026, 4, 30), (2025, 3)),
        (datetime.date(2026, 5, 1), (2026, 1)),
        (datetime.date(2026, 8, 31), (2026, 1)),
        (datetime.date(2026, 9, 1), (2026, 2)),
        (datetime.date(2026, 12, 31), (2026, 2)),
    ],
)
def test_last_ended_tertial_on_given_dates(today, expected):
    assert last_ended_tertial(today) == expected


def test_tertials_cover_the_year_without_gaps():
    assert tertial_period(2025, 1).start == datetime.date(2025, 1, 1)
    assert tertial_period(2025, 1).end == tertial_period(2025, 2).start == datetime.date(2025, 5, 1)
    assert tertial_period(2025, 2).end == tertial_period(2025, 3).start == datetime.date(2025, 9, 1)
    assert tertial_period(2025, 3).end == datetime.date(2026, 1, 1)


def test_beat_orders_the_last_ended_tertial_once(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.report_order_due(today=datetime.date(2025, 9, 3))
        again = services.report_order_due(today=datetime.date(2025, 9, 4))
    assert [(r.kind, r.year, r.tertial, r.unit) for r in first] == [
        (ReportKind.TERTIAL, 2025, 2, org.root)
    ]
    assert [r.pk for r in again] == [r.pk for r in first]
    assert Report.objects.count() == 1
    assert Report.objects.get().status == ReportStatus.DONE


def test_beat_orders_the_annual_report_in_january(org):
    ordered = services.report_order_due(today=datetime.date(2026, 1, 5))
    assert {(r.kind, r.year, r.tertial) for r in ordered} == {
        (ReportKind.TERTIAL, 2025, 3),
        (ReportKind.ANNUAL, 2025, None),
    }
    services.report_order_due(today=datetime.date(2026, 1, 6))
    assert Report.objects.count() == 2
    services.report_order_due(today=datetime.date(2026, 2, 1))
    assert Report.objects.count() == 2  # February: no new annual report, same tertial


def test_beat_queues_a_report_whose_worker_was_killed(
    org, monkeypatch, django_capture_on_commit_callbacks
):
    report = Report.objects.create(
        kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=1, unit=org.root
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, heartbeat_at=timezone.now() - datetime.timedelta(hours=1)
    )
    queued = []
    monkeypatch.setattr(tasks.produce_report, "delay", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.requeue_stalled_reports()
    assert queued == [report.pk]
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.claim is None


# --- ordering -------------------------------------------------------------------------------


def test_ordering_twice_gives_the_same_report(org, hms_department):
    first = order(hms_department, org.root)
    second = order(hms_department, org.root)
    assert first.pk == second.pk
    assert Report.objects.count() == 1


def test_a_period_not_yet_ended_cannot_be_ordered(org, hms_department):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        order(hms_department, org.root, year=timezone.localdate().year + 1, tertial=1)
    assert not Report.objects.exists()


def test_line_manager_orders_only_for_their_own_subtree(org, line_manager):
    from django.core.exceptions import PermissionDenied

    assert order(line_manager, org.section).unit == org.section
    with pytest.raises(PermissionDenied):
        order(line_manager, org.faculty)
    with pytest.raises(PermissionDenied):
        order(line_manager, org.other_department)


def test_safety_rep_cannot_order(org, safety_rep):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        order(safety_rep, org.department)


def test_unique_constraint_holds_for_annual_reports_without_tertial(org):
    Report.objects.create(kind=ReportKind.ANNUAL, year=LAST_YEAR, tertial=None, unit=org.root)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind=ReportKind.ANNUAL, year=LAST_YEAR, tertial=None, unit=org.root)
    Report.objects.create(kind=ReportKind.ANNUAL, year=LAST_YEAR, tertial=None, unit=org.faculty)


def test_unique_constraint_holds_for_tertial_reports(org):
    Report.objects.create(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=2, unit=org.root)
    Report.objects.create(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=3, unit=org.root)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=2, unit=org.root)


def test_tertial_must_match_the_kind(org):
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind=ReportKind.ANNUAL, year=LAST_YEAR, tertial=2, unit=org.root)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=None, unit=org.root)


# --- producing once, and again after a crash ------------------------------------------------


def test_running_the_task_twice_produces_one_pdf(
    org, hms_department, private_media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = order(hms_department, org.root)
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.percent == 100
    name, finished = report.pdf.name, report.finished_at

    tasks.produce_report(report.pk)
    with django_capture_on_commit_callbacks(execute=True):
        order(hms_department, org.root)  # ordering a done report queues nothing
    report.refresh_from_db()
    assert (report.pdf.name, report.finished_at, report.attempts) == (name, finished, 1)
    assert [path.name for path in pdf_files(private_media)] == [name.rsplit("/", 1)[1]]


def test_only_one_of_two_runs_claims_the_report(org):
    report = Report.objects.create(
        kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=1, unit=org.root
    )
    assert services._claim(report.pk) is not None
    assert services._claim(report.pk) is None
    outcome = services.report_produce(report.pk)
    assert not outcome.produced and outcome.busy_for > 0  # the other run holds it: retry later


def test_a_crash_after_collecting_leaves_no_report_and_a_rerun_completes(
    org, hms_department, private_media, monkeypatch, django_capture_on_commit_callbacks
):
    def crash(*args, **kwargs):
        raise RuntimeError("worker fell over")

    with monkeypatch.context() as patched:
        patched.setattr(document, "render_html", crash)
        with django_capture_on_commit_callbacks(execute=True):
            report = order(hms_department, org.root)
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED
    assert "worker fell over" in report.error
    assert not report.pdf and report.figures == {}
    assert pdf_files(private_media) == []

    with django_capture_on_commit_callbacks(execute=True):
        again = order(hms_department, org.root)
    assert again.pk == report.pk
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE and report.error == ""
    assert len(pdf_files(private_media)) == 1


def test_a_report_left_running_by_a_killed_worker_is_produced_again(org, private_media):
    report = Report.objects.create(
        kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=1, unit=org.root
    )
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING,
        stage="layout",
        percent=45,
        heartbeat_at=timezone.now() - services.STALE_AFTER - datetime.timedelta(seconds=1),
    )
    # The killed run got as far as its temporary file; nobody reads it.
    assert services.report_produce(report.pk).produced
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE
    assert len(pdf_files(private_media)) == 1


def test_a_run_that_lost_its_claim_writes_nothing(org, private_media, monkeypatch):
    report = Report.objects.create(
        kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=1, unit=org.root
    )
    real_layout = document.layout

    def slow_layout(html):
        # Meanwhile the run was taken for dead and another one claimed the report.
        Report.objects.filter(pk=report.pk).update(claim=None)
        return real_layout(html)

    monkeypatch.setattr(document, "layout", slow_layout)
    assert not services.report_produce(report.pk).produced
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING and not report.pdf
    assert pdf_files(private_media) == []


# --- the figures ------------------------------------------------------------------------------


@pytest.fixture
def small_dataset(org, employee):
    """T2 last year and T2 the year before, in two faculties, with a personal injury."""
    load_reference_data()  # a transactional test before may have emptied the categories
    building = Category.objects.get(code="building")
    injury = Category.objects.get(code="personal_injury")
    now, before = tertial_period(LAST_YEAR, 2), tertial_period(LAST_YEAR - 1, 2)
    for unit, day, category, severity, extra in [
        (org.section, now.start, building, Severity.MINOR, {}),
        (org.department, now.start + datetime.timedelta(days=40), building, Severity.SERIOUS, {}),
        (
            org.section,
            now.last_day,
            injury,
            Severity.SERIOUS,
            {"injury_kind": InjuryKind.ABSENCE, "absence_days": 4},
        ),
        (org.other_department, now.start, building, Severity.VERY_SERIOUS, {}),
        (org.faculty, before.start, building, Severity.MINOR, {}),
        (
            org.other_department,
            before.start,
            injury,
            Severity.MINOR,
            {"injury_kind": InjuryKind.FIRST_AID},
        ),
        # Outside both periods: not counted.
        (org.section, now.end, building, Severity.MINOR, {}),
        (org.section, now.start - datetime.timedelta(days=1), building, Severity.MINOR, {}),
    ]:
        make_deviation(
            unit, employee, occurred_at=at(day), category=category, severity=severity, **extra
        )
    return org


def _by_key(rows):
    return {row["key"]: (row["now"], row["previous"]) for row in rows}


def test_figures_count_per_faculty_category_and_severity_against_last_year(small_dataset):
    org = small_dataset
    report = Report(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=2, unit=org.root)
    figures = collect.collect_figures(report)
    deviations, injuries = figures["deviations"], figures["injuries"]
    assert deviations["total"] == {"now": 4, "previous": 2, "change": 2}
    assert _by_key(deviations["by_branch"]) == {
        org.faculty.path: (3, 1),
        org.other_faculty.path: (1, 1),
    }
    building = str(Category.objects.get(code="building").pk)
    injury = str(Category.objects.get(code="personal_injury").pk)
    by_category = _by_key(deviations["by_category"])
    assert by_category[building] == (3, 1) and by_category[injury] == (1, 1)
    assert _by_key(deviations["by_severity"]) == {
        "minor": (1, 2),
        "serious": (2, 0),
        "very_serious": (1, 0),
    }
    faculty_row = next(r for r in deviations["branch_severity"] if r["key"] == org.faculty.path)
    assert (faculty_row["minor"], faculty_row["serious"], faculty_row["very_serious"]) == (1, 2, 0)
    assert injuries["total"] == {"now": 1, "previous": 1, "change": 0}
    assert injuries["with_absence"]["now"] == 1 and injuries["absence_days"]["now"] == 4
    assert _by_key(injuries["by_kind"])["absence"] == (1, 0)
    assert _by_key(injuries["by_kind"])["first_aid"] == (0, 1)


def test_a_faculty_report_counts_per_department(small_dataset):
    org = small_dataset
    report = Report(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=2, unit=org.faculty)
    figures = collect.collect_figures(report)
    assert _by_key(figures["deviations"]["by_branch"]) == {
        org.department.path: (3, 0),
        collect.SELF: (0, 1),  # the deviation registered on the faculty itself
    }


def test_rejected_deviations_are_not_counted(small_dataset, employee):
    from deviations.models import Deviation, Status

    org = small_dataset
    Deviation.objects.filter(unit=org.other_department).update(
        status=Status.REJECTED, rejection_reason="Not an HSE matter"
    )
    report = Report(kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=2, unit=org.root)
    assert collect.collect_figures(report)["deviations"]["total"]["now"] == 3


def test_the_pdf_prints_the_frozen_figures(small_dataset, hms_department):
    org = small_dataset
    report = order(hms_department, org.root)
    services.report_produce(report.pk)
    report.refresh_from_db()
    figures = report.figures
    text = pdf_text(report)
    assert "Tertial report to AMU" in text
    assert f"T2 {LAST_YEAR}" in text and "Contents" in text
    assert "How the figures are counted" in text
    for row in figures["deviations"]["by_branch"] + figures["deviations"]["by_category"]:
        assert f"{row['label']} {row['now']} {row['previous']}" in text, row
    for row in figures["injuries"]["by_branch"]:
        assert (
            f"{row['label']} {row['now']} {row['previous']} "
            f"{'+' if row['change'] > 0 else ''}{row['change']} "
            f"{row['with_absence']} {row['absence_days']}"
        ).replace("-", "−") in text, row
    total = figures["deviations"]["total"]
    assert f"Total {total['now']} {total['previous']} +{total['change']}" in text
    # Counts only: no case text, no people.
    assert "Glass" not in text and "employee" not in text


def test_a_report_ordered_in_nynorsk_is_written_in_nynorsk(small_dataset, hms_department):
    from django.utils import translation

    with translation.override("nn"):
        report = order(hms_department, small_dataset.root)
    assert report.language == "nn"
    services.report_produce(report.pk)
    report.refresh_from_db()
    text = pdf_text(report)
    assert "Tertialrapport til AMU" in text and "Innhald" in text
    assert "Slik blir tala talde" in text and "Innhold" not in text


def test_the_annual_report_has_the_rounds_and_the_year(small_dataset, hms_department):
    from risk.models import InspectionRound, RoundStatus

    org = small_dataset
    InspectionRound.objects.create(
        unit=org.department,
        planned_for=datetime.date(LAST_YEAR, 3, 1),
        status=RoundStatus.COMPLETED,
        completed_at=at(datetime.date(LAST_YEAR, 3, 1)),
        created_by=hms_department,
    )
    for unit, evaluation in [
        (org.department, "reached"),
        (org.section, "partly"),
        (org.section, ""),
        (org.other_department, "not_reached"),
    ]:
        Goal.objects.create(
            unit=unit,
            year=LAST_YEAR,
            title="Fewer cuts",
            evaluation=evaluation,
            evaluated_at=timezone.now() if evaluation else None,
            created_by=hms_department,
        )
    Goal.objects.create(
        unit=org.department, year=LAST_YEAR - 1, title="Last year", created_by=hms_department
    )
    report = order(hms_department, org.root, kind=ReportKind.ANNUAL, tertial=None)
    services.report_produce(report.pk)
    report.refresh_from_db()
    goals = report.figures["goals"]
    assert [o for o, _label in goals["outcomes"]] == ["reached", "partly", "not_reached", ""]
    by_branch = {row["key"]: row for row in goals["rows"]}
    assert by_branch[org.faculty.path]["counts"] == [1, 1, 0, 1]
    assert by_branch[org.faculty.path]["units_with_goal"] == 2
    assert by_branch[org.other_faculty.path]["counts"] == [0, 0, 1, 0]
    assert goals["total"] == 4
    rounds = {row["key"]: row for row in report.figures["rounds"]["rows"]}
    assert rounds[org.faculty.path]["rounds"] == 1
    assert rounds[org.faculty.path]["units_with"] == 1
    assert rounds[org.faculty.path]["units_without"] == 2  # the faculty and the section
    assert rounds[org.other_faculty.path]["missing"] == ["OTHERFAC", "OTHERDEP"]
    assert report.figures["deviations"]["total"]["now"] == 6  # the whole year, not T2
    health = report.figures["indicators"]["tables"]["health"]
    assert [column["code"] for column in health["columns"]] == [
        "sick_leave_pct",
        "h1",
        "h2",
        "f_value",
    ]
    assert [row["label"] for row in health["rows"]][-1] == "Total"
    text = pdf_text(report)
    for heading in ("Annual HSE report", "Inspection rounds", "HSE goals", "Environment", "Energy"):
        assert heading in text
    assert "Faculty of Testing (FAC) 2 1 1 0 1 3" in text  # units with goals, outcomes, goals


def test_collecting_the_figures_takes_the_same_queries_at_two_data_sizes(
    org, employee, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    load_reference_data()
    building = Category.objects.get(code="building")
    period = tertial_period(LAST_YEAR, 2)
    counts = []
    for size in (2, 20):
        units = list(Unit.objects.all())
        for number in range(size):
            make_deviation(
                units[number % len(units)],
                employee,
                occurred_at=at(period.start + datetime.timedelta(days=number)),
                category=building,
            )
        for kind, tertial in ((ReportKind.TERTIAL, 2), (ReportKind.ANNUAL, None)):
            report = Report(kind=kind, year=LAST_YEAR, tertial=tertial, unit=org.root)
            with CaptureQueriesContext(connection) as queries:
                collect.collect_figures(report)
            counts.append((kind, len(queries)))
    assert counts[:2] == counts[2:]
    assert all(count <= 12 for _kind, count in counts)
