"""Thin tasks: take ids, call one service. Safe to run twice (services.report_produce claims
the report with a conditional UPDATE first)."""

from celery import shared_task

from indicators.reports import services

# A report of the whole institution takes well under a minute (bench_reports); the limits
# stop a run that hangs, and `STALE_AFTER` in services is longer than the hard limit, so a
# killed run's report is claimed again only when that run is certainly gone.
TIME_LIMIT = 10 * 60


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 30,
    max_retries=5,
)
def produce_report(self, report_id: int) -> None:
    outcome = services.report_produce(report_id)
    if outcome.busy_for:
        # Another run holds the report. If it was killed, its report becomes stale: try then.
        raise self.retry(countdown=outcome.busy_for + 5)


@shared_task(time_limit=5 * 60, soft_time_limit=4 * 60)
def order_due_reports() -> None:
    """Daily: order the last ended tertial's report (and in January the annual report) if
    missing, and queue again reports whose worker was killed."""
    services.report_order_due()
    for report in services.stale_reports():
        produce_report.delay(report.pk)
