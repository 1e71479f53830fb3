"""Demo rows for seed_demo: a few people of the demo department have taken courses (one about
to expire, one missing). The HSE department keeps the course catalogue in the app
(/training/courses/). Safe to run again."""

import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone

from hms.training.models import Course, TrainingRecord

# username, course code, completed how many days ago
RECORDS = [
    ("leder", "hms-ledere", 400),
    ("verneombud", "grunnkurs-40", 700),
    ("stralevern", "stralevern", 5 * 365 - 30),  # expires in about a month
    ("ansatt", "forstehjelp", 800),  # expired
]


def seed() -> None:
    users = {user.username: user for user in get_user_model().objects.all()}
    courses = {course.code: course for course in Course.objects.all()}
    today = timezone.localdate()
    for username, code, days_ago in RECORDS:
        person, course = users.get(username), courses.get(code)
        if person is None or course is None:
            continue
        if TrainingRecord.objects.filter(person=person, course=course).exists():
            continue
        completed_on = today - datetime.timedelta(days=days_ago)
        TrainingRecord.objects.create(
            person=person,
            course=course,
            completed_on=completed_on,
            expires_on=course.expiry_for(completed_on),
            duration_hours=course.duration_hours,
            proof_reference="Demo",
            registered_by=person,
        )
