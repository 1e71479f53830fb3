"""Photos and files on a measure, a round's finding, a risk assessment and a coordination
agreement (units/attachments.py): checked by content and size, stored without metadata, served
only to those who see the record, changed only by those who may change it, in the unit export."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pghistory.models import Events

from actionplans.models import MeasureAttachment
from hms.registers.models import AgreementAttachment
from hms.transfer.export import export_unit
from hms.transfer.importer import import_unit_export
from risk import services as risk_services
from risk.models import (
    AssessmentAttachment,
    ChecklistTemplate,
    FindingAttachment,
    ParticipantRole,
)
from tests.conftest import user_with_role
from tests.factories import make_agreement, make_measure
from tests.test_privacy_uploads import assert_no_metadata, phone_photo
from units.attachments import MAX_FILES_PER_RECORD
from units.models import Role, RoleAssignment

PDF = b"%PDF-1.4\n% the signed copy\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _pdf(name: str = "signed.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


# --- The four records, each with its page and its upload URL -----------------------------------


def _measure(org, line_manager):
    measure = make_measure(org.department, line_manager)
    return measure, measure.get_absolute_url(), MeasureAttachment


def _assessment(org, line_manager):
    assessment = risk_services.assessment_create(
        actor=line_manager,
        unit=org.department,
        title="Synthesis lab",
        activity="Room D2-104",
        assessed_on=timezone.localdate(),
    )
    return assessment, assessment.get_absolute_url(), AssessmentAttachment


def _finding(org, line_manager):
    safety_rep = next(
        (
            assignment.user
            for assignment in RoleAssignment.objects.filter(
                unit=org.department, role=Role.SAFETY_REP
            )
        ),
        None,
    ) or user_with_role("round_safety_rep", Role.SAFETY_REP, org.department)
    round_ = risk_services.round_plan(
        actor=line_manager,
        unit=org.department,
        planned_for=timezone.localdate(),
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug="fire")),
    )
    finding = risk_services.finding_add(actor=line_manager, round_=round_, text="Blocked exit")
    return finding, round_.get_absolute_url(), FindingAttachment


def _agreement(org, line_manager):
    agreement = make_agreement(org.department, line_manager)
    return agreement, agreement.get_absolute_url(), AgreementAttachment


RECORDS = [_measure, _assessment, _finding, _agreement]


def _upload(client, model, record, *files, caption=""):
    prefix = f"finding-{record.pk}-" if model is FindingAttachment else ""
    data = {f"{prefix}files": list(files), f"{prefix}caption": caption}
    return client.post(model.upload_url(record), data)


def _stored(model, record, name="signed.pdf", data=PDF, content_type="application/pdf"):
    attachment = model(
        **{model.record_field: record},
        original_name=name,
        content_type=content_type,
        size=len(data),
    )
    attachment.file.save(str(attachment.token), SimpleUploadedFile(name, data), save=False)
    attachment.save()
    return attachment


# --- Upload --------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", RECORDS)
def test_photo_with_gps_is_stored_without_metadata_and_shown_on_the_page(
    client, org, line_manager, make
):
    record, page, model = make(org, line_manager)
    client.force_login(line_manager)
    photo = SimpleUploadedFile("before.jpg", phone_photo(), "image/jpeg")
    response = _upload(client, model, record, photo, caption="before")
    assert response.status_code == 302
    attachment = model.objects.get()
    assert attachment.caption == "before"
    assert attachment.uploaded_by == line_manager
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as handle:
        data = handle.read()
    assert attachment.size == len(data)
    assert_no_metadata(data)
    assert "before.jpg" not in attachment.file.name  # stored under a random name
    page_html = client.get(page).content.decode()
    assert attachment.get_absolute_url() in page_html
    assert "before" in page_html


def test_text_named_jpg_is_refused_with_a_message_and_the_caption_kept(client, org, line_manager):
    measure, _page, model = _measure(org, line_manager)
    client.force_login(line_manager)
    fake = SimpleUploadedFile("photo.jpg", b"just some text, not a photo", "image/jpeg")
    response = _upload(client, model, measure, fake, caption="after the fix")
    assert response.status_code == 400
    text = response.content.decode()
    assert "“photo.jpg” is not a photo (JPEG, PNG, GIF, WebP, HEIC), a PDF" in text
    assert "Nothing was saved" in text
    assert 'value="after the fix"' in text
    assert not model.objects.exists()


def test_office_document_and_pdf_are_accepted(client, org, line_manager):
    agreement, _page, model = _agreement(org, line_manager)
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<w:document/>")
    client.force_login(line_manager)
    response = _upload(
        client,
        model,
        agreement,
        _pdf(),
        SimpleUploadedFile("minutes.docx", docx.getvalue(), "application/octet-stream"),
    )
    assert response.status_code == 302
    assert sorted(model.objects.values_list("content_type", flat=True)) == [
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ]


def test_too_large_file_is_refused(client, org, line_manager, settings):
    settings.RECORD_ATTACHMENT_MAX_BYTES = 1000
    measure, _page, model = _measure(org, line_manager)
    client.force_login(line_manager)
    big = SimpleUploadedFile("scan.pdf", PDF + b"0" * 2000, "application/pdf")
    response = _upload(client, model, measure, big)
    assert response.status_code == 400
    assert "the largest file accepted is 1000" in response.content.decode()
    assert not model.objects.exists()


def test_too_large_upload_together_is_refused(client, org, line_manager, settings):
    settings.RECORD_ATTACHMENT_REQUEST_MAX_BYTES = 40
    measure, _page, model = _measure(org, line_manager)
    client.force_login(line_manager)
    response = _upload(client, model, measure, _pdf("a.pdf"), _pdf("b.pdf"))
    assert response.status_code == 400
    assert "one upload takes at most 40" in response.content.decode()
    assert not model.objects.exists()


def test_eleventh_file_is_refused(client, org, line_manager):
    measure, page, model = _measure(org, line_manager)
    for index in range(MAX_FILES_PER_RECORD):
        _stored(model, measure, name=f"{index}.pdf")
    client.force_login(line_manager)
    response = _upload(client, model, measure, _pdf("eleventh.pdf"))
    assert response.status_code == 400
    assert "the most it can keep" in response.content.decode()
    assert model.objects.count() == MAX_FILES_PER_RECORD
    # Full: the page offers no upload form, only the way to make room.
    assert "Delete one to add another" in client.get(page).content.decode()


def test_several_files_at_once_may_not_pass_the_limit(client, org, line_manager):
    measure, _page, model = _measure(org, line_manager)
    for index in range(MAX_FILES_PER_RECORD - 1):
        _stored(model, measure, name=f"{index}.pdf")
    client.force_login(line_manager)
    response = _upload(client, model, measure, _pdf("a.pdf"), _pdf("b.pdf"))
    assert response.status_code == 400
    assert "choose at most 1" in response.content.decode()


@pytest.mark.parametrize("make", RECORDS)
def test_reader_without_edit_right_may_not_upload(client, org, line_manager, safety_rep, make):
    record, _page, model = make(org, line_manager)
    client.force_login(safety_rep)
    assert _upload(client, model, record, _pdf()).status_code == 403
    assert not model.objects.exists()


@pytest.mark.parametrize("make", RECORDS)
def test_outsider_cannot_upload(client, org, line_manager, outsider, make):
    record, _page, model = make(org, line_manager)
    client.force_login(outsider)
    assert _upload(client, model, record, _pdf()).status_code == 404


def test_responsible_person_may_add_evidence_of_the_fix(client, org, line_manager, employee):
    measure = make_measure(org.department, employee, created_by=line_manager)
    client.force_login(employee)
    assert _upload(client, MeasureAttachment, measure, _pdf()).status_code == 302


def test_completed_round_keeps_its_findings_photos_as_they_were(client, org, line_manager):
    finding, _page, model = _finding(org, line_manager)
    finding.round.status = "completed"
    finding.round.completed_at = timezone.now()
    finding.round.save(update_fields=["status", "completed_at"])
    client.force_login(line_manager)
    assert _upload(client, model, finding, _pdf()).status_code == 403


# --- Download ------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", RECORDS)
def test_allowed_user_downloads_and_outsider_gets_404(
    client, org, line_manager, safety_rep, outsider, make
):
    record, _page, model = make(org, line_manager)
    attachment = _stored(model, record)
    client.force_login(safety_rep)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    client.force_login(outsider)
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_photo_is_shown_inline(client, org, line_manager):
    measure, _page, model = _measure(org, line_manager)
    attachment = _stored(model, measure, "after.jpg", phone_photo(), "image/jpeg")
    client.force_login(line_manager)
    response = client.get(attachment.get_absolute_url())
    assert response["Content-Disposition"].startswith("inline;")


def test_attachment_of_another_record_is_not_found_under_this_one(client, org, line_manager):
    first, _page, model = _measure(org, line_manager)
    second = make_measure(org.department, line_manager, title="Another")
    attachment = _stored(model, first)
    client.force_login(line_manager)
    url = reverse("actionplans:measure_attachment", args=[second.pk, attachment.token])
    assert client.get(url).status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(client, org, line_manager):
    measure, _page, model = _measure(org, line_manager)
    attachment = _stored(model, measure)
    response = client.get(attachment.get_absolute_url())
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


# --- Delete --------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", RECORDS)
def test_delete_by_someone_without_edit_right_is_refused(
    client, org, line_manager, safety_rep, outsider, make
):
    record, _page, model = make(org, line_manager)
    attachment = _stored(model, record)
    client.force_login(safety_rep)
    assert client.post(attachment.delete_url()).status_code == 403
    client.force_login(outsider)
    assert client.post(attachment.delete_url()).status_code == 404
    assert model.objects.filter(pk=attachment.pk).exists()


def test_delete_is_post_only_audited_and_removes_the_file(
    client, org, line_manager, django_capture_on_commit_callbacks
):
    measure, _page, model = _measure(org, line_manager)
    attachment = _stored(model, measure)
    storage, name = attachment.file.storage, attachment.file.name
    client.force_login(line_manager)
    assert client.get(attachment.delete_url()).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(attachment.delete_url())
    assert response.status_code == 302
    assert not model.objects.exists()
    assert not storage.exists(name)
    deleted = Events.objects.filter(
        pgh_label="delete", pgh_model="actionplans.MeasureAttachmentEvent"
    )
    assert deleted.count() == 1
    assert deleted.get().pgh_context["username"] == line_manager.username


# --- The pages' query counts ---------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("make", RECORDS)
def test_detail_page_query_count_does_not_grow_with_attachments(client, org, line_manager, make):
    record, page, model = make(org, line_manager)
    client.force_login(line_manager)
    for index in range(2):
        _stored(model, record, name=f"{index}.pdf")
    client.get(page)  # warm the per-request caches that do not depend on the data
    with_two = _queries(client, page)
    for index in range(2, MAX_FILES_PER_RECORD):
        _stored(model, record, name=f"{index}.pdf")
    assert _queries(client, page) == with_two


def test_round_page_query_count_does_not_grow_with_findings_photos(client, org, line_manager):
    finding, page, model = _finding(org, line_manager)
    second = risk_services.finding_add(actor=line_manager, round_=finding.round, text="Wet floor")
    client.force_login(line_manager)
    _stored(model, finding)
    client.get(page)
    with_one = _queries(client, page)
    for index in range(5):
        _stored(model, finding, name=f"{index}.pdf")
        _stored(model, second, name=f"{index}.pdf")
    assert _queries(client, page) == with_one


# --- The unit export -----------------------------------------------------------------------------


def test_attachments_are_in_the_unit_export_in_a_folder_per_record(org, line_manager):
    records = [make(org, line_manager) for make in RECORDS]
    for record, _page, model in records:
        _stored(model, record, name="signed copy.pdf")
    buffer = io.BytesIO()
    manifest = export_unit(org.faculty, buffer)
    counts = {entry["model"]: entry["count"] for entry in manifest["models"]}
    with zipfile.ZipFile(buffer) as archive:
        names = archive.namelist()
        for record, _page, model in records:
            assert counts[model._meta.label] == 1
            folder = f"files/{type(record)._meta.label}/1/"
            member = folder + "1-signed copy.pdf"
            assert member in names, (member, names)
            assert archive.read(member) == PDF
    assert not manifest["missing_files"]


def test_attachments_come_back_from_an_import_of_the_export(org, line_manager):
    records = [make(org, line_manager) for make in RECORDS]
    for record, _page, model in records:
        _stored(model, record, name="signed copy.pdf")
    buffer = io.BytesIO()
    export_unit(org.faculty, buffer)
    with connection.cursor() as cursor:  # deferred checks first: TRUNCATE refuses them
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)  # an empty installation
    buffer.seek(0)
    import_unit_export(buffer)
    for _record, _page, model in records:
        attachment = model.objects.get()
        assert attachment.original_name == "signed copy.pdf"
        with attachment.file.open("rb") as handle:
            assert handle.read() == PDF
