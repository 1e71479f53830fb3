"""E-mails about deviations and their measures. Called by the tasks in tasks.py, after commit.

Rules: an e-mail never carries health-related details, and never names the reporter of an
anonymous case (it says nothing of the reporter at all, so the two cannot be told apart).
"""

from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone, translation

from deviations.models import Deviation
from units import access
from units.models import Role, RoleAssignment


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _send(template: str, recipients, context: dict) -> int:
    """One e-mail per recipient (addresses are not shown to each other), in bokmål."""
    addresses = sorted(
        {user.email for user in recipients if user and user.is_active and user.email}
    )
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"deviations/email/{template}_subject.txt", context).strip()
        body = render_to_string(f"deviations/email/{template}.txt", context)
    for address in addresses:
        send_mail(subject, body, None, [address])
    return len(addresses)


def _unit_contacts(deviation: Deviation, *roles: str) -> list:
    people = []
    for role in roles:
        people.extend(access.nearest_role_holders(deviation.unit, role))
    return people


def new_deviation(deviation_id: int) -> int:
    deviation = Deviation.objects.select_related("unit", "category", "handler").get(pk=deviation_id)
    recipients = _unit_contacts(deviation, Role.LINE_MANAGER, Role.SAFETY_REP)
    if deviation.handler:
        recipients.append(deviation.handler)
    context = {"deviation": deviation, "url": _absolute(deviation.get_absolute_url())}
    return _send("new_deviation", recipients, context)


def serious_injury(deviation_id: int) -> int:
    """Death or serious injury: the handler side is reminded at once of the duty to notify the
    labour inspection authority and the police (arbeidsmiljøloven § 5-2)."""
    deviation = Deviation.objects.select_related("unit", "category", "handler").get(pk=deviation_id)
    recipients = _unit_contacts(deviation, Role.LINE_MANAGER, Role.SAFETY_REP, Role.HMS_DEPARTMENT)
    if deviation.handler:
        recipients.append(deviation.handler)
    context = {"deviation": deviation, "url": _absolute(deviation.get_absolute_url())}
    return _send("serious_injury", recipients, context)


def handler_assigned(deviation_id: int) -> int:
    """The handling of a case was delegated to someone: tell them."""
    deviation = Deviation.objects.select_related("unit", "category", "handler").get(pk=deviation_id)
    context = {"deviation": deviation, "url": _absolute(deviation.get_absolute_url())}
    return _send("handler_assigned", [deviation.handler], context)


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
    sent = 0
    for user_pk, items in per_user.items():
        context = {
            "user": people[user_pk],
            "deviations": [(d, _absolute(d.get_absolute_url())) for d in items["deviations"]],
            "today": today,
            "site_url": settings.SITE_URL,
        }
        sent += _send("overdue_digest", [people[user_pk]], context)
    return sent
