"""Work survives faults: a database outage, a worker killed half-way, a lost broker message.

The outages are real: the test database is made to refuse connections (ALTER DATABASE ...
ALLOW_CONNECTIONS false) and the connections to it are terminated, exactly what a database
restart does to the app. The workers are real processes, killed with SIGKILL."""

import contextlib
import datetime
import email
import email.policy
import os
import signal
import time
from collections import Counter

import psycopg2
import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from deviations.models import Category, Deviation, InjuryKind, Severity
from hms.celery import app as celery_app
from indicators.reports import services as report_services
from indicators.reports import tasks as report_tasks
from indicators.reports.models import STALE_AFTER, Report, ReportKind, ReportStatus
from tests.conftest import start_celery_worker, stop_celery_worker
from tests.factories import make_deviation
from units.models import OutboxMessage

WAIT = 180  # seconds: a worker on a busy machine is slow, never this slow
LAST_YEAR = timezone.localdate().year - 1


def _admin_connection():
    """A connection to the server's maintenance database, from which the test database can
    be closed to connections and its sessions ended."""
    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )
    admin.autocommit = True
    return admin


@pytest.fixture(autouse=True)
def fresh_connections_afterwards():
    """An outage cuts connections that Django still holds (a live server's, the test's own
    after a transactional test): close them all once the test is over, so the next test
    opens new ones instead of finding "server closed the connection unexpectedly"."""
    yield
    connections.close_all()


@contextlib.contextmanager
def database_outage(*, keep_own_connection: bool = False):
    """The test database refuses new connections and its open ones are cut, as in a restart.
    With keep_own_connection the test process's own connection survives (the web side keeps
    working while the workers are cut off)."""
    name = connection.settings_dict["NAME"]
    own_pid = None
    if keep_own_connection:
        connection.ensure_connection()
        own_pid = connection.connection.info.backend_pid
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid() AND pid IS DISTINCT FROM %s",
                [name, own_pid],
            )
        yield
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.close()
        if not keep_own_connection:
            connection.close()  # the cut one: Django opens a new one on the next query


def _wait_for(predicate, what: str, log=None):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    pytest.fail(f"Not within {WAIT} s: {what}\n" + (log.read_text()[-4000:] if log else ""))


def _mails(mail_dir) -> Counter:
    """(recipient, subject) of every e-mail the workers wrote, counted."""
    found = Counter()
    for path in mail_dir.glob("*.log"):
        for chunk in path.read_text().split("-" * 79):
            if chunk.strip():
                message = email.message_from_string(chunk.strip(), policy=email.policy.default)
                found[(str(message["To"]), str(message["Subject"]))] += 1
    return found


@pytest.fixture
def private_media(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))  # the workers' too
    return settings.MEDIA_ROOT


