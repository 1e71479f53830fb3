"""Thin tasks: take ids, call one notification function. Reminders are remembered per measure,
kind and deadline, so running them twice sends nothing twice."""

from celery import shared_task

from actionplans import notifications


@shared_task(time_limit=120, soft_time_limit=100)
def notify_measure_assigned(measure_id: int) -> None:
    notifications.measure_assigned(measure_id)


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60)
def send_measure_reminders() -> None:
    notifications.send_reminders()
