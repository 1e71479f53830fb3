"""Who may open what: every view, every role, inside and outside the role's subtree.

The expected answers are written in one table. Each role is held on DEP; "inside" is the
section below it, "outside" is a department in the other faculty. The tree and the unit pages
are open to every logged-in user; managing the tree is for administrators only, and for
everyone else such a page does not exist (404).
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from tests.conftest import user_with_role
from units import access
from units.models import Role, RoleAssignment, Unit

OPEN = "open"  # every logged-in user
ADMIN = "admin"  # administrators only

# name → (URL builder taking the target unit, HTTP method, who may, status when allowed)
VIEWS = {
    "home": (lambda unit: reverse("home"), "get", OPEN, 200),
    "tree": (lambda unit: reverse("units:tree"), "get", OPEN, 200),
    "tree_search": (lambda unit: reverse("units:tree") + f"?q={unit.code}", "get", OPEN, 200),
    "children": (lambda unit: reverse("units:children", args=[unit.code]), "get", OPEN, 200),
    "detail": (lambda unit: unit.get_absolute_url(), "get", OPEN, 200),
    "create": (lambda unit: reverse("units:create") + f"?parent={unit.code}", "get", ADMIN, 200),
    "edit": (lambda unit: reverse("units:edit", args=[unit.code]), "get", ADMIN, 200),
    "move": (lambda unit: reverse("units:move", args=[unit.code]), "get", ADMIN, 200),
    "deactivate": (lambda unit: reverse("units:deactivate", args=[unit.code]), "post", ADMIN, 302),
    "reactivate": (lambda unit: reverse("units:reactivate", args=[unit.code]), "post", ADMIN, 302),
    "delete": (lambda unit: reverse("units:delete", args=[unit.code]), "post", ADMIN, 302),
    "role_assign": (lambda unit: reverse("units:role_assign", args=[unit.code]), "get", ADMIN, 200),
    "role_end": (
        lambda unit: reverse("units:role_end", args=[unit.role_assignments.first().pk]),
        "get",
        ADMIN,
        200,
    ),
    "import": (lambda unit: reverse("units:import"), "get", ADMIN, 200),
    "export": (lambda unit: reverse("units:export"), "get", ADMIN, 200),
    "history": (
        lambda unit: reverse("history", args=[ContentType.objects.get_for_model(Unit).pk, unit.pk]),
        "get",
        ADMIN,
        200,
    ),
}

# What a role held on DEP lets its holder do with records of a unit (inside: SEC below DEP;
# outside: OTHERDEP in the other faculty): (see records, see health details, manage records).
RECORD_ACCESS = {
    Role.LINE_MANAGER: ((True, True, True), (False, False, False)),
    Role.SAFETY_REP: ((True, True, False), (False, False, False)),
    Role.CHIEF_SAFETY_REP: ((True, False, False), (False, False, False)),
    Role.HMS_COORDINATOR: ((True, False, True), (False, False, False)),
    Role.RADIATION_COORDINATOR: ((True, False, False), (False, False, False)),
    Role.CHEMICAL_CONTACT: ((True, False, False), (False, False, False)),
    Role.HMS_DEPARTMENT: ((True, True, True), (False, False, False)),
    Role.EMPLOYEE: ((False, False, False), (False, False, False)),
}


@pytest.fixture
def targets(org):
    """Each target unit carries one role assignment so that role_end has something to open."""
    holder = user_with_role("holder", Role.EMPLOYEE, org.section)
    RoleAssignment.objects.create(user=holder, unit=org.other_department, role=Role.EMPLOYEE)
    # Leaf units without sub-units, so that deactivate/delete act on just them.
    return {"inside": org.section, "outside": org.other_department}


def request(client, method: str, url: str):
    return client.post(url) if method == "post" else client.get(url)


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_role_holder_gets_the_expected_answer(client, org, targets, role, where, view):
    user = user_with_role(f"{role}_holder", role, org.department)
    client.force_login(user)
    build_url, method, who, allowed_status = VIEWS[view]
    response = request(client, method, build_url(targets[where]))
    expected = allowed_status if who == OPEN else 404
    assert response.status_code == expected


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_administrator_may_do_everything(client, org, targets, administrator, where, view):
    client.force_login(administrator)
    build_url, method, _who, allowed_status = VIEWS[view]
    response = request(client, method, build_url(targets[where]))
    assert response.status_code == allowed_status


@pytest.mark.parametrize("view", sorted(VIEWS))
def test_anonymous_visitor_is_sent_to_login(client, org, targets, view):
    build_url, method, _who, _status = VIEWS[view]
    response = request(client, method, build_url(targets["inside"]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize("where", ["inside", "outside"])
def test_role_covers_records_of_its_subtree_only(org, role, where):
    user = user_with_role(f"{role}_holder", role, org.department)
    unit = org.section if where == "inside" else org.other_department
    expected = RECORD_ACCESS[role][0 if where == "inside" else 1]
    assert (
        access.can_view_records(user, unit),
        access.can_view_health_details(user, unit),
        access.can_manage_records(user, unit),
    ) == expected
    covered = set(access.units_covered(user).values_list("code", flat=True))
    assert (unit.code in covered) == expected[0]


def test_records_filter_matches_the_predicates(org, line_manager, outsider, hms_department):
    for user in (line_manager, outsider, hms_department):
        codes = set(
            Unit.objects.filter(access.records_q(user, "role_assignments__unit")).values_list(
                "code", flat=True
            )
        )
        for unit in Unit.objects.all():
            if unit.code in codes:
                assert access.can_view_records(user, unit)


def test_demo_users_see_what_the_contract_says(client, settings, db):
    from django.core.management import call_command

    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    leder_unit = RoleAssignment.objects.get(user__username="leder", role=Role.LINE_MANAGER).unit
    other_unit = RoleAssignment.objects.get(user__username="leder2", role=Role.LINE_MANAGER).unit
    users = {a.user.username: a.user for a in RoleAssignment.objects.select_related("user")}
    assert access.can_view_records(users["leder"], leder_unit)
    assert access.can_view_records(users["verneombud"], leder_unit)
    assert not access.can_view_records(users["ansatt"], leder_unit)
    assert not access.can_view_records(users["leder2"], leder_unit)
    assert not access.can_view_records(users["leder"], other_unit)
    assert access.can_view_records(users["hms"], leder_unit)
    assert access.can_view_records(users["hms"], other_unit)
    for username in ("leder", "verneombud", "ansatt", "leder2", "hms"):
        client.force_login(users[username])
        assert client.get(leder_unit.get_absolute_url()).status_code == 200
        assert client.get(reverse("units:edit", args=[leder_unit.code])).status_code == 404
    client.force_login(client_admin := type(users["hms"]).objects.get(username="admin"))
    assert client_admin.is_superuser
    assert client.get(reverse("units:edit", args=[leder_unit.code])).status_code == 200


def test_ended_role_no_longer_covers(org, line_manager):
    from django.utils import timezone

    from units.services import role_end

    assignment = line_manager.role_assignments.get()
    yesterday = timezone.localdate() - timezone.timedelta(days=1)
    RoleAssignment.objects.filter(pk=assignment.pk).update(
        valid_from=yesterday - timezone.timedelta(days=30)
    )
    assignment.refresh_from_db()
    role_end(assignment=assignment, valid_to=yesterday)
    fresh = type(line_manager).objects.get(pk=line_manager.pk)
    assert not access.can_view_records(fresh, org.department)


# A role on the only top unit covers every unit; said as "the record has a unit" for the
# database's plan (access._scope_q), it must still stop at the tree's edge once there are two.


def test_the_hse_department_on_the_only_top_unit_sees_every_units_deviations(
    org, hms_department, employee
):
    from deviations.models import Deviation
    from tests.factories import make_deviation

    made = [make_deviation(org.section, employee), make_deviation(org.other_department, employee)]
    visible = Deviation.objects.visible_to(hms_department)
    assert sorted(visible.values_list("pk", flat=True)) == sorted(d.pk for d in made)
    assert set(access.units_covered(hms_department)) == set(Unit.objects.all())


def test_a_role_on_one_of_two_top_units_stops_at_its_tree(org, hms_department, employee):
    from deviations.models import Deviation
    from tests.factories import make_deviation, make_unit

    inside = make_deviation(org.section, employee)
    other_tree = make_unit(code="ELSEWHERE")
    make_deviation(make_unit(other_tree, code="ELSEWHERE-DEP"), employee)
    access.forget_roles(hms_department)
    assert list(Deviation.objects.visible_to(hms_department)) == [inside]
    assert not access.units_covered(hms_department).filter(path__startswith=other_tree.path)


def test_a_line_managers_scope_is_the_covered_units_found_once(org, line_manager, employee):
    # The covered units as an array the database builds before it reads the records, so that
    # "in my units OR reported by me OR handled by me" is three index scans, not a read of
    # every deviation (access._InUnits; bench_scale: a department's count 643 -> 19 ms).
    from deviations.models import Deviation
    from tests.factories import make_deviation

    mine = make_deviation(org.section, employee)
    elsewhere = make_deviation(org.other_department, employee)
    visible = Deviation.objects.visible_to(line_manager)
    assert list(visible) == [mine]
    sql = str(visible.query)
    assert "= ANY(ARRAY(SELECT" in sql and "JOIN" not in sql
    assert elsewhere in Deviation.objects.visible_to(employee)
