"""Seeing deviations: the list, its filters, the CSV and Excel exports, and the trends page.

Who sees what follows `Deviation.objects.visible_to`; these tests check that every page and
file keeps to it, that the filters select what they say, that exports hold exactly the
filtered rows and never health details or the reporter, and that no page's query count grows
with the number of deviations.
"""

import csv
import datetime
import io
from io import StringIO
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Context

from deviations.models import (
    Category,
    Deviation,
    DeviationMeasure,
    DeviationStep,
    DeviationType,
    Severity,
    Status,
    YearCounter,
)
from deviations.views.lists import keyset as keyset_for
from tests.factories import UserFactory, make_deviation
from units.models import Unit

LIST = reverse("deviations:list")
TRENDS = reverse("deviations:trends")
CSV = reverse("deviations:export", args=["csv"])
XLSX = reverse("deviations:export", args=["xlsx"])
HEALTH = "Brudd i venstre håndledd HELSEOPPLYSNING"
MAX_QUERIES = 14


def numbers_on(response) -> set[str]:
    """The case numbers the list shows: from the page object, not by scraping."""
    return {deviation.number for deviation in response.context["page"].object_list}


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(content.removeprefix("\ufeff"))))


def xlsx_rows(response) -> list[list]:
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def at(year: int, month: int, day: int = 15) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


def set_state(deviation, **fields) -> Deviation:
    Deviation.objects.filter(pk=deviation.pk).update(**fields)
    return Deviation.objects.get(pk=deviation.pk)


@pytest.fixture
def cases(org, employee):
    """Deviations across the tree: named and anonymous, in the department, its section and
    the other faculty."""
    # Earlier today, and in this month: the trends page's default is the current year.
    now = timezone.localtime()
    moment = max(now - datetime.timedelta(hours=2), now.replace(day=1, hour=0, minute=0))
    return {
        "department": make_deviation(
            org.department, title="Lekkasje i avtrekk", occurred_at=moment
        ),
        "section": make_deviation(
            org.section, employee, title="Glass på gulvet", occurred_at=moment
        ),
        "anonymous": make_deviation(
            org.section,
            anonymous=True,
            title="Anonym melding",
            health_details=HEALTH,
            occurred_at=moment,
        ),
        "other": make_deviation(org.other_department, title="Annet fakultet", occurred_at=moment),
    }


# -- who sees what -------------------------------------------------------------------------


def test_list_requires_login(client, cases):
    response = client.get(LIST)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_outsider_sees_none_of_the_departments_deviations(client, outsider, cases):
    client.force_login(outsider)
    response = client.get(LIST)
    assert response.status_code == 200
    assert numbers_on(response) == {cases["other"].number}
    for key in ("department", "section", "anonymous"):
        assert cases[key].number not in response.content.decode()


def test_line_manager_sees_their_subtree(client, line_manager, cases):
    client.force_login(line_manager)
    expected = {cases[key].number for key in ("department", "section", "anonymous")}
    assert numbers_on(client.get(LIST)) == expected


def test_hms_department_sees_everything(client, hms_department, cases):
    client.force_login(hms_department)
    assert numbers_on(client.get(LIST)) == {case.number for case in cases.values()}


def test_employee_sees_only_their_own_named_reports(client, employee, org, cases):
    own_anonymous = make_deviation(org.section, anonymous=True, title="Min anonyme")
    client.force_login(employee)
    response = client.get(LIST)
    assert numbers_on(response) == {cases["section"].number}
    assert own_anonymous.number not in response.content.decode()
    assert cases["anonymous"].number not in response.content.decode()


def test_exports_keep_to_the_users_scope(client, outsider, cases):
    client.force_login(outsider)
    assert [row[0] for row in csv_rows(client.get(CSV))[1:]] == [cases["other"].number]
    assert [row[0] for row in xlsx_rows(client.get(XLSX))[1:]] == [cases["other"].number]


# -- filters -------------------------------------------------------------------------------


@pytest.fixture
def hms_client(client, hms_department):
    client.force_login(hms_department)
    return client


def test_unit_filter_includes_the_whole_subtree(hms_client, cases):
    expected = {cases[key].number for key in ("department", "section", "anonymous")}
    assert numbers_on(hms_client.get(LIST, {"unit": "DEP"})) == expected
    assert numbers_on(hms_client.get(LIST, {"unit": "dep"})) == expected  # any case
    assert numbers_on(hms_client.get(LIST, {"unit": "SEC"})) == {
        cases["section"].number,
        cases["anonymous"].number,
    }


