"""Review reminders for documents and routines: to the unit's line manager (the nearest one up
the tree), 30 days before the review date and when it has passed, once per item, threshold
and review date (a ReviewReminder row is written in the same transaction as the sending)."""

import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from hms.registers.models import (
    REVIEW_SOON_DAYS,
    Document,
    ReminderThreshold,
    ReviewReminder,
    Routine,
)
from units import access, outbox
from units.models import Role


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _due(model, today: datetime.date):
    """(item, threshold) pairs still to remind about, in two queries per model."""
    soon_limit = today + datetime.timedelta(days=REVIEW_SOON_DAYS)
    field = "document" if model is Document else "routine"
    sent = set(
        ReviewReminder.objects.filter(**{f"{field}__isnull": False}).values_list(
            f"{field}_id", "threshold", "review_due"
        )
    )
    items = model.objects.filter(review_due__isnull=False, review_due__lte=soon_limit)
    items = items.filter(unit__is_active=True).select_related("unit")
    if model is Routine:
        # A replaced version is not reviewed: the one in force is.
        items = items.current()
    for item in items:
        threshold = ReminderThreshold.PASSED if item.review_due < today else ReminderThreshold.SOON
        if (item.pk, threshold, item.review_due) not in sent:
            yield item, threshold


def review_reminders(today: datetime.date | None = None) -> int:
    """Send what is due; return the number of e-mails sent. Safe to run twice."""
    today = today or timezone.localdate()
    sent = 0
    for model, field in ((Document, "document"), (Routine, "routine")):
        for item, threshold in list(_due(model, today)):
            managers = access.nearest_role_holders(item.unit, Role.LINE_MANAGER)
            managers = [user for user in managers if outbox.can_receive(user)]
            if not managers:
                # Nobody to tell yet: try again tomorrow, when a line manager may be named.
                continue
            try:
                with transaction.atomic():
                    # The row first: a second worker running at once fails here, not
                    # after sending the same e-mail.
                    ReviewReminder.objects.create(
                        threshold=threshold, review_due=item.review_due, **{field: item}
                    )
                    context = {
                        "item": item,
                        "kind": field,
                        "passed": threshold == ReminderThreshold.PASSED,
                        "url": _absolute(item.get_absolute_url()),
                    }
                    for manager in managers:
                        sent += outbox.send_to(manager, "registers/email/review", context)
            except IntegrityError:
                continue
    return sent
