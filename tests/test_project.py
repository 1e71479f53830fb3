"""The project as a whole: health check, production settings, languages."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError
from django.urls import reverse

from tests.waits import WAIT

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_down(client, monkeypatch):
    from django.db.backends.utils import CursorWrapper

    def broken(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "error"


def test_production_settings_pass_check_deploy():
    env = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": "a-long-random-secret-key-for-the-deploy-check-0123456789-abcdefghijkl",
        "ALLOWED_HOSTS": "hms.example.org",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_a_missing_secret_key():
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": "", "ALLOWED_HOSTS": "hms.example.org"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


# A server started without DEBUG in its environment: a 404 and a 500 in the site's own pages,
# never Django's technical ones (the URL patterns, the traceback with the settings).
PRODUCTION_PROBE = """
import sys, types
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from django.urls import include, path

def broken(request):
    raise RuntimeError("a bug")

urls = types.ModuleType("probe_urls")
urls.urlpatterns = [path("broken/", broken), path("", include("hms.urls"))]
urls.handler500 = "hms.middleware.server_error"
sys.modules["probe_urls"] = urls
# The hashed static files are the image's build step (collectstatic takes a minute): plain.
plain = {**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain, ROOT_URLCONF="probe_urls"):
    client = Client(raise_request_exception=False)
    for url in ("/no-such-page/", "/broken/"):
        response = client.get(url, secure=True)
        page = response.content.decode()
        technical = "URLconf" in page or "Traceback" in page or "DEBUG = True" in page
        print(settings.DEBUG, response.status_code, technical)
"""


def test_debug_is_off_when_the_environment_does_not_turn_it_on():
    env = {key: value for key, value in os.environ.items() if key != "DEBUG"}
    env.update(
        DJANGO_SETTINGS_MODULE="hms.settings",
        SECRET_KEY="a-long-random-secret-key-for-the-debug-check-0123456789-abcdefghijkl",
        ALLOWED_HOSTS="testserver",
    )
    result = subprocess.run(
        [sys.executable, "-c", PRODUCTION_PROBE],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split("\n")[-3:] == ["False 404 False", "False 500 False", ""]


def test_make_run_turns_debug_on_for_every_process_it_starts():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    result = subprocess.run(
        ["make", "-n", "run"], cwd=BASE_DIR, capture_output=True, text=True, timeout=WAIT
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for command in ("migrate", "seed_demo", "hms worker", "hms beat", "runserver"):
        line = next(line for line in lines if command in line)
        assert line.lstrip().startswith("DEBUG=1 "), line


@pytest.mark.django_db
def test_bokmal_is_the_default_and_english_can_be_chosen(client, line_manager, settings):
    from hms import settings as project_settings

    assert project_settings.LANGUAGE_CODE == "nb"
    settings.LANGUAGE_CODE = project_settings.LANGUAGE_CODE
    client.force_login(line_manager)
    # The browser's own preference does not override the organisation's language.
    page = client.get(reverse("units:tree"), HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
    assert 'lang="nb"' in page and "Organisasjon" in page
    response = client.post(reverse("set_language"), {"language": "en", "next": "/units/"})
    assert response.status_code == 302
    page = client.get(reverse("units:tree")).content.decode()
    assert 'lang="en"' in page and "Organisation" in page


@pytest.mark.django_db
def test_static_assets_are_served_by_the_app_not_a_cdn(client, line_manager):
    client.force_login(line_manager)
    page = client.get(reverse("home")).content.decode()
    assert "bootstrap/css/bootstrap.min.css" in page
    assert "cdn" not in page.lower() and "https://" not in page


def test_a_missing_page_is_explained_in_the_site_layout(client, employee):
    client.force_login(employee)
    response = client.get("/units/NO-SUCH-UNIT/")
    assert response.status_code == 404
    content = response.content.decode()
    assert "This page does not exist, or you do not have access" in content
    assert 'href="/"' in content  # the way back


def test_the_server_error_page_needs_no_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "The server could not finish this request" in response.content.decode()
