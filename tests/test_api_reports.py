"""The API's reports: the list of those the user may read, its filters, and the PDF download
through the reports page's own check: a report of another unit, or one not finished, is a 404.
"""

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from indicators.reports.models import Report, ReportKind, ReportStatus
from tests.api_support import (
    all_rows,
    api_client,
    count_queries,
    denied_anonymous,
    token_client,
)
from tests.factories import make_unit

LIST = "/api/v1/reports/"
LAST_YEAR = timezone.localdate().year - 1
PDF = b"%PDF-1.7 stand-in"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def make_report(unit, *, produced=True, kind=ReportKind.TERTIAL, tertial=2, year=LAST_YEAR):
    report = Report.objects.create(kind=kind, year=year, tertial=tertial, unit=unit)
    if produced:
        report.pdf.save(report.download_name(), ContentFile(PDF), save=False)
        report.status, report.finished_at = ReportStatus.DONE, timezone.now()
        report.save()
    return report


def download(report) -> str:
    return f"{LIST}{report.pk}/pdf/"


@pytest.fixture
def reports(org):
    return {
        "department": make_report(org.department),
        "faculty": make_report(org.faculty),
        "other": make_report(org.other_department),
        "pending": make_report(org.department, produced=False, tertial=1),
    }


def test_line_manager_lists_only_the_reports_of_their_subtree(reports, line_manager):
    rows = all_rows(api_client(line_manager), LIST)
    assert {row["id"] for row in rows} == {reports["department"].pk, reports["pending"].pk}
    done = next(row for row in rows if row["id"] == reports["department"].pk)
    assert done["status"] == "done"
    assert done["unit_code"] == "DEP"
    assert done["period_label"] == f"T2 {LAST_YEAR}"
    assert done["download"].endswith(download(reports["department"]))
    pending = next(row for row in rows if row["id"] == reports["pending"].pk)
    assert pending["download"] is None


def test_outsider_gets_404_for_the_report_and_its_pdf(reports, outsider):
    for client in (api_client(outsider), token_client(outsider)):
        assert client.get(f"{LIST}{reports['department'].pk}/").status_code == 404
        response = client.get(download(reports["department"]))
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")


def test_anonymous_is_refused(reports):
    client = api_client()
    assert denied_anonymous(client.get(LIST).status_code)
    assert denied_anonymous(client.get(download(reports["department"])).status_code)


def test_download_returns_the_pdf_as_an_attachment(reports, safety_rep):
    response = token_client(safety_rep, read_only=True).get(download(reports["department"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == PDF


def test_download_when_the_pdf_is_asked_for_by_its_type(reports, safety_rep):
    client = api_client(safety_rep)
    response = client.get(download(reports["department"]), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    missing = client.get(download(reports["other"]), HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404
    assert missing.json()["message"]


def test_a_report_not_finished_cannot_be_downloaded(reports, line_manager):
    assert api_client(line_manager).get(download(reports["pending"])).status_code == 404


def test_the_hse_department_filters_the_list(org, reports, hms_department):
    annual = make_report(org.faculty, kind=ReportKind.ANNUAL, tertial=None)
    client = api_client(hms_department)

    def ids(**params):
        return {row["id"] for row in all_rows(client, LIST, **params)}

    assert ids() == {report.pk for report in [*reports.values(), annual]}
    assert ids(kind="annual") == {annual.pk}
    assert ids(status="queued") == {reports["pending"].pk}
    assert ids(unit="FAC") == {
        reports["faculty"].pk,
        reports["department"].pk,
        reports["pending"].pk,
        annual.pk,
    }
    assert ids(year=LAST_YEAR - 5) == set()
    for params in ({"kind": "weekly"}, {"year": "soon"}, {"unit": "NOPE"}):
        assert client.get(LIST, params).status_code == 400


def test_list_query_count_does_not_grow_with_the_reports(org, hms_department):
    client = api_client(hms_department)
    make_report(org.department)
    small, _response = count_queries(client, LIST)
    for index in range(8):
        make_report(make_unit(org.department, code=f"S{index}"))
    large, response = count_queries(client, LIST)
    assert len(response.json()["results"]) == 9
    assert small == large
