"""Review reminders: to the unit's line manager, 30 days before and when passed, once per item
and threshold, through the beat task."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from hms.celery import app
from hms.registers import notifications, services
from hms.registers.models import ReviewReminder
from hms.registers.tasks import send_review_reminders
from tests.factories import make_document, make_routine


@pytest.fixture
def today():
    return timezone.localdate()


def test_document_due_soon_is_sent_once_to_the_line_manager(org, line_manager, today):
    make_document(org.department, line_manager, review_due=today + datetime.timedelta(days=10))
    assert notifications.review_reminders(today) == 1
    assert mail.outbox[0].to == [line_manager.email]
    assert "Review due soon" in mail.outbox[0].subject
    assert notifications.review_reminders(today) == 0
    assert notifications.review_reminders(today + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1


def test_passed_review_date_sends_the_second_reminder_once(org, line_manager, today):
    make_routine(org.department, line_manager, review_due=today + datetime.timedelta(days=5))
    notifications.review_reminders(today)
    later = today + datetime.timedelta(days=6)
    assert notifications.review_reminders(later) == 1
    assert "Review date passed" in mail.outbox[-1].subject
    assert notifications.review_reminders(later) == 0
    assert ReviewReminder.objects.count() == 2


def test_nothing_is_sent_far_from_the_review_date(org, line_manager, today):
    make_document(org.department, line_manager, review_due=today + datetime.timedelta(days=90))
    make_document(org.department, line_manager, title="Uten dato")
    assert notifications.review_reminders(today) == 0


def test_a_new_review_date_gets_new_reminders(org, line_manager, today):
    document = make_document(
        org.department, line_manager, review_due=today + datetime.timedelta(days=3)
    )
    notifications.review_reminders(today)
    next_year = today + datetime.timedelta(days=365)
    services.document_save(
        actor=line_manager,
        unit=org.department,
        document=document,
        version=document.version,
        review_due=next_year,
    )
    assert notifications.review_reminders(next_year - datetime.timedelta(days=10)) == 1


def test_a_sections_document_goes_to_the_department_line_manager(org, line_manager, today):
    make_document(org.section, line_manager, review_due=today - datetime.timedelta(days=1))
    notifications.review_reminders(today)
    assert mail.outbox[0].to == [line_manager.email]


def test_beat_runs_the_task_daily():
    entry = app.conf.beat_schedule["registers-review-reminders"]
    assert entry["task"] == send_review_reminders.name


def test_task_sends_the_reminders(org, line_manager, today):
    make_routine(org.department, line_manager, review_due=today)
    send_review_reminders.delay()
    assert len(mail.outbox) == 1


def test_a_unit_without_a_line_manager_is_reminded_once_one_is_named(org, hms_department, today):
    from tests.conftest import user_with_role
    from units.models import Role

    make_document(
        org.other_department, hms_department, review_due=today + datetime.timedelta(days=3)
    )
    assert notifications.review_reminders(today) == 0
    manager = user_with_role("new_manager", Role.LINE_MANAGER, org.other_department)
    assert notifications.review_reminders(today) == 1
    assert mail.outbox[0].to == [manager.email]
