"""Demo rows for the yearly cycle (called by seed_demo): the faculty's goal for this year,
last year's goals of the Department of Chemistry (one evaluated, one waiting), and its working
group. This year's goals of the department are left for `leder` to set. Safe to run again."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from hms.cycle.models import Goal, WorkingGroupMember
from units.models import Unit

HMS_DEPARTMENT_GROUP = "HMS-avdelingen"


def seed() -> None:
    _templates_for_the_hms_department()
    users = {user.username: user for user in get_user_model().objects.all()}
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=["NV", "IKJ"])}
    if set(units) != {"NV", "IKJ"} or not {"dekan", "leder", "verneombud"} <= set(users):
        return
    year = timezone.localdate().year
    faculty, department = units["NV"], units["IKJ"]
    Goal.objects.get_or_create(
        unit=faculty,
        year=year,
        title="Ingen alvorlige personskader i laboratoriene",
        defaults={
            "description": "Alle laboratorier har oppdatert risikovurdering og gjennomført "
            "HMS-runde innen 31. oktober.",
            "created_by": users["dekan"],
        },
    )
    now = timezone.now()
    Goal.objects.get_or_create(
        unit=department,
        year=year - 1,
        title="Alle nyansatte gjennomfører HMS-introduksjon første måned",
        defaults={
            "evaluation": Goal.Evaluation.REACHED,
            "evaluation_comment": "19 av 19 nyansatte fikk introduksjonen.",
            "evaluated_at": now,
            "evaluated_by": users["leder"],
            "created_by": users["leder"],
        },
    )
    Goal.objects.get_or_create(
        unit=department,
        year=year - 1,
        title="Halvere antall avvik om kjemikalier uten merking",
        defaults={"created_by": users["leder"]},
    )
    for username, part, driver in [
        ("leder", "Linjeleder, leder gruppen", False),
        ("verneombud", "Verneombud", True),
    ]:
        WorkingGroupMember.objects.get_or_create(
            unit=department,
            year=year,
            user=users[username],
            defaults={"part": part, "is_driver": driver},
        )


def _templates_for_the_hms_department() -> None:
    """The HSE department keeps the cycle template in the admin, as it keeps the other
    shared lists."""
    group = Group.objects.filter(name=HMS_DEPARTMENT_GROUP).first()
    if group is not None:
        permissions = Permission.objects.filter(
            content_type__app_label="cycle", codename__endswith="steptemplate"
        )
        group.permissions.add(*permissions)
