"""Every download of the app leaves through units.downloads: with the type of what it is, a
name with the matching extension, and as an attachment unless it is a photo. Stored files
are judged by their content, not by their name or the type recorded with them."""

import datetime
import io
import re
import uuid
from urllib.parse import unquote

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from deviations.models import Attachment
from hms.training.models import Course, TrainingRecord
from tests.factories import (
    load_reference_data,
    make_deviation,
    make_document,
    make_measure,
    make_routine,
)
from units.downloads import detect_type, download_name

PDF = b"%PDF-1.4\n% a tiny test file\n"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 32
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What the first bytes of each served type must be.
MAGIC = {
    "application/pdf": b"%PDF-",
    XLSX: b"PK\x03\x04",
    "text/csv": b"\xef\xbb\xbf",  # the BOM Excel needs
    "image/svg+xml": b"<?xml",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def reference_data(db):
    load_reference_data()


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def served_name(response) -> str:
    disposition = response["Content-Disposition"]
    encoded = re.search(r"filename\*=utf-8''(\S+)", disposition)
    if encoded:
        return unquote(encoded.group(1))
    return re.search(r'filename="((?:[^"\\]|\\.)*)"', disposition).group(1)


def assert_safe_download(response, content_type: str, extension: str, *, inline: bool = False):
    assert response.status_code == 200
    assert response["Content-Type"].split(";")[0] == content_type
    assert served_name(response).endswith(extension)
    assert response["Content-Disposition"].startswith("inline" if inline else "attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


# --- Generated files: the exports and PDFs -------------------------------------------------------


def _review_pdf(org, users):
    from indicators.review.services import review_create

    review_create(actor=users["hms_department"], root=org.root, year=timezone.localdate().year)
    return users["hms_department"], reverse("review:pdf", args=[timezone.localdate().year])


def _assessment_pdf(org, users):
    from risk.services import assessment_create

    assessment = assessment_create(
        actor=users["line_manager"], unit=org.department, title="Synthesis", activity="D2-104"
    )
    return users["line_manager"], reverse("risk:assessment_pdf", args=[assessment.pk])


def _round_pdf(org, users):
    from risk.models import ChecklistTemplate, ParticipantRole
    from risk.services import round_plan

    round_ = round_plan(
        actor=users["line_manager"],
        unit=org.department,
        planned_for=timezone.localdate(),
        participants=[
            (users["line_manager"], ParticipantRole.LINE_MANAGER),
            (users["safety_rep"], ParticipantRole.SAFETY_REP),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug="fire")),
    )
    return users["line_manager"], reverse("risk:round_report_pdf", args=[round_.pk])


def _routine_pdf(org, users):
    routine = make_routine(org.department, users["line_manager"])
    return users["line_manager"], reverse("registers:routine_pdf", args=[routine.pk])


def _report_pdf(org, users):
    from indicators.reports.models import Report, ReportKind, ReportStatus

    report = Report.objects.create(
        kind=ReportKind.TERTIAL, year=timezone.localdate().year - 1, tertial=2, unit=org.department
    )
    report.pdf.save("stored-under-any-name.txt", ContentFile(b"%PDF-1.7 stand-in"), save=False)
    report.status, report.finished_at = ReportStatus.DONE, timezone.now()
    report.save()
    return users["line_manager"], reverse("reports:download", args=[report.pk])


def _plain(user_key: str, url: str):
    return lambda org, users: (users[user_key], url)


def _with_measure(user_key: str, url: str):
    def build(org, users):
        make_measure(org.department, users["line_manager"], title="=HYPERLINK(1)")
        return users[user_key], url

    return build


def _with_deviation(url: str):
    def build(org, users):
        make_deviation(org.section, users["employee"], health_details="Kuttskade i hånden")
        return users["line_manager"], url

    return build


GENERATED = {
    "deviations csv": (_with_deviation("/deviations/export.csv"), "text/csv", ".csv"),
    "deviations xlsx": (_with_deviation("/deviations/export.xlsx"), XLSX, ".xlsx"),
    "action plan xlsx": (
        _with_measure("line_manager", "/actionplans/DEP/export.xlsx"),
        XLSX,
        ".xlsx",
    ),
    "action plan pdf": (
        _with_measure("line_manager", "/actionplans/DEP/export.pdf"),
        "application/pdf",
        ".pdf",
    ),
    "unit tree csv": (_plain("administrator", "/units/export.csv"), "text/csv", ".csv"),
    "indicator example csv": (
        _plain("line_manager", "/indicators/import/example.csv"),
        "text/csv",
        ".csv",
    ),
    "training csv": (_plain("line_manager", "/training/DEP/export.csv"), "text/csv", ".csv"),
    "training xlsx": (_plain("line_manager", "/training/DEP/export.xlsx"), XLSX, ".xlsx"),
    "tertial report pdf": (_report_pdf, "application/pdf", ".pdf"),
    "risk assessment pdf": (_assessment_pdf, "application/pdf", ".pdf"),
    "inspection round pdf": (_round_pdf, "application/pdf", ".pdf"),
    "routine pdf": (_routine_pdf, "application/pdf", ".pdf"),
    "management review pdf": (_review_pdf, "application/pdf", ".pdf"),
    "qr code svg": (_plain("employee", "/deviations/qr/SEC/code.svg"), "image/svg+xml", ".svg"),
}


@pytest.fixture
def users(line_manager, safety_rep, employee, hms_department, administrator):
    return {
        "line_manager": line_manager,
        "safety_rep": safety_rep,
        "employee": employee,
        "hms_department": hms_department,
        "administrator": administrator,
    }


@pytest.mark.parametrize("case", GENERATED, ids=list(GENERATED))
def test_generated_download_is_served_as_what_it_is(client, org, users, reference_data, case):
    build, content_type, extension = GENERATED[case]
    user, url = build(org, users)
    client.force_login(user)
    response = client.get(url)
    assert_safe_download(response, content_type, extension)
    body = body_of(response)
    assert body.startswith(MAGIC[content_type])
    # The type said is the type found in what was sent.
    assert detect_type(io.BytesIO(body))[0] in {content_type, "text/plain"}
    if content_type == XLSX:
        assert load_workbook(io.BytesIO(body), read_only=True).sheetnames


# --- Stored files: attachments, documents, certificates -----------------------------------------


def _attachment(org, users, content: bytes, name: str, recorded: str):
    deviation = make_deviation(org.section, users["employee"])
    stored = Attachment(
        deviation=deviation,
        token=uuid.uuid4(),
        original_name=name,
        content_type=recorded,
        size=len(content),
    )
    stored.file.save("ignored", ContentFile(content), save=False)
    stored.save()
    return users["line_manager"], stored.get_absolute_url()


def _document(org, users, content: bytes, name: str, recorded: str):
    document = make_document(org.department, users["line_manager"])
    document.file.save("ignored", ContentFile(content), save=False)
    document.file_name, document.file_type = name, recorded
    document.save()
    return users["employee"], reverse("registers:document_file", args=[document.pk])


def _certificate(org, users, content: bytes, name: str, recorded: str):
    record = TrainingRecord(
        person=users["employee"],
        course=Course.objects.first(),
        completed_on=timezone.localdate() - datetime.timedelta(days=30),
        registered_by=users["employee"],
        proof_token=uuid.uuid4(),
        proof_name=name,
        proof_content_type=recorded,
    )
    record.proof_file.save("ignored", ContentFile(content), save=False)
    record.save()
    return users["line_manager"], record.proof_url()


STORED = {"attachment": _attachment, "document": _document, "certificate": _certificate}

# (content, the name and the type stored with it) → (served type, served name, inline)
STORED_FILES = {
    "photo": (PNG, "photo.png", "image/png", "image/png", "photo.png", True),
    "pdf named .txt": (PDF, "report.txt", "text/plain", "application/pdf", "report.pdf", False),
    "photo without extension": (JPEG, "scan", "", "image/jpeg", "scan.jpg", True),
    "photo named .JPEG": (JPEG, "IMG_1.JPEG", "image/jpeg", "image/jpeg", "IMG_1.JPEG", True),
    "svg": (SVG, "drawing.svg", "image/svg+xml", "image/svg+xml", "drawing.svg", False),
    "html named as a photo": (HTML, "photo.png", "image/png", "text/plain", "photo.txt", False),
    "unknown bytes": (
        b"MZ\x90\x00\x00",
        "tool.exe",
        "application/pdf",
        "application/octet-stream",
        "tool.bin",
        False,
    ),
    "non-ascii name": (
        PDF,
        "Årsrapport «HMS».pdf",
        "application/pdf",
        "application/pdf",
        "Årsrapport «HMS».pdf",
        False,
    ),
}


@pytest.mark.parametrize("kind", STORED)
@pytest.mark.parametrize("case", STORED_FILES, ids=list(STORED_FILES))
def test_stored_file_is_served_as_what_its_content_is(
    client, org, users, reference_data, kind, case
):
    content, name, recorded, content_type, served, inline = STORED_FILES[case]
    user, url = STORED[kind](org, users, content, name, recorded)
    client.force_login(user)
    response = client.get(url)
    assert_safe_download(response, content_type, served[served.rfind(".") :], inline=inline)
    assert served_name(response) == served
    assert body_of(response) == content


@pytest.mark.parametrize("kind", STORED)
def test_html_or_svg_is_never_shown_in_the_browser(client, org, users, reference_data, kind):
    for content, name in ((HTML, "page.html"), (SVG, "x.svg"), (HTML, "photo.jpg")):
        user, url = STORED[kind](org, users, content, name, "image/png")
        client.force_login(user)
        response = client.get(url)
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"].split(";")[0] not in {"text/html", "image/png"}


@pytest.mark.parametrize(
    ("name", "extension", "content_type", "expected"),
    [
        ("report.txt", ".pdf", "application/pdf", "report.pdf"),
        ("Referat 2024.03.01", ".pdf", "application/pdf", "Referat 2024.03.01.pdf"),
        ("x.xlsx", ".xlsx", XLSX, "x.xlsx"),
        ("", ".csv", "text/csv", "download.csv"),
        ("../../etc/passwd", ".txt", "text/plain", "passwd.txt"),
        ("line\r\nbreak.pdf", ".pdf", "application/pdf", "line break.pdf"),
    ],
)
def test_download_name_gets_the_extension_of_what_it_is(name, extension, content_type, expected):
    assert download_name(name, extension, content_type) == expected
