import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.conftest import user_with_role
from tests.factories import make_unit
from units import services
from units.models import Role, RoleAssignment, Unit, UnitType


def fresh(unit: Unit) -> Unit:
    return Unit.objects.get(pk=unit.pk)


def test_move_takes_the_whole_subtree_along(org):
    services.unit_move(unit=org.department, new_parent=org.other_faculty)
    department, section = fresh(org.department), fresh(org.section)
    assert department.path.startswith(fresh(org.other_faculty).path)
    assert section.path.startswith(department.path)
    assert section.depth == 4
    assert fresh(org.faculty).numchild == 0
    assert fresh(org.other_faculty).numchild == 2
    assert not any(Unit.objects.find_problems())


@pytest.mark.parametrize("target", ["department", "section"])
def test_move_under_itself_or_own_descendant_is_refused(org, target):
    with pytest.raises(ValidationError, match="under itself or under one of its own sub-units"):
        services.unit_move(unit=org.department, new_parent=getattr(org, target))
    assert fresh(org.department).path == org.department.path


def test_move_through_the_browser_explains_a_cycle(client, org, administrator):
    client.force_login(administrator)
    url = reverse("units:move", args=[org.faculty.code])
    response = client.post(url, {"new_parent": org.section.code})
    assert response.status_code == 200
    assert "under itself or under one of its own sub-units" in response.content.decode()
    response = client.post(url, {"new_parent": "NO-SUCH-UNIT"})
    assert "No unit has the code NO-SUCH-UNIT" in response.content.decode()
    response = client.post(url, {"new_parent": org.other_faculty.code})
    assert response.status_code == 302
    assert fresh(org.faculty).path.startswith(fresh(org.other_faculty).path)


def test_roles_are_inherited_down_the_tree(client, org, line_manager, employee):
    hms = user_with_role("hms_person", Role.HMS_DEPARTMENT, org.root)
    client.force_login(employee)
    page = client.get(org.section.get_absolute_url()).content.decode()
    # Inherited from DEP (line manager) and from ROOT (HSE department), with contact e-mail.
    assert str(line_manager) in page and line_manager.email in page
    assert str(hms) in page and hms.email in page
    assert org.department.name in page
    # A sibling faculty inherits the root's role but not DEP's line manager.
    page = client.get(org.other_department.get_absolute_url()).content.decode()
    assert str(hms) in page
    assert str(line_manager) not in page


def test_ended_role_leaves_the_unit_page(client, org, line_manager, employee):
    assignment = line_manager.role_assignments.get()
    RoleAssignment.objects.filter(pk=assignment.pk).update(valid_from=datetime.date(2020, 1, 1))
    services.role_end(assignment=assignment, valid_to=datetime.date(2021, 1, 1))
    client.force_login(employee)
    assert str(line_manager) not in client.get(org.department.get_absolute_url()).content.decode()


def test_deactivating_a_unit_with_records_keeps_everything(org, line_manager):
    count = services.unit_deactivate(unit=org.department)
    assert count == 2  # the department and its section
    assert not fresh(org.department).is_active and not fresh(org.section).is_active
    assert RoleAssignment.objects.filter(unit=org.department).exists()
    assert fresh(org.faculty).is_active


def test_a_unit_with_records_cannot_be_deleted(org, line_manager):
    with pytest.raises(ValidationError, match="Deactivate it instead"):
        services.unit_delete(unit=org.department)  # has a sub-unit
    leaf = make_unit(org.section, code="LEAF")
    RoleAssignment.objects.create(user=line_manager, unit=leaf, role=Role.SAFETY_REP)
    with pytest.raises(ValidationError, match="roles or records"):
        services.unit_delete(unit=fresh(leaf))
    assert Unit.objects.filter(code="LEAF").exists()


def test_an_empty_unit_created_by_mistake_can_be_deleted(org):
    leaf = make_unit(org.section, code="MISTAKE")
    services.unit_delete(unit=leaf)
    assert not Unit.objects.filter(code="MISTAKE").exists()
    assert fresh(org.section).numchild == 0


def test_reactivation_needs_an_active_parent(org):
    services.unit_deactivate(unit=org.department)
    with pytest.raises(ValidationError, match="parent unit first"):
        services.unit_reactivate(unit=fresh(org.section))
    services.unit_reactivate(unit=fresh(org.department))
    assert fresh(org.department).is_active


