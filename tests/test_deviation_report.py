"""Reporting a deviation: the form, anonymity, the receipt code, attachments and the QR poster."""

import datetime
import io
import re
import struct
import uuid
import zlib

import pghistory.models
import pytest
import segno
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from deviations import services
from deviations.forms import DeviationReportForm, attachment_type
from deviations.models import (
    Attachment,
    Category,
    Comment,
    Deviation,
    DeviationStep,
    EventKind,
    YearCounter,
)
from hms.celery import app as celery_app
from tests.browser import browser_page, chromium  # noqa: F401 (fixtures)
from tests.conftest import user_with_role
from tests.factories import UserFactory, load_reference_data, make_deviation, make_unit
from units.models import Role, RoleAssignment

REPORT_URL = reverse("deviations:report")
RECEIPT_URL = reverse("deviations:receipt")


@pytest.fixture(autouse=True)
def fresh_cache():
    # The receipt throttle counts in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run_tasks():
    """Queued e-mails are sent in the test's own process."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def png_bytes() -> bytes:
    """A real 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)


def form_data(**overrides) -> dict:
    occurred = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "submission_token": str(uuid.uuid4()),
        "title": "Knust glass i laben",
        "description": "Glasskår lå igjen på gulvet etter forsøket.",
        "deviation_type": "hazard",
        "category": str(Category.objects.get(code="building").pk),
        "severity": "minor",
        "unit": "SEC",
        "location": "Rom 117",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
        "actual_consequence": "",
        "potential_consequence": "Kutt i hånden",
        "immediate_action": "Feide opp",
        "injury_kind": "",
        "absence_days": "",
        "health_details": "",
    }
    data.update(overrides)
    return data


def report(client, **overrides):
    return client.post(REPORT_URL, form_data(**overrides))


# --- The form ----------------------------------------------------------------------------------


def test_employee_reports_a_deviation_numbered_per_year(client, employee, org):
    year = timezone.localtime().year
    YearCounter.objects.create(year=year - 1, last=57)  # last year's numbers do not carry over
    client.force_login(employee)

    first = report(client)
    second = report(client, title="Andre avvik")

    assert first.status_code == 200
    assert f"AV-{year}-0001" in first.content.decode()
    assert f"AV-{year}-0002" in second.content.decode()
    deviation = Deviation.objects.get(number=f"AV-{year}-0001")
    assert deviation.reporter == employee
    assert not deviation.is_anonymous
    assert deviation.unit == org.section
    assert deviation.title == "Knust glass i laben"
    step = DeviationStep.objects.get(deviation=deviation)
    assert step.kind == EventKind.REPORTED
    assert step.actor == employee


def test_named_report_is_linked_to_its_reporter_in_the_audit_history(client, employee):
    client.force_login(employee)
    report(client)
    event = apps.get_model("deviations", "DeviationEvent").objects.get()
    assert event.pgh_context.metadata["user"] == employee.pk
    assert event.pgh_context.metadata["username"] == "employee"
    assert event.pgh_context.metadata["url"] == REPORT_URL


def test_form_defaults_to_the_unit_of_the_employee_role(client, org, employee):
    # An earlier role elsewhere does not win over the employee role.
    RoleAssignment.objects.create(
        user=employee,
        unit=org.other_department,
        role=Role.SAFETY_REP,
        valid_from=datetime.date(2020, 1, 1),
    )
    client.force_login(employee)
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    assert response.context["form"].initial["unit"] == "SEC"
    assert "Section of Attempts" in response.content.decode()


def test_form_defaults_to_the_first_role_without_an_employee_role(client, safety_rep):
    client.force_login(safety_rep)
    response = client.get(REPORT_URL)
    assert response.context["form"].initial["unit"] == "DEP"


def test_form_without_any_role_leaves_the_unit_empty(client, org):
    client.force_login(UserFactory(username="newcomer"))
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    assert response.context["form"].initial["unit"] == ""


def test_unit_link_from_the_qr_code_prefills_the_unit(client, employee):
    client.force_login(employee)
    response = client.get(REPORT_URL + "?unit=otherdep")
    assert response.context["form"].initial["unit"] == "OTHERDEP"
    assert response.context["unit_notice"] == ""


def test_unknown_unit_link_says_so_and_keeps_the_own_unit(client, employee):
    client.force_login(employee)
    response = client.get(REPORT_URL + "?unit=NOPE")
    assert response.context["form"].initial["unit"] == "SEC"
    assert "not known or not active" in response.content.decode()


