"""The API's risk assessments: who sees which, the list's filters and order as on the risk
list, an assessment with its hazards scored by its own matrix, cursor paging, bad filters and
cursors answered in JSON, and the query count at two sizes."""

import datetime

import pytest
from django.utils import timezone

from api.keyset import KeysetPagination
from risk import services
from risk.models import ParticipantRole, RiskAssessment
from tests.api_support import (
    all_rows,
    api_client,
    count_queries,
    denied_anonymous,
    token_client,
)
from tests.conftest import user_with_role
from units.models import Role

LIST = "/api/v1/risk-assessments/"
TODAY = timezone.localdate()


def detail(assessment) -> str:
    return f"{LIST}{assessment.pk}/"


def make_assessment(actor, unit, title="Synthesis lab", **kwargs) -> RiskAssessment:
    return services.assessment_create(
        actor=actor, unit=unit, title=title, activity="Room D2-104", **kwargs
    )


def add_row(assessment, actor, hazard="Solvent splash", p=3, c=(3, 1, 2, 1), **extra):
    people, environment, material, reputation = c
    return services.row_save(
        actor=actor,
        assessment=assessment,
        hazard=hazard,
        probability=p,
        consequence_people=people,
        consequence_environment=environment,
        consequence_material=material,
        consequence_reputation=reputation,
        **extra,
    )


def approve(assessment, actor, review_date=None):
    assessment.refresh_from_db()
    return services.assessment_approve(
        actor=actor,
        assessment=assessment,
        review_date=review_date or TODAY + datetime.timedelta(days=365),
        version=assessment.version,
    )


@pytest.fixture
def assessment(org, line_manager, safety_rep) -> RiskAssessment:
    """A draft of DEP with a red hazard (5 × E) and one not yet scored."""
    assessment = make_assessment(line_manager, org.department)
    add_row(assessment, line_manager, hazard="Explosion", p=5, c=(5, 1, 1, 1))
    services.row_save(actor=line_manager, assessment=assessment, hazard="Not scored yet")
    return assessment


# --- who sees what -----------------------------------------------------------------------------


def test_outsider_gets_404_and_an_empty_list(assessment, outsider):
    client = api_client(outsider)
    response = client.get(detail(assessment))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert client.get(LIST).json()["results"] == []


def test_a_token_of_another_unit_gets_404(assessment, outsider, line_manager):
    assert token_client(outsider).get(detail(assessment)).status_code == 404
    assert token_client(line_manager, read_only=True).get(detail(assessment)).status_code == 200


def test_anonymous_is_refused(assessment):
    client = api_client()
    assert denied_anonymous(client.get(LIST).status_code)
    assert denied_anonymous(client.get(detail(assessment)).status_code)


def test_employee_sees_only_what_they_were_invited_to(org, assessment, line_manager, employee):
    client = api_client(employee)
    assert client.get(detail(assessment)).status_code == 404
    services.participant_save(
        actor=line_manager, assessment=assessment, user=employee, role=ParticipantRole.OTHER
    )
    assert client.get(detail(assessment)).status_code == 200
    assert [row["id"] for row in client.get(LIST).json()["results"]] == [assessment.pk]


@pytest.mark.parametrize("who", ["line_manager", "safety_rep", "hms_department"])
def test_roles_covering_the_unit_read_it(assessment, who, request):
    user = request.getfixturevalue(who)
    assert api_client(user).get(detail(assessment)).status_code == 200


# --- the list --------------------------------------------------------------------------------


def test_list_shows_the_heading_and_the_hazard_counts(assessment, line_manager):
    row = api_client(line_manager).get(LIST).json()["results"][0]
    assert row["id"] == assessment.pk
    assert (row["unit"], row["unit_code"]) == (assessment.unit.pk, "DEP")
    assert row["title"] == "Synthesis lab"
    assert row["status"] == "draft"
    assert row["assessed_on"] == TODAY.isoformat()
    assert (row["row_count"], row["red_count"], row["unscored_count"]) == (2, 1, 1)
    assert row["is_due_for_review"] is False
    assert row["version"] == RiskAssessment.objects.get(pk=assessment.pk).version


def test_list_filters_by_unit_with_its_subtree_and_by_status(
    org, line_manager, safety_rep, hms_department
):
    department = make_assessment(line_manager, org.department, title="Department")
    section = make_assessment(line_manager, org.section, title="Section")
    other = make_assessment(hms_department, org.other_department, title="Other")
    approved = make_assessment(line_manager, org.department, title="Approved")
    add_row(approved, line_manager)
    approve(approved, line_manager)
    due = make_assessment(line_manager, org.department, title="Due")
    add_row(due, line_manager)
    approve(due, line_manager)
    RiskAssessment.objects.filter(pk=due.pk).update(review_date=TODAY)

    client = api_client(hms_department)

    def titles(**params):
        return {row["title"] for row in all_rows(client, LIST, **params)}

    assert titles() == {"Department", "Section", "Other", "Approved", "Due"}
    assert titles(unit="DEP") == {"Department", "Section", "Approved", "Due"}
    assert titles(unit="sec") == {"Section"}
    assert titles(unit="OTHERFAC") == {"Other"}
    assert titles(status="draft") == {"Department", "Section", "Other"}
    assert titles(status="approved") == {"Approved"}
    assert titles(status="due") == {"Due"}
    assert titles(unit="DEP", status="draft") == {"Department", "Section"}
    assert department.pk and section.pk and other.pk


