"""The reports pages: who may open, order and download what; the htmx status partial; the
query count of the list at two sizes; and the real-worker path."""

import time

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from hms.celery import app as celery_app
from indicators.reports import services
from indicators.reports.models import Report, ReportKind, ReportStatus
from tests.conftest import user_with_role
from tests.waits import WAIT
from units.models import Role

LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A real worker started by a test stores its files in the same place.
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    return settings.MEDIA_ROOT


def make_report(unit, *, produced=True, kind=ReportKind.TERTIAL, tertial=2) -> Report:
    """A report, finished with a stand-in PDF: these tests are about the pages, and
    test_reports produces real ones."""
    report = Report.objects.create(kind=kind, year=LAST_YEAR, tertial=tertial, unit=unit)
    if produced:
        report.pdf.save(report.download_name(), ContentFile(b"%PDF-1.7 stand-in"), save=False)
        report.status, report.finished_at = ReportStatus.DONE, timezone.now()
        report.save()
    return report


@pytest.fixture
def reports(org):
    """A finished report on DEP (the line manager's), one on the faculty above, one on the
    other faculty's department."""
    return {
        "department": make_report(org.department),
        "faculty": make_report(org.faculty),
        "other": make_report(org.other_department),
    }


# --- who may open what ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["employee", "outsider", "line_manager", "safety_rep"])
def test_report_of_the_department_is_read_only_by_those_covering_it(
    client, org, reports, who, request
):
    user = request.getfixturevalue(who)
    client.force_login(user)
    report = reports["department"]
    expected = 200 if who in ("line_manager", "safety_rep") else 404
    assert client.get(reverse("reports:status", args=[report.pk])).status_code == expected
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == expected


def test_outsider_cannot_open_the_department_report(client, outsider, reports):
    client.force_login(outsider)
    report = reports["department"]
    assert client.get(reverse("reports:status", args=[report.pk])).status_code == 404
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 404
    page = client.get(reverse("reports:list"))
    assert page.status_code == 200
    assert f'id="report-{report.pk}"' not in page.content.decode()
    assert f'id="report-{reports["other"].pk}"' in page.content.decode()


def test_employee_has_no_reports_pages(client, employee, reports):
    client.force_login(employee)
    for url in (reverse("reports:list"), reverse("reports:home_partial")):
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("reports:order"),
        {"kind": "tertial", "year": LAST_YEAR, "tertial": "1", "unit": "SEC"},
    )
    assert response.status_code == 404
    assert not Report.objects.filter(unit__code="SEC").exists()


def test_line_manager_cannot_read_the_faculty_report_above_them(client, line_manager, reports):
    client.force_login(line_manager)
    assert client.get(reverse("reports:download", args=[reports["faculty"].pk])).status_code == 404
    page = client.get(reverse("reports:list")).content.decode()
    assert f'id="report-{reports["department"].pk}"' in page
    assert f'id="report-{reports["faculty"].pk}"' not in page