def test_unit_can_be_given_by_its_name(client, employee, org):
    client.force_login(employee)
    report(client, unit="department of trials")
    assert Deviation.objects.get().unit == org.department


def test_inactive_unit_is_refused(client, employee, org):
    org.other_department.is_active = False
    org.other_department.save()
    client.force_login(employee)
    response = report(client, unit="OTHERDEP")
    assert response.status_code == 200
    assert "No active unit has the code or name" in response.content.decode()
    assert not Deviation.objects.exists()


def test_invalid_input_is_explained_field_by_field_and_kept(client, employee):
    client.force_login(employee)
    response = report(client, description="", category="", severity="", location="Lab D3-117")
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"description", "category", "severity"}
    page = response.content.decode()
    assert "The report was not sent yet" in page
    assert "Knust glass i laben" in page
    assert "Lab D3-117" in page
    assert "Feide opp" in page
    assert not Deviation.objects.exists()


def test_future_time_is_refused(client, employee):
    client.force_login(employee)
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    response = report(client, occurred_at=tomorrow.strftime("%Y-%m-%dT%H:%M"))
    assert "This is in the future" in response.content.decode()
    assert not Deviation.objects.exists()


def test_injury_with_absence_needs_the_days_of_absence(client, employee):
    client.force_login(employee)
    response = report(client, injury_kind="absence")
    assert "absence_days" in response.context["form"].errors
    report(client, injury_kind="absence", absence_days="3")
    assert Deviation.objects.get().absence_days == 3


def test_days_of_absence_are_dropped_for_other_injuries(client, employee):
    client.force_login(employee)
    report(client, injury_kind="first_aid", absence_days="4")
    assert Deviation.objects.get().absence_days is None


@pytest.mark.parametrize(
    "bad",
    [
        {"category": "abc"},
        {"category": "999999"},
        {"deviation_type": "xyz"},
        {"occurred_at": "yesterday-ish"},
        {"occurred_at": "2024-13-45T99:99"},
        {"occurred_at": "0024-03-01T10:00"},
        {"occurred_at": "2024-03-31T02:30"},  # does not exist in Oslo (summer time)
        {"absence_days": "-5", "injury_kind": "absence"},
        {"injury_kind": "broken"},
        {"unit": ""},
        {"unit": "x" * 500},
        {"title": "x" * 500},
        {"submission_token": "not-a-uuid"},
        {"submission_token": ""},
    ],
)
def test_bad_input_is_refused_with_a_message_never_a_server_error(client, employee, bad):
    client.force_login(employee)
    response = report(client, **bad)
    assert response.status_code == 200
    assert "The report was not sent yet" in response.content.decode()
    assert not Deviation.objects.exists()


def test_a_refused_token_is_replaced_so_the_next_send_works(client, employee):
    client.force_login(employee)
    response = report(client, submission_token="not-a-uuid")
    token = response.context["form"].data["submission_token"]
    uuid.UUID(token)
    assert "The form was incomplete" in response.content.decode()


def test_every_field_of_the_form_is_shown_in_a_section():
    form = DeviationReportForm()
    shown = {name for _legend, names in form.sections for name in names}
    hidden = {field.name for field in form.hidden_fields()}
    assert shown | hidden == set(form.fields)


def test_report_form_queries_do_not_grow_with_the_organisation(
    client, employee, org, django_assert_max_num_queries
):
    client.force_login(employee)
    client.get(REPORT_URL)  # the session and the user are loaded the same way every time

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(REPORT_URL + "?unit=DEP").status_code == 200
        return len(queries)

    small = count()
    for number in range(60):
        make_unit(org.department, code=f"LAB{number}")
    # 8, plus the session saved on every request for the idle timeout (savepoint, update).
    with django_assert_max_num_queries(11):
        large = count()
    assert large == small


# --- Submitting twice --------------------------------------------------------------------------


def test_the_same_form_sent_twice_makes_one_deviation(client, employee):
    client.force_login(employee)
    data = form_data()
    client.post(REPORT_URL, data)
    again = client.post(REPORT_URL, data)
    assert Deviation.objects.count() == 1
    page = again.content.decode()
    assert "This report was already received" in page
    assert Deviation.objects.get().number in page


