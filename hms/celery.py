import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hms.settings")

app = Celery("hms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The beat schedule lives in code, next to the tasks it runs. Apps add their entries here.
app.conf.beat_schedule = {}
