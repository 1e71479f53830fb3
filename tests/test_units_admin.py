"""Deleting units in the Django admin: a unit anything refers to is deactivated instead, and
the admin says why; nothing is ever deleted along with it unseen, and nothing is a 500."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from deviations.models import Deviation
from indicators.models import EnergyProfile
from tests.factories import UserFactory, load_reference_data, make_deviation, make_unit
from units.models import RoleAssignment, Unit

CHANGELIST = "/admin/units/unit/"


def delete_url(unit: Unit) -> str:
    return reverse("admin:units_unit_delete", args=[unit.pk])


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def admin_client_for(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def records(org, line_manager, employee):
    """A deviation in the section; roles in the department and the section."""
    load_reference_data()
    return make_deviation(org.section, employee)


def test_admin_deletes_a_leaf_unit_nothing_refers_to(admin_client_for, org):
    leaf = make_unit(org.section, code="MISTAKE")
    confirm = admin_client_for.get(delete_url(leaf))
    assert confirm.status_code == 200
    assert "Are you sure" in page_text(confirm)
    response = admin_client_for.post(delete_url(leaf), {"post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(code="MISTAKE").exists()
    assert fresh(org.section).numchild == 0


def test_admin_refuses_to_delete_a_unit_with_a_sub_unit_and_records(admin_client_for, org, records):
    for response in (
        admin_client_for.get(delete_url(org.department)),
        admin_client_for.post(delete_url(org.department), {"post": "yes"}),
    ):
        assert response.status_code == 200
        text = page_text(response)
        assert "cannot be deleted" in text
        # What refers to it, over its subtree: the section, two roles, the deviation.
        assert "sub-units: 1" in text
        assert "role assignments: 2" in text
        assert "deviations: 1" in text
        assert "Deactivate them and their sub-units" in text
    assert Unit.objects.filter(code__in=["DEP", "SEC"]).count() == 2
    assert Deviation.objects.filter(pk=records.pk).exists()
    assert fresh(org.department).is_active


def test_refused_delete_offers_deactivation_of_the_subtree(admin_client_for, org, records):
    response = admin_client_for.post(
        CHANGELIST,
        {"action": "deactivate_selected", "_selected_action": [org.department.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert "2 units deactivated" in page_text(response)
    assert not fresh(org.department).is_active and not fresh(org.section).is_active
    assert fresh(org.faculty).is_active
    assert Deviation.objects.filter(pk=records.pk, unit=org.section).exists()
    assert RoleAssignment.objects.filter(unit=org.department).exists()


def test_leaf_with_a_record_is_not_deleted(admin_client_for, org, records):
    response = admin_client_for.post(delete_url(org.section), {"post": "yes"})
    assert response.status_code == 200
    text = page_text(response)
    assert "deviations: 1" in text and "sub-units: " not in text
    assert Unit.objects.filter(code="SEC").exists()


def test_row_that_would_be_deleted_along_counts_too(admin_client_for, org):
    # The energy profile goes with its unit in the database (CASCADE): deleting the unit
    # would lose it silently, so the unit is only deactivated.
    leaf = make_unit(org.section, code="LAB")
    EnergyProfile.objects.create(unit=leaf)
    response = admin_client_for.post(delete_url(leaf), {"post": "yes"})
    assert response.status_code == 200
    assert "energy profiles: 1" in page_text(response)
    assert EnergyProfile.objects.filter(unit=leaf).exists()


def test_delete_selected_with_one_refused_unit_deletes_nothing(admin_client_for, org, records):
    leaf = make_unit(org.other_department, code="MISTAKE")
    response = admin_client_for.post(
        CHANGELIST,
        {
            "action": "delete_selected",
            "_selected_action": [leaf.pk, org.department.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "cannot be deleted" in text and "DEP" in text
    assert Unit.objects.filter(code__in=["MISTAKE", "DEP", "SEC"]).count() == 3
    # The page's button deactivates the refused units only.
    assert f'name="_selected_action" value="{org.department.pk}"' in text
    assert f'name="_selected_action" value="{leaf.pk}"' not in text


def test_delete_selected_deletes_units_nothing_refers_to(admin_client_for, org):
    first = make_unit(org.other_department, code="MISTAKE1")
    second = make_unit(org.other_department, code="MISTAKE2")
    selected = {"action": "delete_selected", "_selected_action": [first.pk, second.pk]}
    confirm = admin_client_for.post(CHANGELIST, selected)
    assert confirm.status_code == 200
    assert "Are you sure" in page_text(confirm)
    response = admin_client_for.post(CHANGELIST, {**selected, "post": "yes"})
    assert response.status_code == 302
    assert not Unit.objects.filter(code__startswith="MISTAKE").exists()
    assert fresh(org.other_department).numchild == 0


def test_deactivate_selected_deactivates_each_subtree(admin_client_for, org, records):
    response = admin_client_for.post(
        CHANGELIST,
        {
            "action": "deactivate_selected",
            "_selected_action": [org.department.pk, org.other_department.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "3 units deactivated" in page_text(response)
    assert not Unit.objects.filter(code__in=["DEP", "SEC", "OTHERDEP"], is_active=True).exists()
    assert fresh(org.other_faculty).is_active


def test_staff_without_change_permission_cannot_deactivate(client, org):
    staff = UserFactory(username="viewer", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_unit", "delete_unit"])
    )
    client.force_login(staff)
    page = client.get(delete_url(org.department))
    assert page.status_code == 200
    assert "cannot be deleted" in page_text(page)
    assert "Deactivate them" not in page_text(page)
    client.post(
        CHANGELIST, {"action": "deactivate_selected", "_selected_action": [org.department.pk]}
    )
    assert fresh(org.department).is_active


def test_outsider_cannot_reach_the_unit_admin(client, org, outsider):
    client.force_login(outsider)
    response = client.post(
        CHANGELIST, {"action": "deactivate_selected", "_selected_action": [org.department.pk]}
    )
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(delete_url(org.department)).status_code == 302
    assert fresh(org.department).is_active
