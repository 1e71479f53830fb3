"""A document has versions: a new file or edition keeps the old one and its metadata reachable;
approval is an action of the line manager (who, when), and the history is shown."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from hms.registers import services
from hms.registers.models import Document, DocumentVersion
from tests.conftest import user_with_role
from tests.factories import make_document
from units.models import Role

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _new_edition(document, actor, edition="3", **fields):
    return services.document_save(
        actor=actor,
        unit=document.unit,
        document=document,
        version=document.version,
        edition=edition,
        **fields,
    )


def test_the_line_manager_approves_and_who_and_when_are_recorded(client, org, line_manager):
    document = make_document(org.department, line_manager)
    client.force_login(line_manager)
    page = client.get(document.get_absolute_url()).content.decode()
    assert "not approved" in page and reverse("registers:document_approve", args=[document.pk])
    response = client.post(
        reverse("registers:document_approve", args=[document.pk]),
        {"version": document.version},
    )
    assert response.status_code == 302
    document.refresh_from_db()
    assert document.approved_by == line_manager and document.approved_at is not None
    page = client.get(document.get_absolute_url()).content.decode()
    assert f"by {line_manager.get_full_name()}" in page


@pytest.mark.parametrize("role", [Role.HMS_COORDINATOR, Role.SAFETY_REP])
def test_others_may_not_approve(client, org, line_manager, role):
    document = make_document(org.department, line_manager)
    other = user_with_role("other", role, org.department)
    with pytest.raises(PermissionDenied):
        services.document_approve(actor=other, document=document, version=document.version)
    client.force_login(other)
    url = reverse("registers:document_approve", args=[document.pk])
    assert client.post(url, {"version": document.version}).status_code == 403
    assert Document.objects.get().approved_by is None


def test_an_outsider_cannot_approve_or_read_versions(client, org, line_manager, outsider):
    document = make_document(org.department, line_manager)
    _new_edition(document, line_manager)
    client.force_login(outsider)
    approve = reverse("registers:document_approve", args=[document.pk])
    assert client.post(approve, {"version": 2}).status_code == 404
    earlier = reverse("registers:document_version_file", args=[document.pk, 1])
    assert client.get(earlier).status_code == 404
    client.logout()
    assert "/accounts/login/" in client.get(earlier)["Location"]


def test_approving_on_an_old_page_or_twice_is_refused(org, line_manager):
    document = make_document(org.department, line_manager)
    with pytest.raises(ValidationError):
        services.document_approve(
            actor=line_manager, document=document, version=document.version - 1
        )
    services.document_approve(actor=line_manager, document=document, version=document.version)
    document.refresh_from_db()
    with pytest.raises(ValidationError):
        services.document_approve(actor=line_manager, document=document, version=document.version)


def test_a_new_edition_keeps_the_old_with_its_approval_and_awaits_its_own(org, line_manager):
    document = make_document(org.department, line_manager, edition="2", archive_ref="2024/1")
    document = services.document_approve(
        actor=line_manager, document=document, version=document.version
    )
    approved_at = document.approved_at
    document = _new_edition(document, line_manager, edition="3", archive_ref="2025/2")
    assert (document.number, document.edition, document.approved_by) == (2, "3", None)
    earlier = DocumentVersion.objects.get(document=document)
    assert (earlier.number, earlier.edition, earlier.archive_ref) == (1, "2", "2024/1")
    assert earlier.approved_by == line_manager and earlier.approved_at == approved_at
    assert earlier.replaced_by == line_manager


def test_changing_the_title_or_review_date_is_no_new_version(org, line_manager):
    document = make_document(org.department, line_manager)
    document = services.document_save(
        actor=line_manager,
        unit=org.department,
        document=document,
        version=document.version,
        title="Ny tittel",
        edition=document.edition,
        archive_ref=document.archive_ref,
    )
    assert document.number == 1 and not document.versions.exists()


def test_the_history_is_shown_on_the_page(client, org, line_manager, employee):
    upload = SimpleUploadedFile("instruks-v1.pdf", PDF)
    upload.sniffed_type = "application/pdf"
    document = make_document(org.department, line_manager, edition="1", upload=upload)
    services.document_approve(actor=line_manager, document=document, version=document.version)
    document.refresh_from_db()
    _new_edition(document, line_manager, edition="2")
    client.force_login(employee)
    page = client.get(document.get_absolute_url()).content.decode()
    assert "Earlier versions" in page and "instruks-v1.pdf" in page
    # The employee reads but may not approve: no approve button.
    assert reverse("registers:document_approve", args=[document.pk]) not in page
    response = client.get(reverse("registers:document_version_file", args=[document.pk, 1]))
    assert b"".join(response.streaming_content) == PDF
    assert (
        client.get(reverse("registers:document_version_file", args=[document.pk, 9])).status_code
        == 404
    )


def test_deleting_a_document_removes_the_files_of_every_version(
    org, line_manager, django_capture_on_commit_callbacks
):
    first = SimpleUploadedFile("a.pdf", PDF)
    first.sniffed_type = "application/pdf"
    document = make_document(org.department, line_manager, upload=first)
    second = SimpleUploadedFile("b.pdf", PDF + b"%2")
    second.sniffed_type = "application/pdf"
    document = services.document_save(
        actor=line_manager,
        unit=org.department,
        document=document,
        version=document.version,
        upload=second,
    )
    storage = document.file.storage
    names = [document.file.name, document.versions.get().file.name]
    assert all(storage.exists(name) for name in names) and names[0] != names[1]
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(actor=line_manager, document=document)
    assert not any(storage.exists(name) for name in names)


def test_the_database_refuses_an_approval_without_a_date(org, line_manager):
    document = make_document(org.department, line_manager)
    with pytest.raises(IntegrityError):
        Document.objects.filter(pk=document.pk).update(approved_by=line_manager)