def test_status_filter(hms_client, cases):
    set_state(cases["department"], status=Status.CLOSED)
    set_state(cases["section"], status=Status.REJECTED, rejection_reason="Duplikat")
    assert numbers_on(hms_client.get(LIST, {"status": "closed"})) == {cases["department"].number}
    assert numbers_on(hms_client.get(LIST, {"status": "open"})) == {
        cases["anonymous"].number,
        cases["other"].number,
    }


def test_type_category_and_severity_filters(hms_client, org):
    chemical = Category.objects.get(code="chemical_biological")
    match = make_deviation(
        org.department,
        deviation_type=DeviationType.NEAR_MISS,
        category=chemical,
        severity=Severity.SERIOUS,
    )
    make_deviation(org.department, deviation_type=DeviationType.NEAR_MISS)
    make_deviation(org.department, category=chemical)
    make_deviation(org.department, severity=Severity.SERIOUS)
    assert len(numbers_on(hms_client.get(LIST, {"deviation_type": "near_miss"}))) == 2
    assert len(numbers_on(hms_client.get(LIST, {"category": "chemical_biological"}))) == 2
    assert len(numbers_on(hms_client.get(LIST, {"severity": "serious"}))) == 2
    both = {"deviation_type": "near_miss", "category": "chemical_biological", "severity": "serious"}
    assert numbers_on(hms_client.get(LIST, both)) == {match.number}


def test_period_filter_includes_both_end_days(hms_client, org):
    year = timezone.localdate().year - 1
    first = make_deviation(org.department, occurred_at=at(year, 3, 1).replace(hour=0, minute=5))
    last = make_deviation(org.department, occurred_at=at(year, 3, 31).replace(hour=23, minute=50))
    make_deviation(org.department, occurred_at=at(year, 4, 1).replace(hour=0, minute=5))
    make_deviation(org.department, occurred_at=at(year, 2, 28).replace(hour=23, minute=50))
    period = {"occurred_from": f"{year}-03-01", "occurred_to": f"{year}-03-31"}
    assert numbers_on(hms_client.get(LIST, period)) == {first.number, last.number}


def test_overdue_filter_and_marker(hms_client, org):
    today = timezone.localdate()
    late = set_state(
        make_deviation(org.department),
        status=Status.UNDER_TREATMENT,
        deadline=today - datetime.timedelta(days=3),
    )
    set_state(make_deviation(org.department), deadline=today + datetime.timedelta(days=3))
    set_state(  # closed after its deadline: not overdue any more
        make_deviation(org.department),
        status=Status.CLOSED,
        deadline=today - datetime.timedelta(days=30),
    )
    set_state(make_deviation(org.department), deadline=today)  # due today: not yet overdue
    response = hms_client.get(LIST, {"overdue": "1"})
    assert numbers_on(response) == {late.number}

    everything = hms_client.get(LIST).content.decode()
    assert everything.count("overdue-marker") == 1
    row = everything[everything.index(late.number) :]
    row = row[: row.index("</tr>")]
    assert "OVERDUE" in row and "text-danger" in row


def test_text_filter_searches_number_title_description_and_place(hms_client, org):
    by_title = make_deviation(org.department, title="Saltsyre sølt")
    by_description = make_deviation(org.department, description="Noe SALTSYRE på benken.")
    by_place = make_deviation(org.department, location="Kjemiblokk 4, saltsyrelager")
    make_deviation(org.department, title="Glatt gulv")
    found = numbers_on(hms_client.get(LIST, {"q": "saltsyre"}))
    assert found == {by_title.number, by_description.number, by_place.number}
    assert numbers_on(hms_client.get(LIST, {"q": by_title.number.lower()})) == {by_title.number}


def test_text_filter_takes_percent_and_underscore_literally(hms_client, org):
    percent = make_deviation(org.department, title="Fylt 50% over merket")
    underscore = make_deviation(org.department, title="Tank_a lekker")
    make_deviation(org.department, title="Fylt 500 liter")
    make_deviation(org.department, title="Tanka lekker")
    assert numbers_on(hms_client.get(LIST, {"q": "50%"})) == {percent.number}
    assert numbers_on(hms_client.get(LIST, {"q": "k_a"})) == {underscore.number}