def test_anonymous_report_sent_twice_shows_a_fresh_code_that_works(client, employee):
    """The browser shows only the answer to the last send: that answer must carry a code."""
    client.force_login(employee)
    data = form_data(anonymous="on")
    first = client.post(REPORT_URL, data)
    again = client.post(REPORT_URL, data)
    assert Deviation.objects.count() == 1
    first_code = first.context["receipt_code"]
    second_code = again.context["receipt_code"]
    assert first_code and second_code and first_code != second_code
    assert "This report was already received" in again.content.decode()
    deviation = Deviation.objects.get()
    assert deviation.receipt_code_hash == services.receipt_code_hash(second_code)
    assert deviation.receipt_code_hash != services.receipt_code_hash(first_code)


# --- Anonymity ---------------------------------------------------------------------------------


def _event_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    ]


def _user_foreign_keys(model) -> list[str]:
    user_model = get_user_model()
    return [
        field.attname
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.related_model is user_model
    ]


def test_anonymous_report_keeps_no_link_to_the_reporter(
    client,
    org,
    line_manager,
    safety_rep,
    django_capture_on_commit_callbacks,
    mailoutbox,
    run_tasks,
    caplog,
):
    reporter = user_with_role("kari", Role.EMPLOYEE, org.section)
    reporter.first_name, reporter.last_name, reporter.email = "Kari", "Nordmannsen", "kari@x.org"
    reporter.save()
    identifying = ["kari", "Kari", "Nordmannsen", "kari@x.org"]
    client.force_login(reporter)
    client.get(REPORT_URL)
    session_before = dict(client.session.items())
    last_event = {
        model: model.objects.aggregate(last=models.Max("pk"))["last"] or 0
        for model in _event_models()
    }
    contexts_before = set(pghistory.models.Context.objects.values_list("pk", flat=True))
    caplog.set_level("DEBUG")

    with django_capture_on_commit_callbacks(execute=True):
        response = report(
            client,
            anonymous="on",
            attachments=[SimpleUploadedFile("IMG_kari_nordmannsen.png", png_bytes())],
        )

    # The code is shown in the answer to the POST itself: no redirect, nothing kept.
    assert response.status_code == 200
    page = response.content.decode()
    assert "Write this code down: it is the only way back to your report" in page
    code = response.context["receipt_code"]
    assert code in page
    deviation = Deviation.objects.get()
    assert deviation.number in page
    assert deviation.reporter is None
    assert deviation.is_anonymous
    assert deviation.receipt_code_hash == services.receipt_code_hash(code)
    assert code not in deviation.receipt_code_hash
    assert not Deviation.objects.visible_to(reporter).exists()
    assert DeviationStep.objects.get(deviation=deviation).actor is None
    assert Attachment.objects.get().original_name == "attachment-1.png"

    # The audit history: no context, or one without the user, and nothing that names them.
    for event in apps.get_model("deviations", "DeviationEvent").objects.all():
        metadata = event.pgh_context.metadata if event.pgh_context else {}
        assert metadata.get("user") is None
        assert metadata.get("username") is None
    for context in pghistory.models.Context.objects.exclude(pk__in=contexts_before):
        assert context.metadata.get("user") in (None, "")
        assert context.metadata.get("username") in (None, "")
        assert not any(word in str(context.metadata) for word in identifying)
    new_events = 0
    for model, last in last_event.items():
        for row in model.objects.filter(pk__gt=last).values():
            new_events += 1
            for attname in _user_foreign_keys(model):
                assert row[attname] != reporter.pk, (model, attname)
            text = str(row)
            assert not any(word in text for word in identifying), (model, row)
    assert new_events >= 2  # the deviation and its attachment were audited

    # The session: nothing new, and nothing of the report.
    session_after = dict(client.session.items())
    assert session_after == session_before
    for key, value in session_after.items():
        assert deviation.number not in f"{key}{value}"
        assert code not in f"{key}{value}"

    # The e-mails to the unit name nobody.
    assert mailoutbox, "the unit's line manager and safety rep are told"
    for message in mailoutbox:
        text = f"{message.subject}\n{message.body}\n{message.to}"
        assert deviation.number in text
        assert not any(word in text for word in identifying)

    # The logs.
    for record in caplog.records:
        assert not any(word in record.getMessage() for word in identifying)
        assert code not in record.getMessage()


def test_anonymous_report_is_not_linked_in_the_audit_even_for_a_user_of_the_history(
    client, employee
):
    client.force_login(employee)
    report(client, anonymous="on")
    assert not pghistory.models.Context.objects.filter(metadata__user=employee.pk).exists()
    assert not pghistory.models.Context.objects.filter(metadata__username="employee").exists()


