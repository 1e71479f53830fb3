"""Reporting without an account: anyone with the poster's link reports, always anonymously,
held back by a per-address limit and a honeypot, and leaves no trace of who they are: not in
the report, its history, the logs, the cache or a sign-in time."""

import datetime
import hashlib
import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from types import SimpleNamespace
from urllib.parse import quote

import pghistory.models
import pytest
from axes.models import AccessLog
from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.test import Client
from django.urls import reverse
from gunicorn.config import Config

from deviations import services
from deviations.models import Attachment, Deviation, DeviationStep
from hms.access_log import PRIVATE_PATHS, AccessLogger
from tests.test_deviation_report import (
    REPORT_URL,
    form_data,
    media,  # noqa: F401 (fixture)
    png_bytes,
)
from tests.test_oidc_sign_in import sign_in, signed_in_user
from tests.test_privacy_uploads import assert_no_metadata, phone_photo
from tests.waits import WAIT

RECEIPT_URL = reverse("deviations:receipt")
ADDRESS = "198.51.100.23"
OTHER_ADDRESS = "203.0.113.9"
USER_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1) KariPhone/7.3"
VISITOR = {"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": USER_AGENT}


@pytest.fixture(autouse=True)
def fresh_cache():
    # The limit counts in the cache, which outlives a test's database transaction.
    cache.clear()
    yield
    cache.clear()


def send(client, address=ADDRESS, **overrides):
    return client.post(
        REPORT_URL, form_data(**overrides), REMOTE_ADDR=address, HTTP_USER_AGENT=USER_AGENT
    )


def cache_contents() -> list[str]:
    """Every key and value in the cache, whichever backend the settings chose."""
    backend = cache._cache
    if hasattr(backend, "get_client"):  # Redis
        client = backend.get_client(None)
        return [
            f"{key!r} {client.get(key)!r}"
            for key in client.keys("*")
            if client.type(key) == b"string"
        ]
    return [f"{key!r} {value!r}" for key, value in backend.items()]  # local memory


# --- The form ----------------------------------------------------------------------------------


def test_visitor_opens_the_form_for_the_posters_unit_without_logging_in(client, org):
    response = client.get(REPORT_URL + "?unit=SEC")

    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'name="unit"[^>]*value="SEC"', page)
    assert org.section.name in page
    assert 'id="report-visitor"' in page
    assert "your report is anonymous" in page
    assert "receipt code" in page
    assert 'name="anonymous"' not in page  # there is no name to give
    assert 'name="csrfmiddlewaretoken"' in page
    assert "no-store" in response["Cache-Control"]
    # No session is started for a visitor.
    assert settings.SESSION_COOKIE_NAME not in response.cookies


def test_honeypot_is_out_of_sight_and_out_of_reach(client, org):
    page = client.get(REPORT_URL + "?unit=SEC").content.decode()
    wrapper = re.search(r'<div class="report-extra"[^>]*>', page).group(0)
    assert 'aria-hidden="true"' in wrapper
    field = re.search(r'<input[^>]*name="website"[^>]*>', page).group(0)
    assert 'tabindex="-1"' in field and 'autocomplete="off"' in field
    css = (settings.BASE_DIR / "static/hms/hms.css").read_text()
    assert re.search(r"\.report-extra \{[^}]*left: -10000px", css)


def test_logged_in_user_sees_no_honeypot_and_keeps_the_choice(client, employee):
    client.force_login(employee)
    page = client.get(REPORT_URL + "?unit=SEC").content.decode()
    assert 'name="anonymous"' in page
    assert 'name="website"' not in page
    assert 'id="report-visitor"' not in page


def test_visitor_without_a_link_chooses_the_unit_from_codes_and_names(client, org):
    response = client.get(REPORT_URL)
    assert response.status_code == 200
    assert response.context["form"]["unit"].value() == ""
    options = response.context["unit_options"]
    assert ("SEC", org.section.name) in options
    assert all(len(option) == 2 for option in options)  # a code and a name, nothing more


@pytest.mark.parametrize("code", ["NOSUCH", "%00SEC", "x" * 5000])
def test_a_link_naming_no_unit_says_so_and_leaves_the_unit_empty(client, org, code):
    response = client.get(f"{REPORT_URL}?unit={code}")
    assert response.status_code == 200
    assert "is not known or not active" in response.content.decode()
    assert response.context["form"]["unit"].value() == ""


