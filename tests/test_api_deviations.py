"""Deviations through the API: the user's scope (404 beyond it), health details and anonymity
exactly as on the case page, reporting through the report form's rules, and the handling
steps through the case page's forms and services with If-Match."""

import datetime
import uuid

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from actionplans.models import Measure, MeasureStatus
from deviations.models import Deviation, Status
from deviations.services import deviation_accept, deviation_add_measure
from tests.api_client import queries_of, token_client
from tests.conftest import user_with_role
from tests.factories import make_deviation
from units.models import Role

LIST = "/api/v1/deviations/"
SOON = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()


def detail(deviation) -> str:
    return f"{LIST}{deviation.number}/"


@pytest.fixture
def case(org, employee):
    return make_deviation(
        org.section, reporter=employee, health_details="Kuttskade i hånden", title="Glass"
    )


def step(api, deviation, name, body=None, etag=None):
    etag = etag or api.get(detail(deviation))["ETag"]
    return api.post(f"{detail(deviation)}{name}/", body or {}, format="json", HTTP_IF_MATCH=etag)


# --- Scope -----------------------------------------------------------------------------------


def test_anonymous_gets_401(case):
    assert APIClient().get(LIST).status_code == 401
    assert APIClient().get(detail(case)).status_code == 401


def test_outsider_gets_404_and_an_empty_list(outsider, case):
    api = token_client(outsider)
    assert api.get(detail(case)).status_code == 404
    assert api.get(LIST).json()["results"] == []
    assert step(api, case, "accept", etag='"1"').status_code == 404


def test_line_manager_lists_the_subtree(line_manager, case, org):
    other = make_deviation(org.other_department, reporter=None, anonymous=True)
    numbers = [row["number"] for row in token_client(line_manager).get(LIST).json()["results"]]
    assert numbers == [case.number]
    assert other.number not in numbers


def test_list_filters_are_the_web_lists(line_manager, case, org):
    make_deviation(org.department, reporter=None, anonymous=True, title="Lekkasje i taket")
    api = token_client(line_manager)

    def numbers(**params):
        return {row["number"] for row in api.get(LIST, params).json()["results"]}

    assert numbers(q="lekkasje") == numbers(unit="DEP") - {case.number}
    assert numbers(unit="SEC") == {case.number}
    assert numbers(status="open") == numbers()
    assert numbers(status="closed") == set()
    assert numbers(mine="handled") == set()


def test_list_shows_no_reporter_and_no_health_details(line_manager, case):
    row = token_client(line_manager).get(LIST).json()["results"][0]
    assert "reporter" not in row and "health_details" not in row
    assert "Kuttskade" not in str(row)


def test_list_query_count_is_constant(line_manager, org):
    api = token_client(line_manager)
    make_deviation(org.department, reporter=None, anonymous=True)
    api.get(LIST)
    small = queries_of(lambda: api.get(LIST))
    for _ in range(10):
        make_deviation(org.section, reporter=None, anonymous=True)
    assert len(api.get(LIST).json()["results"]) == 11
    assert queries_of(lambda: api.get(LIST)) == small


# --- Health details and anonymity --------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.LINE_MANAGER, Role.SAFETY_REP])
def test_health_details_for_line_manager_and_safety_rep(org, case, role):
    user = user_with_role("reader", role, org.department)
    assert token_client(user).get(detail(case)).json()["health_details"] == "Kuttskade i hånden"


def test_health_details_for_hse_department(hms_department, case):
    body = token_client(hms_department).get(detail(case)).json()
    assert body["health_details"] == "Kuttskade i hånden"


def test_health_details_for_the_reporter_of_the_case(employee, case):
    assert token_client(employee).get(detail(case)).json()["health_details"] == "Kuttskade i hånden"


def test_health_details_are_restricted_for_other_readers(org, case):
    chief = user_with_role("chief", Role.CHIEF_SAFETY_REP, org.faculty)
    body = token_client(chief).get(detail(case)).json()
    assert body["title"] == "Glass"
    assert body["health_details"] is None
    assert "Kuttskade" not in str(body)


def test_health_details_for_the_handler(org, line_manager, case):
    handler = user_with_role("coordinator", Role.EMPLOYEE, org.other_department)
    deviation_accept(actor=line_manager, deviation=case)
    api = token_client(line_manager)
    assert step(api, case, "delegate", {"handler": handler.username}).status_code == 200
    body = token_client(handler).get(detail(case)).json()
    assert body["health_details"] == "Kuttskade i hånden"


def test_anonymous_report_names_no_reporter(line_manager, org):
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    body = token_client(line_manager).get(detail(deviation)).json()
    assert body["is_anonymous"] is True
    assert body["reporter"] is None


def test_named_report_names_its_reporter(line_manager, employee, case):
    body = token_client(line_manager).get(detail(case)).json()
    assert body["is_anonymous"] is False
    assert body["reporter"] == employee.pk


