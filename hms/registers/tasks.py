"""Thin tasks: call one notification function. Safe to run twice (a reminder row per item,
threshold and review date keeps each e-mail to once)."""

from celery import shared_task

from hms.registers import notifications
from units.tasks import RETRY_ON_TRANSIENT_ERRORS


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def send_review_reminders() -> None:
    notifications.review_reminders()
