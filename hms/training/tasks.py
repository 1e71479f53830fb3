"""Thin tasks. Safe to run twice: each reminder and notice is remembered and sent once."""

from celery import shared_task

from hms.training import services


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def send_expiry_reminders() -> None:
    services.send_expiry_reminders()
    services.notify_new_role_holders()