# --- Reporting ---------------------------------------------------------------------------------


def report_body(**fields):
    return {
        "unit": "SEC",
        "title": "Oljesøl ved inngangen",
        "description": "Glatt underlag etter levering.",
        "deviation_type": "hazard",
        "category": "building",
        "severity": "minor",
        "occurred_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat(),
        **fields,
    }


def test_report_through_the_api(employee):
    api = token_client(employee)
    response = api.post(LIST, report_body(health_details="Skrubbsår"), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    deviation = Deviation.objects.get(number=body["number"])
    assert deviation.reporter == employee and not deviation.is_anonymous
    assert deviation.unit.code == "SEC" and deviation.status == Status.REPORTED
    assert response["ETag"] == '"1"'
    assert response["Location"] == detail(deviation)
    assert body["health_details"] == "Skrubbsår"


def test_report_sent_twice_with_one_key_is_one_deviation(employee):
    api = token_client(employee)
    key = str(uuid.uuid4())
    first = api.post(LIST, report_body(submission_token=key), format="json")
    second = api.post(LIST, report_body(submission_token=key), format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["number"] == second.json()["number"]
    assert Deviation.objects.count() == 1


def test_report_keeps_the_forms_rules(employee):
    api = token_client(employee)
    future = (timezone.now() + datetime.timedelta(days=3)).isoformat()
    body = api.post(LIST, report_body(occurred_at=future), format="json").json()
    assert body["errors"]["occurred_at"] == ["This is in the future. When did it happen?"]
    body = api.post(LIST, report_body(injury_kind="absence"), format="json").json()
    assert "absence_days" in body["errors"]
    body = api.post(LIST, report_body(unit="NOPE", category="nope"), format="json").json()
    assert {"unit", "category"} <= set(body["errors"])
    assert not Deviation.objects.exists()


def test_api_refuses_an_anonymous_report(employee):
    response = token_client(employee).post(LIST, report_body(anonymous=True), format="json")
    assert response.status_code == 400
    assert "anonymous" in response.json()["errors"]
    assert not Deviation.objects.exists()


# --- Handling steps ---------------------------------------------------------------------------


def test_accept_makes_the_user_handler(line_manager, case):
    api = token_client(line_manager)
    response = step(api, case, "accept", {"deadline": SOON})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "under_treatment"
    assert response.json()["handler"] == line_manager.pk
    assert response["ETag"] == f'"{Deviation.objects.get(pk=case.pk).version}"'


def test_reporter_may_read_but_not_handle(employee, case):
    api = token_client(employee)
    response = step(api, case, "accept")
    assert response.status_code == 403
    assert Deviation.objects.get(pk=case.pk).status == Status.REPORTED


def test_reject_needs_a_reason(line_manager, case):
    api = token_client(line_manager)
    assert "reason" in step(api, case, "reject", {"reason": ""}).json()["errors"]
    response = step(api, case, "reject", {"reason": "Meldt to ganger"})
    assert response.json()["status"] == "rejected"


def test_transfer_out_of_sight_answers_204(line_manager, case):
    response = step(token_client(line_manager), case, "transfer", {"to_unit": "OTHERDEP"})
    assert response.status_code == 204
    assert Deviation.objects.get(pk=case.pk).unit.code == "OTHERDEP"


def test_step_in_the_wrong_status_is_400(line_manager, case):
    body = step(token_client(line_manager), case, "close", {"cause": "x"}).json()
    assert "non_field_errors" in body["errors"]


def test_close_records_each_measures_effect_and_leaves_the_others_open(line_manager, case):
    deviation_accept(actor=line_manager, deviation=case)
    measures = [
        deviation_add_measure(
            actor=line_manager,
            deviation=case,
            title=title,
            responsible=line_manager,
            deadline=timezone.localdate() + datetime.timedelta(days=5),
        )
        for title in ("Skilt", "Ny rutine")
    ]
    api = token_client(line_manager)
    response = step(
        api,
        case,
        "close",
        {
            "cause": "Dårlig rutine",
            "lessons_learned": "Rydd etter forsøk",
            "measure_effects": [{"measure": measures[0].pk, "effectiveness": "effective"}],
        },
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "closed"
    closed, left_open = (Measure.objects.get(pk=m.pk) for m in measures)
    assert closed.status == MeasureStatus.DONE and closed.effectiveness == "effective"
    # Closing the case does not force its other measures to done: they stay in the plan.
    assert left_open.is_open and left_open.effectiveness == ""


def test_deadline_and_authorities(line_manager, org):
    deviation = make_deviation(
        org.department, reporter=None, anonymous=True, injury_kind="death", severity="serious"
    )
    api = token_client(line_manager)
    assert step(api, deviation, "deadline", {"deadline": SOON}).json()["deadline"] == SOON
    body = step(api, deviation, "authorities-notified").json()
    assert body["authorities_notified_at"] is not None
