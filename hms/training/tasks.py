"""Thin tasks. Safe to run twice: each reminder and notice is remembered and sent once."""

from celery import shared_task

from hms.training import services
from units.tasks import RETRY_ON_TRANSIENT_ERRORS


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def send_expiry_reminders() -> None:
    services.send_expiry_reminders()
    services.notify_new_role_holders()
