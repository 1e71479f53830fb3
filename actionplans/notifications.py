"""E-mails about measures, whichever app made them: to the responsible person when a measure is
given to them (through the outbox, units/outbox.py), and reminders before and after its
deadline (sent by tasks.py).

This app owns every measure mail, so a person never gets the same measure from two places
(the deviations' daily digest covers deviations only)."""

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone, translation

from actionplans.models import Measure, MeasureReminder, ReminderKind
from units import outbox

# How many days before the deadline the "due soon" reminder goes out.
DUE_SOON_DAYS = 7


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def _send(template: str, user, context: dict) -> int:
    """One e-mail to one person, in bokmål (the users' common language)."""
    if not (user and user.is_active and user.email):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"actionplans/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"actionplans/email/{template}.txt", context)
    send_mail(subject, body, None, [user.email])
    return 1


def _context(measure: Measure) -> dict:
    return {
        "measure": measure,
        "url": _absolute(measure.get_absolute_url()),
        "origin_url": _absolute(measure.origin_url) if measure.origin_url else "",
    }


def measure_assigned(measure: Measure) -> int:
    """The measure was given to someone: tell them. Called inside the service's transaction;
    the e-mail goes into the outbox (units/outbox.py), once per measure version, so it is
    sent after commit, never lost and never twice."""
    user = measure.responsible
    if not measure.is_open or not (user and user.is_active and user.email):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        context = _context(measure)
        subject = render_to_string("actionplans/email/measure_assigned_subject.txt", context)
        body = render_to_string("actionplans/email/measure_assigned.txt", context)
    return outbox.add(
        kind="actionplans.measure_assigned",
        key=f"{measure.pk}:v{measure.version}",
        recipients=[user.email],
        subject=subject.strip(),
        body=body,
    )


def _remind(measure: Measure, kind: str, today: datetime.date) -> int:
    """Record the reminder and send it in one transaction: a failed send is not remembered as
    sent, and a second beat or a second worker finds the row (the unique constraint decides)."""
    try:
        with transaction.atomic():
            MeasureReminder.objects.create(measure=measure, kind=kind, deadline=measure.deadline)
            context = {**_context(measure), "today": today}
            return _send(f"reminder_{kind}", measure.responsible, context)
    except IntegrityError:
        return 0


def send_reminders(today: datetime.date | None = None) -> int:
    """Remind each responsible person once per measure and threshold: a week before the
    deadline, and once it has passed. A measure first seen late is reminded as overdue only.
    A moved deadline is reminded of again."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    open_measures = Measure.objects.open().filter(
        responsible__is_active=True, responsible__email__gt=""
    )
    due = {
        ReminderKind.OVERDUE: open_measures.filter(deadline__lt=today),
        ReminderKind.DUE_SOON: open_measures.filter(deadline__gte=today, deadline__lte=soon),
    }
    sent = 0
    for kind, measures in due.items():
        reminded = MeasureReminder.objects.filter(
            measure=OuterRef("pk"), kind=kind, deadline=OuterRef("deadline")
        )
        pending = measures.exclude(Exists(reminded)).select_related("unit", "responsible")
        for measure in pending.order_by("deadline", "pk"):
            sent += _remind(measure, kind, today)
    return sent
