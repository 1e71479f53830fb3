"""Thin tasks for beat: each calls one reminder function. Safe to run twice: what was sent
is remembered per unit and period (ReminderSent)."""

from celery import shared_task

from hms.cycle import reminders
from units.tasks import RETRY_ON_TRANSIENT_ERRORS


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def remind_goals_to_evaluate() -> None:
    reminders.goals_to_evaluate()


@shared_task(time_limit=30 * 60, soft_time_limit=29 * 60, **RETRY_ON_TRANSIENT_ERRORS)
def remind_rounds_due() -> None:
    reminders.rounds_due()
