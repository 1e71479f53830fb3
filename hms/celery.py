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
    # Daily through January: a unit is reminded once a year (hms/cycle/reminders.py), so a
    # day the worker was down is made up the next day.
    "cycle-goals-to-evaluate": {
        "task": "hms.cycle.tasks.remind_goals_to_evaluate",
        "schedule": crontab(hour=7, minute=10, month_of_year=1),
    },
    # Daily; a unit is reminded once a month while its round is due.
    "cycle-rounds-due": {
        "task": "hms.cycle.tasks.remind_rounds_due",
        "schedule": crontab(hour=7, minute=20),
    },
}
