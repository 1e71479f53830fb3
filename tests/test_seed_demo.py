"""`manage.py seed_demo`: the demo organisation of DESIGN.md's contract."""

from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from pghistory.models import Context

from units import demo_data
from units.models import Role, RoleAssignment, Unit, UnitType

User = get_user_model()

AUDIT_MODELS = ["units.UnitEvent", "units.UserEvent", "units.RoleAssignmentEvent"]


@pytest.fixture(autouse=True)
def debug_on(settings):
    settings.DEBUG = True
    # The real hasher is deliberately slow; which one is used does not matter here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    found = {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "contexts": Context.objects.count(),
    }
    for label in AUDIT_MODELS:
        found[label] = apps.get_model(label).objects.count()
    return found


def parent_code(unit: Unit) -> str:
    return Unit.objects.get(path=unit.parent_path()).code


def holder(username: str, role: str) -> Unit:
    """The one unit where the user holds the role."""
    return RoleAssignment.objects.current().get(user__username=username, role=role).unit


@pytest.mark.django_db
def test_seed_builds_the_ntnu_tree():
    seed()

    root = Unit.objects.get(code="NTNU")
    assert root.is_root()
    assert root.unit_type == UnitType.INSTITUTION
    assert root.name_en == "Norwegian University of Science and Technology"
    faculties = Unit.objects.filter(unit_type=UnitType.FACULTY)
    assert set(faculties.values_list("code", flat=True)) == {
        "AD",
        "HF",
        "IE",
        "IV",
        "MH",
        "NV",
        "OK",
        "SU",
    }
    assert {parent_code(faculty) for faculty in faculties} == {"NTNU"}
    for code in ["FA", "VM"]:
        assert parent_code(Unit.objects.get(code=code)) == "NTNU"

    faculty_paths = [faculty.path for faculty in faculties]
    departments = Unit.objects.filter(unit_type=UnitType.DEPARTMENT, depth=3)
    in_faculties = [unit for unit in departments if unit.parent_path() in faculty_paths]
    assert 50 <= len(in_faculties) <= 65
    chemistry = Unit.objects.get(code="IKJ")
    assert chemistry.name_nb == "Institutt for kjemi"
    assert chemistry.name_en == "Department of Chemistry"
    assert parent_code(chemistry) == "NV"
    for code, faculty in [("IDI", "IE"), ("KT", "IV"), ("IKOM", "MH"), ("IPL", "SU")]:
        assert parent_code(Unit.objects.get(code=code)) == faculty

    below_chemistry = Unit.objects.subtree_of(chemistry).exclude(pk=chemistry.pk)
    assert {unit.unit_type for unit in below_chemistry} == {UnitType.SECTION, UnitType.LABORATORY}
    assert parent_code(Unit.objects.get(code="FA-HMS")) == "FA"


@pytest.mark.django_db
def test_unit_codes_are_valid_and_unique():
    codes = [child[0] for children in demo_data.UNITS.values() for child in children]
    assert len(codes) == len(set(codes))

    seed()

    for unit in Unit.objects.all():
        unit.full_clean(exclude=["path", "depth", "numchild"])
    assert Unit.objects.count() == len(codes)


@pytest.mark.django_db
def test_demo_users_hold_their_roles():
    seed()

    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="admin").is_staff
    assert holder("hms", Role.HMS_DEPARTMENT).code == "NTNU"

    department = holder("leder", Role.LINE_MANAGER)
    assert department.code == "IKJ"
    assert department.unit_type == UnitType.DEPARTMENT
    assert holder("verneombud", Role.SAFETY_REP) == department

    section = holder("ansatt", Role.EMPLOYEE)
    assert section.unit_type == UnitType.SECTION
    assert section.parent_path() == department.path

    other_department = holder("leder2", Role.LINE_MANAGER)
    assert other_department.unit_type == UnitType.DEPARTMENT
    assert other_department.parent_path() != department.parent_path()
    assert not other_department.path.startswith(department.parent_path())

    others = User.objects.exclude(username="admin")
    assert not others.filter(is_superuser=True).exists()
    # Only the HSE department reaches the admin, for the shared lists and nothing else.
    assert set(others.filter(is_staff=True).values_list("username", flat=True)) == {"hms"}
    hms = User.objects.get(username="hms")
    assert hms.has_perm("deviations.change_category")
    # The hazard templates and checklists are kept in the app, not in the admin.
    assert not hms.has_perm("risk.change_hazardtemplate")
    assert not hms.has_perm("units.change_unit")
    assert not hms.has_perm("units.manage_tree")


@pytest.mark.django_db
def test_every_demo_user_has_a_name_email_and_the_demo_password():
    seed()

    users = User.objects.filter(username__in=[row[0] for row in demo_data.USERS])
    assert users.count() == len(demo_data.USERS)
    for user in users:
        assert user.first_name
        assert user.last_name
        assert user.email.endswith("@ntnu.example")
        assert user.check_password("hms-demo")


@pytest.mark.django_db
def test_seed_is_recorded_in_the_audit_trail_as_the_command():
    seed()

    UnitEvent = apps.get_model("units.UnitEvent")
    events = UnitEvent.objects.filter(pgh_obj__code="IKJ", pgh_label="insert")
    assert events.get().pgh_context.metadata["command"] == "seed_demo"


@pytest.mark.django_db
def test_second_run_changes_nothing():
    first_output = seed()
    assert "units" in first_output
    admin = User.objects.get(username="admin")
    admin.set_password("changed-by-the-user")
    admin.save(update_fields=["password"])
    before = counts()

    second_output = seed()

    assert counts() == before
    assert "nothing created" in second_output
    assert User.objects.get(username="admin").check_password("changed-by-the-user")


@pytest.mark.django_db
def test_seed_completes_a_partial_organisation():
    seed()
    RoleAssignment.objects.filter(user__username="ansatt").delete()
    RoleAssignment.objects.filter(unit__code="IKJ-NMR").delete()
    Unit.objects.get(code="IKJ-NMR").delete()

    seed()

    assert Unit.objects.filter(code="IKJ-NMR").exists()
    assert holder("ansatt", Role.EMPLOYEE).code == "IKJ-ORG"


@pytest.mark.django_db
def test_seed_is_refused_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG"):
        seed()

    assert not Unit.objects.exists()
    assert not User.objects.exists()
