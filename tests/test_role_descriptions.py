"""The unit's roles page shows, for each role, its responsibility, tasks and authority (kept by
the HSE department) and, per assignment, what the line manager delegated."""

from django.urls import reverse

from units import services
from units.models import Role, RoleAssignment, RoleDescription


def _assignment(user, unit):
    return RoleAssignment.objects.current().get(user=user, unit=unit)


def test_every_role_starts_with_a_description(db):
    described = set(RoleDescription.objects.values_list("role", flat=True))
    assert described == set(Role.values)
    line_manager = RoleDescription.objects.get(role=Role.LINE_MANAGER)
    assert "kan ikke delegeres" in line_manager.responsibility
    assert line_manager.tasks and line_manager.authority


def test_the_roles_page_shows_what_each_held_role_means(client, org, line_manager, employee):
    RoleDescription.objects.filter(role=Role.LINE_MANAGER).update(
        tasks="Setter mål og følger opp tiltak."
    )
    client.force_login(employee)
    page = client.get(reverse("units:detail", args=[org.department.code])).content.decode()
    assert "What each role holds here" in page
    assert "Setter mål og følger opp tiltak." in page
    # The employee reads but records nothing here.
    assert "Record what was delegated" not in page


def test_the_line_manager_records_what_was_delegated(client, org, line_manager, safety_rep):
    coordinator = services.role_assign(
        unit=org.department, user=safety_rep, role=Role.HMS_COORDINATOR
    )
    client.force_login(line_manager)
    page = client.get(reverse("units:detail", args=[org.department.code])).content.decode()
    url = reverse("units:role_delegation", args=[coordinator.pk])
    assert url in page
    response = client.post(url, {"delegated": "Behandler enhetens HMS-avvik.", "shown": ""})
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.delegated == "Behandler enhetens HMS-avvik."
    page = client.get(reverse("units:detail", args=[org.department.code])).content.decode()
    assert "Behandler enhetens HMS-avvik." in page


def test_a_stale_delegation_is_refused_with_both_texts_shown(client, org, line_manager):
    assignment = _assignment(line_manager, org.department)
    other = services.role_assign(unit=org.department, user=line_manager, role=Role.CHEMICAL_CONTACT)
    client.force_login(line_manager)
    url = reverse("units:role_delegation", args=[other.pk])
    RoleAssignment.objects.filter(pk=other.pk).update(delegated="Skrevet av noen andre")
    response = client.post(url, {"delegated": "Mitt forslag", "shown": ""})
    assert response.status_code == 409
    text = response.content.decode()
    assert "Skrevet av noen andre" in text and "Mitt forslag" in text
    assert RoleAssignment.objects.get(pk=other.pk).delegated == "Skrevet av noen andre"
    assert assignment.delegated == ""


def test_nothing_is_delegated_to_a_safety_rep(client, org, line_manager, safety_rep):
    assignment = _assignment(safety_rep, org.department)
    client.force_login(line_manager)
    url = reverse("units:role_delegation", args=[assignment.pk])
    assert client.post(url, {"delegated": "x", "shown": ""}).status_code == 302
    assert RoleAssignment.objects.get(pk=assignment.pk).delegated == ""


def test_others_may_not_record_delegations(client, org, safety_rep, employee, outsider):
    assignment = services.role_assign(unit=org.department, user=employee, role=Role.HMS_COORDINATOR)
    url = reverse("units:role_delegation", args=[assignment.pk])
    for person in (safety_rep, employee, outsider):
        client.force_login(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"delegated": "x", "shown": ""}).status_code == 404
    client.logout()
    assert "/accounts/login/" in client.get(url)["Location"]
    assert RoleAssignment.objects.get(pk=assignment.pk).delegated == ""


def test_the_hms_department_keeps_the_descriptions(client, org, hms_department, line_manager):
    description = RoleDescription.objects.get(role=Role.SAFETY_REP)
    url = reverse("units:role_description_edit", args=[Role.SAFETY_REP])
    client.force_login(line_manager)
    assert client.get(url).status_code == 404
    assert client.get(reverse("units:role_descriptions")).status_code == 200
    client.force_login(hms_department)
    data = {
        "responsibility": "Ny tekst",
        "tasks": "Oppgaver",
        "authority": "Myndighet",
        "version": description.version,
    }
    assert client.post(url, data).status_code == 302
    assert RoleDescription.objects.get(role=Role.SAFETY_REP).responsibility == "Ny tekst"
    # The same form again, on the old version: refused, the newer text shown.
    data["responsibility"] = "Overskriver"
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Ny tekst" in response.content.decode()
    assert RoleDescription.objects.get(role=Role.SAFETY_REP).responsibility == "Ny tekst"


def test_anonymous_is_sent_to_sign_in(client, db):
    for url in (
        reverse("units:role_descriptions"),
        reverse("units:role_description_edit", args=[Role.SAFETY_REP]),
    ):
        assert "/accounts/login/" in client.get(url)["Location"]


def test_the_roles_page_costs_the_same_with_more_roles(client, org, line_manager):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(line_manager)
    url = reverse("units:detail", args=[org.department.code])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    from tests.factories import UserFactory

    for index, role in enumerate([Role.HMS_COORDINATOR, Role.CHEMICAL_CONTACT] * 5):
        services.role_assign(
            unit=org.department, user=UserFactory(username=f"extra{index}"), role=role
        )
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
