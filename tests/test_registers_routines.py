"""Local HSE routines: from a template, approved by the line manager, back to draft when the
text changes, version checks with 409, and the printable PDF."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse

from hms.registers import services
from hms.registers.models import Routine, RoutineStatus, RoutineTemplate
from tests.archive_pdf import assert_archive_pdf
from tests.conftest import user_with_role
from tests.factories import make_routine
from units.models import Role


def test_templates_from_the_migration_are_there(db):
    assert RoutineTemplate.objects.filter(title__icontains="brannvern").exists()


def test_new_routine_starts_from_the_template_text(client, org, line_manager):
    template = RoutineTemplate.objects.get(title__icontains="brannvern")
    client.force_login(line_manager)
    url = reverse("registers:routine_create", args=[org.department.code])
    assert template.title in client.get(url).content.decode()  # the choice of templates
    page = client.get(url, {"template": template.pk}).content.decode()
    assert "Varsle: utløs brannalarmen" in page
    response = client.post(
        f"{url}?template={template.pk}",
        {
            "title": template.title,
            "purpose": template.purpose,
            "procedure": "1. Varsle.\n2. Redde.",
            "review_due": "2030-01-01",
        },
    )
    assert response.status_code == 302
    routine = Routine.objects.get()
    assert routine.template == template and routine.status == RoutineStatus.DRAFT


def test_missing_procedure_keeps_the_input(client, org, line_manager):
    client.force_login(line_manager)
    url = reverse("registers:routine_create", args=[org.department.code])
    response = client.post(f"{url}?blank=1", {"title": "Min rutine", "purpose": "Hvorfor"})
    assert response.status_code == 400
    assert "Min rutine" in response.content.decode()
    assert not Routine.objects.exists()


def test_line_manager_approves_and_who_and_when_are_recorded(org, line_manager):
    routine = make_routine(org.department, line_manager)
    routine = services.routine_approve(actor=line_manager, routine=routine, version=1)
    assert routine.status == RoutineStatus.APPROVED
    assert routine.approved_by == line_manager and routine.approved_at is not None


def test_line_manager_above_approves_a_sections_routine(org, line_manager):
    routine = make_routine(org.section, line_manager)
    services.routine_approve(actor=line_manager, routine=routine, version=routine.version)


@pytest.mark.parametrize("role", [Role.HMS_COORDINATOR, Role.SAFETY_REP])
def test_others_may_not_approve(org, line_manager, role):
    routine = make_routine(org.department, line_manager)
    other = user_with_role("other", role, org.department)
    with pytest.raises(PermissionDenied):
        services.routine_approve(actor=other, routine=routine, version=routine.version)


def test_approval_needs_a_review_date(org, line_manager):
    routine = make_routine(org.department, line_manager, review_due=None)
    with pytest.raises(ValidationError):
        services.routine_approve(actor=line_manager, routine=routine, version=routine.version)
    assert Routine.objects.get().status == RoutineStatus.DRAFT


def test_changing_the_text_of_an_approved_routine_makes_it_a_draft(org, line_manager):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    routine = services.routine_update(
        actor=line_manager,
        routine=routine,
        version=routine.version,
        title=routine.title,
        purpose=routine.purpose,
        procedure="1. Avtal tilsyn.\n2. Meld fra når du går.",
    )
    assert routine.status == RoutineStatus.DRAFT and routine.approved_by is None


def test_moving_the_review_date_keeps_the_approval(org, line_manager):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    routine = services.routine_update(
        actor=line_manager,
        routine=routine,
        version=routine.version,
        review_due=datetime.date(2031, 1, 1),
    )
    assert routine.status == RoutineStatus.APPROVED


def test_database_refuses_an_approved_routine_without_approver(org, line_manager):
    routine = make_routine(org.department, line_manager)
    with pytest.raises(IntegrityError):
        Routine.objects.filter(pk=routine.pk).update(status=RoutineStatus.APPROVED)


def test_edit_on_an_old_version_gives_409_with_the_input_kept(client, org, line_manager):
    routine = make_routine(org.department, line_manager)
    url = reverse("registers:routine_edit", args=[routine.pk])
    data = {
        "title": routine.title,
        "purpose": "Mitt formål",
        "procedure": "1. Min prosedyre",
        "version": routine.version,
    }
    services.routine_update(
        actor=line_manager, routine=routine, version=routine.version, purpose="Noen andres"
    )
    client.force_login(line_manager)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Mitt formål" in response.content.decode()
    assert Routine.objects.get().purpose == "Noen andres"


def test_approve_button_on_an_old_version_is_refused(client, org, line_manager):
    routine = make_routine(org.department, line_manager)
    client.force_login(line_manager)
    response = client.post(reverse("registers:routine_approve", args=[routine.pk]), {"version": 99})
    assert response.status_code == 302
    assert Routine.objects.get().status == RoutineStatus.DRAFT


def test_routine_pdf_carries_the_text_and_the_approval(client, org, line_manager, employee):
    routine = make_routine(
        org.department,
        line_manager,
        approve_by=line_manager,
        procedure="1. Avtal tilsyn med en kollega.",
    )
    client.force_login(employee)
    response = client.get(reverse("registers:routine_pdf", args=[routine.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = assert_archive_pdf(response.content, language="en", title=routine.title)
    text = "".join(page.extract_text() for page in reader.pages)
    assert routine.title in text
    assert "Avtal tilsyn med en kollega" in text
    assert "Approved" in text and str(line_manager) in text


def test_hms_department_keeps_the_templates(client, hms_department):
    client.force_login(hms_department)
    response = client.post(
        reverse("registers:template_create"),
        {"title": "Rutine for kjemikaliehåndtering", "purpose": "Trygg bruk", "is_active": "on"},
    )
    assert response.status_code == 302
    assert RoutineTemplate.objects.filter(title="Rutine for kjemikaliehåndtering").exists()


def test_a_draft_can_be_deleted_but_an_approved_routine_is_kept(
    client, org, line_manager, safety_rep
):
    draft = make_routine(org.department, line_manager, title="Feil rutine")
    approved = make_routine(org.department, line_manager, approve_by=line_manager)
    client.force_login(safety_rep)
    assert client.post(reverse("registers:routine_delete", args=[draft.pk])).status_code == 403
    client.force_login(line_manager)
    assert client.post(reverse("registers:routine_delete", args=[draft.pk])).status_code == 302
    response = client.post(reverse("registers:routine_delete", args=[approved.pk]))
    assert response.status_code == 302
    assert list(Routine.objects.values_list("pk", flat=True)) == [approved.pk]


def test_outsider_cannot_delete_a_routine(client, org, line_manager, outsider):
    draft = make_routine(org.department, line_manager)
    client.force_login(outsider)
    assert client.post(reverse("registers:routine_delete", args=[draft.pk])).status_code == 404
