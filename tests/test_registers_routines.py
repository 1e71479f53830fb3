"""Local HSE routines: from a template, approved by the line manager, revised as a new draft
version while the approved one stays in force, version checks with 409, and the printable PDF."""

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


def _revise(routine, actor, procedure="1. Avtal tilsyn.\n2. Meld fra når du går."):
    return services.routine_update(
        actor=actor,
        routine=routine,
        version=routine.version,
        title=routine.title,
        purpose=routine.purpose,
        procedure=procedure,
    )


def test_changing_an_approved_routine_drafts_its_next_version_and_keeps_it_in_force(
    org, line_manager
):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    old_text = routine.procedure
    revision = _revise(routine, line_manager)
    assert revision.pk != routine.pk
    assert (revision.status, revision.edition, revision.previous) == (
        RoutineStatus.DRAFT,
        2,
        routine,
    )
    assert revision.approved_by is None
    routine.refresh_from_db()
    assert routine.status == RoutineStatus.APPROVED and routine.procedure == old_text
    assert list(Routine.objects.in_force()) == [routine]
    # One revision at a time.
    with pytest.raises(ValidationError):
        _revise(routine, line_manager, procedure="Noe annet")


def test_approving_the_revision_replaces_the_version_in_force(org, line_manager):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    first_approval = routine.approved_at
    revision = _revise(routine, line_manager)
    revision = services.routine_approve(
        actor=line_manager, routine=revision, version=revision.version
    )
    routine.refresh_from_db()
    assert revision.status == RoutineStatus.APPROVED
    assert routine.status == RoutineStatus.SUPERSEDED and routine.superseded_at is not None
    # The earlier version keeps its own approval, readable as it was.
    assert routine.approved_by == line_manager and routine.approved_at == first_approval
    assert list(Routine.objects.in_force()) == [revision]
    assert list(revision.versions()) == [routine, revision]
    assert list(Routine.objects.current()) == [revision]
    with pytest.raises(ValidationError):
        _revise(routine, line_manager, procedure="Endre en erstattet versjon")


def test_the_versions_are_readable_by_the_unit_with_their_approval(
    client, org, line_manager, employee
):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    revision = _revise(routine, line_manager)
    client.force_login(employee)
    # A draft revision is work in progress: the employee reads the version in force.
    assert client.get(reverse("registers:routine", args=[revision.pk])).status_code == 404
    services.routine_approve(actor=line_manager, routine=revision, version=revision.version)
    old = client.get(reverse("registers:routine", args=[routine.pk])).content.decode()
    assert "was replaced on" in old and "Versions" in old
    listed = client.get(reverse("registers:routine_list")).content.decode()
    assert reverse("registers:routine", args=[revision.pk]) in listed
    assert reverse("registers:routine", args=[routine.pk]) + '"' not in listed


def test_editing_an_approved_routine_in_the_browser_form_saves_a_revision(
    client, org, line_manager
):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    client.force_login(line_manager)
    url = reverse("registers:routine_edit", args=[routine.pk])
    data = {
        "title": routine.title,
        "purpose": routine.purpose,
        "procedure": "Ny fremgangsmåte",
        "review_due": "2030-01-01",
        "version": routine.version,
    }
    response = client.post(url, data, follow=True)
    revision = Routine.objects.get(previous=routine)
    assert response.redirect_chain[-1][0] == revision.get_absolute_url()
    assert "stays in force until the line manager approves" in response.content.decode()
    # The next edit of the approved version goes to the draft being written.
    assert client.get(url)["Location"] == reverse("registers:routine_edit", args=[revision.pk])


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