def test_visitor_suggestions_in_a_large_tree_stay_bounded(client, org, monkeypatch):
    from deviations.views import report as report_views

    monkeypatch.setattr(report_views, "DATALIST_LIMIT", 5)  # the test tree has 6 units
    plain = dict(client.get(REPORT_URL).context["unit_options"])
    assert set(plain) == {"ROOT", "FAC", "OTHERFAC"}  # the top two levels
    linked = dict(client.get(REPORT_URL + "?unit=OTHERDEP").context["unit_options"])
    assert set(linked) == {"ROOT", "FAC", "OTHERFAC", "OTHERDEP"}  # and the link's faculty


# --- Sending -----------------------------------------------------------------------------------


def test_visitor_report_is_anonymous_and_its_receipt_code_follows_it(client, org):
    response = send(client, anonymous="")  # nothing a visitor sends names them

    assert response.status_code == 200
    deviation = Deviation.objects.get()
    assert deviation.reporter is None and deviation.is_anonymous
    assert deviation.unit == org.section
    assert DeviationStep.objects.get(deviation=deviation).actor is None
    page = response.content.decode()
    code = response.context["receipt_code"]
    assert code in page and deviation.number in page
    assert deviation.receipt_code_hash == services.receipt_code_hash(code)
    # The page sends the visitor only where they may go: the receipt page and a new form.
    assert deviation.get_absolute_url() not in page
    assert f'href="{settings.SITE_URL}{RECEIPT_URL}"' in page
    assert f'href="{REPORT_URL}?unit=SEC"' in page

    followed = client.post(RECEIPT_URL, {"code": code})
    assert followed.status_code == 200
    assert followed.context["deviation"] == deviation
    assert deviation.number in followed.content.decode()


def test_visitors_csrf_token_works_without_a_session(org):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(REPORT_URL + "?unit=SEC")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert settings.CSRF_COOKIE_NAME in browser.cookies

    refused = browser.post(REPORT_URL, form_data())
    assert refused.status_code == 403
    sent = browser.post(REPORT_URL, {**form_data(), "csrfmiddlewaretoken": token})
    assert sent.status_code == 200
    assert Deviation.objects.get().reporter is None
    assert settings.SESSION_COOKIE_NAME not in browser.cookies


@pytest.mark.parametrize(
    "bad",
    [
        {"unit": "S\x00EC"},
        {"title": "Glass\x00"},
        {"category": "x"},
        {"submission_token": "not-a-uuid"},
        {"occurred_at": "9999-12-31T23:59"},
    ],
)
def test_bad_input_from_a_visitor_gets_a_message_never_a_server_error(client, org, bad):
    response = send(client, **bad)
    assert response.status_code == 200
    assert "The report was not sent yet." in response.content.decode()
    assert not Deviation.objects.exists()


def test_honeypot_filled_in_stores_nothing_and_says_why(client, org, settings):
    photo = SimpleUploadedFile("spam.png", png_bytes(), "image/png")
    response = send(client, website="https://cheap-pills.example", attachments=[photo])

    assert response.status_code == 400
    assert "The report was not sent" in response.content.decode()
    assert "must stay empty" in response.content.decode()
    assert not Deviation.objects.exists()
    assert not Attachment.objects.exists()
    assert not any(path.is_file() for path in settings.MEDIA_ROOT.rglob("*"))


def test_oversized_file_from_a_visitor_is_refused_and_the_form_kept(client, org, settings):
    settings.DEVIATION_ATTACHMENT_MAX_BYTES = 100
    big = SimpleUploadedFile("big.png", png_bytes() + b"\0" * 200, "image/png")
    response = send(client, title="Stor fil", attachments=[big])
    assert response.status_code == 200
    page = response.content.decode()
    assert "the largest file accepted is 100" in page
    assert 'value="Stor fil"' in page
    assert not Deviation.objects.exists()


def test_wrong_file_type_from_a_visitor_is_refused(client, org):
    fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00 not a photo at all", "image/jpeg")
    response = send(client, attachments=[fake])
    assert response.status_code == 200
    assert "is not an image (JPEG, PNG, GIF, WebP, HEIC) or a PDF" in response.content.decode()
    assert not Deviation.objects.exists()


