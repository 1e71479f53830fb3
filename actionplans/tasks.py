"""Thin tasks. Reminders are remembered per measure, kind and deadline, in the transaction
that sends them, so a retry after a database or mail server fault, or a second run, sends
nothing twice. (The assignment e-mail goes through the outbox: units.tasks.send_outbox.)"""

from celery import shared_task

from actionplans import notifications
from units.tasks import RETRY_ON_TRANSIENT_ERRORS


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def send_measure_reminders() -> None:
    notifications.send_reminders()
