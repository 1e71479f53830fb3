"""The outbox's tasks, and the retry policy every task with a side effect uses.

A database restart, a failover or a mail server that drops the connection lasts seconds to a
few minutes: such a task retries with a growing pause (1 s, 2 s, 4 s ... at most 5 min
apart, with jitter) for about an hour before it gives up. Whatever it was to do is kept in the
database (an outbox row, a report's status), so a task that does give up is queued again by
a beat sweep, and running it twice does nothing twice."""

from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError

from units import outbox

# Errors that mean "try again later", not "this can never work". OSError covers refused and
# reset connections to the mail server.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, SMTPException, OSError)

RETRY_ON_TRANSIENT_ERRORS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": True,
    "retry_backoff_max": 5 * 60,
    "retry_jitter": True,
    "max_retries": 20,
    "acks_late": True,
    "reject_on_worker_lost": True,
}


@shared_task(time_limit=120, soft_time_limit=100, **RETRY_ON_TRANSIENT_ERRORS)
def send_outbox(kind: str, key: str) -> None:
    outbox.send_event(kind, key)


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def sweep_outbox() -> None:
    """Every minute: queue again the e-mails whose task was lost or gave up."""
    for kind, key in outbox.unsent_events():
        send_outbox.delay(kind, key)
