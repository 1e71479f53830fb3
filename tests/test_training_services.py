"""Training services: reminders before and on expiry (each sent once), the cycle's
training-needs evidence, and pages whose query count does not grow with the data."""

import datetime
import smtplib
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hms.celery import app as celery_app
from hms.cycle import evidence
from hms.training import services, tasks
from hms.training.models import Course, RoleRequirement, TrainingRecord, TrainingReminder
from hms.training.providers import role_holders_trained
from tests.conftest import user_with_role
from tests.factories import load_reference_data, make_unit
from tests.waits import WAIT
from units import outbox
from units.models import Role

TODAY = datetime.date(2026, 6, 15)
MAX_QUERIES = 12


def make_record(person, course, *, expires_on, completed_on=None):
    return TrainingRecord.objects.create(
        person=person,
        course=course,
        completed_on=completed_on or expires_on - datetime.timedelta(days=365),
        expires_on=expires_on,
        registered_by=person,
    )


@pytest.fixture(autouse=True)
def default_courses(db):
    # Emptied by earlier tests that run outside a transaction (the real-worker tests).
    load_reference_data()


@pytest.fixture
def lab_course(db):
    course = Course.objects.create(
        code="lab-safety", name_nb="Labsikkerhet", name_en="Lab safety", validity_months=12
    )
    RoleRequirement.objects.create(role=Role.EMPLOYEE, course=course)
    return course


@pytest.fixture
def leader_course(db):
    return Course.objects.get(code="hms-ledere")


# --- Registering ------------------------------------------------------------------------------


def test_register_fixes_the_expiry_from_the_course_validity(employee, lab_course):
    record = services.training_record_register(
        actor=employee, person=employee, course=lab_course, completed_on=datetime.date(2024, 2, 29)
    )
    assert record.expires_on == datetime.date(2025, 2, 28)
    assert record.duration_hours is None
    # A later change of the course's validity changes no certificate already held.
    lab_course.validity_months = 24
    lab_course.save()
    record.refresh_from_db()
    assert record.expires_on == datetime.date(2025, 2, 28)


def test_register_refuses_a_person_outside_the_actors_units(employee, outsider, lab_course):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.training_record_register(
            actor=employee, person=outsider, course=lab_course, completed_on=TODAY
        )
    assert not TrainingRecord.objects.exists()


def test_register_refuses_an_inactive_course(employee, lab_course):
    from django.core.exceptions import ValidationError

    lab_course.is_active = False
    lab_course.save()
    with pytest.raises(ValidationError):
        services.training_record_register(
            actor=employee, person=employee, course=lab_course, completed_on=TODAY
        )


# --- Reminders --------------------------------------------------------------------------------


def test_reminder_60_days_ahead_goes_to_the_person_and_their_line_manager_once(
    employee, line_manager, lab_course, mailoutbox
):
    make_record(employee, lab_course, expires_on=TODAY + datetime.timedelta(days=60))
    assert services.send_expiry_reminders(today=TODAY) == 1
    assert sorted(mail.to[0] for mail in mailoutbox) == [employee.email, line_manager.email]
    own = next(mail for mail in mailoutbox if mail.to == [employee.email])
    assert "Your course expires soon: Lab safety" in own.subject
    assert "/training/" in own.body
    # The next days: nothing again.
    assert services.send_expiry_reminders(today=TODAY) == 0
    assert services.send_expiry_reminders(today=TODAY + datetime.timedelta(days=1)) == 0
    assert len(mailoutbox) == 2


def test_no_reminder_61_days_ahead(employee, lab_course, mailoutbox):
    make_record(employee, lab_course, expires_on=TODAY + datetime.timedelta(days=61))
    assert services.send_expiry_reminders(today=TODAY) == 0
    assert mailoutbox == []


def test_reminder_on_expiry_is_sent_once_after_the_early_one(
    employee, line_manager, lab_course, mailoutbox
):
    record = make_record(employee, lab_course, expires_on=TODAY + datetime.timedelta(days=30))
    assert services.send_expiry_reminders(today=TODAY) == 1
    assert services.send_expiry_reminders(today=record.expires_on) == 1
    assert services.send_expiry_reminders(today=record.expires_on) == 0
    kinds = sorted(TrainingReminder.objects.values_list("kind", flat=True))
    assert kinds == ["expired", "expiring"]
    assert len(mailoutbox) == 4
    assert "has expired" in mailoutbox[-1].subject