@pytest.fixture
def through_the_broker(monkeypatch):
    """Queued tasks go to the broker, for the workers these tests start themselves (the
    suite runs them in-process otherwise)."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)


@pytest.fixture
def categories(transactional_db):
    # An earlier transactional test may have flushed the categories the migrations load.
    Category.objects.get_or_create(
        code="building",
        defaults={"name_nb": "Bygning, teknisk, materiell", "name_en": "Building, technical"},
    )


# --- the pages during an outage ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_report_sent_during_a_database_outage_gets_the_sites_503_page(
    client, org, employee, categories
):
    client.force_login(employee)
    occurred = timezone.localtime() - datetime.timedelta(hours=1)
    data = {
        "submission_token": "6f2b1c8e-0c4e-4a55-9d7e-2f7c1b1f0a11",
        "title": "Broken glass in the lab",
        "description": "Shards left on the floor after the experiment.",
        "deviation_type": "hazard",
        "category": str(Category.objects.get(code="building").pk),
        "severity": "minor",
        "unit": "SEC",
        "location": "Room 117",
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
    }
    # As in production: an error is answered by the site's handlers, not raised to the test.
    client.raise_request_exception = False
    with database_outage():
        response = client.post(reverse("deviations:report"), data)
        health = client.get("/healthz")
        page = client.get(reverse("deviations:list"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    text = response.content.decode()
    assert "Try again shortly" in text
    assert "it was NOT saved" in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert health.status_code == 503
    assert health.json()["database"] == "error"
    assert page.status_code == 503
    # Back: nothing was half-saved, and sending the same form again works.
    assert not Deviation.objects.exists()
    again = client.post(reverse("deviations:report"), data)
    assert again.status_code in (200, 302)
    assert Deviation.objects.filter(title="Broken glass in the lab").count() == 1
    assert client.get("/healthz").status_code == 200


# --- e-mails through an outage of the workers' database -------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_no_notification_is_lost_or_doubled_when_the_database_is_away(
    org, line_manager, safety_rep, hms_department, categories, real_celery_worker
):
    """REAL WORKER: deviations are reported while the worker cannot reach the database; its
    send tasks fail with OperationalError and retry. Once the database is back, every e-mail
    the reports caused arrives, each exactly once."""
    mail_dir, worker_log = real_celery_worker
    assert not celery_app.conf.task_always_eager
    started = time.monotonic()
    with database_outage(keep_own_connection=True):
        deviations = [make_deviation(org.section, title=f"Outage report {n}") for n in range(3)] + [
            make_deviation(
                org.section,
                title="Fall from the ladder",
                severity=Severity.SERIOUS,
                injury_kind=InjuryKind.ABSENCE,
            )
        ]
        # The worker fetches the send tasks and fails on the database: let it try a while.
        _wait_for(lambda: "OperationalError" in worker_log.read_text(), "a refused task")
        time.sleep(5)
        assert not list(mail_dir.glob("*.log"))
    expected = Counter(
        (row.recipient, row.subject)
        for row in OutboxMessage.objects.filter(key__in=[str(d.steps.get().pk) for d in deviations])
    )
    assert len(expected) == 3 * 2 + 2 + 3  # line manager and safety rep; the alert adds HSE
    _wait_for(
        lambda: not OutboxMessage.objects.filter(sent_at=None).exists(),
        "every outbox row sent",
        worker_log,
    )
    # The sweep would queue anything left; running it now must send nothing more.
    OutboxMessage.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    from units import tasks as outbox_tasks

    outbox_tasks.sweep_outbox.delay()
    time.sleep(5)
    assert _mails(mail_dir) == expected
    print(f"\noutage test: {time.monotonic() - started:.1f} s")


# --- a report whose worker is killed -----------------------------------------------------------


@contextlib.contextmanager
def _deviations_locked():
    """Hold an exclusive lock on the deviations table, so a report run stops, deterministically,
    where it first reads the figures: after it claimed the report, before it finishes."""
    db = connection.settings_dict
    holder = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )
    try:
        with holder.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {Deviation._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        holder.rollback()
        holder.close()


def _kill_worker_mid_report(tmp_path, mail_dir, order):
    """Order a report, SIGKILL the worker once the report is running, and return it."""
    worker, log = start_celery_worker(tmp_path, mail_dir, name="killed-worker")
    try:
        with _deviations_locked():
            report = order()
            _wait_for(
                lambda: Report.objects.filter(pk=report.pk, status=ReportStatus.RUNNING).exists(),
                "the report running",
                log,
            )
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait(timeout=WAIT)
    finally:
        stop_celery_worker(worker)
    report.refresh_from_db()
    assert report.status == ReportStatus.RUNNING and report.percent == 5  # left half-way
    return report


def _assert_produced_once(report, log):
    _wait_for(
        lambda: Report.objects.filter(
            pk=report.pk, status__in=[ReportStatus.DONE, ReportStatus.FAILED]
        ).exists(),
        "the report finished",
        log,
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    assert report.attempts == 2
    assert Report.objects.filter(kind=report.kind, year=report.year, unit=report.unit).count() == 1
    folder = report.pdf.storage.path(f"reports/{report.year}")
    assert sorted(os.listdir(folder)) == [os.path.basename(report.pdf.name)]  # no part left
    assert report.pdf.open("rb").read(4) == b"%PDF"


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_report_whose_worker_was_killed_is_restarted_by_the_beat_sweep(
    tmp_path, private_media, through_the_broker, org, hms_department
):
    """REAL WORKER, killed with SIGKILL while the report runs. On the filesystem broker its
    message is gone for good; the sweep restarts the report from its row, and a new worker
    produces it, once."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    started = time.monotonic()
    report = _kill_worker_mid_report(
        tmp_path,
        mail_dir,
        lambda: report_services.report_order(
            actor=hms_department, kind=ReportKind.TERTIAL, year=LAST_YEAR, tertial=1, unit=org.root
        ),
    )
    assert not report.is_stalled  # its heartbeat is fresh: not yet taken for dead
    # Minutes pass without a heartbeat (the clock is moved instead of waited for).
    Report.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - datetime.timedelta(seconds=1)
    )
    assert Report.objects.get(pk=report.pk).is_stalled
    worker, log = start_celery_worker(tmp_path, mail_dir, name="new-worker")
    try:
        report_tasks.requeue_stalled_reports()  # what beat runs every minute
        _assert_produced_once(report, log)
    finally:
        stop_celery_worker(worker)
    print(f"\nkilled-report (sweep) test: {time.monotonic() - started:.1f} s")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_ordering_a_stalled_report_again_restarts_it(
    client, tmp_path, private_media, through_the_broker, org, hms_department
):
    """REAL WORKER, killed: the reports page shows the report as stopped, not an eternal 5 %,
    and ordering it again restarts it."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    started = time.monotonic()

    def order():
        return report_services.report_order(
            actor=hms_department,
            kind=ReportKind.ANNUAL,
            year=LAST_YEAR,
            tertial=None,
            unit=org.root,
        )

    report = _kill_worker_mid_report(tmp_path, mail_dir, order)
    Report.objects.filter(pk=report.pk).update(
        heartbeat_at=timezone.now() - STALE_AFTER - datetime.timedelta(seconds=1)
    )
    client.force_login(hms_department)
    row = client.get(reverse("reports:status", args=[report.pk])).content.decode()
    assert "Stopped" in row and "order it again to restart it now" in row
    worker, log = start_celery_worker(tmp_path, mail_dir, name="new-worker")
    try:
        assert order().pk == report.pk
        _assert_produced_once(report, log)
    finally:
        stop_celery_worker(worker)
    print(f"\nkilled-report (order again) test: {time.monotonic() - started:.1f} s")


@pytest.mark.django_db(transaction=True)
def test_a_kept_connection_the_database_dropped_is_replaced_before_the_next_request(settings):
    # What a web thread meets after the database restarted: its kept connection is dead.
    # Django tests a kept connection when a request starts (CONN_HEALTH_CHECKS), so the
    # request gets a new one instead of failing on the old.
    from django.db import close_old_connections

    connection.settings_dict["CONN_MAX_AGE"] = 60
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            (pid,) = cursor.fetchone()
        other = connections.create_connection("default")
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.close()
        close_old_connections()  # what every request does first (request_started)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            assert cursor.fetchone()[0] != pid
    finally:
        connection.settings_dict["CONN_MAX_AGE"] = 0
        connection.close()