def test_visitors_photo_is_stored_without_its_metadata_or_file_name(client, org):
    photo = SimpleUploadedFile("IMG_kari_nordmann.jpg", phone_photo(), "image/jpeg")
    assert send(client, attachments=[photo]).status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.original_name == "attachment-1.jpg"
    with attachment.file.open("rb") as handle:
        assert_no_metadata(handle.read())


# --- The limit ---------------------------------------------------------------------------------


def test_visitor_over_the_limit_gets_429_with_the_input_kept(client, org, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 2
    assert send(client, title="Første").status_code == 200
    assert send(client, title="Andre").status_code == 200

    photo = SimpleUploadedFile("glass.png", png_bytes(), "image/png")
    refused = send(client, title="Tredje avvik", location="Rom 42", attachments=[photo])

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= settings.ANONYMOUS_REPORT_WINDOW
    page = refused.content.decode()
    assert "The report was not sent yet." in page
    assert "at most 2 reports can be sent from one network within 60 minutes" in page
    until = refused.context["limited_until"]
    assert f"Send it again after {until:%H:%M}" in page
    assert 'value="Tredje avvik"' in page and 'value="Rom 42"' in page
    assert 'id="report-files-dropped"' in page  # the files must be chosen again
    assert "<nav" in page and "Report a deviation" in page  # the site's own layout
    assert Deviation.objects.count() == 2


def test_over_the_limit_a_damaged_form_is_still_answered_with_429(client, org, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 0
    response = send(client, unit="S\x00EC", submission_token="not-a-token", category="x")
    assert response.status_code == 429
    assert response.context["form"]["submission_token"].value() != "not-a-token"


def test_the_limit_counts_each_address_on_its_own(client, org, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 1
    assert send(client).status_code == 200
    assert send(client).status_code == 429
    assert send(client, address=OTHER_ADDRESS).status_code == 200


def test_the_limit_sends_the_same_form_once_when_it_is_sent_again_later(client, org, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 1
    send(client)
    refused = send(client, title="Venter")
    token = refused.context["form"].initial["submission_token"]
    cache.clear()  # the window has passed
    again = send(client, title="Venter", submission_token=token)
    again_twice = send(client, address=OTHER_ADDRESS, title="Venter", submission_token=token)
    assert again.status_code == 200 and again_twice.status_code == 200
    assert Deviation.objects.filter(title="Venter").count() == 1


def test_behind_a_proxy_the_limit_counts_the_client_not_the_proxy(client, org, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 1
    settings.BEHIND_PROXY = True

    def from_client(address):
        return client.post(
            REPORT_URL,
            form_data(),
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"6.6.6.6, {address}",
        )

    assert from_client(ADDRESS).status_code == 200
    assert from_client(OTHER_ADDRESS).status_code == 200  # the same proxy, another client
    assert from_client(ADDRESS).status_code == 429


def test_the_limit_keeps_no_address_in_the_cache(client, org, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 1
    send(client)
    send(client)
    send(client, address=OTHER_ADDRESS)
    stored = cache_contents()
    assert stored, "the counters are in the cache"
    for entry in stored:
        for address in (ADDRESS, OTHER_ADDRESS, ADDRESS.replace(".", "")):
            assert address not in entry
    # A plain hash of the address is not what is kept either (it can be undone).
    plain = hashlib.sha256(ADDRESS.encode()).hexdigest()
    assert not any(plain[:16] in entry for entry in stored)


def test_logged_in_users_are_not_limited(client, employee, settings):
    settings.ANONYMOUS_REPORT_LIMIT = 1
    send(client)
    client.force_login(employee)
    assert send(client).status_code == 200
    assert send(client, anonymous="on").status_code == 200


# --- No trace ----------------------------------------------------------------------------------


def _new_rows_since(marks: dict, contexts: set) -> list[str]:
    rows = [str(row) for row in pghistory.models.Context.objects.exclude(pk__in=contexts).values()]
    for model, last in marks.items():
        rows += [str(row) for row in model.objects.filter(pk__gt=last).values()]
    return rows


def test_the_report_and_its_history_hold_nothing_of_the_visitor(client, org):
    audited = [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and not model._meta.proxy
    ]
    marks = {
        model: model.objects.aggregate(last=models.Max("pk"))["last"] or 0 for model in audited
    }
    contexts = set(pghistory.models.Context.objects.values_list("pk", flat=True))
    photo = SimpleUploadedFile("photo.png", png_bytes(), "image/png")
    assert send(client, attachments=[photo]).status_code == 200

    deviation = Deviation.objects.get()
    rows = [
        str(Deviation.objects.filter(pk=deviation.pk).values().get()),
        *(str(row) for row in DeviationStep.objects.values()),
        *(str(row) for row in Attachment.objects.values()),
        *_new_rows_since(marks, contexts),
    ]
    assert len(rows) >= 5  # the deviation, its step, its attachment and their history
    for text in rows:
        assert ADDRESS not in text
        assert "KariPhone" not in text and "iPhone" not in text


def log_in_with_password(client, user):
    response = client.post(
        reverse("login"), {"username": user.username, "password": "hms-test-password"}
    )
    assert response.status_code == 302, "logged in"


def test_signing_in_and_reporting_anonymously_leaves_no_sign_in_time(client, employee):
    log_in_with_password(client, employee)
    assert client.get(REPORT_URL).status_code == 200
    response = client.post(REPORT_URL, form_data(anonymous="on"), **VISITOR)
    assert response.status_code == 200

    employee.refresh_from_db()
    assert employee.last_login is None
    assert Deviation.objects.get().reporter is None
    assert not AccessLog.objects.exists()  # axes keeps no successful sign-ins either


def test_signing_in_through_the_institution_leaves_no_sign_in_time(client, oidc_provider, org):
    oidc_provider.add_account("sub-ola", given_name="Ola", family_name="Nordmann")
    sign_in(client, oidc_provider, "sub-ola")
    user = signed_in_user(client)
    assert user is not None
    assert user.last_login is None


def test_the_anonymous_report_does_not_touch_the_session(client, employee, settings):
    settings.SESSION_TOUCH_INTERVAL = 0  # every other request would touch it
    client.force_login(employee)
    session = client.session
    session["_touched"] = 12345
    session.save()
    client.get(REPORT_URL)
    client.post(REPORT_URL, form_data(anonymous="on"))
    assert client.session["_touched"] == 12345
    client.get("/")
    assert client.session["_touched"] > 12345


def test_sending_logs_neither_the_address_nor_the_user_agent(client, org, settings, caplog):
    settings.ANONYMOUS_REPORT_LIMIT = 1
    caplog.set_level(logging.DEBUG)

    assert send(client).status_code == 200
    assert send(client).status_code == 429
    assert send(client, address=OTHER_ADDRESS, website="spam").status_code == 400
    assert client.get(REPORT_URL + "?unit=SEC", **VISITOR).status_code == 200

    refusals = [record for record in caplog.records if record.name == "django.request"]
    assert {record.status_code for record in refusals} == {429, 400}  # they are logged
    for record in caplog.records:
        text = f"{record.getMessage()} {record.__dict__}"
        assert ADDRESS not in text and OTHER_ADDRESS not in text
        assert "KariPhone" not in text
    assert not any(hasattr(record, "request") for record in refusals)


def test_other_pages_keep_their_request_in_the_log(client, employee, caplog):
    client.force_login(employee)
    caplog.set_level(logging.WARNING, logger="django.request")
    client.get("/deviations/AV-1900-0001/", **VISITOR)
    (record,) = [record for record in caplog.records if record.name == "django.request"]
    assert record.request.META["REMOTE_ADDR"] == ADDRESS


# --- Gunicorn's access log ---------------------------------------------------------------------


def test_the_private_paths_are_the_report_and_receipt_urls():
    assert {REPORT_URL.rstrip("/"), RECEIPT_URL.rstrip("/")} == PRIVATE_PATHS


def _access_line(tmp_path, method: str, path: str, *, log_format: str | None = None) -> str:
    log_file = tmp_path / "access.log"
    log_file.unlink(missing_ok=True)
    config = Config()
    config.set("accesslog", str(log_file))
    if log_format:
        config.set("access_log_format", log_format)
    logger = AccessLogger(config)
    headers = [
        ("HOST", "hms.example.org"),
        ("USER-AGENT", USER_AGENT),
        ("X-FORWARDED-FOR", ADDRESS),
        ("REFERER", "https://intranet.example.org/kari"),
    ]
    environ = {
        "REQUEST_METHOD": method,
        "RAW_URI": path + "?unit=SEC",
        "PATH_INFO": path,
        "QUERY_STRING": "unit=SEC",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": ADDRESS,
        "HTTP_USER_AGENT": USER_AGENT,
        "HTTP_REFERER": "https://intranet.example.org/kari",
        "HTTP_X_FORWARDED_FOR": ADDRESS,
    }
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "text/html")])
    request = SimpleNamespace(headers=headers)
    logger.access(response, request, environ, datetime.timedelta(milliseconds=42))
    for handler in logger.access_log.handlers:
        handler.close()
    return log_file.read_text()


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("path", ["/deviations/new/", "/deviations/receipt/", "/deviations/new"])
def test_gunicorn_logs_the_private_pages_without_address_or_user_agent(tmp_path, method, path):
    line = _access_line(tmp_path, method, path)
    assert f'"{method} {path}?unit=SEC HTTP/1.1" 200 512' in line
    assert line.startswith("- - - [")
    assert ADDRESS not in line and "KariPhone" not in line and "intranet" not in line


def test_gunicorn_logs_other_pages_as_before(tmp_path):
    line = _access_line(tmp_path, "GET", "/deviations/")
    assert line.startswith(f"{ADDRESS} - - [")
    assert USER_AGENT in line and "intranet.example.org/kari" in line


def test_a_log_format_naming_headers_gets_dashes_on_the_private_pages(tmp_path):
    log_format = '%(h)s %({x-forwarded-for}i)s %({remote_addr}e)s %({user-agent}i)s "%(r)s"'
    private = _access_line(tmp_path, "POST", "/deviations/new/", log_format=log_format)
    assert private.startswith('- - - - "POST /deviations/new/')
    other = _access_line(tmp_path, "POST", "/deviations/", log_format=log_format)
    assert other.startswith(f"{ADDRESS} {ADDRESS} {ADDRESS} {USER_AGENT}")


def test_the_gunicorn_configuration_uses_the_private_logger():
    import runpy

    options = runpy.run_path(str(settings.BASE_DIR / "hms/gunicorn.conf.py"))
    config = Config()
    for name, value in options.items():
        if name in config.settings:
            config.set(name, value)
    assert config.logger_class is AccessLogger
    assert config.accesslog == "-" and config.timeout == 120
    dockerfile = (settings.BASE_DIR / "Dockerfile").read_text()
    assert '"gunicorn", "-c", "hms/gunicorn.conf.py"' in dockerfile
    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    assert "gunicorn -c hms/gunicorn.conf.py" in compose


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_real_gunicorn_leaves_the_address_out_of_the_report_lines_only(org, tmp_path):
    """The web container's own command (hms/gunicorn.conf.py) serving the app."""
    database = connection.settings_dict
    port = _free_port()
    environment = {
        **os.environ,
        # The test database; a socket directory (the embedded server) as a quoted host.
        "DATABASE_URL": (
            f"postgres://{quote(database['USER'], safe='')}:{quote(database['PASSWORD'] or '')}"
            f"@{quote(database['HOST'], safe='')}"
            f"{':' + str(database['PORT']) if database['PORT'] else ''}/{database['NAME']}"
        ),
        "WEB_CONCURRENCY": "1",
    }
    log_file = tmp_path / "gunicorn.log"
    with open(log_file, "w") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "hms/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",  # another gunicorn on this machine may hold the default
                "hms.wsgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:

        def get(path: str) -> int:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}{path}", headers={"User-Agent": USER_AGENT}
            )
            with urllib.request.urlopen(request, timeout=WAIT) as response:  # noqa: S310
                return response.status

        deadline = time.monotonic() + WAIT
        while True:
            try:
                assert get("/healthz") == 200
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    print(log_file.read_text())  # why it did not start
                    raise
                time.sleep(0.3)
        assert get("/deviations/new/?unit=SEC") == 200
    finally:
        server.terminate()
        server.wait(timeout=WAIT)

    lines = log_file.read_text().splitlines()
    health = [line for line in lines if "GET /healthz" in line]
    report = [line for line in lines if "GET /deviations/new/?unit=SEC" in line]
    assert health and report, lines
    assert health[-1].startswith("127.0.0.1 ") and "KariPhone" in health[-1]
    assert report[0].startswith("- - - [") and '" 200 ' in report[0]
    assert "127.0.0.1" not in report[0] and "KariPhone" not in report[0]
