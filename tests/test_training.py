"""Training pages: who may open what, registering courses (certificates checked by their
content and size), and the states of the role × course matrix at their boundaries."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from hms.training import matrix
from hms.training.models import Course, RoleRequirement, TrainingRecord
from tests.conftest import user_with_role
from tests.factories import load_reference_data
from tests.test_deviation_report import png_bytes
from units.models import Role

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_record(person, course, *, completed_on=None, expires_on=None, registered_by=None):
    completed_on = completed_on or timezone.localdate() - datetime.timedelta(days=30)
    return TrainingRecord.objects.create(
        person=person,
        course=course,
        completed_on=completed_on,
        expires_on=expires_on,
        registered_by=registered_by or person,
    )


@pytest.fixture(autouse=True)
def default_courses(db):
    # Emptied by earlier tests that run outside a transaction (the real-worker tests).
    load_reference_data()


@pytest.fixture
def lab_course(db):
    """A course every employee must hold, valid for a year."""
    course = Course.objects.create(
        code="lab-safety", name_nb="Labsikkerhet", name_en="Lab safety", validity_months=12
    )
    RoleRequirement.objects.create(role=Role.EMPLOYEE, course=course)
    return course


@pytest.fixture
def leader_course(db):
    return Course.objects.get(code="hms-ledere")


@pytest.fixture
def employee_record(employee, lab_course):
    return make_record(
        employee, lab_course, expires_on=timezone.localdate() + datetime.timedelta(days=200)
    )


def test_default_courses_are_required_of_the_roles(db):
    required = {(r.role, r.course.code) for r in RoleRequirement.objects.select_related("course")}
    assert (Role.LINE_MANAGER, "hms-ledere") in required
    assert (Role.SAFETY_REP, "grunnkurs-40") in required
    assert (Role.CHIEF_SAFETY_REP, "grunnkurs-40") in required
    assert (Role.RADIATION_COORDINATOR, "stralevern") in required
    assert (Role.CHEMICAL_CONTACT, "stoffkartotek") in required
    assert Course.objects.get(code="stralevern").validity_months == 60
    assert Course.objects.get(code="grunnkurs-40").validity_months is None


# --- My training and records ------------------------------------------------------------------


def test_every_user_has_my_training_in_the_menu(client, employee):
    client.force_login(employee)
    response = client.get(reverse("home"))
    assert reverse("training:mine") in response.content.decode()
    assert reverse("training:units") not in response.content.decode()


def test_employee_sees_only_their_own_records(
    client, employee, line_manager, lab_course, leader_course
):
    make_record(employee, lab_course)
    make_record(line_manager, leader_course)
    client.force_login(employee)
    html = client.get(reverse("training:mine")).content.decode()
    assert "Lab safety" in html
    assert "HSE platform course for leaders" not in html
    assert "Courses your roles require" in html


def test_my_training_shows_a_missing_required_course(client, line_manager, leader_course):
    client.force_login(line_manager)
    html = client.get(reverse("training:mine")).content.decode()
    assert f'id="course-{leader_course.code}"' in html
    assert "Missing" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("employee", 200),
        ("line_manager", 200),
        ("hms_department", 200),
        ("outsider", 404),
        ("safety_rep", 404),
    ],
)
def test_who_may_open_an_employees_record(client, request, employee_record, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(employee_record.get_absolute_url()).status_code == status


def test_employee_cannot_open_a_colleagues_record(client, employee, org, lab_course):
    colleague = user_with_role("colleague", Role.EMPLOYEE, org.section)
    record = make_record(colleague, lab_course)
    client.force_login(employee)
    assert client.get(record.get_absolute_url()).status_code == 404


def test_employee_registers_their_own_course(client, employee, lab_course):
    client.force_login(employee)
    response = client.post(
        reverse("training:record_new"),
        {
            "course": lab_course.pk,
            "completed_on": "2026-01-31",
            "content": "Fume hoods",
            "proof_reference": "CERT-1",
            # An employee has no person field: a person posted anyway is ignored.
            "person": "someone_else",
        },
    )
    record = TrainingRecord.objects.get()
    assert response.status_code == 302
    assert record.person == employee
    assert record.registered_by == employee
    # Expiry is the completion date plus the course's validity, the 31st kept in range.
    assert record.expires_on == datetime.date(2027, 1, 31)


def test_line_manager_registers_a_course_for_a_person_of_their_unit(
    client, line_manager, employee, lab_course
):
    client.force_login(line_manager)
    response = client.post(
        reverse("training:record_new"),
        {"person": employee.username, "course": lab_course.pk, "completed_on": "2026-03-01"},
    )
    assert response.status_code == 302
    record = TrainingRecord.objects.get()
    assert (record.person, record.registered_by) == (employee, line_manager)


def test_line_manager_cannot_register_for_a_person_outside_their_units(
    client, line_manager, outsider, lab_course
):
    client.force_login(line_manager)
    response = client.post(
        reverse("training:record_new"),
        {"person": outsider.username, "course": lab_course.pk, "completed_on": "2026-03-01"},
    )
    assert response.status_code == 400
    assert "only for yourself and the people of your units" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_hms_department_registers_for_anyone(client, hms_department, outsider, lab_course):
    client.force_login(hms_department)
    response = client.post(
        reverse("training:record_new"),
        {"person": outsider.username, "course": lab_course.pk, "completed_on": "2026-03-01"},
    )
    assert response.status_code == 302
    assert TrainingRecord.objects.get().person == outsider


def test_a_future_date_is_refused_with_the_input_kept(client, employee, lab_course):
    client.force_login(employee)
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("training:record_new"),
        {"course": lab_course.pk, "completed_on": future, "content": "Kept text"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The date is in the future." in html
    assert "Kept text" in html
    assert not TrainingRecord.objects.exists()


# --- Certificates -----------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _post_certificate(client, course, upload):
    return client.post(
        reverse("training:record_new"),
        {"course": course.pk, "completed_on": "2026-02-01", "proof_file": upload},
    )


def test_a_file_that_is_not_a_certificate_is_refused(client, employee, lab_course, media):
    client.force_login(employee)
    upload = SimpleUploadedFile("cert.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    response = _post_certificate(client, lab_course, upload)
    assert response.status_code == 400
    assert "is not a PDF, JPEG or PNG file" in response.content.decode()
    assert not TrainingRecord.objects.exists()
    assert not any(media.rglob("*"))


def test_a_too_big_certificate_is_refused(client, employee, lab_course, media, settings):
    settings.TRAINING_PROOF_MAX_BYTES = 1024
    client.force_login(employee)
    upload = SimpleUploadedFile("cert.pdf", PDF + b"0" * 2048, content_type="application/pdf")
    response = _post_certificate(client, lab_course, upload)
    assert response.status_code == 400
    assert "the largest file accepted is 1.0\xa0KB" in response.content.decode()
    assert not TrainingRecord.objects.exists()


def test_a_certificate_is_served_only_to_those_who_see_the_record(
    client, employee, line_manager, outsider, lab_course, media
):
    client.force_login(employee)
    upload = SimpleUploadedFile("Kari Nordmann.pdf", PDF, content_type="text/plain")
    assert _post_certificate(client, lab_course, upload).status_code == 302
    record = TrainingRecord.objects.get()
    # Stored under a random name, with the type found in the file.
    assert "Kari" not in record.proof_file.name
    assert record.proof_content_type == "application/pdf"
    url = record.proof_url()
    for user, status in ((employee, 200), (line_manager, 200), (outsider, 404)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status
        if status == 200:
            assert b"".join(response.streaming_content) == PDF
            assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(employee)
    assert (
        client.get(
            url.replace(str(record.proof_token), "00000000-0000-0000-0000-000000000000")
        ).status_code
        == 404
    )


# --- The matrix -------------------------------------------------------------------------------


MATRIX_VIEWS = {
    "matrix": lambda unit: reverse("training:matrix", args=[unit.code]),
    "matrix_below": lambda unit: reverse("training:matrix", args=[unit.code]) + "?below=1",
    "export_csv": lambda unit: reverse("training:export", args=[unit.code, "csv"]),
    "export_xlsx": lambda unit: reverse("training:export", args=[unit.code, "xlsx"]),
}


@pytest.mark.parametrize("view", MATRIX_VIEWS)
@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("line_manager", 200),
        ("hms_department", 200),
        ("outsider", 404),
        ("employee", 404),
        ("safety_rep", 404),
    ],
)
def test_who_may_open_the_matrix_of_a_unit(client, request, org, view, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(MATRIX_VIEWS[view](org.department)).status_code == status


def test_line_manager_opens_the_matrix_of_a_unit_below(client, line_manager, org):
    client.force_login(line_manager)
    assert client.get(reverse("training:matrix", args=[org.section.code])).status_code == 200


def test_hse_coordinator_opens_the_matrix(client, org):
    client.force_login(user_with_role("coordinator", Role.HMS_COORDINATOR, org.department))
    assert client.get(reverse("training:matrix", args=[org.department.code])).status_code == 200


def test_unknown_export_format_is_404(client, line_manager, org):
    client.force_login(line_manager)
    url = reverse("training:export", args=[org.department.code, "pdf"])
    assert client.get(url).status_code == 404


def test_units_page_leads_a_line_manager_to_their_matrix(client, line_manager, employee, org):
    client.force_login(line_manager)
    response = client.get(reverse("training:units"))
    assert response.status_code == 302
    assert response["Location"] == reverse("training:matrix", args=[org.department.code])
    client.force_login(employee)
    assert client.get(reverse("training:units")).status_code == 404


@pytest.mark.parametrize(
    ("who", "shown"), [("line_manager", True), ("outsider", False), ("employee", False)]
)
def test_unit_page_partial_shows_gaps_only_to_those_managing_the_unit(
    client, request, org, leader_course, who, shown
):
    user = request.getfixturevalue(who)
    request.getfixturevalue("line_manager")
    client.force_login(user)
    response = client.get(reverse("training:unit_gaps", args=[org.department.code]))
    assert response.status_code == 200
    html = response.content.decode()
    assert ("1 person here or below lacks a course" in html) is shown
    if not shown:
        assert html == ""


def _cell(context, person, course):
    row = next(row for row in context["rows"] if row.person == person)
    return next(cell for cell in row.cells if cell.course == course)


@pytest.mark.parametrize(
    ("days_left", "status"),
    [
        (-1, matrix.Status.EXPIRED),
        (0, matrix.Status.EXPIRED),  # expires today: no longer counts
        (1, matrix.Status.EXPIRING),
        (60, matrix.Status.EXPIRING),
        (61, matrix.Status.VALID),
    ],
)
def test_matrix_status_at_the_expiry_boundaries(org, employee, lab_course, days_left, status):
    today = timezone.localdate()
    make_record(
        employee,
        lab_course,
        completed_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=days_left),
    )
    context = matrix.unit_matrix(org.section, below=False)
    assert _cell(context, employee, lab_course).status == status


def test_warning_days_are_configurable(settings, org, employee, lab_course):
    settings.TRAINING_EXPIRY_WARNING_DAYS = 90
    today = timezone.localdate()
    make_record(employee, lab_course, expires_on=today + datetime.timedelta(days=61))
    context = matrix.unit_matrix(org.section, below=False)
    assert _cell(context, employee, lab_course).status == matrix.Status.EXPIRING


def test_matrix_missing_not_required_and_renewed(
    org, employee, line_manager, lab_course, leader_course
):
    today = timezone.localdate()
    # An expired record renewed by a later one: the later one counts.
    make_record(
        employee,
        lab_course,
        completed_on=today - datetime.timedelta(days=800),
        expires_on=today - datetime.timedelta(days=400),
    )
    make_record(
        employee,
        lab_course,
        completed_on=today - datetime.timedelta(days=10),
        expires_on=today + datetime.timedelta(days=355),
    )
    context = matrix.unit_matrix(org.department, below=True)
    assert [course.code for course in context["columns"]] == ["hms-ledere", "lab-safety"]
    assert _cell(context, employee, lab_course).status == matrix.Status.VALID
    assert _cell(context, employee, leader_course).status == matrix.Status.NOT_REQUIRED
    assert _cell(context, line_manager, leader_course).status == matrix.Status.MISSING
    assert _cell(context, line_manager, lab_course).status == matrix.Status.NOT_REQUIRED
    assert context["counts"] == {
        "people": 2,
        "people_with_gaps": 1,
        "missing": 1,
        "expired": 0,
        "expiring": 0,
    }


def test_matrix_of_the_unit_alone_shows_only_its_own_role_holders(
    org, employee, line_manager, lab_course
):
    context = matrix.unit_matrix(org.department, below=False)
    assert [row.person for row in context["rows"]] == [line_manager]
    assert [course.code for course in context["columns"]] == ["hms-ledere"]
    # The roll-up still covers the subtree: the section's employee lacks the lab course.
    rollup = {group["unit"].code: group for group in context["rollup"]}
    assert rollup["SEC"]["with_gaps"] == 1
    assert rollup["DEP"]["with_gaps"] == 1


def test_matrix_page_shows_counts_and_cells(client, org, line_manager, employee, lab_course):
    client.force_login(line_manager)
    html = client.get(
        reverse("training:matrix", args=[org.department.code]) + "?below=1"
    ).content.decode()
    assert 'id="count-people-with-gaps">2 ' in html
    assert "Missing" in html
    assert f"?person={employee.username}&amp;course={lab_course.pk}" in html


def test_export_lists_people_and_states(client, org, line_manager, employee, lab_course):
    make_record(employee, lab_course, expires_on=datetime.date(2099, 1, 1))
    client.force_login(line_manager)
    response = client.get(
        reverse("training:export", args=[org.department.code, "csv"]) + "?below=1"
    )
    text = response.content.decode("utf-8-sig")
    assert "Lab safety" in text.splitlines()[0]
    assert f"{employee.username}" in text
    assert "Valid (2099-01-01)" in text
    xlsx = client.get(reverse("training:export", args=[org.department.code, "xlsx"]))
    assert b"".join(xlsx.streaming_content).startswith(b"PK")


def test_unit_page_loads_the_training_partial(client, line_manager, org):
    client.force_login(line_manager)
    html = client.get(org.department.get_absolute_url()).content.decode()
    assert reverse("training:unit_gaps", args=[org.department.code]) in html


def test_an_expiring_record_offers_the_refresher(client, employee, lab_course):
    record = make_record(
        employee, lab_course, expires_on=timezone.localdate() + datetime.timedelta(days=5)
    )
    client.force_login(employee)
    html = client.get(record.get_absolute_url()).content.decode()
    assert "Expires soon" in html
    assert f"?person={employee.username}&amp;course={lab_course.pk}" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("employee", 302), ("line_manager", 302), ("hms_department", 302), ("outsider", 404)],
)
def test_who_may_delete_a_registration_made_by_mistake(
    client, request, employee_record, who, status
):
    client.force_login(request.getfixturevalue(who))
    url = reverse("training:record_delete", args=[employee_record.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == status
    assert TrainingRecord.objects.filter(pk=employee_record.pk).exists() is (status == 404)


def test_deleting_a_registration_removes_its_certificate_after_commit(
    client, employee, lab_course, media, django_capture_on_commit_callbacks
):
    client.force_login(employee)
    upload = SimpleUploadedFile("cert.png", png_bytes())  # a real image: images are re-encoded
    assert _post_certificate(client, lab_course, upload).status_code == 302
    record = TrainingRecord.objects.get()
    stored = media / record.proof_file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("training:record_delete", args=[record.pk]))
    assert response["Location"] == reverse("training:mine")
    assert not TrainingRecord.objects.exists()
    assert not stored.exists()