def test_mine_filter(client, line_manager, org, cases):
    reported = make_deviation(org.department, line_manager)
    handled = set_state(
        make_deviation(org.section), handler=line_manager, status=Status.UNDER_TREATMENT
    )
    client.force_login(line_manager)
    assert numbers_on(client.get(LIST, {"mine": "reported"})) == {reported.number}
    assert numbers_on(client.get(LIST, {"mine": "handled"})) == {handled.number}


def test_filters_are_kept_in_the_page_links(hms_client, org):
    for _ in range(27):
        make_deviation(org.department)
    response = hms_client.get(LIST, {"unit": "DEP", "q": "", "sort": "title"})
    html = response.content.decode()
    page = response.context["page"]
    # Empty fields dropped, the filter and the sort kept.
    assert f"?unit=DEP&amp;sort=title&amp;cursor={quote(page.next_cursor)}" in html
    assert f"{CSV}?unit=DEP&amp;sort=title" in html
    second = hms_client.get(LIST, {"unit": "DEP", "sort": "title", "cursor": page.next_cursor})
    assert len(numbers_on(second)) == 2
    assert 'href="?unit=DEP&amp;sort=-title"' in second.content.decode()  # no cursor


def test_htmx_request_gets_only_the_results(hms_client, cases):
    response = hms_client.get(LIST, {"unit": "DEP"}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="result-count"' in html
    assert "<form" not in html and "<html" not in html


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"occurred_from": "garbage"},
        {"occurred_to": "2024-13-45"},
        {"unit": "NO-SUCH-UNIT"},
        {"status": "bogus"},
        {"category": "nope"},
        {"severity": "???"},
        {"mine": "everything"},
        {"occurred_from": "2025-05-01", "occurred_to": "2025-04-01"},
        {"occurred_to": "9999-12-31"},  # the day after is beyond Python's dates
        {"occurred_from": "0001-01-01"},
        {"q": "glass\x00"},  # PostgreSQL refuses NUL in text
        {"unit": "\x00"},
    ],
)
def test_invalid_filters_show_an_error_and_no_rows(hms_client, cases, params):
    response = hms_client.get(LIST, params)
    assert response.status_code == 200
    assert numbers_on(response) == set()
    assert 'id="filter-errors"' in response.content.decode()
    csv_response = hms_client.get(CSV, params)
    assert csv_response.status_code == 200
    assert len(csv_rows(csv_response)) == 1  # the header only


def test_unknown_unit_code_is_named_in_the_error(hms_client, cases):
    html = hms_client.get(LIST, {"unit": "NO-SUCH-UNIT"}).content.decode()
    assert "No unit has the code “NO-SUCH-UNIT”" in html


@pytest.mark.parametrize(
    "cursor",
    ["abc", "99999", "-1", "", "9" * 300, "\x00", "e30:1tXb:bad", "last:last", "page=2"],
)
def test_a_tampered_cursor_shows_the_first_page(hms_client, org, cursor):
    for _ in range(30):
        make_deviation(org.department)
    response = hms_client.get(LIST, {"cursor": cursor, "page": "2"})
    assert response.status_code == 200
    assert response.context["page"].is_first
    first = hms_client.get(LIST).context["page"]
    assert numbers_on(response) == {deviation.number for deviation in first.object_list}


def test_a_cursor_of_another_sort_shows_the_first_page(hms_client, org):
    for _ in range(30):
        make_deviation(org.department)
    cursor = hms_client.get(LIST, {"sort": "title"}).context["page"].next_cursor
    response = hms_client.get(LIST, {"sort": "deadline", "cursor": cursor})
    assert response.status_code == 200
    assert response.context["page"].is_first


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1850"},
        {"year": "9" * 30},
        {"unit": "NOPE"},
        {"unit": "\x00"},
        {"unit": "", "year": ""},
    ],
)
def test_trends_with_bad_input_answers(hms_client, cases, params):
    response = hms_client.get(TRENDS, params)
    assert response.status_code == 200
    assert response.context["year"] == timezone.localdate().year


def test_unknown_export_format_is_404(hms_client, cases):
    assert hms_client.get(reverse("deviations:export", args=["pdf"])).status_code == 404
    assert hms_client.get("/deviations/export.json").status_code == 404


