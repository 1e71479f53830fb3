"""The course catalogue the HSE department keeps in the app: only it reaches the pages (others
get a 404), it adds, changes, orders, retires and deletes courses in both languages and sets
the roles requiring each, a stale save is refused with the input kept, a record keeps its
course and its expiry, and a retired course is no longer required."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hms.training import matrix, services
from hms.training.models import Course, RoleRequirement, TrainingRecord
from tests.factories import load_reference_data
from units.models import Role


@pytest.fixture(autouse=True)
def default_courses(db):
    load_reference_data()


@pytest.fixture
def course(db):
    course = Course.objects.create(
        code="lab-safety", name_nb="Labsikkerhet", name_en="Lab safety", validity_months=12
    )
    RoleRequirement.objects.create(role=Role.EMPLOYEE, course=course)
    return course


def form_data(**overrides) -> dict:
    data = {
        "code": "first-aid-2",
        "name_nb": "Førstehjelp for lab",
        "name_en": "First aid for the lab",
        "description": "",
        "duration_hours": "4",
        "validity_months": "24",
        "roles": [Role.EMPLOYEE, Role.SAFETY_REP],
    }
    data.update(overrides)
    return data


def every_url(course) -> list[tuple[str, str]]:
    return [
        ("get", reverse("training:courses")),
        ("get", reverse("training:course_create")),
        ("get", reverse("training:course_edit", args=[course.pk])),
        ("post", reverse("training:course_create")),
        ("post", reverse("training:course_edit", args=[course.pk])),
        ("post", reverse("training:course_active", args=[course.pk])),
        ("post", reverse("training:course_move", args=[course.pk])),
        ("post", reverse("training:course_delete", args=[course.pk])),
    ]


# --- Who reaches the pages --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "line_manager", "safety_rep", "employee"])
def test_only_the_hse_department_reaches_the_course_pages(client, request, course, who):
    client.force_login(request.getfixturevalue(who))
    for method, address in every_url(course):
        data = {**form_data(), "direction": "up", "active": "0"} if method == "post" else None
        response = getattr(client, method)(address, data)
        assert response.status_code == 404, (who, method, address)
    course.refresh_from_db()
    assert course.is_active and course.name_en == "Lab safety"
    assert Course.objects.filter(code="first-aid-2").count() == 0


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse("training:courses"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_only_the_hse_department_saves_through_the_services(line_manager, course):
    with pytest.raises(PermissionDenied):
        services.course_save(
            actor=line_manager, code="x", name_nb="X", name_en="X", roles=[Role.EMPLOYEE]
        )
    with pytest.raises(PermissionDenied):
        services.course_set_active(actor=line_manager, course=course, is_active=False)
    with pytest.raises(PermissionDenied):
        services.course_move(actor=line_manager, course=course, up=True)
    with pytest.raises(PermissionDenied):
        services.course_delete(actor=line_manager, course=course)


def test_the_training_pages_link_the_hse_department_to_the_courses(
    client, hms_department, line_manager, org
):
    courses = reverse("training:courses")
    matrix_url = reverse("training:matrix", args=[org.department.code])
    client.force_login(hms_department)
    assert courses in client.get(reverse("training:mine")).content.decode()
    assert courses in client.get(matrix_url).content.decode()
    client.force_login(line_manager)
    assert courses not in client.get(reverse("training:mine")).content.decode()
    assert courses not in client.get(matrix_url).content.decode()


def test_the_courses_are_not_in_the_admin(client, administrator):
    client.force_login(administrator)
    assert client.get("/admin/training/course/").status_code == 404


# --- The list ----------------------------------------------------------------------------------


def test_the_list_shows_codes_names_validity_roles_and_state(client, hms_department, course):
    services.course_set_active(
        actor=hms_department, course=Course.objects.get(code="forstehjelp"), is_active=False
    )
    client.force_login(hms_department)
    page = client.get(reverse("training:courses")).content.decode()
    in_use, retired = page.split('id="courses-retired"')
    assert "lab-safety" in in_use and "Labsikkerhet" in in_use and "Lab safety" in in_use
    assert "12 months" in in_use and "Employee" in in_use
    assert "Does not expire" in in_use  # hms-ledere
    assert "forstehjelp" in retired and "forstehjelp" not in in_use


def test_list_query_count_is_the_same_for_2_and_12_courses(client, hms_department, employee):
    Course.objects.all().delete()

    def add(number: int) -> None:
        created = Course.objects.create(
            code=f"c-{number}", name_nb=f"Kurs {number}", name_en=f"Course {number}"
        )
        RoleRequirement.objects.create(role=Role.EMPLOYEE, course=created)
        RoleRequirement.objects.create(role=Role.SAFETY_REP, course=created)
        TrainingRecord.objects.create(
            person=employee,
            course=created,
            completed_on=timezone.localdate(),
            registered_by=employee,
        )

    client.force_login(hms_department)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("training:courses")).status_code == 200
        return len(captured)

    for number in range(2):
        add(number)
    few = count()
    for number in range(2, 12):
        add(number)
    assert count() == few


# --- Add, change, order, retire, delete ------------------------------------------------------


def test_hse_department_adds_a_course_with_the_roles_requiring_it(client, hms_department):
    client.force_login(hms_department)
    assert client.get(reverse("training:course_create")).status_code == 200
    response = client.post(reverse("training:course_create"), form_data())
    assert response.status_code == 302
    created = Course.objects.get(code="first-aid-2")
    assert (created.name_nb, created.name_en) == ("Førstehjelp for lab", "First aid for the lab")
    assert created.validity_months == 24 and created.is_active
    assert created.order == max(Course.objects.values_list("order", flat=True))
    assert set(created.requirements.values_list("role", flat=True)) == {
        Role.EMPLOYEE,
        Role.SAFETY_REP,
    }
    assert created in matrix.requirements()[Role.EMPLOYEE]


def test_a_taken_code_and_a_missing_name_come_back_with_the_input_kept(
    client, hms_department, course
):
    client.force_login(hms_department)
    response = client.post(reverse("training:course_create"), form_data(code="lab-safety"))
    assert response.status_code == 400
    assert "First aid for the lab" in response.content.decode()
    response = client.post(reverse("training:course_create"), form_data(name_en=""))
    assert response.status_code == 400
    assert Course.objects.filter(name_nb="Førstehjelp for lab").count() == 0


def test_the_hse_department_role_cannot_be_required(hms_department):
    with pytest.raises(ValidationError):
        services.course_save(
            actor=hms_department, code="x", name_nb="X", name_en="X", roles=[Role.HMS_DEPARTMENT]
        )


def test_changing_the_roles_adds_and_removes_requirements(client, hms_department, course):
    client.force_login(hms_department)
    page = client.get(reverse("training:course_edit", args=[course.pk])).content.decode()
    checked = re.search(r'<input[^>]*value="employee"[^>]*>', page).group(0)
    assert "checked" in checked
    data = form_data(name_nb="Laboratoriesikkerhet", roles=[Role.LINE_MANAGER], version="1")
    response = client.post(reverse("training:course_edit", args=[course.pk]), data)
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.name_nb == "Laboratoriesikkerhet" and course.code == "lab-safety"
    assert course.version == 2
    assert list(course.requirements.values_list("role", flat=True)) == [Role.LINE_MANAGER]


def test_the_code_never_changes(client, hms_department, course):
    client.force_login(hms_department)
    data = form_data(code="renamed", version="1", roles=[Role.EMPLOYEE])
    client.post(reverse("training:course_edit", args=[course.pk]), data)
    course.refresh_from_db()
    assert course.code == "lab-safety"


def test_a_stale_save_is_refused_with_the_input_kept(client, hms_department, course):
    services.course_save(
        actor=hms_department,
        course=course,
        version=1,
        name_nb="Endret av andre",
        name_en="Changed by another",
        validity_months=12,
        roles=[Role.EMPLOYEE],
    )
    client.force_login(hms_department)
    data = form_data(name_en="My change", version="1", roles=[Role.EMPLOYEE])
    response = client.post(reverse("training:course_edit", args=[course.pk]), data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "My change" in page and "Changed by another" in page
    course.refresh_from_db()
    assert course.name_en == "Changed by another"
    data["version"] = "2"
    assert client.post(reverse("training:course_edit", args=[course.pk]), data).status_code == 302


def test_a_record_keeps_its_course_and_expiry_when_the_course_changes(
    client, hms_department, employee, course
):
    completed_on = timezone.localdate() - datetime.timedelta(days=30)
    record = services.training_record_register(
        actor=employee, person=employee, course=course, completed_on=completed_on
    )
    expiry = record.expires_on
    services.course_save(
        actor=hms_department,
        course=course,
        version=1,
        name_nb="Labsikkerhet (ny)",
        name_en="Lab safety (new)",
        validity_months=36,
        roles=[Role.EMPLOYEE],
    )
    record.refresh_from_db()
    assert record.course_id == course.pk and record.expires_on == expiry
    client.force_login(hms_department)
    page = client.get(reverse("training:course_edit", args=[course.pk])).content.decode()
    assert 'id="course-has-records"' in page


def test_moving_a_course_up_swaps_it_with_the_one_before(client, hms_department):
    ordered = list(Course.objects.filter(is_active=True).order_by("order", "code"))
    client.force_login(hms_department)
    url = reverse("training:course_move", args=[ordered[1].pk])
    assert client.post(url, {"direction": "up"}).status_code == 302
    after = list(Course.objects.filter(is_active=True).order_by("order", "code"))
    assert after[:2] == [ordered[1], ordered[0]]
    assert client.post(url, {"direction": "sideways"}).status_code == 302


def test_a_retired_course_is_no_longer_required_nor_offered(
    client, hms_department, employee, org, course
):
    client.force_login(hms_department)
    url = reverse("training:course_active", args=[course.pk])
    assert client.post(url, {"active": "0"}).status_code == 302
    course.refresh_from_db()
    assert not course.is_active
    assert course not in matrix.requirements().get(Role.EMPLOYEE, [])
    assert RoleRequirement.objects.filter(course=course).exists()  # kept for its return
    with pytest.raises(ValidationError):
        services.training_record_register(
            actor=employee, person=employee, course=course, completed_on=timezone.localdate()
        )
    assert client.post(url, {"active": "1"}).status_code == 302
    assert course in matrix.requirements()[Role.EMPLOYEE]


def test_a_course_without_records_is_deleted_one_with_records_is_kept(
    client, hms_department, employee, course
):
    spare = Course.objects.create(code="spare", name_nb="Ekstra", name_en="Spare")
    client.force_login(hms_department)
    assert client.post(reverse("training:course_delete", args=[spare.pk])).status_code == 302
    assert not Course.objects.filter(pk=spare.pk).exists()
    services.training_record_register(
        actor=employee, person=employee, course=course, completed_on=timezone.localdate()
    )
    response = client.post(reverse("training:course_delete", args=[course.pk]), follow=True)
    assert "retire it instead" in response.content.decode()
    assert Course.objects.filter(pk=course.pk).exists()