def test_no_reminder_for_a_renewed_course_or_a_long_past_expiry(employee, lab_course, mailoutbox):
    make_record(employee, lab_course, expires_on=TODAY + datetime.timedelta(days=20))
    make_record(employee, lab_course, expires_on=TODAY + datetime.timedelta(days=380))
    make_record(
        user_with_role("former", Role.EMPLOYEE, employee.role_assignments.get().unit),
        lab_course,
        expires_on=TODAY - datetime.timedelta(days=100),
    )
    assert services.send_expiry_reminders(today=TODAY) == 0
    assert mailoutbox == []


def test_a_failed_mail_is_not_remembered_and_goes_out_the_next_day(
    employee, lab_course, mailoutbox, monkeypatch
):
    make_record(employee, lab_course, expires_on=TODAY + datetime.timedelta(days=10))

    def broken(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(outbox, "send_mail", broken)  # every e-mail goes through units.outbox
    assert services.send_expiry_reminders(today=TODAY) == 0
    assert not TrainingReminder.objects.exists()
    monkeypatch.undo()
    assert services.send_expiry_reminders(today=TODAY + datetime.timedelta(days=1)) == 1


def test_the_beat_task_sends_the_reminders(employee, lab_course, mailoutbox):
    make_record(employee, lab_course, expires_on=timezone.localdate() + datetime.timedelta(days=5))
    tasks.send_expiry_reminders.delay()
    assert TrainingReminder.objects.count() == 1
    # Nobody leads the section or any unit above it here: the person alone is told.
    assert [mail.to for mail in mailoutbox] == [[employee.email]]
    schedule = celery_app.conf.beat_schedule["training-expiry-reminders"]
    assert schedule["task"] == tasks.send_expiry_reminders.name


def test_a_person_newly_given_a_role_is_told_of_the_courses_they_lack_once(
    org, leader_course, mailoutbox
):
    newcomer = user_with_role("newcomer", Role.LINE_MANAGER, org.section)
    assert services.notify_new_role_holders() == 1
    assert mailoutbox[0].to == [newcomer.email]
    assert "HSE platform course for leaders" in mailoutbox[0].body
    assert services.notify_new_role_holders() == 0
    assert len(mailoutbox) == 1


def test_no_notice_to_a_new_role_holder_who_has_the_course_or_an_old_role(
    org, leader_course, mailoutbox
):
    trained = user_with_role("trained", Role.LINE_MANAGER, org.section)
    make_record(trained, leader_course, expires_on=None, completed_on=TODAY)
    veteran = user_with_role("veteran", Role.LINE_MANAGER, org.other_department)
    veteran.role_assignments.update(valid_from=datetime.date(2020, 1, 1))
    assert services.notify_new_role_holders() == 0
    assert mailoutbox == []


# --- Cycle evidence ---------------------------------------------------------------------------


def test_training_needs_evidence_for_a_unit_whose_role_holders_are_trained(
    org, line_manager, leader_course, safety_rep
):
    grunnkurs = Course.objects.get(code="grunnkurs-40")
    make_record(line_manager, leader_course, expires_on=None, completed_on=TODAY)
    year = timezone.localdate().year
    # The safety rep still lacks the 40-hour course.
    assert role_holders_trained([org.department], year) == {}
    TrainingRecord.objects.create(
        person=safety_rep,
        course=grunnkurs,
        completed_on=datetime.date(2020, 1, 1),
        registered_by=safety_rep,
    )
    found = evidence.collect([org.department, org.other_department], year)["training_needs"]
    assert found == {org.department.pk: reverse("training:matrix", args=["DEP"])}


def test_no_training_needs_evidence_where_no_role_requires_a_course(org, employee):
    # SEC has an employee, but no course is required of employees by default.
    assert role_holders_trained([org.section], timezone.localdate().year) == {}


def test_training_needs_evidence_lapses_with_an_expired_course(org, employee, lab_course):
    employee.role_assignments.update(valid_from=datetime.date(2024, 1, 1))
    make_record(employee, lab_course, expires_on=datetime.date(2025, 6, 30))
    # Valid at the end of 2024, expired by the end of 2025.
    assert role_holders_trained([org.section], 2024) == {
        org.section.pk: reverse("training:matrix", args=["SEC"])
    }
    assert role_holders_trained([org.section], 2025) == {}


def _units_with_people(org, count: int, lab_course, leader_course) -> list:
    units = []
    for number in range(count):
        unit = make_unit(org.department, code=f"Q{count}-{number}")
        manager = user_with_role(f"q{count}-manager-{number}", Role.LINE_MANAGER, unit)
        worker = user_with_role(f"q{count}-worker-{number}", Role.EMPLOYEE, unit)
        make_record(manager, leader_course, expires_on=None, completed_on=TODAY)
        make_record(
            worker,
            lab_course,
            expires_on=timezone.localdate() + datetime.timedelta(days=30 + number),
        )
        units.append(unit)
    return units


def test_evidence_queries_do_not_grow_with_the_units(org, lab_course, leader_course):
    counts = []
    for size in (2, 12):
        units = _units_with_people(org, size, lab_course, leader_course)
        with CaptureQueriesContext(connection) as queries:
            found = role_holders_trained(units, timezone.localdate().year)
        assert len(found) == size
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3  # requirements, role holders, their valid records


# --- Query counts of the pages ----------------------------------------------------------------


def _populate(org, size: int, lab_course, leader_course) -> None:
    """`size` people in the section and as many in a unit below it, each with roles and
    records, some expiring and some missing; and the line manager's own records."""
    below = make_unit(org.section, code=f"LAB{size}")
    for number in range(size):
        for unit in (org.section, below):
            person = user_with_role(f"p{size}-{unit.code}-{number}", Role.EMPLOYEE, unit)
            if number % 3:
                make_record(
                    person, lab_course, expires_on=TODAY + datetime.timedelta(days=number * 20)
                )
        if number % 2:
            user_with_role(f"rep{size}-{number}", Role.SAFETY_REP, below)


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


PAGES = {
    "matrix": lambda org: reverse("training:matrix", args=[org.department.code]),
    "matrix_below": lambda org: reverse("training:matrix", args=[org.department.code]) + "?below=1",
    "gaps": lambda org: reverse("training:unit_gaps", args=[org.department.code]),
    "export": lambda org: (
        reverse("training:export", args=[org.department.code, "csv"]) + "?below=1"
    ),
    "mine": lambda org: reverse("training:mine"),
}


@pytest.mark.parametrize("page", PAGES)
def test_training_pages_run_the_same_queries_at_two_sizes(
    client, org, line_manager, lab_course, leader_course, page, django_assert_max_num_queries
):
    client.force_login(line_manager)
    url = PAGES[page](org)
    _populate(org, 2, lab_course, leader_course)
    make_record(line_manager, lab_course, expires_on=TODAY)
    small = _count(client, url)
    _populate(org, 15, lab_course, leader_course)
    for days in range(10):
        make_record(
            line_manager,
            leader_course,
            expires_on=None,
            completed_on=TODAY - datetime.timedelta(days=days),
        )
    with django_assert_max_num_queries(MAX_QUERIES):
        large = _count(client, url)
    assert small == large


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_the_expiry_reminder(org, employee, lab_course, real_celery_worker):
    """REAL WORKER: the beat task goes through the broker to a worker process, which reads the
    committed record, writes the e-mail and remembers it."""
    mail_dir, worker_log = real_celery_worker
    record = make_record(
        employee, lab_course, expires_on=timezone.localdate() + datetime.timedelta(days=10)
    )
    assert not celery_app.conf.task_always_eager
    tasks.send_expiry_reminders.delay()
    # The worker process needs a while to start on a busy machine.
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        texts = [path.read_text() for path in mail_dir.glob("*.log")]
        if any(employee.email in text for text in texts):
            break
        time.sleep(0.5)
    else:
        pytest.fail("No e-mail from the worker. Worker log:\n" + worker_log.read_text()[-3000:])
    assert any("Labsikkerhet" in text for text in texts)  # the worker writes in bokmål
    deadline = time.monotonic() + WAIT
    while not TrainingReminder.objects.filter(record=record).exists():
        assert time.monotonic() < deadline, "the reminder was not remembered"
        time.sleep(0.2)
