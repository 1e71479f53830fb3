"""The survey results page as CSV and XLSX (issue 16): the file holds the figures the page
shows for the year, nothing the page leaves out, text guarded against formulas, scoped like
the page, in a query count that does not grow with the results."""

import csv
import io
from decimal import Decimal

import openpyxl
import pytest
from django.db import transaction
from django.utils import timezone

from hms.surveys import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

YEAR = timezone.localdate().year
HEADER = [
    "Survey",
    "Year",
    "Topic",
    "Score",
    "Lowest on the scale",
    "Highest on the scale",
    "Respondents",
    "Comment",
    "Follow-up measures",
]


def add_result(actor, unit, topic, score, **fields):
    fields.setdefault("survey", "ARK")
    fields.setdefault("year", YEAR)
    fields.setdefault("respondents", 12)
    return services.result_add(actor=actor, unit=unit, topic=topic, score=Decimal(score), **fields)


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def xlsx_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def url(unit, fmt, year=YEAR) -> str:
    return f"/surveys/{unit.code}/results.{fmt}?year={year}"


@pytest.fixture
def results(org, line_manager):
    workload = add_result(line_manager, org.department, "Workload", "3.50", comment="Exams")
    services.result_add_measure(
        actor=line_manager,
        result=workload,
        title="Spread the exams",
        responsible=line_manager,
        deadline=timezone.localdate(),
    )
    add_result(line_manager, org.department, "Leadership", "4.12", respondents=3)
    add_result(
        line_manager, org.department, "Noise", "7", survey="Lab survey", scale_max=Decimal(10)
    )
    add_result(line_manager, org.department, "Last year", "2", year=YEAR - 1)
    add_result(line_manager, org.section, "The section's own", "1")


def test_the_file_holds_the_figures_the_page_shows(client, org, line_manager, results):
    client.force_login(line_manager)
    page = client.get(f"/surveys/{org.department.code}/?year={YEAR}")
    html = page.content.decode()
    shown = [
        (r.survey, r.topic, r.score, r.scale_min, r.scale_max, r.respondents)
        for r in page.context["results"]
    ]
    rows = csv_rows(client.get(url(org.department, "csv")))
    assert rows[0] == HEADER
    assert rows[1:] == [
        ["ARK", str(YEAR), "Leadership", "4.12", "1", "5", "3", "", ""],
        ["ARK", str(YEAR), "Workload", "3.50", "1", "5", "12", "Exams", "Spread the exams"],
        ["Lab survey", str(YEAR), "Noise", "7", "1", "10", "12", "", ""],
    ]
    for row in rows[1:]:
        assert f"<strong>{row[3]}</strong>" in html  # the page prints the same figure
    assert [
        (row[0], row[2], Decimal(row[3]), Decimal(row[4]), Decimal(row[5]), int(row[6]))
        for row in rows[1:]
    ] == shown
    sheet = xlsx_rows(client.get(url(org.department, "xlsx")))
    assert sheet[0] == HEADER
    assert [
        (row[0], row[2], Decimal(str(row[3])), row[4], row[5], row[6]) for row in sheet[1:]
    ] == shown
    assert all(isinstance(row[3], int | float) for row in sheet[1:])  # numbers, not text
    assert sheet[2][1] == YEAR and sheet[2][8] == "Spread the exams"


def test_the_file_holds_nothing_the_page_leaves_out(client, org, line_manager, results):
    """The page shows aggregates only: no respondent and no one who typed a result in.
    It hides no small group today (each result has its count of respondents on the page),
    so the file has the same rows, other years' and the sub-units' results not among them."""
    client.force_login(line_manager)
    content = b"".join(client.get(url(org.department, "csv")).streaming_content).decode()
    assert line_manager.username not in content
    assert "Last year" not in content and "The section's own" not in content
    last_year = csv_rows(client.get(url(org.department, "csv", YEAR - 1)))
    assert [row[2] for row in last_year[1:]] == ["Last year"]


def test_the_page_links_both_files(client, org, line_manager, safety_rep, results):
    client.force_login(safety_rep)
    html = client.get(f"/surveys/{org.department.code}/?year={YEAR}").content.decode()
    assert f'href="{url(org.department, "csv")}"' in html
    assert f'href="{url(org.department, "xlsx")}"' in html
    assert client.get(url(org.department, "xlsx")).status_code == 200


@pytest.mark.parametrize("who", ["outsider", "employee"])
def test_outsider_gets_404_on_the_export(client, org, results, request, who):
    client.force_login(request.getfixturevalue(who))
    for fmt in ("csv", "xlsx"):
        assert client.get(url(org.department, fmt)).status_code == 404
    client.logout()
    assert client.get(url(org.department, "csv")).status_code == 302


def test_text_a_spreadsheet_would_run_comes_out_as_text(client, org, line_manager):
    add_result(line_manager, org.department, "=HYPERLINK(1)", "3", comment="+47 ring", survey="@x")
    client.force_login(line_manager)
    for rows in (
        csv_rows(client.get(url(org.department, "csv"))),
        xlsx_rows(client.get(url(org.department, "xlsx"))),
    ):
        assert (rows[1][0], rows[1][2], rows[1][7]) == ("'@x", "'=HYPERLINK(1)", "'+47 ring")


def test_an_unknown_format_is_404(client, org, line_manager, results):
    client.force_login(line_manager)
    for fmt in ("pdf", "ods", "CSV"):
        assert client.get(url(org.department, fmt)).status_code == 404


def test_export_queries_do_not_grow_with_the_results(
    client, org, line_manager, django_assert_max_num_queries
):
    client.force_login(line_manager)
    counts = []
    for size in (2, 12):
        with transaction.atomic():
            fixer = UserFactory()
            for number in range(size):
                result = add_result(line_manager, org.department, f"Topic {number}", "3")
                services.result_add_measure(
                    actor=line_manager,
                    result=result,
                    title=f"Measure {number}",
                    responsible=fixer,
                    deadline=timezone.localdate(),
                )
            for fmt in ("csv", "xlsx"):
                with django_assert_max_num_queries(10) as queries:
                    response = client.get(url(org.department, fmt))
                    b"".join(response.streaming_content)
                assert response.status_code == 200
                counts.append((fmt, len(queries.captured_queries)))
            transaction.set_rollback(True)
    assert counts[:2] == counts[2:]
