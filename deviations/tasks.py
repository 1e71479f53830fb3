"""Thin tasks: take ids, call one notification function. Safe to run twice (a mail twice is
the worst case; nothing is written)."""

from celery import shared_task

from deviations import notifications


@shared_task(time_limit=120, soft_time_limit=100)
def notify_new_deviation(deviation_id: int) -> None:
    notifications.new_deviation(deviation_id)


@shared_task(time_limit=120, soft_time_limit=100)
def alert_serious_injury(deviation_id: int) -> None:
    notifications.serious_injury(deviation_id)


@shared_task(time_limit=120, soft_time_limit=100)
def notify_handler_assigned(deviation_id: int) -> None:
    notifications.handler_assigned(deviation_id)


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def send_overdue_digest() -> None:
    notifications.overdue_digest()
