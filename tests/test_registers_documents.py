"""The documentation register: uploads checked by content and size, the file served only to
those who may read the document, a file or an archive case number always, and version checks."""

import datetime
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError
from django.urls import reverse

from hms.registers.models import Document
from tests.factories import make_document
from tests.test_deviation_report import png_bytes

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        package.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _post(client, unit, **extra):
    data = {"kind": "fire", "title": "Branninstruks K5", "edition": "2", **extra}
    return client.post(reverse("registers:document_create", args=[unit.code]), data)


@pytest.mark.parametrize(
    ("name", "content", "stored_type"),
    [
        ("instruks.pdf", PDF, "application/pdf"),
        (
            "oversikt.docx",
            None,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("oversikt.odt", None, "application/vnd.oasis.opendocument.text"),
        ("notat.txt", "Brannøvelse avholdt.\n".encode(), "text/plain"),
        ("skilt.png", png_bytes(), "image/png"),  # a real image: images are re-encoded
    ],
)
def test_accepted_files_are_kept_with_the_type_told_by_their_content(
    client, org, line_manager, name, content, stored_type
):
    content = content or (_docx() if name.endswith("docx") else _odt())
    client.force_login(line_manager)
    response = _post(client, org.department, file=SimpleUploadedFile(name, content, "x/y"))
    assert response.status_code == 302
    document = Document.objects.get()
    assert document.file_type == stored_type
    assert document.file_name == name
    assert name not in document.file.name  # stored under a random name


def test_a_program_renamed_to_pdf_is_refused_and_nothing_is_saved(client, org, line_manager):
    client.force_login(line_manager)
    upload = SimpleUploadedFile("instruks.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = _post(client, org.department, file=upload)
    assert response.status_code == 400
    assert "not a file type the register keeps" in response.content.decode()
    assert 'value="Branninstruks K5"' in response.content.decode()  # input kept
    assert not Document.objects.exists()


def test_a_plain_zip_is_not_an_office_file(client, org, line_manager):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("virus.exe", "MZ")
    client.force_login(line_manager)
    upload = SimpleUploadedFile("oversikt.docx", buffer.getvalue())
    assert _post(client, org.department, file=upload).status_code == 400
    assert not Document.objects.exists()


def test_binary_text_file_is_refused(client, org, line_manager):
    client.force_login(line_manager)
    upload = SimpleUploadedFile("notat.txt", b"abc\x00\x01\x02")
    assert _post(client, org.department, file=upload).status_code == 400


def test_too_big_file_gets_a_clear_error_and_nothing_is_saved(client, org, line_manager, settings):
    settings.REGISTER_DOCUMENT_MAX_BYTES = 1024
    client.force_login(line_manager)
    upload = SimpleUploadedFile("instruks.pdf", PDF + b"0" * 2048)
    response = _post(client, org.department, file=upload)
    assert response.status_code == 400
    assert "the largest file accepted is 1.0" in response.content.decode()
    assert not Document.objects.exists()


def test_neither_file_nor_archive_number_asks_for_one(client, org, line_manager):
    client.force_login(line_manager)
    response = _post(client, org.department)
    assert response.status_code == 400
    assert "give the archive case number" in response.content.decode()
    assert not Document.objects.exists()


def test_archive_number_alone_is_enough(client, org, line_manager):
    client.force_login(line_manager)
    assert _post(client, org.department, archive_ref="2024/4410").status_code == 302
    assert Document.objects.get().archive_ref == "2024/4410"


def test_database_refuses_a_document_without_file_or_archive_number(org):
    with pytest.raises(IntegrityError):
        Document.objects.create(unit=org.department, kind="fire", title="Tom")


def test_file_is_served_to_readers_with_safe_headers(client, org, line_manager, employee):
    upload = SimpleUploadedFile("instruks.pdf", PDF)
    upload.sniffed_type = "application/pdf"
    document = make_document(org.department, line_manager, upload=upload)
    client.force_login(employee)  # in a section below: reads it
    response = client.get(reverse("registers:document_file", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]


def test_edit_with_an_old_version_is_refused_with_409_and_input_kept(client, org, line_manager):
    document = make_document(org.department, line_manager)
    url = reverse("registers:document_edit", args=[document.pk])
    data = {
        "kind": "fire",
        "title": "Min endring",
        "archive_ref": "2025/100",
        "version": document.version,
    }
    from hms.registers.services import document_save

    document_save(
        actor=line_manager,
        unit=org.department,
        document=document,
        version=document.version,
        kind="fire",
        title="Noen andres endring",
        archive_ref="2025/100",
    )
    client.force_login(line_manager)
    response = client.post(url, data)
    assert response.status_code == 409
    assert "Min endring" in response.content.decode()
    assert Document.objects.get().title == "Noen andres endring"
    # Saving again, now with the version shown, is a deliberate overwrite.
    data["version"] = document.version + 1
    assert client.post(url, data).status_code == 302
    assert Document.objects.get().title == "Min endring"


def test_a_new_file_is_a_new_version_and_the_old_file_stays_reachable(client, org, line_manager):
    client.force_login(line_manager)
    _post(client, org.department, file=SimpleUploadedFile("a.pdf", PDF))
    document = Document.objects.get()
    response = client.post(
        reverse("registers:document_edit", args=[document.pk]),
        {
            "kind": "fire",
            "title": "Ny",
            "version": document.version,
            "file": SimpleUploadedFile("b.pdf", PDF + b"%new"),
        },
    )
    assert response.status_code == 302
    old_name = document.file.name
    document.refresh_from_db()
    assert (document.file_name, document.number) == ("b.pdf", 2)
    earlier = document.versions.get()
    assert (earlier.number, earlier.file_name, earlier.file.name) == (1, "a.pdf", old_name)
    old = client.get(reverse("registers:document_version_file", args=[document.pk, 1]))
    assert b"".join(old.streaming_content) == PDF


def test_review_passed_is_highlighted_on_the_unit_registers(client, org, line_manager):
    make_document(
        org.department,
        line_manager,
        title="Gammel instruks",
        review_due=datetime.date(2020, 1, 1),
    )
    client.force_login(line_manager)
    text = client.get(reverse("registers:unit", args=[org.department.code])).content.decode()
    assert "review overdue" in text and "table-danger" in text


def test_line_manager_deletes_a_document_and_readers_may_not(
    client, org, line_manager, safety_rep, outsider
):
    document = make_document(org.department, line_manager)
    url = reverse("registers:document_delete", args=[document.pk])
    client.force_login(outsider)
    assert client.post(url).status_code == 404
    client.force_login(safety_rep)
    assert client.post(url).status_code == 403
    client.force_login(line_manager)
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not Document.objects.exists()


def test_deleting_a_document_removes_its_file_after_commit(
    org, line_manager, django_capture_on_commit_callbacks
):
    from hms.registers.services import document_delete

    upload = SimpleUploadedFile("a.pdf", PDF)
    upload.sniffed_type = "application/pdf"
    document = make_document(org.department, line_manager, upload=upload)
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(actor=line_manager, document=document)
    assert not storage.exists(name)
