"""The person picker: a search-as-you-type choice of a person wherever a form picks one. It
offers active people only and shows no more of a person than the unit roles page does."""

import pytest
from django.urls import reverse

from actionplans.models import Measure
from tests.factories import RoleAssignmentFactory, UserFactory
from units.forms import PersonField
from units.models import Role

PICK = reverse("units:person_pick")


@pytest.fixture
def kari(org):
    kari = UserFactory(
        username="kari", first_name="Kari", last_name="Nordmann", email="kari@uni.example"
    )
    RoleAssignmentFactory(user=kari, unit=org.department, role=Role.EMPLOYEE)
    return kari


def pick(client, text: str) -> str:
    response = client.get(PICK, {"q": text})
    assert response.status_code == 200
    return response.content.decode()


def test_anonymous_is_sent_to_log_in(client, org):
    response = client.get(PICK, {"q": "kari"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_finds_by_name_email_and_unit(client, employee, kari):
    client.force_login(employee)
    for text in ["Kari", "nordm", "kari@uni", "DEP", "kari dep"]:
        page = pick(client, text)
        assert 'data-value="kari"' in page, text
        assert "Kari Nordmann" in page
    assert 'data-value="kari"' not in pick(client, "kari otherdep")


def test_shows_what_the_roles_page_shows_and_no_more(client, employee, kari, org):
    client.force_login(employee)
    page = pick(client, "Kari")
    assert "kari@uni.example" in page and "DEP" in page  # the roles page shows both
    UserFactory(username="norole", first_name="Karianne", email="hidden@uni.example")
    page = pick(client, "Karianne")
    assert "Karianne" in page
    assert "hidden@uni.example" not in page  # holds no role: on no roles page


def test_inactive_people_are_never_offered(client, employee, kari):
    kari.is_active = False
    kari.save()
    client.force_login(employee)
    assert 'data-value="kari"' not in pick(client, "Kari")


@pytest.mark.parametrize("text", ["", "k", " ", "%00", "\x00kari", "x" * 10_000, "'; drop--"])
def test_short_or_odd_input_gives_no_error(client, employee, kari, text):
    client.force_login(employee)
    page = pick(client, text)
    if len(text.strip()) < 2:
        assert "data-value" not in page


def test_query_count_does_not_grow_with_people(
    client, employee, org, django_assert_max_num_queries
):
    client.force_login(employee)

    def people(count):
        for number in range(count):
            person = UserFactory(first_name="Kari", last_name=f"Test{number}")
            RoleAssignmentFactory(user=person, unit=org.department, role=Role.EMPLOYEE)

    people(2)
    with django_assert_max_num_queries(10):
        pick(client, "Kari")
    people(30)
    with django_assert_max_num_queries(10):
        page = pick(client, "Kari")
    assert page.count("data-value=") == 10  # never more than ten at once
    assert "More people match" in page


def test_measure_form_shows_the_picker_and_saves_the_chosen_person(client, line_manager, kari, org):
    client.force_login(line_manager)
    url = reverse("actionplans:add", args=[org.department.code])
    page = client.get(url).content.decode()
    assert 'name="responsible_text"' in page and 'role="combobox"' in page
    response = client.post(
        url,
        {
            "title": "Skift filter",
            "responsible": "kari",
            "responsible_text": "Kari Nordmann",
            "deadline": "2070-01-31",
            "priority": "medium",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Measure.objects.get(title="Skift filter").responsible == kari


def test_typed_user_name_works_without_javascript(client, line_manager, kari, org):
    client.force_login(line_manager)
    url = reverse("actionplans:add", args=[org.department.code])
    response = client.post(
        url,
        {
            "title": "Skift filter",
            "responsible_text": "kari@uni.example",
            "deadline": "2070-01-31",
            "priority": "medium",
        },
    )
    assert response.status_code == 302
    assert Measure.objects.get(title="Skift filter").responsible == kari


def test_a_form_that_comes_back_shows_the_chosen_name(client, line_manager, kari, org):
    client.force_login(line_manager)
    url = reverse("actionplans:add", args=[org.department.code])
    response = client.post(
        url, {"responsible": "kari", "responsible_text": "Kari Nordmann", "deadline": "x"}
    )
    page = response.content.decode()
    assert 'value="Kari Nordmann"' in page and 'value="kari"' in page


def test_role_assignment_and_handler_forms_use_the_picker(client, administrator, org):
    client.force_login(administrator)
    page = client.get(reverse("units:role_assign", args=[org.department.code])).content
    assert b'name="person_text"' in page


def test_field_cleans_a_chosen_user_name(kari):
    assert PersonField().clean("kari") == kari
