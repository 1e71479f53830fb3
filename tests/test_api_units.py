"""Units, people and role assignments: open to every logged-in user as the tree and the unit
roles pages are, and showing only what those pages show."""

import pytest
from rest_framework.test import APIClient

from tests.api_client import queries_of, token_client
from tests.factories import RoleAssignmentFactory, UserFactory, make_unit
from units.models import Role


@pytest.mark.parametrize("url", ["/api/v1/units/", "/api/v1/people/", "/api/v1/role-assignments/"])
def test_anonymous_gets_401(db, url):
    assert APIClient().get(url).status_code == 401


def test_units_are_the_tree_with_parents(employee, org):
    body = token_client(employee).get("/api/v1/units/").json()
    by_code = {row["code"]: row for row in body["results"]}
    assert by_code["SEC"]["parent"] == org.department.pk
    assert by_code["ROOT"]["parent"] is None
    assert by_code["DEP"]["path"] == org.department.path
    assert by_code["DEP"]["type"] == "department"
    assert by_code["DEP"]["active"] is True
    assert by_code["DEP"]["name"] == "Department of Trials"
    # Tree order: every parent before its children.
    assert [row["path"] for row in body["results"]] == sorted(by_code[c]["path"] for c in by_code)


def test_outsider_reads_the_tree_as_on_the_pages(outsider, org):
    response = token_client(outsider).get(f"/api/v1/units/{org.department.pk}/")
    assert response.status_code == 200
    assert response.json()["code"] == "DEP"


def test_unit_filters(employee, org):
    api = token_client(employee)

    def codes(**params):
        return {r["code"] for r in api.get("/api/v1/units/", params).json()["results"]}

    assert codes(under="FAC") == {"FAC", "DEP", "SEC"}
    assert codes(type="section") == {"SEC"}
    assert codes(code="dep") == {"DEP"}
    org.section.is_active = False
    org.section.save()
    assert codes(active="false") == {"SEC"}
    assert api.get("/api/v1/units/", {"under": "NOPE"}).status_code == 400


def test_units_list_query_count_is_constant(employee, org):
    api = token_client(employee)
    api.get("/api/v1/units/")  # the token's last-used time is written once a minute
    small = queries_of(lambda: api.get("/api/v1/units/"))
    for n in range(20):
        make_unit(org.department, code=f"GRP{n}")
    assert len(api.get("/api/v1/units/").json()["results"]) == 26
    assert queries_of(lambda: api.get("/api/v1/units/")) == small


def test_people_show_only_what_the_roles_page_shows(employee, line_manager, org):
    UserFactory(username="no_role", email="hidden@example.org")
    body = token_client(employee).get("/api/v1/people/").json()
    rows = {row["id"]: row for row in body["results"]}
    assert set(rows[line_manager.pk]) == {"id", "name", "email", "units"}
    assert rows[line_manager.pk]["name"] == line_manager.get_full_name()
    assert rows[line_manager.pk]["units"] == [{"id": org.department.pk, "code": "DEP"}]
    # Nobody without a current role: the roles pages show no such person.
    assert "hidden@example.org" not in str(body)


def test_people_filter_by_unit(employee, line_manager, outsider, org):
    body = token_client(employee).get("/api/v1/people/", {"unit": "FAC"}).json()
    ids = {row["id"] for row in body["results"]}
    assert line_manager.pk in ids and outsider.pk not in ids


def test_person_without_role_is_404(employee, db):
    person = UserFactory(username="no_role")
    assert token_client(employee).get(f"/api/v1/people/{person.pk}/").status_code == 404


def test_people_list_query_count_is_constant(employee, org):
    api = token_client(employee)
    api.get("/api/v1/people/")
    small = queries_of(lambda: api.get("/api/v1/people/"))
    for n in range(15):
        RoleAssignmentFactory(user=UserFactory(username=f"p{n}"), unit=org.section)
    assert len(api.get("/api/v1/people/").json()["results"]) == 16
    assert queries_of(lambda: api.get("/api/v1/people/")) == small


def test_role_assignments_are_current_ones(employee, line_manager, org):
    """DEP's roles and those of the units below it (the employee's in SEC), current only."""
    import datetime

    ended = RoleAssignmentFactory(
        user=UserFactory(username="former"),
        unit=org.department,
        role=Role.SAFETY_REP,
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2020, 12, 31),
    )
    body = token_client(employee).get("/api/v1/role-assignments/", {"unit": "DEP"}).json()
    rows = body["results"]
    assert {(r["person"], r["role"]) for r in rows} == {
        (line_manager.pk, "line_manager"),
        (employee.pk, "employee"),
    }
    assert ended.pk not in {r["id"] for r in rows}


def test_role_assignments_query_count_is_constant(employee, org):
    api = token_client(employee)
    api.get("/api/v1/role-assignments/")
    small = queries_of(lambda: api.get("/api/v1/role-assignments/"))
    for n in range(15):
        RoleAssignmentFactory(user=UserFactory(username=f"r{n}"), unit=org.section)
    assert len(api.get("/api/v1/role-assignments/").json()["results"]) == 16
    assert queries_of(lambda: api.get("/api/v1/role-assignments/")) == small


def test_people_cursor_walks_every_person_once(employee, org):
    for n in range(4):
        RoleAssignmentFactory(user=UserFactory(username=f"c{n}"), unit=org.section)
    api = token_client(employee)
    seen, url = [], "/api/v1/people/?page_size=2"
    while url:
        response = api.get(url)
        assert response.status_code == 200, response.json()
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
    assert len(seen) == len(set(seen)) == 5
