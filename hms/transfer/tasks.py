"""Thin tasks: take ids, call one service. Safe to run twice (services.export_produce claims
the export with a conditional UPDATE first)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from hms.transfer import services

# The whole demo organisation with 100,000 deviations takes well under two minutes
# (bench_export); the limit stops a run that hangs.
TIME_LIMIT = 30 * 60


@shared_task(
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=TIME_LIMIT,
    soft_time_limit=TIME_LIMIT - 30,
    max_retries=20,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    retry_backoff_max=5 * 60,
    retry_jitter=True,
)
def produce_export(export_id: int) -> None:
    services.export_produce(export_id)
