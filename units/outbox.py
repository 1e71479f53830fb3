"""The outbox: every e-mail an event causes is a row written with the event, then sent by a
worker. Any app may use it (it sits in the bottom layer).

Why rows and not just a task: on kombu's filesystem broker a message is gone once a worker
fetches it, and a task that fails after the database or the mail server hiccupped is gone too
once its retries run out. The rows outlive both: `sweep` (beat, every minute) queues again
what is still unsent. A row is sent under a row lock and marked in the same transaction, so
two workers never both send it; the one way to send twice is a crash between the mail
server's "accepted" and the commit, which is the price of never sending zero times.
"""

import contextlib
import datetime
import traceback
from collections.abc import Iterable

from django.conf import settings
from django.core.mail import send_mail
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from units.models import OutboxMessage

# An unsent row older than this is queued again by the sweep: by then its own task has
# either run or been lost.
SWEEP_AFTER = datetime.timedelta(minutes=1)


def language_of(person) -> str:
    """The language a person's e-mails are written in: their own choice, or the
    installation's."""
    return getattr(person, "language", "") or settings.LANGUAGE_CODE


def render(person, template: str, context: dict) -> tuple[str, str]:
    """Subject and body of an e-mail to one person, in that person's language. Every module
    that writes e-mails renders them here (`<template>_subject.txt` and `<template>.txt`)."""
    with translation.override(language_of(person)):
        subject = render_to_string(f"{template}_subject.txt", context)
        body = render_to_string(f"{template}.txt", context)
    return " ".join(subject.split())[:300], body


def can_receive(person) -> bool:
    return bool(person and person.is_active and person.email)


def send_to(person, template: str, context: dict) -> int:
    """Render the e-mail in the person's language and send it now (for reminders that are
    remembered by their own rows). Returns 1 when sent."""
    if not can_receive(person):
        return 0
    subject, body = render(person, template, context)
    send_mail(subject, body, None, [person.email])
    return 1


def add_for(*, kind: str, key: str, people: Iterable, template: str, context: dict) -> int:
    """Into the outbox, one e-mail per person, each rendered in that person's language (once
    per kind, key and address). Returns the number of new rows."""
    by_address = {person.email: person for person in people if can_receive(person)}
    rows = []
    for address in sorted(by_address):
        subject, body = render(by_address[address], template, context)
        rows.append(
            OutboxMessage(kind=kind, key=key, recipient=address, subject=subject, body=body)
        )
    return _queue(kind, key, rows)


def add(*, kind: str, key: str, recipients: Iterable[str], subject: str, body: str) -> int:
    """Write one row per address (once per kind, key and address) and queue the sending when
    the surrounding transaction commits. Returns the number of new rows."""
    rows = [
        OutboxMessage(kind=kind, key=key, recipient=address, subject=subject, body=body)
        for address in sorted(set(recipients))
        if address
    ]
    return _queue(kind, key, rows)


def _queue(kind: str, key: str, rows: list[OutboxMessage]) -> int:
    created = OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
    if rows:
        from units import tasks

        transaction.on_commit(lambda: tasks.send_outbox.delay(kind, key))
    return len(created)


def send_event(kind: str, key: str) -> int:
    """Send the event's unsent rows; return how many were sent here."""
    pending = OutboxMessage.objects.filter(kind=kind, key=key, sent_at__isnull=True)
    return sum(send_one(pk) for pk in pending.values_list("pk", flat=True))


def send_one(pk: int) -> bool:
    """Send one row unless it is sent or another worker holds it. A failed send rolls back
    and raises, so the task retries; the attempt is counted on a fresh transaction."""
    try:
        with transaction.atomic():
            row = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(pk=pk, sent_at__isnull=True)
                .first()
            )
            if row is None:
                return False
            send_mail(row.subject, row.body, None, [row.recipient])
            row.sent_at = timezone.now()
            row.attempts += 1
            row.save(update_fields=["sent_at", "attempts"])
    except Exception as error:
        _note_failure(pk, error)
        raise
    return True


def _note_failure(pk: int, error: Exception) -> None:
    message = "".join(traceback.format_exception_only(error)).strip()[:2000]
    # The database itself may be away: then only the retry matters.
    with contextlib.suppress(OperationalError, InterfaceError):
        OutboxMessage.objects.filter(pk=pk, sent_at__isnull=True).update(
            attempts=F("attempts") + 1, last_error=message
        )


def unsent_events(now: datetime.datetime | None = None) -> list[tuple[str, str]]:
    """(kind, key) of events with rows left unsent for longer than SWEEP_AFTER."""
    now = now or timezone.now()
    return list(
        OutboxMessage.objects.filter(sent_at__isnull=True, created_at__lt=now - SWEEP_AFTER)
        .values_list("kind", "key")
        .distinct()
        .order_by("kind", "key")
    )
