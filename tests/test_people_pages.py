"""The people list and each person's page: who may open them, search, and open work."""

import datetime

import pytest
from django.urls import reverse

from tests.factories import RoleAssignmentFactory, UserFactory, make_deviation, make_measure
from units.models import Role, User


@pytest.mark.parametrize("url_name", ["people:list", "people:detail"])
def test_outsider_and_anonymous_cannot_open_people_pages(client, outsider, line_manager, url_name):
    url = reverse(url_name, args=[line_manager.pk] if url_name == "people:detail" else [])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (outsider, line_manager):
        client.force_login(user)
        assert client.get(url).status_code == 404


def test_hms_department_below_the_root_cannot_open_people(client, org):
    user = UserFactory(username="faculty_hms")
    RoleAssignmentFactory(user=user, unit=org.faculty, role=Role.HMS_DEPARTMENT)
    client.force_login(user)
    assert client.get(reverse("people:list")).status_code == 404


def test_search_by_name_email_and_unit(client, hms_department, line_manager, employee, outsider):
    client.force_login(hms_department)
    employee.first_name, employee.last_name = "Kari", "Nordmann"
    employee.save()

    def found(q):
        response = client.get(reverse("people:list"), {"q": q})
        assert response.status_code == 200
        return {person.username for person in response.context["page"]}

    assert found("nordmann") == {"employee"}
    assert found(outsider.email) == {"outsider"}
    assert found("SEC") == {"employee"}
    assert found("department of trials") == {"line_manager", "safety_rep"} - {"safety_rep"}
    assert set(User.objects.search("kari sec").values_list("username", flat=True)) == {"employee"}


def test_people_list_names_each_role_in_the_users_language(client, hms_department, line_manager):
    client.force_login(hms_department)
    html = client.get(reverse("people:list"), {"q": "line_manager"}).content.decode()
    assert '<div class="small">Line manager · <a href="/units/DEP/">DEP</a></div>' in html
    client.cookies["django_language"] = "nb"
    html = client.get(reverse("people:list"), {"q": "line_manager"}).content.decode()
    assert '<div class="small">Linjeleder · <a href="/units/DEP/">DEP</a></div>' in html


def test_person_page_shows_roles_and_open_work(client, org, hms_department, line_manager, employee):
    RoleAssignmentFactory(
        user=line_manager,
        unit=org.section,
        role=Role.SAFETY_REP,
        valid_from=datetime.date(2020, 1, 1),
        valid_to=datetime.date(2021, 1, 1),
    )
    deviation = make_deviation(org.department, employee)
    type(deviation).objects.filter(pk=deviation.pk).update(handler=line_manager)
    make_measure(org.department, line_manager, title="Sett opp skilt")
    client.force_login(hms_department)

    response = client.get(reverse("people:detail", args=[line_manager.pk]))

    assert response.status_code == 200
    assert [r.role for r in response.context["current_roles"]] == [Role.LINE_MANAGER]
    assert [r.role for r in response.context["past_roles"]] == [Role.SAFETY_REP]
    assert response.context["deviations"] == [deviation]
    assert [m.title for m in response.context["measures"]] == ["Sett opp skilt"]


def _people(org, count):
    for _ in range(count):
        person = UserFactory()
        RoleAssignmentFactory(user=person, unit=org.section, role=Role.EMPLOYEE)
        make_measure(org.section, person)


def test_people_list_sorts_by_name_and_e_mail_both_ways(client, hms_department, org):
    for last, mail in (
        ("Aas", "c@example.org"),
        ("Berg", "a@example.org"),
        ("Dahl", "b@example.org"),
    ):
        UserFactory(username=f"sort_{last}", last_name=last, email=mail)
    client.force_login(hms_department)

    def listed(sort):
        response = client.get(reverse("people:list"), {"q": "sort_", "sort": sort})
        assert response.status_code == 200
        return [person.username for person in response.context["page"]]

    assert listed("name") == ["sort_Aas", "sort_Berg", "sort_Dahl"]
    assert listed("-name") == ["sort_Dahl", "sort_Berg", "sort_Aas"]
    assert listed("email") == ["sort_Berg", "sort_Dahl", "sort_Aas"]
    assert listed("-email") == ["sort_Aas", "sort_Dahl", "sort_Berg"]
    assert listed("password") == listed("") == ["sort_Aas", "sort_Berg", "sort_Dahl"]
    page = client.get(reverse("people:list"), {"q": "sort_", "sort": "-email"}).content.decode()
    assert 'aria-sort="descending"' in page and 'name="sort" value="-email"' in page


@pytest.mark.parametrize("count", [3, 30])
def test_people_list_query_count_is_constant(
    client, org, administrator, count, django_assert_max_num_queries
):
    _people(org, count)
    client.force_login(administrator)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("people:list"), {"q": "e", "sort": "-email"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_person_page_query_count_is_constant(
    client, org, administrator, employee, count, django_assert_max_num_queries
):
    for _ in range(count):
        RoleAssignmentFactory(
            user=employee,
            unit=org.department,
            role=Role.EMPLOYEE,
            valid_from=datetime.date(2001, 1, 1),
            valid_to=datetime.date(2001, 2, 1),
        )
        make_measure(org.section, employee)
    client.force_login(administrator)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("people:detail", args=[employee.pk]))
    assert response.status_code == 200
    assert len(response.context["measures"]) == count