# --- The receipt code --------------------------------------------------------------------------


@pytest.fixture
def anonymous_case(org, employee):
    deviation, code, _created = services.deviation_report(
        reporter=None,
        anonymous=True,
        unit=org.section,
        submission_token=uuid.uuid4(),
        title="Dårlig luft på kontoret",
        description="Hodepine hver ettermiddag.",
        occurred_at=timezone.now() - datetime.timedelta(days=1),
        deviation_type="hazard",
        category=Category.objects.get(code="psychosocial"),
        severity="minor",
        health_details="Migrene og kvalme",
    )
    return deviation, code


def test_receipt_code_shows_the_case_and_the_handlers_questions(
    client, anonymous_case, line_manager
):
    deviation, code = anonymous_case
    services.comment_add(author=line_manager, deviation=deviation, text="Hvilket rom gjelder det?")
    response = client.post(RECEIPT_URL, {"code": code.lower().replace("-", " ")})
    assert response.status_code == 200
    page = response.content.decode()
    assert deviation.number in page
    assert 'id="receipt-status">Reported<' in page
    assert "Section of Attempts" in page
    assert "Hvilket rom gjelder det?" in page
    assert str(line_manager) in page
    assert "Migrene" not in page  # health details are not for the receipt page
    assert code not in response.get("Location", "")


def test_anonymous_reporter_answers_through_the_receipt_code(client, anonymous_case, employee):
    deviation, code = anonymous_case
    # Logged in or not, the answer is not linked to the person.
    client.force_login(employee)
    response = client.post(RECEIPT_URL, {"code": code, "answer": "1", "text": "Rom D3-117."})
    assert response.status_code == 200
    comment = Comment.objects.get(deviation=deviation)
    assert comment.from_reporter
    assert comment.author is None
    assert comment.text == "Rom D3-117."
    page = response.content.decode()
    assert "Your answer was added" in page
    assert "You" in page
    assert f'value="{code}"' in page  # the code travels on in a hidden field
    event = apps.get_model("deviations", "CommentEvent").objects.get()
    assert event.pgh_context is None or event.pgh_context.metadata.get("user") is None
    # Sending the page again does not add the answer twice.
    client.post(RECEIPT_URL, {"code": code, "answer": "1", "text": "Rom D3-117."})
    assert Comment.objects.count() == 1


def test_empty_answer_is_refused_and_the_case_still_shown(client, anonymous_case):
    deviation, code = anonymous_case
    response = client.post(RECEIPT_URL, {"code": code, "answer": "1", "text": "  "})
    assert response.status_code == 200
    assert deviation.number in response.content.decode()
    assert not Comment.objects.exists()


