"""E-mails about deviations and their measures. The events' e-mails are written to the outbox
(units/outbox.py) by the service, in the transaction that records the event, so none is lost
and none is sent twice; the daily digest is sent by its task.

Rules: an e-mail never carries health-related details, and never names the reporter of an
anonymous case (it says nothing of the reporter at all, so the two cannot be told apart).
"""

from collections import defaultdict

from django.conf import settings
from django.utils import timezone

from deviations.models import Deviation, EventKind
from units import access, outbox
from units.models import Role, RoleAssignment


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def _queue(template: str, step, recipients, context: dict) -> int:
    """One e-mail per recipient into the outbox, each in the recipient's language, keyed by
    the deviation's step that caused it: the same step never mails the same address twice."""
    return outbox.add_for(
        kind=f"deviations.{template}",
        key=str(step.pk),
        people=recipients,
        template=f"deviations/email/{template}",
        context=context,
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


def what_was_done(deviation: Deviation) -> dict:
    """What the reporter (also an anonymous one, on the receipt page) is told of a closed case:
    the measures taken and the lessons learned. Never the health details."""
    return {
        "measures": list(deviation.measures.order_by("pk")),
        "lessons_learned": deviation.lessons_learned,
    }


# The steps the reporter is told of, and those the unit's safety rep is told of (the new
# unit's safety rep hears of a transfer through new_deviation).
REPORTER_STEPS = (EventKind.ACCEPTED, EventKind.REJECTED, EventKind.TRANSFERRED, EventKind.CLOSED)
SAFETY_REP_STEPS = (EventKind.REJECTED, EventKind.TRANSFERRED, EventKind.CLOSED)


def case_progress(deviation: Deviation, step) -> int:
    """The case was accepted, rejected, transferred or closed: the reporter is told (an
    anonymous one has no address; the receipt page shows the same), and, except on
    acceptance, the safety rep of the unit the case belonged to. Called inside the service's
    transaction; one call per transition."""
    context = {
        "deviation": deviation,
        "step": step,
        "url": _absolute(deviation.get_absolute_url()),
        **(what_was_done(deviation) if step.kind == EventKind.CLOSED else {}),
    }
    queued = 0
    if step.kind in REPORTER_STEPS and deviation.reporter and not deviation.is_anonymous:
        queued += _queue("reporter_progress", step, [deviation.reporter], context)
    if step.kind in SAFETY_REP_STEPS:
        unit = step.from_unit if step.kind == EventKind.TRANSFERRED else deviation.unit
        reps = access.nearest_role_holders(unit, Role.SAFETY_REP)
        reps = [rep for rep in reps if rep.pk != getattr(deviation.reporter, "pk", None)]
        queued += _queue("safety_rep_progress", step, reps, context)
    return queued


def overdue_digest(today=None) -> int:
    """One e-mail a day to each person with something overdue: the deviations they handle or
    whose unit they lead or are safety rep of (the role covers the subtree). Measures have their own
    reminders (actionplans.notifications), each sent once, so they are not repeated here."""
    today = today or timezone.localdate()
    deviations = list(
        Deviation.objects.overdue(today).select_related("unit", "handler").order_by("deadline")
    )
    managers = (
        RoleAssignment.objects.current(today)
        .filter(role__in=[Role.LINE_MANAGER, Role.SAFETY_REP], user__is_active=True)
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
        outbox.add_for(
            kind="deviations.overdue_digest",
            key=key,
            people=[people[user_pk]],
            template="deviations/email/overdue_digest",
            context=context,
        )
    return outbox.send_event("deviations.overdue_digest", key)
