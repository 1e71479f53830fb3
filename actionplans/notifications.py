"""E-mails about measures, whichever app made them: to the responsible person when a measure is
given to them (through the outbox, units/outbox.py), and one daily digest of the measures
due within a week or past their deadline (sent by tasks.py). Each in the recipient's language.

This app owns every measure mail, so a person never gets the same measure from two places
(the deviations' daily digest covers deviations only)."""

import datetime
from collections import defaultdict

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from actionplans.models import Measure, MeasureReminder, ReminderKind
from units import outbox
from units.models import User

# How many days before the deadline the "due soon" reminder goes out.
DUE_SOON_DAYS = 7


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url if url.startswith("/") else url


def _context(measure: Measure) -> dict:
    return {
        "measure": measure,
        "url": _absolute(measure.get_absolute_url()),
        "origin_url": _absolute(measure.origin_url) if measure.origin_url else "",
    }


def measure_assigned(measure: Measure, actor=None) -> int:
    """The measure was given to someone: tell them, unless they gave it to themselves. Called
    inside the service's transaction; the e-mail goes into the outbox (units/outbox.py), once
    per measure version, in the recipient's language, so it is sent after commit, never lost
    and never twice."""
    user = measure.responsible
    if not measure.is_open or (actor is not None and actor.pk == measure.responsible_id):
        return 0
    return outbox.add_for(
        kind="actionplans.measure_assigned",
        key=f"{measure.pk}:v{measure.version}",
        people=[user],
        template="actionplans/email/measure_assigned",
        context=_context(measure),
    )


def _pending(today: datetime.date, **only):
    """(measure, kind) not yet reminded of: due within a week, or past the deadline. A
    measure first seen late is reminded as overdue only; a moved deadline is reminded again."""
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    open_measures = Measure.objects.open().filter(
        responsible__is_active=True, responsible__email__gt="", **only
    )
    due = {
        ReminderKind.OVERDUE: open_measures.filter(deadline__lt=today),
        ReminderKind.DUE_SOON: open_measures.filter(deadline__gte=today, deadline__lte=soon),
    }
    for kind, measures in due.items():
        reminded = MeasureReminder.objects.filter(
            measure=OuterRef("pk"), kind=kind, deadline=OuterRef("deadline")
        )
        pending = measures.exclude(Exists(reminded)).select_related("unit", "responsible")
        for measure in pending.order_by("deadline", "pk"):
            yield measure, kind


def _digest(person_pk: int, today: datetime.date) -> int:
    """One person's digest: their measures not yet reminded of, remembered and sent in one
    transaction. The person's row is locked first, so a second worker at once waits and
    then finds them remembered; a failed send is not remembered as sent."""
    with transaction.atomic():
        person = User.objects.select_for_update().get(pk=person_pk)
        items = list(_pending(today, responsible_id=person_pk))
        if not items:
            return 0
        MeasureReminder.objects.bulk_create(
            [MeasureReminder(measure=m, kind=kind, deadline=m.deadline) for m, kind in items]
        )
        context = {
            "person": person,
            "today": today,
            "overdue": [_context(m) for m, kind in items if kind == ReminderKind.OVERDUE],
            "due_soon": [_context(m) for m, kind in items if kind == ReminderKind.DUE_SOON],
            "count": len(items),
            "site_url": settings.SITE_URL,
        }
        return outbox.send_to(person, "actionplans/email/reminder_digest", context)


def send_reminders(today: datetime.date | None = None) -> int:
    """One e-mail a day per responsible person listing their measures due within a week or
    past the deadline, each measure once per threshold and deadline (MeasureReminder rows).
    Returns the number of e-mails sent."""
    today = today or timezone.localdate()
    per_person = defaultdict(int)
    for measure, _kind in _pending(today):
        per_person[measure.responsible_id] += 1
    return sum(_digest(person_pk, today) for person_pk in sorted(per_person))