def test_wrong_receipt_code_gets_a_message(client, anonymous_case):
    deviation, _code = anonymous_case
    response = client.post(RECEIPT_URL, {"code": "AAAA-BBBB-CCCC-DDDD"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "No case matches this code" in page
    assert deviation.number not in page


def test_empty_receipt_code_is_refused_and_finds_no_named_report(client, employee, org):
    named = make_deviation(org.section, employee)
    response = client.post(RECEIPT_URL, {"code": ""})
    page = response.content.decode()
    assert "This field is required" in page
    assert named.number not in page


def test_receipt_page_throttles_guessing(client, anonymous_case):
    deviation, code = anonymous_case
    for attempt in range(10):
        client.post(RECEIPT_URL, {"code": f"WRONG-CODE-{attempt:04d}"})
    refused = client.post(RECEIPT_URL, {"code": code})
    assert refused.status_code == 429
    assert "Too many wrong codes" in refused.content.decode()
    assert deviation.number not in refused.content.decode()
    # Another network is not affected.
    other = client.post(RECEIPT_URL, {"code": code}, REMOTE_ADDR="10.1.2.3")
    assert deviation.number in other.content.decode()


def test_receipt_page_is_open_without_login(client, db):
    response = client.get(RECEIPT_URL)
    assert response.status_code == 200
    assert 'method="post"' in response.content.decode()


# --- Attachments -------------------------------------------------------------------------------


def test_png_and_pdf_are_stored_with_the_type_found_in_them(client, employee):
    client.force_login(employee)
    response = report(
        client,
        attachments=[
            SimpleUploadedFile("glass.png", png_bytes(), content_type="application/octet-stream"),
            SimpleUploadedFile("rutine.pdf", PDF_BYTES, content_type="application/pdf"),
        ],
    )
    assert response.status_code == 200
    deviation = Deviation.objects.get()
    stored = {a.original_name: a for a in deviation.attachments.all()}
    assert set(stored) == {"glass.png", "rutine.pdf"}
    assert stored["glass.png"].content_type == "image/png"
    assert stored["rutine.pdf"].content_type == "application/pdf"
    with stored["glass.png"].file.open("rb") as handle, Image.open(handle) as image:
        # Re-encoded without metadata, the same pixel.
        assert image.size == (1, 1)
        assert image.convert("RGB").getpixel((0, 0)) == (255, 0, 0)
    assert stored["rutine.pdf"].size == len(PDF_BYTES)


def test_text_file_named_like_a_photo_is_refused_and_the_form_kept(client, employee):
    client.force_login(employee)
    fake = SimpleUploadedFile("photo.jpg", b"just some text, really", content_type="image/jpeg")
    response = report(client, attachments=[fake], title="Lekkasje under vasken")
    assert response.status_code == 200
    page = response.content.decode()
    assert "“photo.jpg” is not an image" in page
    assert "Choose the files again" in page
    assert "Lekkasje under vasken" in page
    assert not Deviation.objects.exists()
    assert not Attachment.objects.exists()


def test_oversized_file_is_refused_and_the_form_kept(client, employee, settings):
    settings.DEVIATION_ATTACHMENT_MAX_BYTES = 50
    client.force_login(employee)
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * 100, content_type="image/png")
    response = report(client, attachments=[big], title="Stor fil")
    page = response.content.decode()
    assert "“big.png” is" in page
    assert "the largest file accepted is 50" in page
    assert "Choose the files again" in page
    assert "Stor fil" in page
    assert not Deviation.objects.exists()


def test_chosen_files_are_asked_for_again_when_another_field_is_wrong(client, employee):
    client.force_login(employee)
    photo = SimpleUploadedFile("glass.png", png_bytes(), content_type="image/png")
    response = report(client, attachments=[photo], description="")
    assert "Choose the files again before you send" in response.content.decode()


@pytest.mark.parametrize(
    "head, expected",
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"<svg xmlns=", None),
        (b"MZ\x90\x00", None),
        (b"", None),
    ],
)
def test_file_type_is_told_by_its_content(head, expected):
    found = attachment_type(SimpleUploadedFile("photo.jpg", head))
    assert (found[0] if found else None) == expected


# --- The QR poster -----------------------------------------------------------------------------