@pytest.mark.parametrize(
    "params, field",
    [
        ({"unit": "NOSUCHUNIT"}, "unit"),
        ({"unit": "x" * 300}, "unit"),
        ({"unit": "DEP\x00"}, "unit"),
        ({"status": "burning"}, "status"),
        ({"cursor": "not-a-cursor"}, "cursor"),
    ],
)
def test_bad_filters_and_cursors_are_a_400_in_json(assessment, line_manager, params, field):
    response = api_client(line_manager).get(LIST, params)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert field in str(response.json())


def test_a_cursor_of_another_list_is_refused(assessment, line_manager, monkeypatch):
    monkeypatch.setattr(KeysetPagination, "page_size", 1)
    client = api_client(line_manager)
    make_assessment(line_manager, assessment.unit, title="Second")
    next_link = client.get(LIST).json()["next"]
    cursor = next_link.split("cursor=")[1]
    response = client.get("/api/v1/inspection-rounds/", {"cursor": cursor})
    assert response.status_code == 400


def test_paging_follows_the_lists_order_through_ties(org, line_manager, monkeypatch):
    """Newest first, and many on one day: every assessment once, in the page's order."""
    monkeypatch.setattr(KeysetPagination, "page_size", 2)
    days = [TODAY, TODAY, TODAY, TODAY - datetime.timedelta(days=1), TODAY, TODAY]
    made = [
        make_assessment(line_manager, org.department, title=f"A{i}", assessed_on=day)
        for i, day in enumerate(days)
    ]
    client = api_client(line_manager)
    ids = [row["id"] for row in all_rows(client, LIST)]
    expected = [a.pk for a in sorted(made, key=lambda a: (a.assessed_on, a.pk), reverse=True)]
    assert ids == expected

    # Back again from the last page through the previous links.
    response = client.get(LIST)
    pages = [response.json()]
    while pages[-1]["next"]:
        pages.append(client.get(pages[-1]["next"]).json())
    back = client.get(pages[-1]["previous"]).json()
    assert [row["id"] for row in back["results"]] == [row["id"] for row in pages[-2]["results"]]


def test_list_query_count_does_not_grow_with_the_rows(org, line_manager):
    def make(count):
        for index in range(count):
            assessment = make_assessment(line_manager, org.department, title=f"N{index}")
            add_row(assessment, line_manager, hazard=f"H{index}")

    client = api_client(line_manager)
    make(2)
    small, response = count_queries(client, LIST)
    assert len(response.json()["results"]) == 2
    make(10)
    large, response = count_queries(client, LIST)
    assert len(response.json()["results"]) == 12
    assert small == large


# --- one assessment ----------------------------------------------------------------------------


def test_detail_has_the_hazards_scored_by_the_assessments_matrix(
    org, assessment, line_manager, safety_rep
):
    row = assessment.rows.get(hazard="Explosion")
    services.row_save(
        actor=line_manager,
        assessment=assessment,
        row=row,
        version=row.version,
        residual_probability=2,
        residual_consequence=2,
        proposed_measures="Blast shield",
    )
    measure = services.row_propose_measure(
        actor=line_manager,
        row=row,
        title="Install a blast shield",
        responsible=line_manager,
        deadline=TODAY + datetime.timedelta(days=30),
    )
    response = api_client(safety_rep).get(detail(assessment))
    body = response.json()
    assert response["ETag"] == f'"{body["version"]}"'
    assert body["matrix_version"] == assessment.matrix.version
    hazards = {hazard["hazard"]: hazard for hazard in body["rows"]}
    explosion = hazards["Explosion"]
    assert explosion["probability"] == 5
    assert explosion["consequences"] == {
        "people": 5,
        "environment": 1,
        "material": 1,
        "reputation": 1,
    }
    assert explosion["worst"] == {"code": "E5", "value": 25, "zone": "red"}
    assert explosion["residual"] == {"code": "B2", "value": 4, "zone": "green"}
    assert explosion["proposed_measures"] == "Blast shield"
    assert explosion["measures"] == [
        {
            "id": measure.pk,
            "title": "Install a blast shield",
            "status": measure.status,
            "deadline": measure.deadline.isoformat(),
            "responsible": line_manager.pk,
        }
    ]
    assert hazards["Not scored yet"]["worst"] is None
    assert hazards["Not scored yet"]["residual"] is None
    assert [(p["person"], p["name"], p["role"]) for p in body["participants"]] == [
        (line_manager.pk, str(line_manager), "line_manager"),
        (safety_rep.pk, str(safety_rep), "safety_rep"),
    ]
    assert body["approved_by"] is None


def test_detail_query_count_does_not_grow_with_the_hazards(org, assessment, line_manager):
    client = api_client(line_manager)
    small, _response = count_queries(client, detail(assessment))
    for index in range(8):
        row = add_row(assessment, line_manager, hazard=f"Extra {index}")
        services.row_propose_measure(
            actor=line_manager,
            row=row,
            title=f"Measure {index}",
            responsible=line_manager,
            deadline=TODAY + datetime.timedelta(days=30),
        )
    for index in range(3):
        services.participant_save(
            actor=line_manager,
            assessment=assessment,
            user=user_with_role(f"expert{index}", Role.EMPLOYEE, org.section),
            role=ParticipantRole.OTHER,
        )
    large, response = count_queries(client, detail(assessment))
    assert len(response.json()["rows"]) == 10
    assert small == large


def test_a_bad_id_is_a_404_in_json(line_manager):
    client = api_client(line_manager)
    for path in (f"{LIST}999999/", f"{LIST}abc/", f"{LIST}99999999999999999999/"):
        response = client.get(path)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("application/json")
