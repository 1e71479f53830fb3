"""The people register and role assignment imports (dry run, all-or-nothing apply, twice =
no change) and their pages."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from tests.factories import RoleAssignmentFactory
from units import people_import, roles_import
from units.models import (
    Employment,
    EmploymentEvent,
    Role,
    RoleAssignment,
    RoleAssignmentEvent,
    User,
    UserEvent,
)

HEADER = (
    "employee_number,feide_id,first_name,last_name,email,unit_code,position_share,"
    "start_date,end_date"
)


def people_csv(*lines: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *lines, ""]).encode()


KARI = "1001,kari@uni.no,Kari,Nordmann,kari@example.org,DEP,100,2024-08-01,"
OLA = '1002,,Ola,Hansen,ola@example.org,SEC,"50,5",01.01.2020,'


def events() -> tuple[int, int, int]:
    return (
        UserEvent.objects.count(),
        EmploymentEvent.objects.count(),
        RoleAssignmentEvent.objects.count(),
    )


def test_people_import_creates_people_employments_and_roles(org):
    plan = people_import.people_import(content=people_csv(KARI, OLA), filename="hr.csv")

    assert plan.counts() == {"new": 2, "changed": 0, "leaving": 0, "unchanged": 0}
    kari = User.objects.get(employee_number="1001")
    assert (kari.feide_id, kari.email, kari.is_active, kari.has_usable_password()) == (
        "kari@uni.no",
        "kari@example.org",
        True,
        False,
    )
    ola_job = Employment.objects.get(person__employee_number="1002")
    assert (ola_job.unit, str(ola_job.position_share), ola_job.start) == (
        org.section,
        "50.50",
        datetime.date(2020, 1, 1),
    )
    role = RoleAssignment.objects.get(user=kari)
    assert (role.role, role.unit, role.valid_from, role.valid_to) == (
        Role.EMPLOYEE,
        org.department,
        datetime.date(2024, 8, 1),
        None,
    )


def test_dry_run_writes_nothing_and_second_run_changes_nothing(org):
    content = people_csv(KARI, OLA)
    before = events()
    plan = people_import.plan_people(content)
    assert plan.counts()["new"] == 2
    assert events() == before and not User.objects.filter(employee_number__isnull=False).exists()

    people_import.people_import(content=content, filename="hr.csv")
    after_first = events()
    again = people_import.people_import(content=content, filename="hr.csv")

    assert again.counts() == {"new": 0, "changed": 0, "leaving": 0, "unchanged": 2}
    assert events() == after_first


def test_absent_person_leaves_with_roles_ended_and_comes_back(org):
    people_import.people_import(content=people_csv(KARI, OLA), filename="hr.csv")
    ola = User.objects.get(employee_number="1002")
    RoleAssignmentFactory(
        user=ola, unit=org.department, role=Role.SAFETY_REP, valid_from=datetime.date(2024, 1, 1)
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    plan = people_import.people_import(content=people_csv(KARI), filename="hr2.csv")

    assert plan.counts()["leaving"] == 1
    ola.refresh_from_db()
    assert not ola.is_active
    assert set(RoleAssignment.objects.filter(user=ola).values_list("valid_to", flat=True)) == {
        yesterday
    }
    assert Employment.objects.get(person=ola).end == yesterday
    # Twice: nothing more happens to a leaver.
    before = events()
    assert (
        people_import.people_import(content=people_csv(KARI), filename="hr2.csv").counts()[
            "leaving"
        ]
        == 0
    )
    assert events() == before

    # Back with a new start: reactivated, a new employment and employee role.
    comeback = f"1002,,Ola,Hansen,ola@example.org,DEP,80,{timezone.localdate().isoformat()},"
    plan = people_import.people_import(content=people_csv(KARI, comeback), filename="hr3.csv")
    ola.refresh_from_db()
    assert ola.is_active and plan.counts()["changed"] == 1
    assert (
        RoleAssignment.objects.current()
        .filter(user=ola, role=Role.EMPLOYEE, unit=org.department)
        .exists()
    )
    assert Employment.objects.filter(person=ola).count() == 2


def test_end_date_passed_deactivates_and_ends_roles_on_that_date(org):
    people_import.people_import(content=people_csv(KARI), filename="hr.csv")
    kari = User.objects.get(employee_number="1001")
    RoleAssignmentFactory(
        user=kari, unit=org.department, role=Role.LINE_MANAGER, valid_from=datetime.date(2024, 9, 1)
    )
    leaving = KARI[:-1] + ",2025-01-31"

    plan = people_import.people_import(content=people_csv(leaving), filename="hr.csv")

    assert plan.counts()["leaving"] == 1
    kari.refresh_from_db()
    assert not kari.is_active
    assert set(RoleAssignment.objects.filter(user=kari).values_list("valid_to", flat=True)) == {
        datetime.date(2025, 1, 31)
    }


def test_partial_file_leaves_absent_people_alone(org):
    people_import.people_import(content=people_csv(KARI, OLA), filename="hr.csv")
    plan = people_import.plan_people(people_csv(KARI), partial=True)
    assert plan.counts() == {"new": 0, "changed": 0, "leaving": 0, "unchanged": 1}


def test_changes_are_matched_by_employee_number_then_feide_id(org, employee):
    employee.feide_id = "kari@uni.no"
    employee.save()
    changed = "1001,kari@uni.no,Kari,Nordmann-Berg,kari@example.org,SEC,60,2024-08-01,"

    plan = people_import.people_import(content=people_csv(changed), filename="hr.csv")

    assert plan.counts()["changed"] == 1
    employee.refresh_from_db()
    assert (employee.employee_number, employee.last_name) == ("1001", "Nordmann-Berg")


def test_users_without_employee_number_are_never_leavers(org, administrator, line_manager):
    plan = people_import.plan_people(people_csv(KARI))
    assert plan.counts()["leaving"] == 0


BAD_FILES = {
    "binary junk": (b"\x00\xff\xfe\x81" * 200, "neither an Excel workbook"),
    "not an xlsx": (b"PK\x03\x04 this is no zip", "cannot be read as an Excel workbook"),
    "wrong columns": (b"name,unit\nKari,DEP\n", "Unknown column"),
    "empty": (b"", "The file is empty"),
    "huge cell": (
        people_csv("1001,,Kari," + "x" * 5000 + ",k@example.org,DEP,100,2024-08-01,"),
        "At most",
    ),
    "bad date": (people_csv("1001,,Kari,N,k@example.org,DEP,100,31/31/2024,"), "is not a date"),
    "start in year 9999": (
        people_csv("1001,,Kari,N,k@example.org,DEP,100,9999-12-31,"),
        "Check the year",
    ),
    "end in year 24": (
        people_csv("1001,,Kari,N,k@example.org,DEP,100,2024-08-01,01.01.0024"),
        "Check the year",
    ),
    "bad share": (
        people_csv("1001,,Kari,N,k@example.org,DEP,120,2024-08-01,"),
        "not a position share",
    ),
    "duplicate employee number": (
        people_csv(KARI, "1001,,Ola,H,o@example.org,DEP,100,2024-08-01,"),
        "also on line 2",
    ),
    "unknown unit": (
        people_csv("1001,,Kari,N,k@example.org,NOPE,100,2024-08-01,"),
        "No unit has the code",
    ),
    "end before start": (
        people_csv("1001,,Kari,N,k@example.org,DEP,100,2024-08-01,2024-01-01"),
        "before the start",
    ),
}


@pytest.mark.parametrize("name", BAD_FILES)
def test_bad_files_are_reported_not_imported(org, name):
    content, message = BAD_FILES[name]
    with pytest.raises(people_import.ImportRejected) as rejected:
        people_import.people_import(content=content, filename="x.csv")
    assert any(message in problem.message for problem in rejected.value.plan.problems)
    assert not User.objects.filter(employee_number__isnull=False).exists()


def test_email_clash_with_another_person_is_an_error(org, line_manager):
    clash = f"1001,,Kari,N,{line_manager.email.upper()},DEP,100,2024-08-01,"
    plan = people_import.plan_people(people_csv(clash))
    assert [(p.line, p.field) for p in plan.problems] == [(2, "email")]


def xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def test_xlsx_with_date_cells_and_numbers(org):
    content = xlsx(
        [
            HEADER.split(","),
            [
                1001,
                "kari@uni.no",
                "Kari",
                "Nordmann",
                "kari@example.org",
                "DEP",
                80,
                datetime.datetime(2024, 8, 1),
                None,
            ],
        ]
    )
    plan = people_import.people_import(content=content, filename="hr.xlsx")
    assert plan.counts()["new"] == 1
    job = Employment.objects.get(person__employee_number="1001")
    assert (job.position_share, job.start) == (80, datetime.date(2024, 8, 1))


def test_semicolons_and_bom_are_read(org):
    content = (
        "\ufeff"
        + HEADER.replace(",", ";")
        + "\n"
        + "1001;;Kari;N;k@example.org;DEP;100;01.08.2024;\n"
    )
    assert people_import.plan_people(content.encode()).counts()["new"] == 1


# Role assignments --------------------------------------------------------------------------

ROLES_HEADER = "unit_code,role,person,valid_from,valid_to"


def roles_csv(*lines: str) -> bytes:
    return "\n".join([ROLES_HEADER, *lines, ""]).encode()


def test_roles_import_by_any_identifier_and_twice_no_change(org, employee):
    people_import.people_import(content=people_csv(KARI), filename="hr.csv")
    content = roles_csv(
        "DEP,line_manager,1001,2025-01-01,",
        "SEC,Safety representative,kari@uni.no,2025-01-01,2025-12-31",
        f"DEP,hms_coordinator,{employee.username},2025-02-01,",
        f"SEC,chemical_contact,{employee.email},2025-02-01,",
    )
    plan = roles_import.roles_import(content=content, filename="roles.csv")
    assert plan.counts() == {"new": 4, "changed": 0, "unchanged": 0}
    before = events()
    assert (
        roles_import.roles_import(content=content, filename="roles.csv").counts()["unchanged"] == 4
    )
    assert events() == before

    ended = roles_csv("DEP,line_manager,1001,2025-01-01,2025-06-30")
    assert roles_import.roles_import(content=ended, filename="r.csv").counts()["changed"] == 1
    assert RoleAssignment.objects.get(
        role=Role.LINE_MANAGER, unit=org.department, user__employee_number="1001"
    ).valid_to == datetime.date(2025, 6, 30)


def test_roles_import_knows_the_role_names_in_bokmal_nynorsk_and_english(org, employee):
    content = roles_csv(
        f"DEP,Verneombud,{employee.username},2025-01-01,",
        f"SEC,Verneombod,{employee.username},2025-01-01,",
        f"OTHERDEP,Safety representative,{employee.username},2025-01-01,",
    )
    plan = roles_import.roles_import(content=content, filename="roles.csv")
    assert plan.counts() == {"new": 3, "changed": 0, "unchanged": 0}
    held = RoleAssignment.objects.filter(user=employee, role=Role.SAFETY_REP)
    assert sorted(held.values_list("unit__code", flat=True)) == ["DEP", "OTHERDEP", "SEC"]


def test_roles_import_errors_by_line(org, employee):
    content = roles_csv(
        f"NOPE,line_manager,{employee.username},2025-01-01,",
        f"DEP,boss,{employee.username},2025-01-01,",
        "DEP,line_manager,nobody,2025-01-01,",
        f"DEP,line_manager,{employee.username},1.1.25x,",
        f"DEP,safety_rep,{employee.username},2025-01-01,9999-12-31",
    )
    plan = roles_import.plan_roles(content)
    assert [(p.line, p.field) for p in plan.problems] == [
        (2, "unit_code"),
        (3, "role"),
        (4, "person"),
        (5, "valid_from"),
        (6, "valid_to"),
    ]
    with pytest.raises(roles_import.ImportRejected):
        roles_import.roles_import(content=content, filename="r.csv")


def test_commands_dry_run_then_apply(org, tmp_path, capsys):
    path = tmp_path / "hr.csv"
    path.write_bytes(people_csv(KARI))
    call_command("import_people", str(path))
    assert "Dry run" in capsys.readouterr().out
    assert not User.objects.filter(employee_number="1001").exists()
    call_command("import_people", str(path), "--apply")
    assert User.objects.filter(employee_number="1001").exists()
    roles = tmp_path / "roles.csv"
    roles.write_bytes(roles_csv("DEP,line_manager,1001,2025-01-01,"))
    call_command("import_roles", str(roles), "--apply")
    assert RoleAssignment.objects.filter(
        role=Role.LINE_MANAGER, user__employee_number="1001"
    ).exists()


# Pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["units:import_people", "units:import_roles"])
def test_outsider_and_anonymous_cannot_open_import_pages(
    client, outsider, hms_department, url_name
):
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    for user in (outsider, hms_department):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert (
            client.post(url, {"file": SimpleUploadedFile("x.csv", KARI.encode())}).status_code
            == 404
        )


def test_import_page_preview_then_apply(client, org, administrator):
    client.force_login(administrator)
    url = reverse("units:import_people")
    response = client.post(
        url, {"file": SimpleUploadedFile("hr.csv", people_csv(KARI, OLA)), "preview": "1"}
    )
    assert response.status_code == 200
    assert not User.objects.filter(employee_number="1001").exists()
    apply_form = response.context["apply_form"]
    data = {name: apply_form.initial.get(name, "") for name in apply_form.fields}
    data["partial"] = ""
    response = client.post(url, {**data, "apply": "1"})
    assert response.status_code == 302
    assert User.objects.filter(employee_number__in=["1001", "1002"]).count() == 2


@pytest.mark.parametrize(
    "content", [b"\x00\xff" * 100, b"PK\x03\x04junk", b"x" * 10, people_csv("a,b")]
)
def test_upload_of_junk_shows_problems_not_500(client, org, administrator, content):
    client.force_login(administrator)
    for url_name in ("units:import_people", "units:import_roles"):
        response = client.post(
            reverse(url_name), {"file": SimpleUploadedFile("x.xlsx", content), "preview": "1"}
        )
        assert response.status_code == 200
        assert response.context["plan"].problems


def test_tampered_apply_is_refused(client, org, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("units:import_roles"),
        {
            "content": "bm9wZQ==",
            "sha256": "0" * 64,
            "filename": "x",
            "plan_digest": "x",
            "apply": "1",
        },
    )
    assert response.status_code == 200 and response.context["apply_errors"]