def test_qr_page_shows_the_unit_and_its_report_link(client, employee, org, settings):
    settings.SITE_URL = "https://hms.example.org"
    client.force_login(employee)
    response = client.get(reverse("deviations:unit_qr", args=["SEC"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page
    assert "Seksjon for forsøk" in page
    assert "Section of Attempts" in page
    assert "https://hms.example.org/deviations/new/?unit=SEC" in page
    assert "qr-poster.css" in page  # its print rules, from a file under the strict policy


def test_qr_code_is_an_svg_file_of_the_report_link(client, employee, settings):
    settings.SITE_URL = "https://hms.example.org/"
    client.force_login(employee)
    response = client.get(reverse("deviations:unit_qr_svg", args=["SEC"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    body = response.content.decode()
    assert body.startswith("<?xml")
    assert "<svg" in body
    assert body.rstrip().endswith("</svg>")
    # The modules drawn are those of the unit's report link.
    expected = io.BytesIO()
    segno.make("https://hms.example.org/deviations/new/?unit=SEC", error="m").save(
        expected, kind="svg", border=4, scale=10
    )
    drawn = re.compile(r' d="([^"]+)"')
    assert drawn.search(body).group(1) == drawn.search(expected.getvalue().decode()).group(1)


def test_qr_for_an_unknown_unit_is_not_found(client, employee):
    client.force_login(employee)
    assert client.get(reverse("deviations:unit_qr", args=["NOPE"])).status_code == 404
    assert client.get(reverse("deviations:unit_qr_svg", args=["NOPE"])).status_code == 404


def test_unit_page_links_to_reporting_and_the_qr_code(client, employee):
    client.force_login(employee)
    page = client.get(reverse("units:detail", args=["SEC"])).content.decode()
    assert REPORT_URL + "?unit=SEC" in page
    assert reverse("deviations:unit_qr", args=["SEC"]) in page


# --- Who may open what -------------------------------------------------------------------------


def test_outsider_may_report_and_print_a_qr_code_anywhere(client, outsider):
    client.force_login(outsider)
    assert client.get(REPORT_URL + "?unit=SEC").status_code == 200
    assert client.get(reverse("deviations:unit_qr", args=["SEC"])).status_code == 200
    assert client.get(reverse("deviations:unit_qr_svg", args=["SEC"])).status_code == 200


def test_visitor_who_is_not_logged_in_may_report_and_follow_up_but_not_print_posters(client, org):
    assert client.get(REPORT_URL + "?unit=SEC").status_code == 200
    assert client.get(RECEIPT_URL).status_code == 200
    for url in (
        reverse("deviations:unit_qr", args=["SEC"]),
        reverse("deviations:unit_qr_svg", args=["SEC"]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_report_pages_are_not_cached(client, employee):
    client.force_login(employee)
    assert "no-store" in client.get(REPORT_URL)["Cache-Control"]
    assert "no-store" in client.get(RECEIPT_URL)["Cache-Control"]


def test_settings_limit_attachments_to_ten_megabytes_by_default():
    assert settings.DEVIATION_ATTACHMENT_MAX_BYTES == 10 * 1024 * 1024


# --- In a browser, on a phone ------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_phone_user_scans_the_qr_code_and_reports_anonymously(
    browser_page,  # noqa: F811
    org,
    employee,
    line_manager,
    run_tasks,
):
    load_reference_data()  # emptied by earlier tests that run outside a transaction
    page = browser_page
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(REPORT_URL + "?unit=DEP")  # where the QR code on the poster leads, no login
    expect(page.locator("#report-visitor")).to_be_visible()
    expect(page.locator("#id_unit")).to_have_value("DEP")
    expect(page.locator("#report-unit-name")).to_have_text("Department of Trials")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.fill("#id_title", "Glass på gulvet")
    page.fill("#id_description", "Knust glass ved vasken.")
    page.get_by_label("Near miss").check()
    page.select_option("#id_category", label="Building, technical, material")
    page.get_by_label("Minor").check()
    expect(page.locator("#div_id_absence_days")).to_be_hidden()
    page.select_option("#id_injury_kind", "absence")
    expect(page.locator("#div_id_absence_days")).to_be_visible()
    page.select_option("#id_injury_kind", "")
    expect(page.get_by_label("Report anonymously")).to_have_count(0)  # a visitor always is
    # The honeypot is out of sight: nobody can fill it by mistake.
    box = page.locator("#id_website").bounding_box()
    assert box["x"] + box["width"] <= 0
    page.click("#report-form button[type=submit]")

    code = page.locator("#receipt-code").inner_text()
    deviation = Deviation.objects.get()
    assert deviation.reporter is None
    assert services.receipt_code_hash(code) == deviation.receipt_code_hash
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.goto(RECEIPT_URL)
    page.fill("#id_code", code)
    page.click("#receipt-form button[type=submit]")
    expect(page.locator("#receipt-page h1")).to_contain_text(deviation.number)
    page.fill("#id_text", "Det var rom 117.")
    page.click("#receipt-answer button[type=submit]")
    expect(page.locator("#receipt-thread")).to_contain_text("Det var rom 117.")
    assert Comment.objects.get().author is None


def test_a_large_tree_suggests_the_reporters_own_faculty_not_every_unit(
    client, org, employee, monkeypatch
):
    from deviations.views import report as report_views

    monkeypatch.setattr(report_views, "DATALIST_LIMIT", 5)  # the test tree has 6 units
    client.force_login(employee)
    options = dict(client.get(REPORT_URL).context["unit_options"])
    # Top two levels, and everything in the employee's own faculty (FAC → DEP → SEC).
    assert {"ROOT", "FAC", "OTHERFAC", "DEP", "SEC"} <= set(options)
    assert "OTHERDEP" not in options
    # A unit left out of the suggestions can still be chosen by its code.
    response = client.post(REPORT_URL, form_data(unit="OTHERDEP"))
    assert Deviation.objects.get().unit.code == "OTHERDEP"
    assert response.status_code == 200


def test_behind_a_proxy_the_throttle_counts_the_client_not_the_proxy(client, settings):
    from django.test import RequestFactory

    from hms.client import client_address

    settings.BEHIND_PROXY = True
    request = RequestFactory().post(
        RECEIPT_URL, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.7"
    )
    assert client_address(request) == "192.0.2.7"  # what our proxy saw, not the forged part
    settings.BEHIND_PROXY = False
    assert client_address(request) == "10.0.0.2"
