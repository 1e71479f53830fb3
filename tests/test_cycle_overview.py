"""The cycle overview for those who follow a subtree (line managers, HSE coordinators, chief
safety reps), steps marked as not applying to a kind of unit, and the table sorted and taken
out as a file with the page's figures."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hms.cycle import services
from hms.cycle.models import StepStatus, StepTemplate
from hms.cycle.progress import units_progress
from tests.conftest import user_with_role
from tests.factories import make_unit
from units.models import Role, Unit, UnitType

YEAR = timezone.localdate().year
OVERVIEW = reverse("cycle:overview")
STEPS = reverse("cycle:applicability")


def export(client, fmt, **params):
    return client.get(reverse("cycle:overview_export", args=[fmt]), params)


def csv_rows(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return list(csv.reader(io.StringIO(text.decode("utf-8-sig"))))


@pytest.fixture
def lab(org):
    return make_unit(
        Unit.objects.get(pk=org.department.pk), code="LAB", unit_type=UnitType.LABORATORY
    )


# Who sees it --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.HMS_COORDINATOR, Role.CHIEF_SAFETY_REP, Role.LINE_MANAGER])
def test_those_who_follow_a_faculty_see_its_overview_and_nothing_beside(client, org, role):
    client.force_login(user_with_role("follower", role, org.faculty))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert response.context["unit"] == org.faculty
    assert client.get(OVERVIEW, {"unit": "DEP"}).status_code == 200
    for code in ("OTHERFAC", "OTHERDEP", "ROOT", "NOSUCHUNIT"):
        assert client.get(OVERVIEW, {"unit": code}).status_code == 404
        assert export(client, "csv", unit=code).status_code == 404
    # The breadcrumb names no unit above the faculty: those would answer 404.
    assert [a.code for a in response.context["ancestors"]] == []
    menu = client.get(reverse("home")).content.decode()
    assert f'href="{OVERVIEW}"' in menu


def test_a_safety_rep_and_an_employee_have_no_overview(client, org, safety_rep, employee):
    for user in (safety_rep, employee):
        client.force_login(user)
        assert client.get(OVERVIEW).status_code == 404
        assert export(client, "xlsx").status_code == 404
        assert f'href="{OVERVIEW}"' not in client.get(reverse("home")).content.decode()


def test_outsider_sees_neither_the_overview_nor_the_file_of_another_faculty(client, org, outsider):
    client.force_login(outsider)
    assert client.get(OVERVIEW, {"unit": "FAC"}).status_code == 404
    assert export(client, "csv", unit="FAC").status_code == 404
    assert export(client, "xlsx", unit="DEP").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, org):
    for url in (OVERVIEW, STEPS, reverse("cycle:overview_export", args=["csv"])):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login"))


# Steps that do not apply ----------------------------------------------------------------------


def test_a_step_marked_as_not_for_laboratories_leaves_their_completion_and_behind(org, lab):
    today = datetime.date(YEAR, 3, 1)  # take_initiative .. organise are past due
    before = units_progress([lab, org.department], YEAR, today)
    StepTemplate.objects.filter(key__in=["set_goals", "organise"]).update(
        not_for_unit_types=[UnitType.LABORATORY, UnitType.RESEARCH_GROUP]
    )
    after = units_progress([lab, org.department], YEAR, today)
    assert after[lab.pk].applicable == before[lab.pk].applicable - 2
    assert after[lab.pk].behind == before[lab.pk].behind - 2
    # A department still has both steps.
    assert after[org.department.pk].applicable == before[org.department.pk].applicable
    assert after[org.department.pk].behind == before[org.department.pk].behind


def test_the_mark_holds_for_a_cycle_opened_before_it_was_set(org, lab):
    today = datetime.date(YEAR, 3, 1)
    cycle = services.cycle_open(unit=lab, year=YEAR)
    cycle.steps.filter(key="organise").update(status=StepStatus.IN_PROGRESS)
    before = units_progress([lab], YEAR, today)[lab.pk]
    StepTemplate.objects.filter(key="organise").update(not_for_unit_types=[UnitType.LABORATORY])
    after = units_progress([lab], YEAR, today)[lab.pk]
    assert (after.applicable, after.behind) == (before.applicable - 1, before.behind - 1)
    state = next(state for state in after.steps if state.step.key == "organise")
    assert state.exempt and not state.is_applicable and not state.is_behind(today)


def test_the_unit_page_says_a_step_does_not_apply(client, org, lab, line_manager):
    StepTemplate.objects.filter(key="organise").update(not_for_unit_types=[UnitType.LABORATORY])
    client.force_login(line_manager)
    content = client.get(reverse("cycle:cycle", args=["LAB", YEAR])).content.decode()
    assert content.count("Does not apply to this kind of unit") == 1
    content = client.get(reverse("cycle:cycle", args=["DEP", YEAR])).content.decode()
    assert "Does not apply to this kind of unit" not in content


def test_the_hms_department_marks_which_steps_apply(client, org, lab, hms_department):
    client.force_login(hms_department)
    response = client.get(STEPS)
    assert response.status_code == 200
    fingerprint = response.context["fingerprint"]
    templates = list(StepTemplate.objects.filter(is_active=True))
    organise = next(t for t in templates if t.key == "organise")
    data = {"fingerprint": fingerprint}
    for template in templates:
        kinds = list(UnitType.values)
        if template == organise:
            kinds.remove(UnitType.LABORATORY)
        data[f"applies-{template.pk}"] = kinds
    response = client.post(STEPS, data)
    assert response.status_code == 302
    organise.refresh_from_db()
    assert organise.not_for_unit_types == [UnitType.LABORATORY]
    assert StepTemplate.objects.exclude(pk=organise.pk).filter(not_for_unit_types=[]).count() == (
        len(templates) - 1
    )
    page = client.get(STEPS).content.decode()
    assert f'id="applies-{organise.pk}-laboratory"' in page
    assert f'id="applies-{organise.pk}-laboratory" checked' not in page
    # The overview leaves the step out for the laboratory.
    overview = client.get(OVERVIEW, {"unit": "DEP", "year": YEAR})
    assert overview.status_code == 200


def test_a_save_over_newer_marks_is_refused_and_changes_nothing(client, org, hms_department):
    client.force_login(hms_department)
    fingerprint = client.get(STEPS).context["fingerprint"]
    organise = StepTemplate.objects.get(key="organise")
    StepTemplate.objects.filter(pk=organise.pk).update(not_for_unit_types=[UnitType.SECTION])
    response = client.post(STEPS, {"fingerprint": fingerprint}, follow=True)
    assert "Someone else changed these marks" in response.content.decode()
    assert StepTemplate.objects.filter(not_for_unit_types=[]).count() == (
        StepTemplate.objects.filter(is_active=True).count() - 1
    )


def test_only_the_hms_department_marks_steps(client, org, line_manager, outsider):
    for user in (line_manager, outsider):
        client.force_login(user)
        assert client.get(STEPS).status_code == 404
        assert client.post(STEPS, {"fingerprint": "x"}).status_code == 404
    assert StepTemplate.objects.exclude(not_for_unit_types=[]).count() == 0


# Sorting and the file -------------------------------------------------------------------------


@pytest.fixture
def behind_units(org):
    """Three units under DEP with 3, 1 and 2 steps past due on 1 March."""
    department = Unit.objects.get(pk=org.department.pk)
    made = []
    for code, name, done in (("BA", "Beta", 2), ("AL", "Alfa", 4), ("GA", "Gamma", 3)):
        unit = make_unit(department, code=code, name_en=name, name_nb=name)
        cycle = services.cycle_open(unit=unit, year=YEAR)
        keys = ["take_initiative", "clarify_roles", "inform_involve", "set_goals", "organise"]
        cycle.steps.filter(key__in=keys[:done]).update(status=StepStatus.DONE)
        made.append(unit)
    return made


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("unit", ["AL", "BA", "GA"]),
        ("-unit", ["GA", "BA", "AL"]),
        ("done", ["BA", "GA", "AL"]),
        ("-done", ["AL", "GA", "BA"]),
    ],
)
def test_the_table_sorts_by_its_columns(client, org, hms_department, behind_units, sort, expected):
    client.force_login(hms_department)
    response = client.get(OVERVIEW, {"unit": "DEP", "year": YEAR, "sort": sort})
    codes = [unit.code for unit in response.context["page"] if unit.code in expected]
    assert codes == expected


@pytest.mark.parametrize("sort", ["behind", "-behind", "type", "-type", "nonsense", "-", "%00"])
def test_every_sort_key_and_a_bad_one_answer(client, org, hms_department, behind_units, sort):
    client.force_login(hms_department)
    response = client.get(OVERVIEW, {"unit": "DEP", "year": YEAR, "sort": sort})
    assert response.status_code == 200
    assert 'aria-sort="' in response.content.decode()


def test_the_file_holds_every_unit_with_the_pages_figures(
    client, org, hms_department, behind_units
):
    Unit.objects.filter(code="GA").update(name_en="=HYPERLINK(1)")
    client.force_login(hms_department)
    response = export(client, "csv", unit="DEP", year=YEAR, sort="unit")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.csv"')
    rows = csv_rows(response)
    assert rows[0][:3] == ["Unit code", "Unit", "Unit type"]
    by_code = {row[0]: row for row in rows[1:]}
    subtree = Unit.objects.filter(path__startswith=org.department.path, is_active=True)
    assert set(by_code) == set(subtree.values_list("code", flat=True))
    progress = units_progress(list(subtree), YEAR)
    for unit in subtree:
        row = by_code[unit.code]
        figures = progress[unit.pk]
        assert [int(value) for value in row[4:8]] == [
            figures.done,
            figures.applicable,
            figures.percent,
            figures.behind,
        ]
    assert by_code["GA"][1] == "'=HYPERLINK(1)"  # the formula guard

    response = export(client, "xlsx", unit="DEP", year=YEAR)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    codes = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(codes) == sorted(by_code)
    assert export(client, "pdf", unit="DEP").status_code == 404


def test_the_overview_and_its_file_run_the_same_queries_at_two_sizes(
    client, org, hms_department, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(hms_department)

    def count(url, params):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, params)
            if response.streaming:
                b"".join(response.streaming_content)
        assert response.status_code == 200
        # The count, and the length of the SQL: the evidence queries select the subtree by a
        # subquery, so no query lists the subtree's units, however many there are.
        return len(captured), sum(len(query["sql"]) for query in captured)

    def grow(n):
        for _ in range(n):
            unit = make_unit(Unit.objects.get(pk=org.department.pk), unit_type=UnitType.LABORATORY)
            services.cycle_open(unit=unit, year=YEAR)

    urls = [
        (OVERVIEW, {"unit": "FAC", "sort": "unit"}),
        (reverse("cycle:overview_export", args=["csv"]), {"unit": "FAC"}),
        (reverse("cycle:overview_export", args=["xlsx"]), {"unit": "FAC"}),
    ]
    grow(2)
    small = [count(url, params) for url, params in urls]
    grow(8)
    large = [count(url, params) for url, params in urls]
    assert small == large
    # One query per evidence provider, and a few for the user, the units and the steps.
    assert max(queries for queries, _length in large) <= 26
