"""The API's inspection rounds: who sees which, the round list's filters and order, a round
with its checklist answers, measure checks and findings, a finding's deviation shown as the
round page shows it, and the query count at two sizes."""

import datetime
import uuid

import pytest
from django.utils import timezone

from deviations.models import Category, DeviationType, Severity
from risk import services
from risk.models import Answer, ChecklistTemplate, InspectionRound, ParticipantRole
from tests.api_support import (
    all_rows,
    api_client,
    count_queries,
    denied_anonymous,
    token_client,
)
from tests.conftest import user_with_role
from units.models import Role

LIST = "/api/v1/inspection-rounds/"
TODAY = timezone.localdate()


def detail(round_) -> str:
    return f"{LIST}{round_.pk}/"


def plan(actor, unit, line_manager, safety_rep, kinds=("fire",), **kwargs) -> InspectionRound:
    return services.round_plan(
        actor=actor,
        unit=unit,
        planned_for=kwargs.pop("planned_for", TODAY),
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug__in=kinds)),
        **kwargs,
    )


@pytest.fixture
def round_(org, line_manager, safety_rep) -> InspectionRound:
    return plan(line_manager, org.department, line_manager, safety_rep)


def test_outsider_gets_404_and_an_empty_list(round_, outsider):
    client = api_client(outsider)
    assert client.get(detail(round_)).status_code == 404
    assert client.get(LIST).json()["results"] == []
    assert token_client(outsider).get(detail(round_)).status_code == 404


def test_anonymous_is_refused(round_):
    client = api_client()
    assert denied_anonymous(client.get(LIST).status_code)
    assert denied_anonymous(client.get(detail(round_)).status_code)


def test_a_participant_without_a_role_on_the_unit_reads_the_round(org, line_manager, safety_rep):
    expert = user_with_role("expert", Role.EMPLOYEE, org.other_department)
    round_ = services.round_plan(
        actor=line_manager,
        unit=org.department,
        planned_for=TODAY,
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
            (expert, ParticipantRole.OTHER),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug="fire")),
    )
    assert api_client(expert).get(detail(round_)).status_code == 200


def test_list_filters_by_unit_and_status_in_the_pages_order(
    org, line_manager, safety_rep, hms_department
):
    later = plan(line_manager, org.department, line_manager, safety_rep)
    earlier = plan(
        line_manager,
        org.section,
        line_manager,
        safety_rep,
        planned_for=TODAY - datetime.timedelta(days=3),
    )
    other = plan(hms_department, org.other_department, line_manager, safety_rep)
    InspectionRound.objects.filter(pk=other.pk).update(status="completed")
    client = api_client(hms_department)

    def ids(**params):
        return [row["id"] for row in all_rows(client, LIST, **params)]

    assert ids() == [other.pk, later.pk, earlier.pk]
    assert ids(unit="DEP") == [later.pk, earlier.pk]
    assert ids(unit="SEC") == [earlier.pk]
    assert ids(status="completed") == [other.pk]
    assert ids(status="planned", unit="OTHERFAC") == []
    row = client.get(LIST, {"unit": "SEC"}).json()["results"][0]
    assert (row["unit"], row["unit_code"], row["status"]) == (org.section.pk, "SEC", "planned")
    assert row["planned_for"] == (TODAY - datetime.timedelta(days=3)).isoformat()
    for params in ({"unit": "NOPE"}, {"status": "done"}, {"cursor": "x"}):
        response = client.get(LIST, params)
        assert response.status_code == 400
        assert list(params)[0] in response.json()["errors"]


def test_detail_has_answers_checks_and_findings(
    org, round_, line_manager, safety_rep, hms_department
):
    answer = round_.answers.first()
    services.answer_save(actor=line_manager, answer=answer, value=Answer.NOT_OK, comment="Torn")
    finding = services.finding_add(
        actor=line_manager, round_=round_, text="Blocked fire exit", location="B2"
    )
    measure_finding = services.finding_add(actor=line_manager, round_=round_, text="Loose cable")
    measure = services.finding_to_measure(
        actor=line_manager,
        finding=measure_finding,
        title="Fix the cable",
        responsible=line_manager,
        deadline=TODAY + datetime.timedelta(days=14),
    )
    deviation = services.finding_to_deviation(
        actor=line_manager,
        finding=finding,
        category=Category.objects.first(),
        severity=Severity.MINOR,
        deviation_type=DeviationType.HAZARD,
        submission_token=uuid.uuid4(),
    )
    response = api_client(safety_rep).get(detail(round_))
    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["checklists"] == ["fire"]
    assert [(p["person"], p["role"]) for p in body["participants"]] == [
        (line_manager.pk, "line_manager"),
        (safety_rep.pk, "safety_rep"),
    ]
    answered = next(a for a in body["answers"] if a["id"] == answer.pk)
    assert (answered["answer"], answered["comment"]) == ("not_ok", "Torn")
    assert answered["question"] == answer.question_text
    assert body["measure_checks"] == []
    assert body["not_ok_count"] == 1
    assert body["findings_count"] == 2
    findings = {f["text"]: f for f in body["findings"]}
    assert findings["Blocked fire exit"]["outcome"] == "deviation"
    assert findings["Blocked fire exit"]["location"] == "B2"
    assert findings["Blocked fire exit"]["deviation"] == {
        "number": deviation.number,
        "status": deviation.status,
    }
    assert findings["Loose cable"]["measure"]["id"] == measure.pk
    assert findings["Loose cable"]["deviation"] is None


def test_a_findings_deviation_shows_its_status_only_to_those_who_see_it(
    org, line_manager, safety_rep
):
    """A participant who may not open the deviation sees its number, as on the page."""
    expert = user_with_role("expert", Role.EMPLOYEE, org.other_department)
    round_ = services.round_plan(
        actor=line_manager,
        unit=org.department,
        planned_for=TODAY,
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
            (expert, ParticipantRole.OTHER),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug="fire")),
    )
    finding = services.finding_add(actor=line_manager, round_=round_, text="Spill")
    deviation = services.finding_to_deviation(
        actor=line_manager,
        finding=finding,
        category=Category.objects.first(),
        severity=Severity.MINOR,
        deviation_type=DeviationType.HAZARD,
        submission_token=uuid.uuid4(),
    )
    shown = api_client(expert).get(detail(round_)).json()["findings"][0]["deviation"]
    assert shown == {"number": deviation.number, "status": None}


def test_query_counts_do_not_grow_with_the_rows(org, line_manager, safety_rep):
    client = api_client(line_manager)
    first = plan(line_manager, org.department, line_manager, safety_rep)
    small_list, _response = count_queries(client, LIST)
    small_detail, _response = count_queries(client, detail(first))
    for index in range(6):
        plan(line_manager, org.section, line_manager, safety_rep, kinds=("fire", "general"))
        services.finding_add(actor=line_manager, round_=first, text=f"Finding {index}")
    large_list, response = count_queries(client, LIST)
    assert len(response.json()["results"]) == 7
    large_detail, response = count_queries(client, detail(first))
    assert len(response.json()["findings"]) == 6
    assert (small_list, small_detail) == (large_list, large_detail)
