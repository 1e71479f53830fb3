"""The requirements catalogue (HSE department) and each unit's register of what applies."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from hms.registers import services
from hms.registers.models import Requirement, RequirementKind, UnitRequirement


def test_catalogue_starts_with_the_laws_and_regulations_of_the_seed(db):
    names = set(Requirement.objects.values_list("short_name", flat=True))
    assert {
        "Arbeidsmiljøloven",
        "Internkontrollforskriften",
        "Arbeidsplassforskriften",
        "Strålevernforskriften",
        "Brann- og eksplosjonsvernloven",
        "Forurensningsloven",
    } <= names
    assert Requirement.objects.filter(kind=RequirementKind.INTERNAL).exists()
    law = Requirement.objects.get(short_name="Arbeidsmiljøloven")
    assert law.reference.startswith("https://lovdata.no/")


def test_hms_department_adds_a_requirement(client, hms_department):
    client.force_login(hms_department)
    response = client.post(
        reverse("registers:catalogue_create"),
        {
            "title": "Forskrift om arbeid med ioniserende stråling",
            "short_name": "Ny forskrift",
            "kind": "regulation",
            "reference": "https://lovdata.no/",
            "order": 200,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert Requirement.objects.filter(short_name="Ny forskrift").exists()


def test_duplicate_short_name_is_a_form_error(client, hms_department):
    client.force_login(hms_department)
    response = client.post(
        reverse("registers:catalogue_create"),
        {"title": "x", "short_name": "Arbeidsmiljøloven", "kind": "law", "order": 1},
    )
    assert response.status_code == 400
    assert "already has a requirement by that name" in response.content.decode()


def test_others_may_not_change_the_catalogue(line_manager):
    with pytest.raises(PermissionDenied):
        services.requirement_save(actor=line_manager, title="x", short_name="x", kind="law")


def test_line_manager_marks_what_applies_with_a_comment(client, org, line_manager):
    law = Requirement.objects.get(short_name="Arbeidsmiljøloven")
    radiation = Requirement.objects.get(short_name="Strålevernforskriften")
    client.force_login(line_manager)
    url = reverse("registers:requirements", args=[org.department.code])
    page = client.get(url).content.decode()
    assert "Arbeidsmiljøloven" in page
    response = client.post(
        url,
        {
            f"applies_{law.pk}": "on",
            f"comment_{law.pk}": "Gjelder alt arbeid",
            f"comment_{radiation.pk}": "Ingen strålekilder",
            # The register as the page showed it: no entries yet (version 0 each).
            **{f"version_{pk}": 0 for pk in Requirement.objects.values_list("pk", flat=True)},
        },
    )
    assert response.status_code == 302
    entries = {e.requirement_id: e for e in UnitRequirement.objects.filter(unit=org.department)}
    assert entries[law.pk].applies and entries[law.pk].comment == "Gjelder alt arbeid"
    assert not entries[radiation.pk].applies
    assert entries[radiation.pk].comment == "Ingen strålekilder"
    assert entries[law.pk].reviewed_on == timezone.localdate()
    assert entries[law.pk].reviewed_by == line_manager


def test_saving_again_updates_the_same_rows(org, line_manager):
    law = Requirement.objects.get(short_name="Arbeidsmiljøloven")
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={law.pk: (True, "a")}
    )
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={law.pk: (False, "b")}
    )
    entry = UnitRequirement.objects.get(unit=org.department, requirement=law)
    assert (entry.applies, entry.comment) == (False, "b")


def test_a_deactivated_requirement_stays_listed_where_it_applies(client, org, line_manager):
    law = Requirement.objects.get(short_name="Forurensningsloven")
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={law.pk: (True, "")}
    )
    Requirement.objects.filter(pk=law.pk).update(is_active=False)
    client.force_login(line_manager)
    page = client.get(reverse("registers:requirements", args=[org.department.code]))
    assert "no longer in the catalogue" in page.content.decode()


def test_safety_rep_reads_the_register_without_inputs(client, org, safety_rep):
    client.force_login(safety_rep)
    page = client.get(reverse("registers:requirements", args=[org.department.code]))
    assert page.status_code == 200
    assert "<textarea" not in page.content.decode()


def test_catalogue_page_opens_a_unit_register_by_code(client, org, line_manager, employee):
    client.force_login(line_manager)
    response = client.get(reverse("registers:catalogue"), {"unit": "dep"})
    assert response.status_code == 302
    assert response["Location"] == reverse("registers:requirements", args=["DEP"])
    client.force_login(employee)
    response = client.get(reverse("registers:catalogue"), {"unit": "DEP"})
    assert response.status_code == 200  # no way in for an employee: a message instead


def test_hms_department_group_keeps_the_catalogue_in_the_admin(client, hms_department):
    from django.contrib.auth.models import Group

    from hms.registers import demo

    demo._catalogue_in_the_admin()
    group = Group.objects.get(name=demo.HMS_DEPARTMENT_GROUP)
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"change_requirement", "add_routinetemplate"} <= codenames
    hms_department.is_staff = True
    hms_department.save(update_fields=["is_staff"])
    hms_department.groups.add(group)
    client.force_login(hms_department)
    assert client.get("/admin/registers/requirement/").status_code == 200
    assert client.get("/admin/registers/routinetemplate/").status_code == 200
