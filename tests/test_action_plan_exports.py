"""The action plan's files hold exactly the filtered rows; the plan's and the files' query
counts do not grow with the number of measures."""

import datetime
import io

import openpyxl
import pypdf
import pytest
from django.db import transaction
from django.utils import timezone

from actionplans.models import MeasureStatus, Priority
from tests.archive_pdf import assert_archive_pdf
from tests.factories import UserFactory, make_measure

pytestmark = pytest.mark.django_db

PAST = timezone.localdate() - datetime.timedelta(days=2)


def xlsx_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def pdf_text(response) -> str:
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def rows(org, line_manager):
    fixer = UserFactory(username="fixer", first_name="Fia", last_name="Fiks")
    return [
        make_measure(
            org.department, fixer, title="Alpha high late", priority=Priority.HIGH, deadline=PAST
        ),
        make_measure(org.department, fixer, title="Bravo high", priority=Priority.HIGH),
        make_measure(org.department, fixer, title="Charlie low", priority=Priority.LOW),
        make_measure(org.section, fixer, title="Delta section high", priority=Priority.HIGH),
        make_measure(org.other_department, fixer, title="Echo elsewhere", priority=Priority.HIGH),
    ]


def test_xlsx_holds_exactly_the_filtered_rows(client, org, line_manager, rows):
    client.force_login(line_manager)
    response = client.get(f"/actionplans/{org.department.code}/export.xlsx", {"priority": "high"})
    assert response.status_code == 200
    header, *body = xlsx_rows(response)
    assert header[2] == "Measure"
    assert [row[2] for row in body] == ["Alpha high late", "Bravo high"]
    overdue = header.index("Overdue")
    assert [row[overdue] for row in body] == ["yes", "no"]
    assert body[0][header.index("Responsible")] == "Fia Fiks"
    wide = xlsx_rows(
        client.get(
            f"/actionplans/{org.department.code}/export.xlsx",
            {"priority": "high", "subunits": "on"},
        )
    )
    assert {row[2] for row in wide[1:]} == {"Alpha high late", "Bravo high", "Delta section high"}


def test_xlsx_neutralises_formulas(client, org, line_manager):
    fixer = UserFactory(username="fixer")
    make_measure(org.department, fixer, title='=HYPERLINK("http://evil","click")', description="+1")
    client.force_login(line_manager)
    header, row = xlsx_rows(client.get(f"/actionplans/{org.department.code}/export.xlsx"))
    assert row[2] == '\'=HYPERLINK("http://evil","click")'
    assert row[3] == "'+1"


def test_pdf_holds_exactly_the_filtered_rows(client, org, line_manager, rows):
    client.force_login(line_manager)
    response = client.get(f"/actionplans/{org.department.code}/export.pdf", {"priority": "high"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert_archive_pdf(
        response.content, language="en", title="Action plan for Department of Trials"
    )
    text = pdf_text(response)
    assert "Action plan for Department of Trials" in text
    assert "Alpha high late" in text and "Bravo high" in text
    for absent in ("Charlie low", "Delta section high", "Echo elsewhere"):
        assert absent not in text
    assert "Overdue" in text
    assert "1 / 1" in text  # page numbers


def test_exports_of_an_invalid_filter_are_empty_not_a_500(client, org, line_manager, rows):
    client.force_login(line_manager)
    header, *body = xlsx_rows(
        client.get(f"/actionplans/{org.department.code}/export.xlsx", {"status": "bogus"})
    )
    assert body == []
    response = client.get(f"/actionplans/{org.department.code}/export.pdf", {"year": "x"})
    assert response.status_code == 200
    assert "Alpha" not in pdf_text(response)


@pytest.mark.parametrize(
    "path, query",
    [
        ("/actionplans/{code}/", {}),
        ("/actionplans/{code}/", {"subunits": "on", "status": "open", "q": "a"}),
        ("/actionplans/{code}/export.xlsx", {"subunits": "on"}),
        ("/actionplans/{code}/export.pdf", {"subunits": "on"}),
        ("/actionplans/{code}/summary/", {}),
    ],
)
def test_plan_and_export_queries_do_not_grow_with_the_measures(
    client, org, line_manager, django_assert_max_num_queries, path, query
):
    url = path.format(code=org.department.code)
    client.force_login(line_manager)
    counts = []
    for size in (2, 12):
        with transaction.atomic():
            people = [UserFactory() for _ in range(size)]
            for number in range(size):
                make_measure(
                    org.department if number % 2 else org.section,
                    people[number],
                    title=f"Measure {number}",
                    status=MeasureStatus.IN_PROGRESS,
                    deadline=PAST if number % 3 else timezone.localdate(),
                )
            client.get(url, query)  # warm-up
            with django_assert_max_num_queries(15) as queries:
                response = client.get(url, query)
                if hasattr(response, "streaming_content"):
                    b"".join(response.streaming_content)
            assert response.status_code == 200
            counts.append(len(queries.captured_queries))
            transaction.set_rollback(True)
    assert counts[0] == counts[1]
