"""What `docker compose up --scale web=2 --scale worker=2` runs: two web processes (gunicorn,
DEBUG off) and two Celery workers (prefork, two children each) and one beat, all on the same
PostgreSQL and broker. People submit deviations and order the same reports through both web
processes at once; every deviation, every report and every e-mail must come out exactly once.

The broker is the one the settings name: Redis with REDIS_URL (CI's second leg), else the
filesystem broker in a folder all processes share."""

import email
import email.policy
import os
import re
import subprocess
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import Client
from django.utils import timezone

from deviations.models import Category, Deviation
from indicators.reports.models import Report, ReportKind, ReportStatus
from tests.conftest import _test_database_url
from tests.oidc_provider import free_port
from tests.test_deviation_report import form_data
from tests.waits import WAIT
from units.models import OutboxMessage

LAST_YEAR = timezone.localdate().year - 1
BIN = Path(settings.BASE_DIR) / ".venv" / "bin"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _wait_for(predicate, what: str, logs=()):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    tails = "\n".join(f"--- {log.name}\n{log.read_text()[-2500:]}" for log in logs)
    pytest.fail(f"Not within {WAIT} s: {what}\n{tails}")


class Cluster:
    """The five processes, each logging to a file in `folder`."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.mail_dir = folder / "mail"
        self.mail_dir.mkdir()
        self.env = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(folder),
            "DJANGO_SETTINGS_MODULE": "hms.settings",
            "DATABASE_URL": _test_database_url(),
            "DEBUG": "0",
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here are valid there
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "HMS_REQUIRE_2FA": "0",
            "WEB_CONCURRENCY": "2",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "STATIC_ROOT": str(folder / "static"),
            "CELERY_BROKER_DIR": str(folder / "broker"),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "EMAIL_FILE_PATH": str(self.mail_dir),
        }
        if os.environ.get("REDIS_URL"):
            self.env["REDIS_URL"] = os.environ["REDIS_URL"]
        self.processes: list[tuple[subprocess.Popen, Path]] = []
        self.web_ports: list[int] = []

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        log = self.folder / f"{name}.log"
        process = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        return process

    @property
    def logs(self) -> list[Path]:
        return [log for _, log in self.processes]

    def start(self):
        # DEBUG off serves static files through whitenoise's manifest: collect them once.
        subprocess.run(
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput"],
            cwd=settings.BASE_DIR,
            env=self.env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        for number in (1, 2):
            port = free_port()
            self.web_ports.append(port)
            self._start(
                f"web{number}",
                [
                    str(BIN / "gunicorn"),
                    "-c",
                    "hms/gunicorn.conf.py",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "hms.wsgi:application",
                ],
            )
        # One worker after the other: on the filesystem broker the first worker creates the
        # exchange's table file and only then locks it, and a second worker opening it in
        # between reads it empty and dies (kombu's filesystem transport). Redis has no such
        # window; the filesystem broker is for one machine's `make run`, with one worker.
        for number in (1, 2):
            self._start(
                f"worker{number}",
                [
                    str(BIN / "celery"),
                    "-A",
                    "hms",
                    "worker",
                    "--concurrency=2",
                    "--loglevel=INFO",
                    f"--hostname=cluster{number}@%h",
                ],
            )
            log = self.folder / f"worker{number}.log"
            _wait_for(lambda log=log: " ready." in log.read_text(), f"worker{number}", self.logs)
        self._start(
            "beat",
            [
                str(BIN / "celery"),
                "-A",
                "hms",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(self.folder / "celerybeat-schedule"),
            ],
        )
        for port in self.web_ports:
            _wait_for(lambda port=port: _healthy(port), f"web on {port} answering", self.logs)

    def stop(self):
        """A warm stop: each worker finishes what it has taken, so nothing still in flight
        can add an e-mail after the test has counted them."""
        for process, _ in self.processes:
            if process.poll() is None:
                process.terminate()
        for process, _ in self.processes:
            try:
                process.wait(timeout=WAIT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=WAIT)

    def mails(self) -> Counter:
        """(recipient, subject) of every e-mail the workers wrote, counted."""
        found = Counter()
        for path in self.mail_dir.glob("*.log"):
            for chunk in path.read_text().split("-" * 79):
                if chunk.strip():
                    message = email.message_from_string(chunk.strip(), policy=email.policy.default)
                    found[(str(message["To"]), str(message["Subject"]))] += 1
        return found


def _healthy(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _browser(port: int, user) -> requests.Session:
    """A signed-in person's browser against one web process."""
    client = Client()
    client.force_login(user)
    session = requests.Session()
    session.cookies.set("sessionid", client.cookies["sessionid"].value, domain="127.0.0.1")
    session.base = f"http://127.0.0.1:{port}"
    return session


