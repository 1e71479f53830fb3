"""Thin tasks. The e-mails of single events (a report, a serious injury, a delegation) are
written to the outbox by the services and sent by units.tasks.send_outbox; only the daily
digest is sent from here. It retries on a passing database or mail server fault; a digest
sent twice on a retry after some of its e-mails went is the worst case."""

from celery import shared_task

from deviations import notifications
from units.tasks import RETRY_ON_TRANSIENT_ERRORS


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def send_overdue_digest() -> None:
    notifications.overdue_digest()
