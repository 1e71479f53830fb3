"""E-mails about training: a course about to expire or expired. Called from services, which
remember what was sent."""

from django.conf import settings
from django.urls import reverse

from hms.training.models import ReminderKind, TrainingRecord
from units import access, outbox
from units.models import Role, RoleAssignment


def _absolute(url: str) -> str:
    return settings.SITE_URL.rstrip("/") + url


def line_managers_of(person) -> list:
    """The nearest line managers of every unit where the person holds a role."""
    managers = []
    assignments = (
        RoleAssignment.objects.current()
        .filter(user=person)
        .exclude(role=Role.HMS_DEPARTMENT)
        .select_related("unit")
    )
    for unit in {assignment.unit for assignment in assignments}:
        managers.extend(access.nearest_role_holders(unit, Role.LINE_MANAGER))
    return [manager for manager in managers if manager.pk != person.pk]


def expiry_reminder(record_id: int, kind: str) -> int:
    """To the person (about their own course) and to their line managers (about the person).
    Returns the number of addresses written to."""
    record = TrainingRecord.objects.select_related("person", "course").get(pk=record_id)
    template = "expiring" if kind == ReminderKind.EXPIRING else "expired"
    context = {"record": record, "course": record.course, "person": record.person}
    sent = 0
    if outbox.can_receive(record.person):
        own = {**context, "own": True, "url": _absolute(reverse("training:mine"))}
        sent += outbox.send_to(record.person, f"training/email/{template}", own)
    managers = {
        manager.email: manager
        for manager in line_managers_of(record.person)
        if outbox.can_receive(manager) and manager.email != record.person.email
    }
    theirs = {**context, "own": False, "url": _absolute(record.get_absolute_url())}
    for address in sorted(managers):
        sent += outbox.send_to(managers[address], f"training/email/{template}", theirs)
    return sent


def new_role_courses(assignment, courses) -> int:
    """A person given a role is told which courses the role requires that they lack."""
    person = assignment.user
    if not (person.is_active and person.email):
        return 0
    context = {
        "assignment": assignment,
        "role": Role(assignment.role).label,
        "unit": assignment.unit,
        "courses": courses,
        "url": _absolute(reverse("training:mine")),
    }
    return outbox.send_to(person, "training/email/new_role", context)