def test_hms_department_reads_every_report(client, hms_department, reports):
    client.force_login(hms_department)
    for report in reports.values():
        response = client.get(reverse("reports:download", args=[report.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_a_report_not_yet_done_cannot_be_downloaded(client, hms_department, org):
    report = make_report(org.root, produced=False)
    client.force_login(hms_department)
    assert client.get(reverse("reports:download", args=[report.pk])).status_code == 404


def test_the_pdf_has_no_public_url(org):
    report = make_report(org.department)
    with pytest.raises(ValueError):
        report.pdf.url  # noqa: B018


# --- ordering through the page ----------------------------------------------------------------


def order_post(client, **fields):
    data = {"kind": "tertial", "year": LAST_YEAR, "tertial": "2", "unit": ""} | fields
    return client.post(reverse("reports:order"), data)


def test_line_manager_orders_for_their_own_department(
    client, line_manager, org, django_capture_on_commit_callbacks
):
    client.force_login(line_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = order_post(client, unit="SEC")
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.unit, report.ordered_by, report.status) == (org.section, line_manager, "done")


def test_line_manager_ordering_without_unit_gets_their_own(client, line_manager, org):
    client.force_login(line_manager)
    assert order_post(client).status_code == 302
    assert Report.objects.get().unit == org.department


def test_line_manager_cannot_order_for_the_faculty_above(client, line_manager):
    client.force_login(line_manager)
    response = order_post(client, unit="FAC")
    assert response.status_code == 403
    assert "only for the units you are line manager of" in response.content.decode()
    assert 'value="FAC"' in response.content.decode()  # the input is kept
    assert not Report.objects.exists()


def test_safety_rep_may_read_but_not_order(client, safety_rep):
    client.force_login(safety_rep)
    assert client.get(reverse("reports:list")).status_code == 200
    assert "report-order-form" not in client.get(reverse("reports:list")).content.decode()
    assert order_post(client, unit="DEP").status_code == 403


def test_hms_department_orders_any_unit_and_the_whole_institution(client, hms_department, org):
    client.force_login(hms_department)
    assert order_post(client, unit="OTHERDEP").status_code == 302
    assert order_post(client, kind="annual", tertial="").status_code == 302
    assert {(r.kind, r.unit.code) for r in Report.objects.all()} == {
        ("tertial", "OTHERDEP"),
        ("annual", "ROOT"),
    }


def test_bad_order_input_is_shown_with_the_input_kept(client, hms_department):
    client.force_login(hms_department)
    response = order_post(client, unit="NOSUCH", year="20x5")
    assert response.status_code == 400
    body = response.content.decode()
    assert "No unit has the code NOSUCH" in body and 'value="NOSUCH"' in body
    future = order_post(client, year=timezone.localdate().year + 1, tertial="1")
    assert future.status_code == 400
    assert "has not ended yet" in future.content.decode()
    assert order_post(client, tertial="").status_code == 400  # a tertial report needs one
    assert not Report.objects.exists()


def test_ordering_with_htmx_returns_the_panel_with_the_new_report(client, hms_department, org):
    client.force_login(hms_department)
    # Without capturing the on-commit callbacks, the job is never run: the report waits.
    response = client.post(
        reverse("reports:order"),
        {"kind": "tertial", "year": LAST_YEAR, "tertial": "3", "unit": "ROOT"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    report = Report.objects.get()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="reports-panel"')
    assert f'hx-get="{reverse("reports:status", args=[report.pk])}"' in body
    assert 'hx-trigger="every 1s"' in body


def test_status_partial_polls_until_done(client, hms_department, org):
    report = make_report(org.root, produced=False)
    client.force_login(hms_department)
    url = reverse("reports:status", args=[report.pk])
    waiting = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in waiting and "Waiting for a worker" in waiting
    Report.objects.filter(pk=report.pk).update(
        status=ReportStatus.RUNNING, stage="layout", percent=45
    )
    running = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Laying out the pages" in running and 'aria-valuenow="45"' in running
    Report.objects.filter(pk=report.pk).update(status=ReportStatus.QUEUED)
    services.report_produce(report.pk)
    done = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done
    assert reverse("reports:download", args=[report.pk]) in done


def test_home_partial_lists_the_newest_finished_reports(client, line_manager, reports, org):
    pending = make_report(org.section, produced=False)
    client.force_login(line_manager)
    body = client.get(reverse("reports:home_partial")).content.decode()
    assert reverse("reports:download", args=[reports["department"].pk]) in body
    assert reverse("reports:download", args=[reports["faculty"].pk]) not in body
    assert reverse("reports:download", args=[pending.pk]) not in body


def test_menu_shows_reports_to_those_who_read_them(client, line_manager, employee):
    client.force_login(line_manager)
    assert reverse("reports:list") in client.get(reverse("home")).content.decode()
    client.force_login(employee)
    assert reverse("reports:list") not in client.get(reverse("home")).content.decode()


# --- query counts -----------------------------------------------------------------------------


def test_list_and_partials_take_the_same_queries_at_two_sizes(
    client, hms_department, org, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(hms_department)
    client.get(reverse("reports:list"))  # the session and the user, loaded once
    counts = []
    units = [org.root, org.faculty, org.department, org.section, org.other_department]
    for size in (2, 12):
        for number in range(size):
            Report.objects.get_or_create(
                kind=ReportKind.TERTIAL,
                year=LAST_YEAR - number // 3,
                tertial=number % 3 + 1,
                unit=units[number % len(units)],
                defaults={"ordered_by": hms_department},
            )
        for url in (reverse("reports:list"), reverse("reports:home_partial")):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts[:2] == counts[2:]
    assert max(counts) <= 10


# --- the real-worker path ---------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_produces_the_ordered_report(
    private_media,
    org,
    hms_department,
    real_celery_worker,
):
    """REAL WORKER: the order goes through the broker to a separate worker process, which
    claims the committed report, writes the PDF and marks it done."""
    _mail_dir, worker_log = real_celery_worker
    assert not celery_app.conf.task_always_eager
    report = services.report_order(
        actor=hms_department, kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=1, unit=org.root
    )
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        report.refresh_from_db()
        if report.status in (ReportStatus.DONE, ReportStatus.FAILED):
            break
        time.sleep(0.5)
    assert report.status == ReportStatus.DONE, worker_log.read_text()[-3000:]
    assert report.pdf.open("rb").read(4) == b"%PDF"
    assert report.figures["period"]["label"] == f"T1 {LAST_YEAR}"
    assert report.attempts == 1


def test_a_chief_safety_rep_on_the_root_reads_every_report(client, org, reports):
    chief = user_with_role("chief", Role.CHIEF_SAFETY_REP, org.root)
    client.force_login(chief)
    for report in reports.values():
        assert client.get(reverse("reports:status", args=[report.pk])).status_code == 200
