import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")

app = Celery("hms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code. Apps add their entries here.
app.conf.beat_schedule = {
    "deviations-overdue-digest": {
        "task": "deviations.tasks.send_overdue_digest",
        "schedule": crontab(hour=7, minute=0),
    },
    # Early each morning: the last ended tertial's AMU report and, in January, the annual
    # report, if not yet ordered (idempotent).
    "reports-order-due": {
        "task": "indicators.reports.tasks.order_due_reports",
        "schedule": crontab(hour=5, minute=30),
    },
    # Every minute: what a killed worker or a lost broker message left undone is taken up
    # again from the database's state (kombu's filesystem broker deletes a message when a
    # worker fetches it; only the rows can tell what is still to do).
    "reports-requeue-stalled": {
        "task": "indicators.reports.tasks.requeue_stalled_reports",
        "schedule": 60.0,
    },
    "outbox-sweep": {
        "task": "units.tasks.sweep_outbox",
        "schedule": 60.0,
    },
    "actionplans-measure-reminders": {
        "task": "actionplans.tasks.send_measure_reminders",
        "schedule": crontab(hour=7, minute=5),
    },
    # Daily through January: a unit is reminded once a year (hms/cycle/reminders.py), so a
    # day the worker was down is made up the next day.
    "cycle-goals-to-evaluate": {
        "task": "hms.cycle.tasks.remind_goals_to_evaluate",
        "schedule": crontab(hour=7, minute=10, month_of_year=1),
    },
    "registers-review-reminders": {
        "task": "hms.registers.tasks.send_review_reminders",
        "schedule": crontab(hour=7, minute=15),
    },
    # Daily; a unit is reminded once a month while its round is due.
    "cycle-rounds-due": {
        "task": "hms.cycle.tasks.remind_rounds_due",
        "schedule": crontab(hour=7, minute=20),
    },
    "training-expiry-reminders": {
        "task": "hms.training.tasks.send_expiry_reminders",
        "schedule": crontab(hour=7, minute=25),
    },
}
