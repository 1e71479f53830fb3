"""A unit adds its own requirements (lab rules, a local agreement) to its requirements register:
they bind the unit and the units below it, and are kept by those who keep its records."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from hms.registers import services
from hms.registers.models import Requirement, UnitRequirement


def _local(unit, short_name="Labregler", **fields):
    return Requirement.objects.create(
        unit=unit,
        title=f"{short_name} for {unit.code}",
        short_name=short_name,
        kind="internal",
        **fields,
    )


def test_line_manager_adds_a_local_requirement_from_the_register(client, org, line_manager):
    client.force_login(line_manager)
    register = reverse("registers:requirements", args=[org.department.code])
    assert (
        reverse("registers:local_requirement_create", args=["DEP"])
        in client.get(register).content.decode()
    )
    response = client.post(
        reverse("registers:local_requirement_create", args=["DEP"]),
        {
            "title": "Instituttets regler for arbeid i avtrekkskap",
            "short_name": "Avtrekksregler",
            "kind": "internal",
            "reference": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    requirement = Requirement.objects.get(short_name="Avtrekksregler")
    assert requirement.unit == org.department
    page = client.get(register).content.decode()
    assert "Avtrekksregler" in page and "Local requirement of DEP" in page


def test_a_local_requirement_binds_the_units_below_and_no_other(org):
    faculty_rule = _local(org.faculty, "Fakultetsregel")
    listed_below = set(Requirement.objects.for_register(org.section))
    assert faculty_rule in listed_below
    assert faculty_rule not in set(Requirement.objects.for_register(org.other_department))
    assert faculty_rule not in set(Requirement.objects.catalogue())
    # The catalogue is still there for every unit.
    assert Requirement.objects.catalogue().filter(is_active=True).count() == len(
        [r for r in Requirement.objects.for_register(org.other_department) if not r.is_local]
    )


def test_the_catalogue_page_does_not_list_local_requirements(client, org, hms_department):
    _local(org.department, "Helt lokal regel")
    client.force_login(hms_department)
    page = client.get(reverse("registers:catalogue")).content.decode()
    assert "Helt lokal regel" not in page


def test_another_units_local_requirement_is_ignored_when_the_register_is_saved(org, line_manager):
    foreign = _local(org.other_department, "Fremmed regel")
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={foreign.pk: (True, "smuglet inn")}
    )
    assert not UnitRequirement.objects.filter(unit=org.department, requirement=foreign).exists()


def test_the_same_name_twice_in_one_unit_is_a_form_error(client, org, line_manager):
    _local(org.department, "Labregler")
    client.force_login(line_manager)
    response = client.post(
        reverse("registers:local_requirement_create", args=["DEP"]),
        {"title": "x", "short_name": "Labregler", "kind": "internal", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "already has a requirement by that name" in response.content.decode()
    # Another unit may use the name; so may the catalogue.
    _local(org.other_department, "Labregler")


def test_a_stale_change_of_a_local_requirement_is_refused(client, org, line_manager):
    requirement = _local(org.department)
    client.force_login(line_manager)
    url = reverse("registers:local_requirement_edit", args=[requirement.pk])
    data = {"title": "Ny tittel", "short_name": "Labregler", "kind": "internal"}
    data |= {"is_active": "on", "version": requirement.version}
    assert client.post(url, data).status_code == 302
    data["title"] = "Enda en tittel"
    response = client.post(url, data)
    assert response.status_code == 409
    assert Requirement.objects.get(pk=requirement.pk).title == "Ny tittel"


def test_safety_rep_and_outsider_may_not_add_or_change(client, org, safety_rep, outsider):
    requirement = _local(org.department)
    for person, status in ((safety_rep, 403), (outsider, 404)):
        client.force_login(person)
        create = reverse("registers:local_requirement_create", args=["DEP"])
        edit = reverse("registers:local_requirement_edit", args=[requirement.pk])
        assert client.get(create).status_code == status
        assert client.post(edit, {"title": "x", "short_name": "y", "kind": "law"}).status_code == (
            status
        )
    assert Requirement.objects.get(pk=requirement.pk).title == "Labregler for DEP"
    with pytest.raises(PermissionDenied):
        services.local_requirement_save(
            actor=safety_rep, unit=org.department, title="x", short_name="x", kind="law"
        )


def test_anonymous_is_sent_to_sign_in(client, org):
    response = client.get(reverse("registers:local_requirement_create", args=["DEP"]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_catalogue_form_cannot_open_a_local_requirement(client, org, hms_department):
    requirement = _local(org.department)
    client.force_login(hms_department)
    assert client.get(reverse("registers:catalogue_edit", args=[requirement.pk])).status_code == 404
