"""Thin tasks: call one notification function. Safe to run twice (a reminder row per item,
threshold and review date keeps each e-mail to once)."""

from celery import shared_task

from hms.registers import notifications


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def send_review_reminders() -> None:
    notifications.review_reminders()
