"""Shared organisation for tests: a small two-faculty tree and one user per kind of role.

ROOT (institution)
├── FAC (faculty)            ── DEP (department) ── SEC (section)
└── OTHERFAC (faculty)       ── OTHERDEP (department)
"""

import os
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import translation

from tests.factories import RoleAssignmentFactory, UserFactory, make_unit
from tests.oidc_provider import oidc_provider, oidc_provider_factory  # noqa: F401
from tests.waits import WAIT
from units.models import Role, Unit, UnitType


@dataclass
class Org:
    root: Unit
    faculty: Unit
    department: Unit
    section: Unit
    other_faculty: Unit
    other_department: Unit


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The real hasher costs ~0.2 s per password; tests create hundreds of users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_in_process(request, monkeypatch):
    """Queued work runs in the test process, so tests never leave messages in the shared
    broker. The real-worker tests (fixture `real_celery_worker`) send to the broker for real."""
    if "real_celery_worker" not in request.fixturenames:
        from hms.celery import app

        monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def english(settings):
    """Tests read messages in English; bokmål (the real default) is tested on its own."""
    settings.LANGUAGE_CODE = "en"
    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture
def org(db) -> Org:
    root = make_unit(
        code="ROOT",
        name_nb="Universitetet",
        name_en="The University",
        unit_type=UnitType.INSTITUTION,
    )
    faculty = make_unit(
        root,
        code="FAC",
        name_nb="Fakultet for testing",
        name_en="Faculty of Testing",
        unit_type=UnitType.FACULTY,
    )
    other_faculty = make_unit(
        root,
        code="OTHERFAC",
        name_nb="Det andre fakultetet",
        name_en="The Other Faculty",
        unit_type=UnitType.FACULTY,
    )
    department = make_unit(
        faculty,
        code="DEP",
        name_nb="Institutt for prøving",
        name_en="Department of Trials",
        unit_type=UnitType.DEPARTMENT,
    )
    section = make_unit(
        department,
        code="SEC",
        name_nb="Seksjon for forsøk",
        name_en="Section of Attempts",
        unit_type=UnitType.SECTION,
    )
    other_department = make_unit(
        other_faculty,
        code="OTHERDEP",
        name_nb="Institutt for annet",
        name_en="Department of Other Things",
        unit_type=UnitType.DEPARTMENT,
    )
    return Org(
        root=Unit.objects.get(pk=root.pk),
        faculty=Unit.objects.get(pk=faculty.pk),
        department=Unit.objects.get(pk=department.pk),
        section=Unit.objects.get(pk=section.pk),
        other_faculty=Unit.objects.get(pk=other_faculty.pk),
        other_department=Unit.objects.get(pk=other_department.pk),
    )


def user_with_role(username: str, role: str, unit: Unit):
    user = UserFactory(username=username)
    RoleAssignmentFactory(user=user, unit=unit, role=role)
    return user


@pytest.fixture
def line_manager(org):
    return user_with_role("line_manager", Role.LINE_MANAGER, org.department)


@pytest.fixture
def safety_rep(org):
    return user_with_role("safety_rep", Role.SAFETY_REP, org.department)


@pytest.fixture
def employee(org):
    return user_with_role("employee", Role.EMPLOYEE, org.section)


@pytest.fixture
def outsider(org):
    """A line manager in another faculty: sees nothing of DEP's records."""
    return user_with_role("outsider", Role.LINE_MANAGER, org.other_department)


@pytest.fixture
def hms_department(org):
    return user_with_role("hms_department", Role.HMS_DEPARTMENT, org.root)


@pytest.fixture
def administrator(db):
    return UserFactory(username="administrator", is_staff=True, is_superuser=True)


# --- A real Celery worker, for the tests that check the queued path end to end ----------------

WORKER_TIMEOUT = WAIT  # seconds for a worker to do a task (tests/waits.py)


def _test_database_url() -> str:
    """The URL of the test database this test writes to, for the worker's DATABASE_URL."""
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = quote(db["HOST"] or "", safe="")  # a socket directory becomes %2F...
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"


def start_celery_worker(tmp_path: Path, mail_dir: Path, name: str = "worker"):
    """Start a real Celery worker process on the broker the settings name (filesystem
    transport, or Redis with REDIS_URL), writing e-mails as files into `mail_dir`. Returns
    the process and its log file; `stop_celery_worker` ends it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hms.settings",
        "DATABASE_URL": _test_database_url(),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
    }
    base_dir = Path(django_settings.BASE_DIR)
    log_path = tmp_path / f"{name}.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            str(base_dir / ".venv" / "bin" / "celery"),
            "-A",
            "hms",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "-Q",
            "celery",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=INFO",
            f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        ],
        cwd=base_dir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    worker.log_file = log
    return worker, log_path


def stop_celery_worker(worker) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=WAIT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=WAIT)
    worker.log_file.close()


@pytest.fixture
def real_celery_worker(tmp_path):
    """A real Celery worker process (see start_celery_worker); yields the mail folder and
    the worker's log."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker, log_path = start_celery_worker(tmp_path, mail_dir)
    try:
        yield mail_dir, log_path
    finally:
        stop_celery_worker(worker)
