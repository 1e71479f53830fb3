"""Thin tasks: take ids, call one service. Safe to run twice (services.report_produce claims
the report with a conditional UPDATE first)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from indicators.reports import services
from units.tasks import RETRY_ON_TRANSIENT_ERRORS

# A report of the whole institution takes well under a minute (bench_reports); the limits
# stop a run that hangs. A run that outlives STALE_AFTER is not taken over while it beats
# its heartbeat, and if it is (its claim dropped), it writes nothing more.
TIME_LIMIT = 10 * 60


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 30,
    max_retries=20,
    autoretry_for=(OperationalError, InterfaceError),  # anything else marks it failed
    retry_backoff=True,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
)
def produce_report(self, report_id: int) -> None:
    outcome = services.report_produce(report_id)
    if outcome.busy_for:
        # Another run holds the report. If it was killed, its report becomes stale: try then.
        raise self.retry(countdown=outcome.busy_for + 5)


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def order_due_reports() -> None:
    """Daily: order the last ended tertial's report (and in January the annual report) if
    missing. Idempotent."""
    services.report_order_due()


@shared_task(time_limit=60, soft_time_limit=50, **RETRY_ON_TRANSIENT_ERRORS)
def requeue_stalled_reports() -> None:
    """Every minute: restart reports whose worker died or whose message the broker lost."""
    services.report_requeue_stalled()
