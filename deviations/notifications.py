"""E-mails about deviations and their measures. The events' e-mails are written to the outbox
(units/outbox.py) by the service, in the transaction that records the event, so none is lost
and none is sent twice; the daily digest is sent by its task.

Rules: an e-mail never carries health-related details, and never names the reporter of an
anonymous case (it says nothing of the reporter at all, so the two cannot be told apart).
"""

from collections import defaultdict

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from deviations.models import Deviation
from units import access, outbox
from units.models import Role, RoleAssignment


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _render(template: str, context: dict) -> tuple[str, str]:
    """Subject and body, in bokmål (the users' common language)."""
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"deviations/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"deviations/email/{template}.txt", context)
    return subject, body


def _addresses(recipients) -> list[str]:
    return sorted({user.email for user in recipients if user and user.is_active and user.email})


def _queue(template: str, step, recipients, context: dict) -> int:
    """One e-mail per recipient into the outbox, keyed by the deviation's step that caused it:
    the same step never mails the same address twice."""
    subject, body = _render(template, context)
    return outbox.add(
        kind=f"deviations.{template}",
        key=str(step.pk),
        recipients=_addresses(recipients),
        subject=subject,
        body=body,
    )


def _unit_contacts(deviation: Deviation, *roles: str) -> list:
    people = []
    for role in roles:
        people.extend(access.nearest_role_holders(deviation.unit, role))
    return people


def new_deviation(deviation: Deviation, step) -> int:
    """A deviation was reported to (or transferred to) its unit: its line manager and safety
    rep are told. Called inside the service's transaction."""
    recipients = _unit_contacts(deviation, Role.LINE_MANAGER, Role.SAFETY_REP)
    if deviation.handler:
        recipients.append(deviation.handler)
    context = {"deviation": deviation, "url": _absolute(deviation.get_absolute_url())}
    return _queue("new_deviation", step, recipients, context)


def serious_injury(deviation: Deviation, step) -> int:
    """Death or serious injury: the handler side is reminded at once of the duty to notify the
    labour inspection authority and the police (arbeidsmiljøloven § 5-2)."""
    recipients = _unit_contacts(deviation, Role.LINE_MANAGER, Role.SAFETY_REP, Role.HMS_DEPARTMENT)
    if deviation.handler:
        recipients.append(deviation.handler)
    context = {"deviation": deviation, "url": _absolute(deviation.get_absolute_url())}
    return _queue("serious_injury", step, recipients, context)


def handler_assigned(deviation: Deviation, step) -> int:
    """The handling of a case was delegated to someone: tell them."""
    context = {"deviation": deviation, "url": _absolute(deviation.get_absolute_url())}
    return _queue("handler_assigned", step, [deviation.handler], context)


def overdue_digest(today=None) -> int:
    """One e-mail a day to each person with something overdue: the deviations they handle or
    whose unit they lead (a line manager's role covers the subtree). Measures have their own
    reminders (actionplans.notifications), each sent once, so they are not repeated here."""
    today = today or timezone.localdate()
    deviations = list(
        Deviation.objects.overdue(today).select_related("unit", "handler").order_by("deadline")
    )
    managers = (
        RoleAssignment.objects.current(today)
        .filter(role=Role.LINE_MANAGER, user__is_active=True)
        .select_related("user", "unit")
    )
    per_user: dict = defaultdict(lambda: {"deviations": []})
    people = {}
    for deviation in deviations:
        if deviation.handler:
            people[deviation.handler.pk] = deviation.handler
            per_user[deviation.handler.pk]["deviations"].append(deviation)
    for assignment in managers:
        for deviation in deviations:
            if deviation.unit.path.startswith(assignment.unit.path):
                items = per_user[assignment.user.pk]["deviations"]
                if deviation not in items:
                    people[assignment.user.pk] = assignment.user
                    items.append(deviation)
    # Through the outbox, keyed by the day: a retry after a mail server fault, or a second
    # run the same day, sends nobody their digest twice.
    key = today.isoformat()
    for user_pk, items in per_user.items():
        context = {
            "user": people[user_pk],
            "deviations": [(d, _absolute(d.get_absolute_url())) for d in items["deviations"]],
            "today": today,
            "site_url": settings.SITE_URL,
        }
        subject, body = _render("overdue_digest", context)
        outbox.add(
            kind="deviations.overdue_digest",
            key=key,
            recipients=_addresses([people[user_pk]]),
            subject=subject,
            body=body,
        )
    return outbox.send_event("deviations.overdue_digest", key)
