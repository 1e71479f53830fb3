"""E-mails about deviations: who gets which, only after commit, and never what they must not carry.

Most tests run the queued tasks in-process (Celery's eager mode, set for these tests only) after
`django_capture_on_commit_callbacks(execute=True)` has played the commit. The last test is the
REAL-WORKER path: a Celery worker process, the broker the settings name (kombu's filesystem
transport under .data/broker, or Redis when REDIS_URL is set), and the file e-mail backend.
"""

import datetime
import time

import pytest
from django.db import transaction
from django.utils import timezone

from actionplans.models import Measure
from deviations import notifications, services
from deviations.models import Category, Deviation, InjuryKind, Severity
from hms.celery import app as celery_app
from tests.conftest import WORKER_TIMEOUT, user_with_role
from tests.factories import UserFactory, make_deviation
from units import tasks as outbox_tasks
from units.models import OutboxMessage, Role

HEALTH_TEXT = "Brukket håndledd, sykmeldt to uker"


@pytest.fixture
def eager(settings, monkeypatch):
    """Run queued tasks at once, in this process. The Celery app reads the settings once, when
    it is first used, so the running app is told too: first, so that it has read the real
    settings and goes back to them (not eager) after the test."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True


@pytest.fixture
def bystanders(org):
    """People who must not be told about a new minor case in SEC."""
    return [
        user_with_role("chief_rep", Role.CHIEF_SAFETY_REP, org.root),
        user_with_role("coordinator", Role.HMS_COORDINATOR, org.department),
        user_with_role("radiation", Role.RADIATION_COORDINATOR, org.section),
        user_with_role("colleague", Role.EMPLOYEE, org.section),
        user_with_role("faculty_rep", Role.SAFETY_REP, org.other_faculty),
    ]


def recipients(mails) -> list[str]:
    return sorted(address for mail in mails for address in mail.to)


def report(unit, reporter=None, **fields) -> Deviation:
    return make_deviation(unit, reporter, **fields)


def test_new_deviation_mails_the_units_line_manager_and_safety_rep_only(
    org,
    line_manager,
    safety_rep,
    employee,
    outsider,
    hms_department,
    bystanders,
    eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # SEC has no roles of its own: those of DEP, the nearest unit above with them, apply.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        deviation = report(org.section, employee, title="Loose cable")
    assert len(callbacks) == 1
    assert recipients(mailoutbox) == sorted([line_manager.email, safety_rep.email])
    assert all(deviation.number in mail.subject for mail in mailoutbox)
    assert all(deviation.get_absolute_url() in mail.body for mail in mailoutbox)
    assert all(len(mail.to) == 1 for mail in mailoutbox)  # nobody sees the others' addresses


def test_a_units_own_role_holders_come_before_those_above(
    org, line_manager, safety_rep, eager, mailoutbox, django_capture_on_commit_callbacks
):
    section_rep = user_with_role("section_rep", Role.SAFETY_REP, org.section)
    with django_capture_on_commit_callbacks(execute=True):
        report(org.section)
    assert recipients(mailoutbox) == sorted([line_manager.email, section_rep.email])


def test_nothing_is_queued_before_commit_nor_after_a_rollback(
    org, line_manager, safety_rep, monkeypatch, mailoutbox, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(outbox_tasks.send_outbox, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                deviation = report(org.section)
                assert queued == []  # not before the commit
                raise RuntimeError("the request failed after the report was written")
        except RuntimeError:
            pass
    assert callbacks == []
    assert queued == []
    assert mailoutbox == []
    assert not Deviation.objects.filter(pk=deviation.pk).exists()
    assert not OutboxMessage.objects.exists()  # the e-mails went with the rollback

    with django_capture_on_commit_callbacks(execute=True):
        kept = report(org.section)
    step = kept.steps.get()
    assert queued == [("deviations.new_deviation", str(step.pk))]
    assert OutboxMessage.objects.filter(sent_at=None).count() == 2


@pytest.mark.parametrize(
    ("severity", "injury_kind", "alert"),
    [
        (Severity.SERIOUS, InjuryKind.ABSENCE, True),
        (Severity.VERY_SERIOUS, InjuryKind.NO_ABSENCE, True),
        (Severity.MINOR, InjuryKind.DEATH, True),
        (Severity.MINOR, InjuryKind.ABSENCE, False),
        (Severity.SERIOUS, InjuryKind.FIRST_AID, False),
        (Severity.VERY_SERIOUS, InjuryKind.NONE, False),
    ],
)
def test_serious_injury_alert_names_the_duty_to_notify(
    org,
    line_manager,
    safety_rep,
    hms_department,
    bystanders,
    eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
    severity,
    injury_kind,
    alert,
):
    with django_capture_on_commit_callbacks(execute=True):
        deviation = report(org.section, severity=severity, injury_kind=injury_kind)
    alerts = [mail for mail in mailoutbox if "SERIOUS INJURY" in mail.subject]
    if not alert:
        assert alerts == []
        return
    assert recipients(alerts) == sorted(
        [line_manager.email, safety_rep.email, hms_department.email]
    )
    for mail in alerts:
        assert deviation.number in mail.subject
        assert "§ 5-2" in mail.body
        assert "Labour Inspection Authority" in mail.body
        assert "police" in mail.body
        assert deviation.get_absolute_url() in mail.body


def test_an_assigned_measure_mails_its_responsible_person(
    org, line_manager, eager, mailoutbox, django_capture_on_commit_callbacks
):
    deviation = report(org.section)
    responsible = UserFactory(username="fixer")
    services.deviation_accept(actor=line_manager, deviation=deviation)
    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_add_measure(
            actor=line_manager,
            deviation=deviation,
            title="Fasten the cable to the wall",
            responsible=responsible,
            deadline=timezone.localdate() + datetime.timedelta(days=10),
        )
    assert recipients(mailoutbox) == [responsible.email]
    (mail,) = mailoutbox
    assert "Fasten the cable to the wall" in mail.subject
    assert deviation.number in mail.body
    assert deviation.get_absolute_url() in mail.body


def test_overdue_digest_mails_each_person_once_with_their_items(
    org, line_manager, safety_rep, outsider, eager, mailoutbox
):
    faculty_manager = user_with_role("dean", Role.LINE_MANAGER, org.faculty)
    # The department's line manager also holds the role on the section: still one e-mail.
    user_with_role("line_manager", Role.LINE_MANAGER, org.section)
    handler = UserFactory(username="handler")
    fixer = UserFactory(username="fixer")
    past = timezone.localdate() - datetime.timedelta(days=1)
    today = timezone.localdate() + datetime.timedelta(days=20)

    handled = report(org.section, title="Handled by the coordinator")
    services.deviation_delegate(actor=line_manager, deviation=handled, handler=handler)
    own = report(org.department, title="Handled by the line manager")
    services.deviation_accept(actor=line_manager, deviation=own)
    elsewhere = report(org.other_department, title="In the other faculty")
    not_due = report(org.section, title="Not due yet")
    # Reported a month ago, so that deadlines in the past are allowed.
    Deviation.objects.update(created_at=timezone.now() - datetime.timedelta(days=30))
    for deviation, actor in ((handled, line_manager), (own, line_manager), (elsewhere, outsider)):
        services.deviation_set_deadline(actor=actor, deviation=deviation, deadline=past)
    services.deviation_set_deadline(
        actor=line_manager, deviation=not_due, deadline=today + datetime.timedelta(days=1)
    )
    measure = services.deviation_add_measure(
        actor=line_manager,
        deviation=own,
        title="Buy a cable tray",
        responsible=fixer,
        deadline=past,
    )

    sent = notifications.overdue_digest(today=today)

    by_person = {}
    for mail in mailoutbox:
        (address,) = mail.to
        assert address not in by_person, f"{address} got more than one digest"
        by_person[address] = mail.body
    assert sent == len(mailoutbox)
    assert set(by_person) == {
        handler.email,
        line_manager.email,
        safety_rep.email,
        faculty_manager.email,
        outsider.email,
    }
    assert handled.number in by_person[handler.email]
    assert own.number not in by_person[handler.email]
    # The department's safety rep follows its overdue cases like its line manager.
    for manager in (line_manager, safety_rep, faculty_manager):
        body = by_person[manager.email]
        assert body.count(f"- {handled.number} ") == 1
        assert body.count(f"- {own.number} ") == 1
        assert elsewhere.number not in body
        assert not_due.number not in body
    assert elsewhere.number in by_person[outsider.email]
    assert handled.number not in by_person[outsider.email]
    # Overdue measures are reminded of by the action plan, once each, not in this daily digest.
    assert fixer.email not in by_person
    assert all(measure.title not in body for body in by_person.values())


def test_overdue_digest_is_quiet_when_nothing_is_overdue(org, line_manager, eager, mailoutbox):
    report(org.section)
    assert notifications.overdue_digest(today=timezone.localdate()) == 0
    assert mailoutbox == []


def test_overdue_digest_skips_people_who_left(org, line_manager, eager, mailoutbox):
    deviation = report(org.section)
    gone = UserFactory(username="gone")
    services.deviation_delegate(actor=line_manager, deviation=deviation, handler=gone)
    services.deviation_set_deadline(
        actor=line_manager, deviation=deviation, deadline=timezone.localdate()
    )
    Deviation.objects.update(created_at=timezone.now() - datetime.timedelta(days=30))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    notifications.overdue_digest(today=timezone.localdate() + datetime.timedelta(days=1))
    assert recipients(mailoutbox) == [line_manager.email]


def test_mails_never_carry_health_details_nor_anything_of_an_anonymous_reporter(
    org,
    line_manager,
    safety_rep,
    hms_department,
    eager,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    employee = UserFactory(
        username="kari.reporter", first_name="Kari", last_name="Nordmann-Reporterud"
    )
    fields = {
        "title": "Fell from a ladder",
        "severity": Severity.SERIOUS,
        "injury_kind": InjuryKind.ABSENCE,
        "health_details": HEALTH_TEXT,
        "occurred_at": timezone.now() - datetime.timedelta(hours=3),
    }
    with django_capture_on_commit_callbacks(execute=True):
        named = report(org.section, employee, **fields)
    named_mails = list(mailoutbox)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        anonymous = report(org.section, anonymous=True, **fields)
    anonymous_mails = list(mailoutbox)

    # The e-mails about the anonymous case are those about the named one, number apart:
    # nothing in them tells an anonymous report from a named one.
    def shape(mails, deviation):
        return sorted(
            (mail.to[0], mail.subject.replace(deviation.number, "N"), mail.body) for mail in mails
        )

    assert shape(anonymous_mails, anonymous) == [
        (to, subject, body.replace(named.number, anonymous.number))
        for to, subject, body in shape(named_mails, named)
    ]
    for mail in anonymous_mails:
        text = (mail.subject + mail.body).lower()
        assert "anonym" not in text
        assert "reporter" not in text
        for trace in (employee.username, employee.email, employee.first_name, employee.last_name):
            assert trace.lower() not in text

    services.deviation_accept(actor=line_manager, deviation=anonymous)
    with django_capture_on_commit_callbacks(execute=True):
        services.deviation_add_measure(
            actor=line_manager,
            deviation=anonymous,
            title="Check every ladder",
            responsible=safety_rep,
            deadline=timezone.localdate(),
        )
    Measure.objects.update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    Deviation.objects.update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    notifications.overdue_digest()
    assert len(mailoutbox) > len(anonymous_mails)
    for mail in [*named_mails, *mailoutbox]:
        assert HEALTH_TEXT not in mail.body
        assert HEALTH_TEXT not in mail.subject


# --- The real-worker path ----------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_the_new_deviation_mail(
    org, line_manager, safety_rep, monkeypatch, real_celery_worker
):
    """REAL WORKER: the task goes through the broker to a separate worker process, which reads
    the committed deviation from the test database and writes the e-mails to files."""
    mail_dir, worker_log = real_celery_worker
    # An earlier transactional test may have flushed the categories the migrations load.
    Category.objects.get_or_create(
        code="building",
        defaults={"name_nb": "Bygning, teknisk, materiell", "name_en": "Building, technical"},
    )
    assert not celery_app.conf.task_always_eager
    # The report writes its e-mails to the outbox and queues them on commit.
    deviation = report(
        org.section, title="Solvent smell in the corridor", health_details=HEALTH_TEXT
    )

    deadline = time.monotonic() + WORKER_TIMEOUT
    found = []
    while time.monotonic() < deadline:
        found = [
            path.read_text()
            for path in sorted(mail_dir.glob("*.log"))
            if deviation.number in path.read_text()
        ]
        if len(found) >= 1 and all(
            any(address in text for text in found)
            for address in (line_manager.email, safety_rep.email)
        ):
            break
        time.sleep(0.5)
    else:
        pytest.fail(
            f"No e-mail from the worker within {WORKER_TIMEOUT} s. Worker log:\n"
            + worker_log.read_text()[-3000:]
        )
    text = "\n".join(found)
    assert "Solvent smell in the corridor" in text
    assert deviation.get_absolute_url() in text
    assert HEALTH_TEXT not in text


def test_delegating_the_handling_tells_the_new_handler(
    org, line_manager, eager, mailoutbox, django_capture_on_commit_callbacks
):
    from deviations.services import deviation_delegate

    coordinator = user_with_role("coordinator", Role.HMS_COORDINATOR, org.department)
    deviation = make_deviation(org.section, line_manager)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        deviation_delegate(actor=line_manager, deviation=deviation, handler=coordinator)
    assert [message.to for message in mailoutbox] == [[coordinator.email]]
    assert deviation.number in mailoutbox[0].subject
