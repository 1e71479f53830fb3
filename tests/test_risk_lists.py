"""The risk app's lists: the text search of the assessments and the rounds, sorting by every
column (an unknown key keeps the list's own order), the assessment and red-risk files holding
exactly the rows the filters show, who may have them, and queries that do not grow."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from risk import filters, services
from risk.models import ParticipantRole, RiskAssessment, RiskRow
from tests.factories import make_unit
from tests.test_inspection_rounds import checklists, plan
from tests.test_risk_assessments import add_row, approve, make_assessment
from units.models import Unit


def listed(response) -> list[str]:
    return [item.title for item in response.context["page"].object_list]


def file_rows(response) -> list[list]:
    body = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(body)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def count_queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        assert response.status_code == 200
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
    return len(queries)


# --- Search ---------------------------------------------------------------------------------------


@pytest.fixture
def searchable(org, line_manager, safety_rep):
    lab = make_assessment(line_manager, org.department, "Chemical storage")
    services.activity_save(
        actor=line_manager, assessment=lab, name="Decanting acetone", harms_people=True
    )
    add_row(lab, line_manager, "Solvent splash in the eye")
    add_row(lab, line_manager, "Solvent fire")  # "solvent" twice: listed once
    field = make_assessment(line_manager, org.section, "Fieldwork on the glacier")
    add_row(field, line_manager, "Crevasse fall")
    return lab, field


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("chemical", ["Chemical storage"]),  # the title
        ("room d2", ["Fieldwork on the glacier", "Chemical storage"]),  # the activity field
        ("acetone", ["Chemical storage"]),  # a work activity's name
        ("crevasse", ["Fieldwork on the glacier"]),  # a hazard
        ("SOLVENT", ["Chemical storage"]),  # two hazards match: listed once
        ("solvent storage", ["Chemical storage"]),  # every word, in any field
        ("solvent glacier", []),
        ("   ", ["Fieldwork on the glacier", "Chemical storage"]),
    ],
)
def test_assessment_search_matches_title_activity_and_hazard(
    client, searchable, line_manager, q, expected
):
    client.force_login(line_manager)
    response = client.get(reverse("risk:list"), {"q": q})
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(expected)
    assert response.context["page"].paginator.count == len(expected)


def test_search_leaves_the_hazard_counts_alone(client, searchable, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("risk:list"), {"q": "solvent"})
    [assessment] = response.context["page"].object_list
    assert assessment.row_count == 2
    assert "2 risk assessments" not in response.content.decode()


def test_search_keeps_the_other_filters_and_a_long_query_is_refused_cleanly(
    client, searchable, line_manager
):
    client.force_login(line_manager)
    response = client.get(reverse("risk:list"), {"q": "room", "unit": "SEC"})
    assert listed(response) == ["Fieldwork on the glacier"]
    response = client.get(reverse("risk:list"), {"q": "x" * 500, "unit": "NOPE"})
    assert response.status_code == 200


def test_outsider_finds_nothing_of_dep(client, searchable, outsider):
    client.force_login(outsider)
    assert listed(client.get(reverse("risk:list"), {"q": "solvent"})) == []


def test_round_search_by_unit_participant_and_finding(
    client, org, line_manager, safety_rep, employee
):
    dep = plan(line_manager, org.department, line_manager, safety_rep)
    services.finding_add(actor=line_manager, round_=dep, text="Blocked fire exit", location="B2")
    services.finding_add(actor=line_manager, round_=dep, text="Fire blanket missing")
    sec = services.round_plan(
        actor=line_manager,
        unit=org.section,
        planned_for=timezone.localdate(),
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
            (employee, ParticipantRole.OTHER),
        ],
        checklists=checklists("fire"),
    )
    client.force_login(line_manager)

    def found(q):
        response = client.get(reverse("risk:rounds"), {"q": q})
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    assert found("SEC") == [sec]  # the unit's code
    assert found("attempts") == [sec]  # the unit's name
    assert found("employee") == [sec]  # a participant's user name
    assert found("fire") == [dep]  # two findings match: listed once
    assert found("b2") == [dep]  # a finding's place
    assert set(found("line_manager")) == {dep, sec}
    assert found("fire employee") == []


# --- Sorting --------------------------------------------------------------------------------------


@pytest.fixture
def three(org, line_manager, safety_rep):
    """Assessments whose every column differs: A (DEP, draft), B (SEC, approved), C (a lab
    under SEC, approved and due for review)."""
    lab = make_unit(org.section, code="LAB", name_nb="Zeta-laben", name_en="Zeta lab")
    a = make_assessment(
        line_manager, org.department, "Alpha", assessed_on=datetime.date(2025, 1, 1)
    )
    add_row(a, line_manager, "a1")
    b = make_assessment(line_manager, org.section, "Bravo", assessed_on=datetime.date(2025, 2, 1))
    add_row(b, line_manager, "b1")
    add_row(b, line_manager, "b2")
    approve(b, line_manager)
    c = make_assessment(line_manager, lab, "Charlie", assessed_on=datetime.date(2025, 3, 1))
    for name in ("c1", "c2", "c3"):
        add_row(c, line_manager, name)
    approve(c, line_manager)
    RiskAssessment.objects.filter(pk=c.pk).update(review_date=timezone.localdate())
    return a, b, c


ASCENDING = {
    "title": ["Alpha", "Bravo", "Charlie"],
    "unit": ["Alpha", "Bravo", "Charlie"],  # Department, Section, Zeta lab
    "date": ["Alpha", "Bravo", "Charlie"],
    "status": ["Alpha", "Charlie", "Bravo"],  # draft, due for review, approved
    "hazards": ["Alpha", "Bravo", "Charlie"],
    "review": ["Charlie", "Bravo", "Alpha"],  # no review date last, either way
}
DESCENDING = {**{key: order[::-1] for key, order in ASCENDING.items()}}
DESCENDING["review"] = ["Bravo", "Charlie", "Alpha"]


def test_every_assessment_column_sorts_both_ways(client, three, line_manager):
    assert set(ASCENDING) == set(filters.ASSESSMENT_COLUMNS)
    client.force_login(line_manager)
    for key in filters.ASSESSMENT_COLUMNS:
        response = client.get(reverse("risk:list"), {"sort": key})
        assert listed(response) == ASCENDING[key], key
        page = response.content.decode()
        assert 'aria-sort="ascending"' in page
        assert f"sort=-{key}" in page  # the heading now sorts the other way
        response = client.get(reverse("risk:list"), {"sort": f"-{key}"})
        assert listed(response) == DESCENDING[key], key
        assert 'aria-sort="descending"' in response.content.decode()


@pytest.mark.parametrize("bad", ["bogus", "--title", "-", "title;drop", "x" * 300, ""])
def test_an_unknown_sort_key_keeps_newest_first(client, three, line_manager, bad):
    client.force_login(line_manager)
    response = client.get(reverse("risk:list"), {"sort": bad})
    assert response.status_code == 200
    assert listed(response) == ["Charlie", "Bravo", "Alpha"]
    assert 'aria-sort="ascending"' not in response.content.decode()


def test_sort_and_filters_survive_paging(client, org, line_manager, safety_rep):
    for index in range(30):
        make_assessment(line_manager, org.department, f"Item {index:02d}")
    client.force_login(line_manager)
    response = client.get(reverse("risk:list"), {"sort": "title", "q": "item"})
    assert listed(response)[0] == "Item 00"
    assert "?sort=title&amp;q=item&amp;page=2" in response.content.decode()
    second = client.get(reverse("risk:list"), {"sort": "title", "q": "item", "page": 2})
    assert listed(second)[0] == "Item 25"


@pytest.fixture
def red(org, line_manager, safety_rep):
    """Red hazards in DEP and SEC, with different values, one with a measure."""
    dep = make_assessment(line_manager, org.department, "Lab work")
    add_row(dep, line_manager, "Explosion", 5, (5, 1, 1, 1))  # 25
    fire = add_row(dep, line_manager, "Fire", 3, (4, 1, 1, 1))  # 12
    add_row(dep, line_manager, "Splash", 1, (1, 1, 1, 1))  # green: not listed
    sec = make_assessment(line_manager, org.section, "Air quality")
    add_row(sec, line_manager, '=HYPERLINK("http://x")', 4, (4, 1, 1, 1))  # 16
    services.row_propose_measure(
        actor=line_manager,
        row=fire,
        title="Fire cabinet",
        responsible=line_manager,
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    return dep, sec


def hazards(response) -> list[str]:
    return [row.hazard for row in response.context["page"].object_list]


RED_ASCENDING = {
    "risk": ["Fire", '=HYPERLINK("http://x")', "Explosion"],
    "hazard": ['=HYPERLINK("http://x")', "Explosion", "Fire"],
    "assessment": ['=HYPERLINK("http://x")', "Explosion", "Fire"],  # Air quality, Lab work
    "unit": ["Explosion", "Fire", '=HYPERLINK("http://x")'],  # Department, Section
    "measures": ["Explosion", '=HYPERLINK("http://x")', "Fire"],  # without first
}


def test_every_red_column_sorts_both_ways(client, red, line_manager):
    assert set(RED_ASCENDING) == set(filters.RED_COLUMNS)
    client.force_login(line_manager)
    url = reverse("risk:red_risks")
    assert hazards(client.get(url, {"unit": "DEP"})) == [
        "Explosion",
        '=HYPERLINK("http://x")',
        "Fire",
    ]
    for key, order in RED_ASCENDING.items():
        assert hazards(client.get(url, {"unit": "DEP", "sort": key})) == order, key
        descending = hazards(client.get(url, {"unit": "DEP", "sort": f"-{key}"}))
        if key in ("assessment", "unit", "measures"):  # ties keep the worst first
            assert set(descending) == set(order), key
        else:
            assert descending == order[::-1], key
    assert hazards(client.get(url, {"unit": "DEP", "sort": "nope"}))[0] == "Explosion"


def test_every_round_column_sorts_and_a_bad_key_is_ignored(client, org, line_manager, safety_rep):
    early = plan(
        line_manager, org.section, line_manager, safety_rep, planned_for=datetime.date(2026, 1, 5)
    )
    late = plan(
        line_manager,
        org.department,
        line_manager,
        safety_rep,
        planned_for=datetime.date(2026, 3, 5),
    )
    services.finding_add(actor=line_manager, round_=early, text="One")
    services.finding_add(actor=line_manager, round_=early, text="Two")
    client.force_login(line_manager)
    url = reverse("risk:rounds")

    def rounds(sort):
        response = client.get(url, {"sort": sort})
        assert response.status_code == 200
        return list(response.context["page"].object_list)

    assert rounds("date") == [early, late]
    assert rounds("-date") == [late, early]
    assert rounds("unit") == [late, early]  # Department before Section
    assert rounds("findings") == [late, early]
    assert rounds("-findings") == [early, late]
    for key in filters.ROUND_COLUMNS:
        assert set(rounds(key)) == set(rounds(f"-{key}")) == {early, late}
    assert rounds("bogus") == [late, early]


def test_overview_flagged_units_sort_by_name_and_last_round(client, org, hms_department):
    client.force_login(hms_department)
    url = reverse("risk:round_overview")

    def codes(sort):
        response = client.get(url, {"sort": sort})
        assert response.status_code == 200
        return [unit.code for unit in response.context["page"].object_list]

    by_path = codes("")
    assert codes("bogus") == by_path
    by_name = codes("unit")
    names = {unit.code: unit.name_en for unit in Unit.objects.all()}
    assert by_name == sorted(by_path, key=lambda code: names[code])
    assert codes("-unit") == by_name[::-1]
    assert set(codes("-last")) == set(by_path)


# --- Files ----------------------------------------------------------------------------------------


def test_red_file_holds_exactly_the_filtered_rows_in_the_pages_order(client, red, line_manager):
    client.force_login(line_manager)
    params = {"unit": "DEP", "sort": "hazard", "missing": "1"}
    shown = hazards(client.get(reverse("risk:red_risks"), params))
    assert shown == ['=HYPERLINK("http://x")', "Explosion"]
    for fmt in ("csv", "xlsx"):
        response = client.get(reverse("risk:red_risks_export", args=[fmt]), params)
        assert response.status_code == 200
        rows = file_rows(response)
        assert rows[0][:3] == ["Unit code", "Unit", "Assessment"]
        # A hazard a spreadsheet would run as a formula stays text.
        assert [row[5] for row in rows[1:]] == ['\'=HYPERLINK("http://x")', "Explosion"]
        assert [str(row[6]) for row in rows[1:]] == ["D4", "E5"]
    searched = client.get(reverse("risk:red_risks_export", args=["csv"]), {"unit": "SEC"})
    assert len(file_rows(searched)) == 2
    searched = client.get(reverse("risk:red_risks_export", args=["csv"]), {"q": "explosion"})
    assert [row[5] for row in file_rows(searched)[1:]] == ["Explosion"]


def test_assessment_file_holds_exactly_the_filtered_rows(client, three, line_manager):
    client.force_login(line_manager)
    params = {"q": "a", "unit": "SEC", "sort": "-hazards"}
    shown = listed(client.get(reverse("risk:list"), params))
    assert shown == ["Charlie", "Bravo"]
    for fmt in ("csv", "xlsx"):
        rows = file_rows(client.get(reverse("risk:export", args=[fmt]), params))
        assert [row[2] for row in rows[1:]] == shown
        assert [str(row[6]) for row in rows[1:]] == ["3", "2"]
        assert [row[5] for row in rows[1:]] == ["Due for review", "Approved"]


def test_files_are_for_those_who_see_the_list(client, red, three, line_manager, outsider):
    for fmt in ("csv", "xlsx"):
        assert client.get(reverse("risk:export", args=[fmt])).status_code == 302  # to login
    client.force_login(outsider)
    for fmt in ("csv", "xlsx"):
        assert (
            client.get(reverse("risk:red_risks_export", args=[fmt]), {"unit": "DEP"}).status_code
            == 404
        )
        assert client.get(reverse("risk:red_risks"), {"unit": "DEP"}).status_code == 404
        rows = file_rows(client.get(reverse("risk:export", args=[fmt]), {"unit": "DEP"}))
        assert rows[1:] == []
    client.force_login(line_manager)
    assert client.get(reverse("risk:export", args=["pdf"])).status_code == 404
    assert client.get(reverse("risk:red_risks_export", args=["exe"])).status_code == 404
    response = client.get(reverse("risk:red_risks_export", args=["csv"]), {"unit": "<b>NOPE"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")


# --- Queries --------------------------------------------------------------------------------------


def test_list_queries_do_not_grow_with_the_rows(
    client, org, line_manager, safety_rep, hms_department
):
    def add(count):
        for index in range(count):
            unit = org.section if index % 2 else org.department
            assessment = make_assessment(line_manager, unit, f"Assessment {index}")
            services.activity_save(
                actor=line_manager, assessment=assessment, name=f"Task {index}", harms_people=True
            )
            add_row(assessment, line_manager, f"Red {index}", 4, (4, 1, 1, 1))
            add_row(assessment, line_manager, f"Red again {index}", 4, (5, 1, 1, 1))
            round_ = plan(line_manager, unit, line_manager, safety_rep)
            services.finding_add(actor=line_manager, round_=round_, text=f"Red finding {index}")

    pages = [
        (reverse("risk:list"), {"q": "red", "sort": "-hazards"}),
        (reverse("risk:list"), {"q": "task assessment", "sort": "unit", "status": "draft"}),
        (reverse("risk:export", args=["csv"]), {"q": "red", "sort": "review"}),
        (reverse("risk:export", args=["xlsx"]), {"sort": "status"}),
        (reverse("risk:red_risks"), {"unit": "DEP", "q": "red", "sort": "-assessment"}),
        (reverse("risk:red_risks_export", args=["csv"]), {"unit": "DEP", "sort": "unit"}),
        (reverse("risk:red_risks_export", args=["xlsx"]), {"unit": "DEP", "missing": "1"}),
        (reverse("risk:rounds"), {"q": "red line_manager", "sort": "-findings"}),
        (reverse("risk:rounds"), {"sort": "unit", "unit": "DEP"}),
    ]
    client.force_login(line_manager)
    add(2)
    small = [count_queries(client, url, params) for url, params in pages]
    add(12)
    large = [count_queries(client, url, params) for url, params in pages]
    assert small == large
    assert RiskRow.objects.count() == 28
    client.force_login(hms_department)
    overview = reverse("risk:round_overview")
    before = count_queries(client, overview, {"sort": "-last"})
    for index in range(8):
        make_unit(org.section, code=f"X{index}")
    assert count_queries(client, overview, {"sort": "-last"}) == before