def _post(session: requests.Session, form_path: str, action: str, data: dict):
    page = session.get(session.base + form_path, timeout=WAIT)
    assert page.status_code == 200, page.text[:500]
    token = CSRF.search(page.text).group(1)
    return session.post(
        session.base + action,
        data={**data, "csrfmiddlewaretoken": token},
        headers={"Referer": session.base + form_path},
        timeout=WAIT,
        allow_redirects=False,
    )


@pytest.fixture
def cluster(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    cluster = Cluster(tmp_path)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_two_web_processes_and_two_workers_produce_every_report_and_e_mail_once(
    cluster, org, employee, line_manager, safety_rep, hms_department
):
    Category.objects.get_or_create(
        code="building",
        defaults={"name_nb": "Bygning, teknisk, materiell", "name_en": "Building, technical"},
    )
    ports = cluster.web_ports
    answers: list[int] = []

    # Each thread signs in through its own database connection, closed when it is done so
    # the test database can be dropped afterwards.
    def report_deviations(port: int, count: int):
        try:
            browser = _browser(port, employee)
            for number in range(count):
                data = form_data(title=f"Avvik {port}-{number}", unit=org.section.code)
                response = _post(browser, "/deviations/new/", "/deviations/new/", data)
                answers.append(response.status_code)
        finally:
            connection.close()

    def order_reports(port: int):
        try:
            browser = _browser(port, hms_department)
            for kind, tertial in ((ReportKind.TERTIAL, "1"), (ReportKind.ANNUAL, "")):
                data = {"kind": kind, "year": LAST_YEAR, "tertial": tertial, "unit": ""}
                answers.append(_post(browser, "/reports/", "/reports/order/", data).status_code)
        finally:
            connection.close()

    # Everyone at once, through both web processes: two reporters on each, and the HSE
    # department ordering the same two reports through each.
    threads = [
        threading.Thread(target=report_deviations, args=(port, 4)) for port in ports + ports
    ] + [threading.Thread(target=order_reports, args=(port,)) for port in ports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert len(answers) == 16 + 4 and all(status in (200, 302) for status in answers), answers

    assert Deviation.objects.count() == 16
    assert len(set(Deviation.objects.values_list("number", flat=True))) == 16
    reports = list(Report.objects.all())
    assert sorted((r.kind, r.year, r.tertial) for r in reports) == sorted(
        [(ReportKind.ANNUAL, LAST_YEAR, None), (ReportKind.TERTIAL, LAST_YEAR, 1)]
    )

    def finished() -> bool:
        done = Report.objects.filter(status__in=[ReportStatus.DONE, ReportStatus.FAILED])
        return done.count() == 2 and not OutboxMessage.objects.filter(sent_at=None).exists()

    _wait_for(finished, "both reports made and every e-mail sent", cluster.logs)
    cluster.stop()

    for report in Report.objects.all():
        assert report.status == ReportStatus.DONE, report.error
        assert report.attempts == 1  # made once, by one worker
        assert report.pdf.open("rb").read(4) == b"%PDF"
    folder = Path(settings.MEDIA_ROOT) / "reports" / str(LAST_YEAR)
    assert len(list(folder.iterdir())) == 2  # one file per report, no second copy
    expected = Counter(OutboxMessage.objects.values_list("recipient", "subject"))
    assert sum(expected.values()) >= 16  # at least the line manager hears of each deviation
    assert cluster.mails() == expected  # every e-mail once: none lost, none twice