# -- sorting and keyset pages -----------------------------------------------------------------


def _titles(response) -> list[str]:
    return [deviation.title for deviation in response.context["page"].object_list]


@pytest.fixture
def sortable(org, hms_department):
    """Seven deviations that differ in every sortable column (none sorts like another)."""
    categories = list(Category.objects.order_by("name_en")[:3])
    specs = [
        # title, unit, category, severity, status, deadline (days from today), reported (days ago)
        ("Bravo", org.department, 1, Severity.SERIOUS, Status.CLOSED, 3, 6),
        ("Alfa", org.section, 0, Severity.MINOR, Status.MEASURES, None, 2),
        ("Delta", org.faculty, 2, Severity.VERY_SERIOUS, Status.REPORTED, -4, 4),
        ("Charlie", org.other_department, 1, Severity.MINOR, Status.UNDER_TREATMENT, 9, 1),
        ("Echo", org.department, 0, Severity.SERIOUS, Status.REJECTED, 1, 5),
    ]
    today = timezone.localdate()
    made = []
    for title, unit, category, severity, status, deadline, age in specs:
        deviation = make_deviation(unit, title=title, severity=severity)
        made.append(
            set_state(
                deviation,
                category=categories[category],
                status=status,
                rejection_reason="Not ours" if status == Status.REJECTED else "",
                deadline=None if deadline is None else today + datetime.timedelta(days=deadline),
                created_at=timezone.now() - datetime.timedelta(days=age),
            )
        )
    return made


def _expected(rows, key, descending):
    """Titles in the order a column sorts, nulls last either way, ties by pk ascending."""
    severities, statuses = list(Severity.values), list(Status.values)
    value = {
        "number": lambda d: d.number,
        "title": lambda d: d.title,
        "unit": lambda d: (d.unit.name_en or d.unit.name_nb, d.unit.code),
        "category": lambda d: d.category.name_en or d.category.name_nb,
        "severity": lambda d: severities.index(d.severity),
        "status": lambda d: statuses.index(d.status),
        "reported": lambda d: d.created_at,
        "deadline": lambda d: d.deadline,
    }[key]
    # Sorted by pk first: a stable sort (either way round) keeps that order among ties.
    present = sorted((d for d in rows if value(d) is not None), key=lambda d: d.pk)
    present.sort(key=value, reverse=descending)
    nulls = sorted((d for d in rows if value(d) is None), key=lambda d: d.pk)
    return [d.title for d in present + nulls]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(
    "key", ["number", "title", "unit", "category", "severity", "status", "reported", "deadline"]
)
def test_the_list_sorts_by_every_column_both_ways(hms_client, sortable, key, descending):
    sort = f"-{key}" if descending else key
    response = hms_client.get(LIST, {"sort": sort})
    rows = Deviation.objects.select_related("unit", "category")
    assert _titles(response) == _expected(list(rows), key, descending)
    html = response.content.decode()
    state = "descending" if descending else "ascending"
    states = {column["key"]: column["state"] for column in response.context["columns"]}
    assert states.pop(key) == state and set(states.values()) == {"none"}
    assert html.count(f'aria-sort="{state}"') == 1
    # The heading links the other way round; the other headings sort ascending.
    other = key if descending else f"-{key}"
    assert f'id="sort-{key}" href="?sort={other}"' in html
    # The files hold the rows in the same order.
    exported = [row[14] for row in csv_rows(hms_client.get(CSV, {"sort": sort}))[1:]]
    assert exported == _titles(response)


def test_an_unknown_sort_is_ignored(hms_client, sortable):
    newest_first = [d.title for d in sorted(sortable, key=lambda d: d.created_at, reverse=True)]
    for sort in ("bogus", "--title", "-", "title;drop", "pk", "description"):
        response = hms_client.get(LIST, {"sort": sort})
        assert response.status_code == 200
        assert _titles(response) == newest_first
        assert response.context["sort"] == ""


def test_the_sort_survives_filters_and_htmx_reloads(hms_client, sortable):
    response = hms_client.get(
        LIST, {"sort": "-title", "unit": "DEP", "q": ""}, headers={"HX-Request": "true"}
    )
    assert _titles(response) == ["Echo", "Bravo", "Alfa"]  # the section is in the subtree
    assert response["HX-Push-Url"] == f"{LIST}?sort=-title&unit=DEP"


