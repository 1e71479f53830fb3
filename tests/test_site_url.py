"""`make run PORT=...` serves on another port: the links it writes (QR posters, e-mails, the
anonymous receipt page's address) must point there too, not at the default 8000."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

from tests.waits import WAIT

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _planned_run(*arguments: str, site_url: str | None = None) -> str:
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    if site_url is not None:
        env["SITE_URL"] = site_url
    done = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=WAIT,
        check=True,
    )
    return next(line for line in done.stdout.splitlines() if "runserver" in line)


def test_make_run_on_another_port_links_to_that_port():
    line = _planned_run("PORT=8123")
    assert "SITE_URL=http://127.0.0.1:8123 " in line and "runserver 127.0.0.1:8123 &" in line


def test_make_run_on_every_interface_links_to_the_local_address():
    assert "SITE_URL=http://127.0.0.1:8000 " in _planned_run("HOST=0.0.0.0")


def test_a_site_url_given_is_kept():
    assert "SITE_URL=https://hms.example.org " in _planned_run(
        "PORT=8123", site_url="https://hms.example.org"
    )


def test_the_qr_poster_and_receipt_link_follow_site_url(client, employee, settings):
    settings.SITE_URL = "http://127.0.0.1:8123"
    client.force_login(employee)
    page = client.get(reverse("deviations:unit_qr", args=["SEC"])).content.decode()
    assert "http://127.0.0.1:8123/deviations/new/?unit=SEC" in page
    assert "127.0.0.1:8000" not in page
