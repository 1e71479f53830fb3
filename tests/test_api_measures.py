"""Measures through the API: the user's scope, the plan's filters, and progress, close and
cancel through the plan's forms and services with If-Match."""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from actionplans.models import Measure, MeasureStatus
from tests.api_client import queries_of, token_client
from tests.factories import make_measure

LIST = "/api/v1/measures/"


def detail(measure) -> str:
    return f"{LIST}{measure.pk}/"


@pytest.fixture
def measure(org, employee):
    return make_measure(org.section, employee, title="Sette opp skilt")


def test_anonymous_gets_401(measure):
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().get(detail(measure)).status_code == 401


def test_outsider_gets_404(outsider, measure):
    api = token_client(outsider)
    assert api.get(detail(measure)).status_code == 404
    assert api.get(LIST).json()["results"] == []
    response = api.patch(
        detail(measure), {"status": "in_progress"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 404
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.PLANNED


def test_list_and_filters(line_manager, measure, org, employee):
    late = make_measure(
        org.department,
        employee,
        title="Rydde lageret",
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    api = token_client(line_manager)

    def ids(**params):
        response = api.get(LIST, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [late.pk, measure.pk]  # by deadline
    assert ids(overdue="true") == [late.pk]
    assert ids(unit="SEC") == [measure.pk]
    assert ids(q="skilt") == [measure.pk]
    assert ids(status="done") == []
    assert ids(responsible=employee.pk) == [late.pk, measure.pk]
    assert api.get(LIST, {"year": "99999"}).status_code == 400


def test_list_query_count_is_constant(line_manager, org, employee):
    api = token_client(line_manager)
    make_measure(org.department, employee)
    api.get(LIST)
    small = queries_of(lambda: api.get(LIST))
    for _ in range(10):
        make_measure(org.section, employee)
    assert len(api.get(LIST).json()["results"]) == 11
    assert queries_of(lambda: api.get(LIST)) == small


def test_retrieve_carries_etag(employee, measure):
    response = token_client(employee).get(detail(measure))
    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def test_responsible_person_updates_progress(employee, measure):
    api = token_client(employee)
    response = api.patch(
        detail(measure),
        {"status": "in_progress", "progress": "Bestilt"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "in_progress"
    assert response["ETag"] == '"2"'
    # What is left out stays as it is.
    response = api.patch(detail(measure), {"status": "planned"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.json()["progress"] == "Bestilt"


def test_progress_without_if_match_is_428_and_stale_is_412(employee, measure):
    api = token_client(employee)
    assert api.patch(detail(measure), {"status": "in_progress"}, format="json").status_code == 428
    stale = api.patch(
        detail(measure), {"status": "in_progress"}, format="json", HTTP_IF_MATCH='"7"'
    )
    assert stale.status_code == 412
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.PLANNED


def test_progress_refuses_done(employee, measure):
    response = token_client(employee).patch(
        detail(measure), {"status": "done"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_line_manager_closes_with_the_effect(line_manager, measure):
    api = token_client(line_manager)
    missing = api.post(f"{detail(measure)}close/", {}, format="json", HTTP_IF_MATCH='"1"')
    assert missing.json()["errors"]["effectiveness"] == ["Record whether the measure worked."]
    response = api.post(
        f"{detail(measure)}close/",
        {"effectiveness": "partly", "effectiveness_comment": "Hjelper litt"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "done"
    assert response.json()["effectiveness"] == "partly"


def test_responsible_employee_may_not_close(employee, measure):
    response = token_client(employee).post(
        f"{detail(measure)}close/",
        {"effectiveness": "effective"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 403
    assert Measure.objects.get(pk=measure.pk).status == MeasureStatus.PLANNED


def test_line_manager_cancels_with_a_reason(line_manager, measure):
    api = token_client(line_manager)
    response = api.post(
        f"{detail(measure)}cancel/",
        {"cancel_reason": "Ikke lenger aktuelt"},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