def _walk(client, params, start=None, step="next_cursor"):
    """Every page from `start` following one link; the rows in the order they were shown
    and the pages' own cursors."""
    seen, cursor, pages = [], start, 0
    while True:
        response = client.get(LIST, {**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200
        page = response.context["page"]
        rows = [d.pk for d in page.object_list]
        seen = seen + rows if step == "next_cursor" else rows + seen
        pages += 1
        cursor = getattr(page, step)
        if cursor is None:
            return seen, pages, response


@pytest.mark.parametrize("sort", ["", "deadline", "-deadline", "reported", "-severity", "unit"])
def test_keyset_pages_show_every_row_once_in_order_with_ties_and_nulls(
    hms_client, org, sort, settings
):
    today = timezone.localdate()
    moment = timezone.now()
    for index in range(58):
        deviation = make_deviation(org.department if index % 2 else org.section)
        # Ties in every key (three share a deadline and a report time) and a null deadline
        # in every fifth.
        set_state(
            deviation,
            deadline=None if index % 5 == 0 else today + datetime.timedelta(days=index // 3),
            created_at=moment - datetime.timedelta(minutes=index // 3),
        )
    params = {"sort": sort} if sort else {}
    paginator = keyset_for(Deviation.objects.all(), sort)
    everything = [d.pk for d in paginator.ordered()]
    assert len(everything) == 58

    forwards, pages, last = _walk(hms_client, params)
    assert forwards == everything
    assert pages == 3 and last.context["page"].is_last

    # From the last page back to the first: every row once, in the same order.
    backwards, pages, first = _walk(hms_client, params, start="last", step="previous_cursor")
    assert backwards == everything
    assert first.context["page"].is_first
    last_page = hms_client.get(LIST, {**params, "cursor": "last"}).context["page"]
    assert [d.pk for d in last_page.object_list] == everything[-25:]
    assert last_page.is_last and not last_page.has_next and last_page.has_previous


def test_the_count_above_the_limit_says_more_than(hms_client, org, monkeypatch):
    monkeypatch.setattr("units.keyset.COUNT_LIMIT", 3)
    for _ in range(5):
        make_deviation(org.department)
    response = hms_client.get(LIST)
    page = response.context["page"]
    assert page.count_capped and page.count == 3
    assert "more than <strong>3</strong> deviations" in response.content.decode()
    htmx = hms_client.get(LIST, headers={"HX-Request": "true"}).content.decode()
    assert "more than 3 deviations</div>" in htmx
    exact = hms_client.get(LIST, {"unit": "DEP", "q": "no such thing"}).context["page"]
    assert not exact.count_capped and exact.count == 0
    monkeypatch.setattr("units.keyset.COUNT_LIMIT", 5)
    page = hms_client.get(LIST).context["page"]
    assert not page.count_capped and page.count == 5


def test_outsider_pages_show_nothing_of_the_department(client, outsider, org):
    for _ in range(30):
        make_deviation(org.department)
    client.force_login(outsider)
    for cursor in ("", "last"):
        response = client.get(LIST, {"cursor": cursor, "sort": "title"})
        assert response.status_code == 200
        assert numbers_on(response) == set()
        assert response.context["page"].count == 0


# -- exports -------------------------------------------------------------------------------


def test_csv_export_holds_exactly_the_filtered_rows(hms_client, org):
    for _ in range(30):  # more than one page
        make_deviation(org.department, severity=Severity.SERIOUS)
    make_deviation(org.department)
    make_deviation(org.other_department, severity=Severity.SERIOUS)
    params = {"unit": "FAC", "severity": "serious"}
    response = hms_client.get(CSV, params)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment;" in response["Content-Disposition"]
    rows = csv_rows(response)
    expected = set(
        Deviation.objects.filter(
            unit__path__startswith=org.faculty.path, severity="serious"
        ).values_list("number", flat=True)
    )
    assert rows[0][:3] == ["Number", "Reported", "Happened"]
    assert len(rows) - 1 == len(expected) == 30
    assert {row[0] for row in rows[1:]} == expected
    listed = hms_client.get(LIST, params).context["page"].count
    assert listed == 30


def test_a_case_with_no_handler_has_an_empty_handler_cell(hms_client, org):
    make_deviation(org.department)
    rows = csv_rows(hms_client.get(CSV))
    handler_cells = [row[rows[0].index("Handler")] for row in rows[1:]]
    assert handler_cells == [""]
    assert not any("None" in cell for row in rows for cell in row)


def test_xlsx_export_holds_exactly_the_filtered_rows(hms_client, org):
    for _ in range(28):
        make_deviation(org.section, deviation_type=DeviationType.ACCIDENT)
    make_deviation(org.section)
    response = hms_client.get(XLSX, {"deviation_type": "accident"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = xlsx_rows(response)
    assert rows[0][0] == "Number"
    expected = set(
        Deviation.objects.filter(deviation_type="accident").values_list("number", flat=True)
    )
    assert {row[0] for row in rows[1:]} == expected and len(rows) == 29
    assert isinstance(rows[1][1], datetime.datetime)  # real dates, not text


def test_exports_neutralise_formulas(hms_client, org):
    make_deviation(
        org.department,
        title='=HYPERLINK("http://evil.example","klikk")',
        description="+SUM(1;2)",
        location="@kontor",
    )
    make_deviation(org.department, title="-2+3", description="vanlig tekst")
    csv_cells = [cell for row in csv_rows(hms_client.get(CSV))[1:] for cell in row]
    xlsx_cells = [cell for row in xlsx_rows(hms_client.get(XLSX))[1:] for cell in row]
    for cells in (csv_cells, xlsx_cells):
        texts = [cell for cell in cells if isinstance(cell, str)]
        assert '\'=HYPERLINK("http://evil.example","klikk")' in texts
        assert "'+SUM(1;2)" in texts and "'@kontor" in texts and "'-2+3" in texts
        assert not any(text.startswith(("=", "+", "-", "@")) for text in texts)
        assert "vanlig tekst" in texts


@pytest.mark.parametrize("url, read", [(CSV, csv_rows), (XLSX, xlsx_rows)])
def test_exports_carry_no_health_details_and_no_reporter(hms_client, org, employee, url, read):
    named = make_deviation(org.department, employee, health_details=HEALTH)
    anonymous = make_deviation(org.department, anonymous=True, health_details=HEALTH)
    text = repr(read(hms_client.get(url)))
    assert named.number in text and anonymous.number in text
    assert "HELSEOPPLYSNING" not in text
    assert employee.get_full_name() not in text and employee.username not in text


def test_no_health_details_on_the_list_or_trends(hms_client, line_manager, client, org):
    make_deviation(org.department, health_details=HEALTH, title="Fall fra stige")
    for page in (LIST, TRENDS, f"{LIST}?q=stige"):
        assert "HELSEOPPLYSNING" not in hms_client.get(page).content.decode()
    client.force_login(line_manager)
    assert "HELSEOPPLYSNING" not in client.get(LIST).content.decode()


def test_list_never_names_the_reporter(hms_client, org, employee):
    make_deviation(org.department, employee, title="Navngitt melding")
    html = hms_client.get(LIST).content.decode()
    assert employee.get_full_name() not in html


# -- trends --------------------------------------------------------------------------------


def test_trends_count_per_month_category_and_unit(hms_client, org):
    year = timezone.localdate().year - 1  # two whole years behind us
    chemical = Category.objects.get(code="chemical_biological")
    make_deviation(org.section, occurred_at=at(year, 3), category=chemical)
    make_deviation(org.department, occurred_at=at(year, 3))
    make_deviation(org.other_department, occurred_at=at(year, 1))
    make_deviation(org.section, occurred_at=at(year - 1, 3))
    make_deviation(org.faculty, occurred_at=at(year - 1, 7))
    make_deviation(org.section, occurred_at=at(year - 2, 3))  # outside both years

    response = hms_client.get(TRENDS, {"year": year})
    assert response.status_code == 200
    months = response.context["month_chart"]
    assert months.series[0].values == [1, 0, 2] + [0] * 9
    assert months.series[1].values == [0, 0, 1, 0, 0, 0, 1] + [0] * 5

    categories = dict(
        zip(
            response.context["category_chart"].labels,
            response.context["category_chart"].rows(),
            strict=True,
        )
    )
    assert categories["Chemical or biological"]["values"] == [1, 0]
    assert categories["Building, technical, material"]["values"] == [2, 2]

    units = response.context["unit_chart"]  # the children of the root, each with its subtree
    by_label = {row["label"]: row["values"] for row in units.rows()}
    assert by_label == {"Faculty of Testing": [2, 2], "The Other Faculty": [1, 0]}

    faculty = hms_client.get(TRENDS, {"year": year, "unit": "FAC"}).context["unit_chart"]
    by_label = {row["label"]: row["values"] for row in faculty.rows()}
    assert by_label == {"Department of Trials": [2, 1], "FAC (the unit itself)": [0, 1]}


def test_months_still_to_come_have_no_figure(hms_client, cases):
    today = timezone.localdate()
    chart = hms_client.get(TRENDS).context["month_chart"]
    this_year, last_year = chart.series
    assert this_year.values[today.month :] == [None] * (12 - today.month)
    assert None not in this_year.values[: today.month] and None not in last_year.values
    assert this_year.values[today.month - 1] == 4  # the cases happened earlier this month


def test_trends_default_to_the_users_own_unit(client, line_manager, cases):
    client.force_login(line_manager)
    response = client.get(TRENDS)
    assert response.context["unit"].code == "DEP"
    rows = [(row["label"], row["values"][0]) for row in response.context["unit_chart"].rows()]
    assert rows == [("Section of Attempts", 2), ("DEP (the unit itself)", 1)]


def test_trends_count_only_what_the_user_may_see(client, outsider, org):
    year = timezone.localdate().year
    make_deviation(org.department, occurred_at=at(year, 2))
    make_deviation(org.other_department, occurred_at=at(year, 2))
    client.force_login(outsider)
    response = client.get(TRENDS, {"unit": "ROOT", "year": year})
    assert response.context["month_chart"].totals() == [1, 0]
    rows = {row["label"]: row["values"] for row in response.context["unit_chart"].rows()}
    assert rows["Faculty of Testing"] == [0, 0]
    response = client.get(TRENDS, {"unit": "DEP", "year": year})
    assert response.context["month_chart"].totals() == [0, 0]


def test_trend_charts_are_accessible_svg(hms_client, cases):
    html = hms_client.get(TRENDS).content.decode()
    for slug in ("chart-months", "chart-categories", "chart-units"):
        assert f'id="{slug}"' in html
        assert f'aria-labelledby="{slug}-title {slug}-desc"' in html
        assert f'<title id="{slug}-title">' in html
    assert html.count("<details") >= 3  # the numbers of each chart as a table
    assert "<script" not in html.split("</main>")[0].split("<main")[1]


# -- query counts --------------------------------------------------------------------------


def add_deviations(org, reporter, count: int) -> None:
    """Spread over units, categories, statuses, months and both years the trends show."""
    year = timezone.localdate().year
    units = [org.department, org.section, org.other_department, org.faculty]
    categories = list(Category.objects.all())
    statuses = [Status.REPORTED, Status.UNDER_TREATMENT, Status.MEASURES, Status.CLOSED]
    handler = UserFactory(username="some-handler")
    for index in range(count):
        deviation = make_deviation(
            units[index % len(units)],
            reporter if index % 3 else None,
            anonymous=index % 3 == 0,
            category=categories[index % len(categories)],
            occurred_at=at(year - index % 2, 1 + index % 11),
        )
        set_state(
            deviation,
            status=statuses[index % len(statuses)],
            handler=handler if index % 4 else None,
            deadline=timezone.localdate() - datetime.timedelta(days=index - 20),
        )


PAGES = {
    "list": (LIST, {}),
    "list filtered": (LIST, {"unit": "FAC", "status": "open", "q": "glass"}),
    "list last page": (LIST, {"cursor": "last"}),
    "list sorted by unit": (LIST, {"sort": "-unit"}),
    "csv": (CSV, {}),
    "xlsx": (XLSX, {}),
    "trends": (TRENDS, {}),
}


@pytest.mark.parametrize("page_name", PAGES)
def test_query_count_does_not_grow_with_the_deviations(
    client, hms_department, employee, org, django_assert_max_num_queries, page_name
):
    url, params = PAGES[page_name]
    client.force_login(hms_department)
    counts = []
    for size in (5, 60):
        add_deviations(org, employee, size - Deviation.objects.count())
        client.get(url, params)  # warm-up: per-process caches (content types)
        with (
            django_assert_max_num_queries(MAX_QUERIES),
            CaptureQueriesContext(connection) as captured,
        ):
            response = client.get(url, params)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        counts.append([query["sql"] for query in captured.captured_queries])
    small, large = counts
    assert len(small) == len(large), "\n\n".join(
        [f"{len(small)} queries at 5:", *small, f"{len(large)} at 60:", *large]
    )


# -- the demo data and the benchmark -----------------------------------------------------------


def test_fill_deviations_refuses_without_debug(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("fill_deviations", count=10, stdout=StringIO())


def test_fill_deviations_twice_keeps_the_numbering(settings, db):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("fill_deviations", count=400, years=3, seed=1, stdout=StringIO())
    call_command("fill_deviations", count=300, years=3, seed=1, stdout=StringIO())
    assert Deviation.objects.count() == 700
    for year, last in YearCounter.objects.values_list("year", "last"):
        sequences = sorted(Deviation.objects.filter(year=year).values_list("sequence", flat=True))
        assert sequences == list(range(1, last + 1)), year
    assert not Deviation.objects.filter(is_anonymous=True, reporter__isnull=False).exists()
    assert Deviation.objects.filter(status=Status.CLOSED).exists()
    assert DeviationStep.objects.filter(kind="reported").count() == 700
    assert not DeviationStep.objects.filter(
        kind="reported", deviation__is_anonymous=True, actor__isnull=False
    ).exists()
    assert DeviationMeasure.objects.exists()
    # A report through the app takes the next free number of its year.
    year = timezone.localdate().year
    reported = make_deviation(Unit.objects.get(code="IKJ"))
    assert reported.sequence == YearCounter.objects.get(year=year).last
    assert reported.sequence == Deviation.objects.filter(year=year).count()
    assert Context.objects.filter(metadata__command="fill_deviations").exists()


def test_bench_deviations_measures_every_page(settings, db):
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    call_command("fill_deviations", count=120, years=2, stdout=StringIO())
    out = StringIO()
    call_command("bench_deviations", repeat=2, stdout=out)
    text = out.getvalue()
    # Measured rows only: a busy machine may add a "Target ... MISSED by: <label>" line.
    rows = "\n".join(line for line in text.splitlines() if " queries " in line)
    for label in ("list, first page", "list, filtered", "list, page", "list, last page", "trends"):
        assert rows.count(label) == 2, label  # for both users
    assert text.count("list, last page / first page: ") == 2  # the ratio, for both users
    assert "Target" in text


def test_trends_keep_the_valid_field_when_the_other_is_wrong(hms_client, cases):
    year = timezone.localdate().year - 1
    response = hms_client.get(TRENDS, {"unit": "NOPE", "year": year})
    assert response.context["year"] == year
    assert "No unit has the code “NOPE”" in response.content.decode()
    response = hms_client.get(TRENDS, {"unit": "DEP", "year": "abc"})
    assert response.context["unit"].code == "DEP"
    assert response.context["year"] == timezone.localdate().year


def test_htmx_results_announce_the_count_to_screen_readers(hms_client, cases):
    html = hms_client.get(LIST, {"unit": "SEC"}, headers={"HX-Request": "true"}).content.decode()
    assert 'id="result-status"' in html and 'hx-swap-oob="true"' in html
    assert "2 deviations</div>" in html


@pytest.mark.parametrize("sort", ["", "-deadline", "unit", "category", "status"])
def test_keyset_pages_run_as_many_queries_for_2_and_30_rows(hms_client, org, sort):
    """The first page, a page through its Next cursor, and the last page: the count reads
    at most the threshold's rows and the page one query, whatever the rows."""
    params = {"sort": sort} if sort else {}
    counts = []
    for size in (2, 30):
        while Deviation.objects.count() < size:
            make_deviation(org.department if Deviation.objects.count() % 2 else org.section)
        first = hms_client.get(LIST, params)  # warm-up: per-process caches
        next_cursor = first.context["page"].next_cursor or "last"
        sizes = []
        for cursor in ("", next_cursor, "last"):
            with CaptureQueriesContext(connection) as captured:
                response = hms_client.get(LIST, {**params, "cursor": cursor})
            assert response.status_code == 200
            sizes.append(len(captured.captured_queries))
        counts.append(sizes)
    assert counts[0] == counts[1]
    assert max(counts[1]) <= MAX_QUERIES