def test_create_refuses_duplicate_and_reserved_codes(org):
    with pytest.raises(ValidationError):
        services.unit_create(parent=org.faculty, code="dep", name_nb="X", unit_type="section")
    with pytest.raises(ValidationError):
        services.unit_create(parent=org.faculty, code="new", name_nb="X", unit_type="section")
    with pytest.raises(ValidationError):
        services.unit_create(parent=org.faculty, code="ok code", name_nb="X", unit_type="section")
    unit = services.unit_create(
        parent=org.faculty, code="LAB1", name_nb="Lab", unit_type=UnitType.LABORATORY
    )
    assert unit.path.startswith(org.faculty.path) and unit.depth == 3


def test_create_form_keeps_input_on_error(client, org, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("units:create"),
        {
            "parent": "FAC",
            "code": "DEP",
            "name_nb": "Mitt nye institutt",
            "unit_type": "department",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Another unit already has this code" in page
    assert 'value="Mitt nye institutt"' in page


def test_concurrent_edit_is_detected_and_input_kept(client, org, administrator):
    client.force_login(administrator)
    url = reverse("units:edit", args=[org.department.code])
    version = org.department.version
    # Someone else saves first.
    services.unit_update(
        unit=org.department,
        version=version,
        code="DEP",
        name_nb="Andres navn",
        name_en="",
        unit_type="department",
    )
    response = client.post(
        url,
        {
            "code": "DEP",
            "name_nb": "Mitt navn",
            "name_en": "",
            "unit_type": "department",
            "version": version,
        },
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this unit" in page
    assert 'value="Mitt navn"' in page and "Andres navn" in page
    assert fresh(org.department).name_nb == "Andres navn"
    # Saving again, now on the current version, goes through.
    response = client.post(
        url,
        {
            "code": "DEP",
            "name_nb": "Mitt navn",
            "name_en": "",
            "unit_type": "department",
            "version": fresh(org.department).version,
        },
    )
    assert response.status_code == 302
    assert fresh(org.department).name_nb == "Mitt navn"


def test_role_assignment_in_the_browser(client, org, administrator, employee):
    client.force_login(administrator)
    url = reverse("units:role_assign", args=[org.department.code])
    response = client.post(url, {"person": "nobody", "role": Role.SAFETY_REP})
    assert "No active user" in response.content.decode()
    response = client.post(url, {"person": employee.email, "role": Role.SAFETY_REP})
    assert response.status_code == 302
    assert (
        RoleAssignment.objects.current()
        .filter(user=employee, unit=org.department, role=Role.SAFETY_REP)
        .exists()
    )
    response = client.post(url, {"person": employee.username, "role": Role.SAFETY_REP})
    assert "already holds this role" in response.content.decode()


def test_every_change_is_audited_with_the_acting_user(client, org, administrator):
    client.force_login(administrator)
    client.post(
        reverse("units:edit", args=[org.department.code]),
        {
            "code": "DEP",
            "name_nb": "Nytt navn",
            "name_en": "New name",
            "unit_type": "department",
            "version": org.department.version,
        },
    )
    # A bulk update (deactivating a subtree) is audited too, row by row.
    client.post(reverse("units:deactivate", args=[org.department.code]))
    from units.models import UnitEvent

    events = list(UnitEvent.objects.filter(pgh_obj=org.department).order_by("pgh_id"))
    renamed, deactivated = events[-2:]
    assert (renamed.name_nb, renamed.is_active) == ("Nytt navn", True)
    assert (deactivated.name_nb, deactivated.is_active) == ("Nytt navn", False)
    for event in (renamed, deactivated):
        assert event.pgh_context.metadata["user"] == administrator.pk
        assert event.pgh_context.metadata["username"] == administrator.username
    assert UnitEvent.objects.filter(pgh_obj=org.section, pgh_label="update").exists()

    history_url = reverse(
        "history", args=[ContentType.objects.get_for_model(Unit).pk, org.department.pk]
    )
    page = client.get(history_url).content.decode()
    assert "Nytt navn" in page and administrator.username in page


def test_history_of_something_not_audited_or_malformed_is_a_404(client, org, administrator):
    client.force_login(administrator)
    unaudited = ContentType.objects.get(app_label="contenttypes", model="contenttype")
    assert client.get(f"/history/{unaudited.pk}/1/").status_code == 404
    assert client.get("/history/999999/1/").status_code == 404
    assert client.get(f"/history/{unaudited.pk}/objects/").status_code == 404
    unit_type = ContentType.objects.get_for_model(Unit)
    assert client.get(f"/history/{unit_type.pk}/999999/").status_code == 404
    assert client.get(f"/history/{unit_type.pk}/{org.root.pk}/").status_code == 200
