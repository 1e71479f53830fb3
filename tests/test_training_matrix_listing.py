"""The unit's training matrix searched (person name, e-mail, course) and sorted by any of its
columns, both ways; its CSV and Excel files hold exactly the rows the page lists, in the same
order; outsiders get a 404 whatever they ask; the queries do not grow with the people."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from hms.training.models import Course, RoleRequirement, TrainingRecord
from tests.factories import RoleAssignmentFactory, UserFactory, load_reference_data
from units.models import Role


@pytest.fixture(autouse=True)
def default_courses(db):
    load_reference_data()


@pytest.fixture
def lab_course(db):
    course = Course.objects.create(
        code="lab-safety", name_nb="Labsikkerhet", name_en="Lab safety", validity_months=12
    )
    RoleRequirement.objects.create(role=Role.EMPLOYEE, course=course)
    return course


def person(username, first, last, role, unit):
    user = UserFactory(
        username=username, first_name=first, last_name=last, email=f"{username}@uni.example"
    )
    RoleAssignmentFactory(user=user, unit=unit, role=role)
    return user


def record(user, course, days_left):
    today = timezone.localdate()
    return TrainingRecord.objects.create(
        person=user,
        course=course,
        completed_on=today - datetime.timedelta(days=30),
        expires_on=today + datetime.timedelta(days=days_left),
        registered_by=user,
    )


@pytest.fixture
def people(org, lab_course, line_manager):
    """Three employees of the department (one missing, one expiring, one valid) and the line
    manager, who is not required to take the lab course."""
    ada = person("ada", "Ada", "Aasen", Role.EMPLOYEE, org.department)
    bo = person("bo", "Bo", "Berg", Role.EMPLOYEE, org.section)
    cia = person("cia", "Cia", "Carlsen", Role.EMPLOYEE, org.department)
    record(bo, lab_course, days_left=10)  # expires soon
    record(cia, lab_course, days_left=300)
    line_manager.first_name, line_manager.last_name = "Lena", "Leder"
    line_manager.save()
    return {"ada": ada, "bo": bo, "cia": cia, "leder": line_manager}


def matrix_url(org, **params) -> str:
    query = "&".join(f"{key}={value}" for key, value in {"below": "1", **params}.items())
    return reverse("training:matrix", args=[org.department.code]) + "?" + query


def listed(client, org, **params) -> list[str]:
    response = client.get(matrix_url(org, **params))
    assert response.status_code == 200
    return [row.person.username for row in response.context["rows"]]


def test_search_finds_by_name(client, org, people):
    client.force_login(people["leder"])
    assert listed(client, org, q="berg") == ["bo"]
    assert listed(client, org, q="Ada+Aasen") == ["ada"]


def test_search_finds_by_e_mail(client, org, people):
    client.force_login(people["leder"])
    assert listed(client, org, q="cia@uni") == ["cia"]


def test_search_by_course_narrows_to_the_course_and_those_it_is_required_of(
    client, org, people, lab_course
):
    client.force_login(people["leder"])
    response = client.get(matrix_url(org, q="lab"))
    assert [course.pk for course in response.context["columns"]] == [lab_course.pk]
    assert sorted(row.person.username for row in response.context["rows"]) == ["ada", "bo", "cia"]
    # A name and a course: that person's course.
    assert listed(client, org, q="berg+safety") == ["bo"]
    assert response.context["counts"]["people"] == 3


def test_no_match_says_so(client, org, people):
    client.force_login(people["leder"])
    response = client.get(matrix_url(org, q="nobody-at-all"))
    assert response.context["rows"] == []
    assert 'id="no-matches"' in response.content.decode()


def test_sort_by_person_both_ways(client, org, people):
    client.force_login(people["leder"])
    assert listed(client, org, sort="person") == ["ada", "bo", "cia", "line_manager"]
    assert listed(client, org, sort="-person") == ["line_manager", "cia", "bo", "ada"]


def test_sort_by_a_course_puts_gaps_first_and_not_required_last(client, org, people, lab_course):
    client.force_login(people["leder"])
    key = f"c{lab_course.pk}"
    # Missing, then expiring soon, then valid; the line manager is not required to: last.
    assert listed(client, org, sort=key) == ["ada", "bo", "cia", "line_manager"]
    assert listed(client, org, sort=f"-{key}") == ["cia", "bo", "ada", "line_manager"]


def test_every_column_sorts_both_ways(client, org, people):
    client.force_login(people["leder"])
    response = client.get(matrix_url(org))
    keys = ["person"] + [f"c{course.pk}" for course in response.context["columns"]]
    assert len(keys) >= 3
    html = response.content.decode()
    for key in keys:
        assert f'id="sort-{key}"' in html
        for sort in (key, f"-{key}"):
            page = client.get(matrix_url(org, sort=sort))
            assert page.status_code == 200
            assert page.context["sort"] == sort
            heading = "ascending" if sort == key else "descending"
            assert f'aria-sort="{heading}"' in page.content.decode()


def test_an_unknown_sort_keeps_the_order_by_name(client, org, people):
    client.force_login(people["leder"])
    assert listed(client, org, sort="password") == listed(client, org)


def export_usernames_csv(client, org, **params) -> list[str]:
    query = "&".join(f"{key}={value}" for key, value in {"below": "1", **params}.items())
    url = reverse("training:export", args=[org.department.code, "csv"]) + "?" + query
    text = client.get(url).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:4] == ["Person", "User name", "E-mail", "Roles"]
    return [row[1] for row in rows[1:]]


def export_usernames_xlsx(client, org, **params) -> list[str]:
    query = "&".join(f"{key}={value}" for key, value in {"below": "1", **params}.items())
    url = reverse("training:export", args=[org.department.code, "xlsx"]) + "?" + query
    content = b"".join(client.get(url).streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    return [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "lab"}, {"q": "berg"}, {"sort": "-person"}, {"q": "safety", "sort": "COURSE"}],
)
def test_export_holds_exactly_the_rows_listed(client, org, people, lab_course, params):
    if params.get("sort") == "COURSE":
        params = {**params, "sort": f"-c{lab_course.pk}"}
    client.force_login(people["leder"])
    shown = listed(client, org, **params)
    assert export_usernames_csv(client, org, **params) == shown
    assert export_usernames_xlsx(client, org, **params) == shown


def test_export_of_a_course_search_has_only_that_course(client, org, people, lab_course):
    client.force_login(people["leder"])
    url = reverse("training:export", args=[org.department.code, "csv"]) + "?below=1&q=lab"
    header = next(csv.reader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    assert header[4:] == ["Lab safety"]


def test_the_page_links_its_exports_with_the_search_and_sort(client, org, people):
    client.force_login(people["leder"])
    html = client.get(matrix_url(org, q="berg", sort="-person")).content.decode()
    assert "export.csv?below=1&amp;q=berg&amp;sort=-person" in html


@pytest.mark.parametrize("who", ["outsider", "employee", "safety_rep"])
def test_outsider_cannot_search_sort_or_export(client, request, org, people, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(matrix_url(org, q="berg", sort="person")).status_code == 404
    for fmt in ("csv", "xlsx"):
        url = reverse("training:export", args=[org.department.code, fmt]) + "?q=berg"
        assert client.get(url).status_code == 404


def test_query_count_is_the_same_for_2_and_12_people(client, org, lab_course, line_manager):
    client.force_login(line_manager)
    leader = Course.objects.get(code="hms-ledere")

    def add(number: int) -> None:
        user = person(f"p{number}", f"Per{number}", f"Hansen{number}", Role.EMPLOYEE, org.section)
        record(user, lab_course, days_left=number + 1)
        record(user, leader, days_left=number + 5)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(matrix_url(org, q="hansen+lab", sort=f"-c{lab_course.pk}"))
            assert response.status_code == 200
        return len(captured), len(response.context["rows"])

    for number in range(2):
        add(number)
    few, rows = count()
    assert rows == 2
    for number in range(2, 12):
        add(number)
    many, rows = count()
    assert rows == 12
    assert many == few
