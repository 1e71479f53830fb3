"""Risk assessments: the matrix and its versions, templates, approval, reviews, measures, the
matrix of an assessment, a unit and a subtree, red risks, who may do what, and the PDF."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure, MeasureSource
from risk import services
from risk.models import (
    AssessmentStatus,
    HazardTemplate,
    Participant,
    ParticipantRole,
    RiskAssessment,
    RiskRow,
    RowMeasure,
    WorkActivity,
    Zone,
)
from risk.views.matrix import cell
from tests.archive_pdf import assert_archive_pdf
from tests.conftest import user_with_role
from tests.factories import make_unit
from units.models import Role

LABELS = {
    "probability_labels": {
        "nb": ["1 Svært liten", "2 Liten", "3 Middels", "4 Stor", "5 Svært stor"],
        "en": ["1 Very low", "2 Low", "3 Medium", "4 High", "5 Very high"],
    },
    "consequence_labels": {
        "nb": ["A Svært liten", "B Liten", "C Moderat", "D Alvorlig", "E Svært alvorlig"],
        "en": ["A Very small", "B Small", "C Moderate", "D Serious", "E Very serious"],
    },
}


def next_year() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


def make_assessment(actor, unit, title="Synthesis lab", **kwargs) -> RiskAssessment:
    return services.assessment_create(
        actor=actor, unit=unit, title=title, activity="Room D2-104", **kwargs
    )


def add_row(assessment, actor, hazard="Solvent splash", p=3, c=(3, 1, 2, 1), **extra) -> RiskRow:
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


def approve(assessment, actor) -> RiskAssessment:
    assessment.refresh_from_db()
    return services.assessment_approve(
        actor=actor, assessment=assessment, review_date=next_year(), version=assessment.version
    )


@pytest.fixture
def assessment(org, line_manager, safety_rep) -> RiskAssessment:
    """A draft of DEP, with the line manager and the safety rep invited (both exist first)."""
    return make_assessment(line_manager, org.department)


@pytest.fixture
def scored(assessment, line_manager) -> RiskAssessment:
    add_row(assessment, line_manager, "Solvent splash", 3, (3, 1, 2, 1))
    add_row(assessment, line_manager, "Fire in solvents", 3, (4, 2, 4, 2))
    return assessment


def new_matrix(hms_department, **changes):
    fields = {**LABELS, "green_max": 4, "red_min": 12, **changes}
    return services.matrix_new_version(actor=hms_department, **fields)


# --- The matrix ---------------------------------------------------------------------------------


def test_risk_value_per_dimension_and_worst_cell_code(assessment, line_manager):
    row = add_row(assessment, line_manager, p=3, c=(3, 1, 2, 1))
    assert row.values() == {"people": 9, "environment": 3, "material": 6, "reputation": 3}
    assert row.worst_consequence == 3
    assert row.risk_value == 9
    assert row.code == "C3"
    assert row.is_scored


def test_code_names_the_consequence_letter_then_the_probability(assessment, line_manager):
    row = add_row(assessment, line_manager, p=2, c=(1, 5, 1, 1))
    assert row.code == "E2"
    assert row.risk_value == 10


@pytest.mark.parametrize(
    ("value", "zone"),
    [
        (1, Zone.GREEN),
        (4, Zone.GREEN),
        (5, Zone.YELLOW),
        (11, Zone.YELLOW),
        (12, Zone.RED),
        (25, Zone.RED),
    ],
)
def test_default_zones_at_their_boundaries(db, value, zone):
    assert services.current_matrix().zone(value) == zone


@pytest.mark.parametrize(
    ("probability", "consequence", "code", "zone"),
    [(2, 2, "B2", "green"), (1, 5, "E1", "yellow"), (5, 1, "A5", "yellow"), (3, 4, "D3", "red")],
)
def test_cells_of_the_default_matrix(db, probability, consequence, code, zone):
    found = cell(services.current_matrix(), probability, consequence)
    assert (found["code"], found["zone"], found["value"]) == (
        code,
        zone,
        probability * consequence,
    )


def test_partly_scored_row_has_no_complete_score(assessment, line_manager):
    row = services.row_save(
        actor=line_manager, assessment=assessment, hazard="Noise", probability=2
    )
    assert not row.is_scored
    assert row.code == ""


def test_new_matrix_version_leaves_old_assessments_unchanged(
    org, line_manager, safety_rep, hms_department
):
    old = make_assessment(line_manager, org.department, "Before")
    old_row = add_row(old, line_manager, p=2, c=(5, 1, 1, 1))  # E2 = 10
    version = new_matrix(hms_department, red_min=10)
    new = make_assessment(line_manager, org.department, "After")
    new_row = add_row(new, line_manager, p=2, c=(5, 1, 1, 1))

    old.refresh_from_db()
    assert old.matrix.version == 1
    assert new.matrix == version
    assert old.matrix.zone(old_row.risk_value) == Zone.YELLOW
    assert new.matrix.zone(new_row.risk_value) == Zone.RED
    assert list(services.red_rows(RiskRow.objects.all())) == [new_row]


def test_new_matrix_version_shows_on_the_pages(
    client, org, line_manager, safety_rep, hms_department
):
    old = make_assessment(line_manager, org.department, "Before")
    add_row(old, line_manager, p=2, c=(5, 1, 1, 1))
    new_matrix(hms_department, red_min=10)
    new = make_assessment(line_manager, org.department, "After")
    add_row(new, line_manager, p=2, c=(5, 1, 1, 1))
    client.force_login(line_manager)
    old_page = client.get(old.get_absolute_url()).content.decode()
    new_page = client.get(new.get_absolute_url()).content.decode()
    assert "Matrix v1" in old_page and 'data-zone="yellow">E2' in old_page
    assert "Matrix v2" in new_page and 'data-zone="red">E2' in new_page


def test_matrix_versions_must_be_ordered(hms_department):
    with pytest.raises(ValidationError):
        new_matrix(hms_department, green_max=12, red_min=12)


def test_only_the_hse_department_makes_matrix_versions(line_manager):
    with pytest.raises(PermissionDenied):
        new_matrix(line_manager)


# --- Templates, approval, review ---------------------------------------------------------------


def test_template_start_creates_the_template_rows_unscored(org, line_manager, safety_rep):
    template = HazardTemplate.objects.get(slug="laboratory")
    assessment = make_assessment(line_manager, org.department, template=template)
    rows = list(assessment.rows.all())
    assert [row.hazard for row in rows] == [row.hazard_en for row in template.rows.all()]
    assert rows[0].existing_measures
    assert all(row.probability is None and not row.is_scored for row in rows)
    assert all(row.consequence_people is None for row in rows)


def test_line_manager_and_safety_rep_are_invited_at_once(assessment, line_manager, safety_rep):
    roles = dict(assessment.participants.values_list("user__username", "role"))
    assert roles == {
        line_manager.username: ParticipantRole.LINE_MANAGER,
        safety_rep.username: ParticipantRole.SAFETY_REP,
    }


def test_line_manager_approves(scored, line_manager):
    approved = approve(scored, line_manager)
    assert approved.status == AssessmentStatus.APPROVED
    assert approved.approved_by == line_manager
    assert approved.review_date == next_year()


def test_approval_needs_the_safety_rep_invited(org, line_manager):
    assessment = make_assessment(line_manager, org.department)  # no safety rep exists
    add_row(assessment, line_manager)
    with pytest.raises(ValidationError) as refused:
        approve(assessment, line_manager)
    assert "safety representative must be invited" in str(refused.value)


def test_approval_needs_every_row_scored(assessment, line_manager):
    add_row(assessment, line_manager)
    services.row_save(actor=line_manager, assessment=assessment, hazard="Noise", probability=2)
    with pytest.raises(ValidationError) as refused:
        approve(assessment, line_manager)
    assert "Every hazard needs a probability" in str(refused.value)


def test_approval_needs_a_hazard(assessment, line_manager):
    with pytest.raises(ValidationError) as refused:
        approve(assessment, line_manager)
    assert "at least one hazard" in str(refused.value)


@pytest.mark.parametrize("days", [0, -1])
def test_approval_needs_a_review_date_in_the_future(scored, line_manager, days):
    with pytest.raises(ValidationError) as refused:
        services.assessment_approve(
            actor=line_manager,
            assessment=scored,
            review_date=timezone.localdate() + datetime.timedelta(days=days),
            version=RiskAssessment.objects.get(pk=scored.pk).version,
        )
    assert "review date must be in the future" in str(refused.value)


def test_approval_refused_when_the_assessment_changed_since_it_was_read(scored, line_manager):
    seen = RiskAssessment.objects.get(pk=scored.pk).version
    add_row(scored, line_manager, "Another hazard")  # someone else's change bumps the version
    with pytest.raises(ValidationError) as refused:
        services.assessment_approve(
            actor=line_manager, assessment=scored, review_date=next_year(), version=seen
        )
    assert "Someone else changed" in str(refused.value)


def test_safety_rep_and_coordinator_may_not_approve(org, scored, safety_rep):
    coordinator = user_with_role("coordinator", Role.HMS_COORDINATOR, org.department)
    for user in (safety_rep, coordinator):
        with pytest.raises(PermissionDenied):
            approve(scored, user)


def test_approved_assessment_is_read_only(scored, line_manager, safety_rep):
    approve(scored, line_manager)
    scored.refresh_from_db()
    row = scored.rows.first()
    with pytest.raises(ValidationError):
        add_row(scored, line_manager)
    with pytest.raises(ValidationError):
        services.row_save(actor=line_manager, assessment=scored, row=row, hazard="Changed")
    with pytest.raises(ValidationError):
        services.row_delete(actor=line_manager, row=row)
    with pytest.raises(ValidationError):
        services.activity_save(actor=line_manager, assessment=scored, name="New task")
    with pytest.raises(ValidationError):
        services.participant_save(
            actor=line_manager, assessment=scored, user=safety_rep, role="safety_rep"
        )


def test_copy_for_review_starts_a_linked_draft(
    org, scored, line_manager, safety_rep, hms_department
):
    activity = services.activity_save(
        actor=line_manager, assessment=scored, name="Synthesis", harms_people=True
    )
    row = scored.rows.first()
    services.row_save(actor=line_manager, assessment=scored, row=row, activity=activity)
    measure = services.row_propose_measure(
        actor=line_manager,
        row=row,
        title="Fume hood check",
        responsible=line_manager,
        deadline=next_year(),
    )
    Participant.objects.filter(assessment=scored).update(took_part=True)
    approve(scored, line_manager)
    version = new_matrix(hms_department)

    review = services.assessment_copy_for_review(actor=line_manager, assessment=scored)

    assert review.status == AssessmentStatus.DRAFT
    assert review.previous == scored
    assert review.matrix == version
    assert review.title == scored.title
    copied = list(review.rows.all())
    assert [(r.hazard, r.code) for r in copied] == [(r.hazard, r.code) for r in scored.rows.all()]
    assert copied[0].activity.assessment == review
    assert copied[0].activity.name == "Synthesis"
    assert list(copied[0].measures.all()) == [measure]
    assert set(review.participants.values_list("user__username", "took_part")) == {
        (line_manager.username, False),
        (safety_rep.username, False),
    }
    with pytest.raises(ValidationError):
        services.assessment_copy_for_review(actor=line_manager, assessment=scored)


def test_review_invites_todays_safety_rep(org, scored, line_manager, safety_rep):
    approve(scored, line_manager)
    new_rep = user_with_role("new_rep", Role.SAFETY_REP, org.department)
    review = services.assessment_copy_for_review(actor=line_manager, assessment=scored)
    assert review.participants.filter(user=new_rep, role=ParticipantRole.SAFETY_REP).exists()


def test_propose_measure_puts_it_into_the_action_plan(org, scored, line_manager):
    row = scored.rows.first()
    measure = services.row_propose_measure(
        actor=line_manager,
        row=row,
        title="Check the fume hoods monthly",
        responsible=line_manager,
        deadline=next_year(),
    )
    assert measure.source == MeasureSource.RISK_ASSESSMENT
    assert measure.unit == org.department
    assert RowMeasure.objects.filter(row=row, measure=measure).exists()
    assert list(Measure.objects.visible_to(line_manager)) == [measure]


def test_row_with_measures_cannot_be_deleted(scored, line_manager):
    row = scored.rows.first()
    services.row_propose_measure(
        actor=line_manager, row=row, title="Fix", responsible=line_manager, deadline=next_year()
    )
    with pytest.raises(ValidationError):
        services.row_delete(actor=line_manager, row=row)


# --- Matrix counts and red risks ----------------------------------------------------------------


@pytest.fixture
def spread(org, line_manager, safety_rep):
    """Scored rows in DEP, in SEC below it, and in the other faculty."""
    department = make_assessment(line_manager, org.department, "Department")
    add_row(department, line_manager, "Splash", 3, (3, 1, 1, 1))  # C3 = 9
    add_row(department, line_manager, "Vapour", 3, (1, 3, 1, 2))  # C3
    add_row(department, line_manager, "Fire", 3, (4, 1, 4, 1))  # D3 = 12, red
    services.row_save(actor=line_manager, assessment=department, hazard="Unscored")
    section = make_assessment(line_manager, org.section, "Section")
    add_row(section, line_manager, "Gas leak", 4, (5, 1, 1, 1))  # E4 = 20, red
    add_row(section, line_manager, "Cuts", 2, (2, 1, 1, 1))  # B2 = 4
    other_manager = user_with_role("other_manager", Role.LINE_MANAGER, org.other_department)
    other = make_assessment(other_manager, org.other_department, "Elsewhere")
    add_row(other, other_manager, "Far away", 5, (5, 5, 5, 5))  # red, not in FAC
    return department, section, other


def test_matrix_counts_for_an_assessment_a_unit_and_a_subtree(
    org, spread, django_assert_num_queries
):
    department, _section, _other = spread
    with django_assert_num_queries(1):
        own = services.matrix_counts(department.rows.all())
    assert own == {(3, 3): 2, (3, 4): 1}
    with django_assert_num_queries(1):
        unit = services.matrix_counts(RiskRow.objects.filter(assessment__unit=org.department))
    assert unit == own
    with django_assert_num_queries(1):
        subtree = services.matrix_counts(
            RiskRow.objects.filter(assessment__unit__path__startswith=org.faculty.path)
        )
    assert subtree == {(3, 3): 2, (3, 4): 1, (4, 5): 1, (2, 2): 1}


def test_matrix_counts_ignore_the_callers_ordering(spread):
    department = spread[0]
    ordered = department.rows.order_by("hazard", "pk")
    assert services.matrix_counts(ordered) == {(3, 3): 2, (3, 4): 1}


def test_red_rows_across_a_subtree(org, spread):
    rows = services.red_rows(
        RiskRow.objects.filter(assessment__unit__path__startswith=org.faculty.path)
    )
    assert sorted(row.hazard for row in rows) == ["Fire", "Gas leak"]


def test_red_risks_page_lists_the_subtree(client, org, spread, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("risk:red_risks") + "?unit=DEP")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Fire" in page and "Gas leak" in page and "Far away" not in page
    assert "D3" in page and "E4" in page
    assert "No measures" in page
    row = RiskRow.objects.get(hazard="Fire")
    services.row_propose_measure(
        actor=line_manager,
        row=row,
        title="Fire cabinet",
        responsible=line_manager,
        deadline=next_year(),
    )
    page = client.get(reverse("risk:red_risks") + "?unit=DEP&missing=1").content.decode()
    assert "Gas leak" in page and ">Fire<" not in page


def test_hse_department_sees_red_risks_everywhere(client, spread, hms_department):
    client.force_login(hms_department)
    page = client.get(reverse("risk:red_risks")).content.decode()
    assert "Fire" in page and "Gas leak" in page and "Far away" in page


def test_unit_matrix_page_counts_the_unit_or_its_subtree(client, spread, line_manager):
    client.force_login(line_manager)
    page = client.get(reverse("risk:unit_matrix") + "?unit=DEP").content.decode()
    assert 'data-cell="C3" data-count="2"' in page
    assert 'data-cell="E4" data-count="0"' in page
    page = client.get(reverse("risk:unit_matrix") + "?unit=DEP&subtree=1").content.decode()
    assert 'data-cell="E4" data-count="1"' in page
    assert "different versions" not in page


def test_subtree_with_several_matrix_versions_uses_the_current_one(
    client, org, spread, line_manager, hms_department
):
    version = new_matrix(hms_department, red_min=10)
    newer = make_assessment(line_manager, org.section, "Newer")
    add_row(newer, line_manager, "Noise", 2, (5, 1, 1, 1))
    client.force_login(line_manager)
    page = client.get(reverse("risk:unit_matrix") + "?unit=DEP&subtree=1").content.decode()
    assert "different versions of the risk matrix (1, 2)" in page
    assert f"Risk matrix version {version.version}" in page
    assert 'data-cell="E2" data-count="1"' in page


def test_matrix_leaves_out_assessments_replaced_by_an_approved_review(
    client, org, scored, line_manager
):
    approve(scored, line_manager)
    review = services.assessment_copy_for_review(actor=line_manager, assessment=scored)
    # While the review is drafted, the approved version is in force and the current one.
    assert set(RiskAssessment.objects.in_force()) == {scored}
    assert set(RiskAssessment.objects.current()) == {scored}
    approve(review, line_manager)
    assert set(RiskAssessment.objects.in_force()) == {review}
    assert set(RiskAssessment.objects.current()) == {review}


# --- The pages, as a line manager ---------------------------------------------------------------


def test_line_manager_creates_an_assessment_from_a_template(client, org, line_manager, safety_rep):
    client.force_login(line_manager)
    assert client.get(reverse("risk:create") + "?unit=DEP").status_code == 200
    template = HazardTemplate.objects.get(slug="office")
    response = client.post(
        reverse("risk:create"),
        {
            "unit": "dep",
            "title": "Office floor 3",
            "activity": "Offices",
            "assessed_on": "2026-03-01",
            "template": template.pk,
        },
    )
    assessment = RiskAssessment.objects.get(title="Office floor 3")
    assert response.status_code == 302
    assert response["Location"] == assessment.get_absolute_url()
    assert assessment.unit == org.department
    assert assessment.rows.count() == template.rows.count()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("assessed_on", "31.02.2026", "Enter a valid date."),
        ("unit", "NOPE", "No unit has the code NOPE."),
        ("template", "999999", "Select a valid choice."),
        ("title", "", "This field is required."),
    ],
)
def test_create_with_bad_input_keeps_what_was_typed(client, line_manager, field, value, message):
    client.force_login(line_manager)
    data = {
        "unit": "DEP",
        "title": "Kept title",
        "activity": "Kept activity",
        "assessed_on": "2026-03-01",
    }
    data[field] = value
    response = client.post(reverse("risk:create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert "Kept activity" in page
    assert not RiskAssessment.objects.exists()


def test_create_for_a_unit_the_user_may_not_edit_is_refused(client, org, line_manager, safety_rep):
    client.force_login(line_manager)
    response = client.post(
        reverse("risk:create"),
        {"unit": "OTHERDEP", "title": "T", "activity": "A", "assessed_on": "2026-03-01"},
    )
    assert response.status_code == 403
    assert "You may not make risk assessments" in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_mapping_adds_ticks_and_removes_tasks(client, assessment, line_manager):
    client.force_login(line_manager)
    url = reverse("risk:activities", args=[assessment.pk])
    empty = {"activities-TOTAL_FORMS": "1", "activities-INITIAL_FORMS": "0"}
    client.post(url, {**empty, "activities-0-name": "Synthesis", "activities-0-harms_people": "on"})
    activity = WorkActivity.objects.get(assessment=assessment)
    assert activity.is_risky and activity.harms_people and not activity.harms_material
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert reverse("risk:row_create", args=[assessment.pk]) + f"?activity={activity.pk}" in page
    base = {"activities-TOTAL_FORMS": "2", "activities-INITIAL_FORMS": "1"}
    client.post(
        url,
        {
            **base,
            "activities-0-id": activity.pk,
            "activities-0-name": "Synthesis",
            "activities-0-harms_material": "on",
            "activities-1-name": "Office work",
        },
    )
    activity.refresh_from_db()
    assert activity.harms_material and not activity.harms_people
    assert assessment.activities.count() == 2
    client.post(
        url,
        {
            **base,
            "activities-0-id": activity.pk,
            "activities-0-name": "Synthesis",
            "activities-0-DELETE": "on",
        },
    )
    assert list(assessment.activities.values_list("name", flat=True)) == ["Office work"]


def test_mapping_with_a_tampered_form_is_refused_cleanly(client, assessment, line_manager):
    client.force_login(line_manager)
    url = reverse("risk:activities", args=[assessment.pk])
    response = client.post(url, {"activities-TOTAL_FORMS": "x"})
    assert response.status_code == 200
    response = client.post(
        url,
        {
            "activities-TOTAL_FORMS": "1",
            "activities-INITIAL_FORMS": "1",
            "activities-0-id": "999999",
            "activities-0-name": "Ghost",
        },
    )
    assert response.status_code == 400
    assert "removed meanwhile" in response.content.decode()
    assert not assessment.activities.exists()


def row_data(**changes) -> dict:
    data = {
        "hazard": "Splash of acid",
        "existing_measures": "Goggles",
        "probability": "3",
        "consequence_people": "3",
        "consequence_environment": "1",
        "consequence_material": "2",
        "consequence_reputation": "1",
        "proposed_measures": "Face shield",
        "residual_probability": "2",
        "residual_consequence": "2",
    }
    return {**data, **changes}


def test_line_manager_adds_edits_and_deletes_a_row(client, assessment, line_manager):
    client.force_login(line_manager)
    assert client.get(reverse("risk:row_create", args=[assessment.pk])).status_code == 200
    response = client.post(reverse("risk:row_create", args=[assessment.pk]), row_data())
    assert response.status_code == 302
    row = assessment.rows.get()
    assert (row.code, row.residual_value) == ("C3", 4)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Splash of acid" in page and 'data-zone="yellow">C3' in page
    client.post(
        reverse("risk:row_edit", args=[assessment.pk, row.pk]),
        row_data(probability="4", version=row.version),
    )
    row.refresh_from_db()
    assert row.code == "C4" and row.risk_value == 12
    client.post(reverse("risk:row_delete", args=[assessment.pk, row.pk]))
    assert not assessment.rows.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"probability": "9"},
        {"consequence_people": "0"},
        {"consequence_reputation": "F"},
        {"hazard": ""},
        {"activity": "999999"},
    ],
)
def test_bad_scores_are_refused_with_the_input_kept(client, assessment, line_manager, changes):
    client.force_login(line_manager)
    response = client.post(reverse("risk:row_create", args=[assessment.pk]), row_data(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Face shield" in page
    assert "Select a valid choice" in page or "This field is required" in page
    assert not assessment.rows.exists()


def test_unknown_row_and_assessment_are_404(client, assessment, line_manager):
    client.force_login(line_manager)
    assert client.get(reverse("risk:row_edit", args=[assessment.pk, 999999])).status_code == 404
    assert client.get(reverse("risk:assessment", args=[999999])).status_code == 404
    assert client.get("/risk/abc/").status_code == 404


def test_row_of_another_assessment_is_404(client, org, assessment, line_manager):
    other = make_assessment(line_manager, org.department, "Other")
    row = add_row(other, line_manager)
    client.force_login(line_manager)
    url = reverse("risk:row_edit", args=[assessment.pk, row.pk])
    assert client.get(url).status_code == 404


def test_line_manager_proposes_a_measure_from_the_page(client, scored, line_manager, safety_rep):
    client.force_login(line_manager)
    row = scored.rows.first()
    url = reverse("risk:row_measure", args=[scored.pk, row.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "title": "Face shields",
            "responsible": safety_rep.email,
            "deadline": next_year().isoformat(),
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert (measure.source, measure.responsible) == (MeasureSource.RISK_ASSESSMENT, safety_rep)
    page = client.get(scored.get_absolute_url()).content.decode()
    assert "Face shields" in page and "Planned" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"deadline": "2001-01-01"}, "The deadline is in the past."),
        ({"deadline": "soon"}, "Enter a valid date."),
        ({"responsible": "nobody@nowhere"}, "No active user"),
    ],
)
def test_measure_with_bad_input_is_refused(client, scored, line_manager, changes, message):
    client.force_login(line_manager)
    row = scored.rows.first()
    data = {
        "title": "Kept title",
        "responsible": line_manager.username,
        "deadline": next_year().isoformat(),
        **changes,
    }
    response = client.post(reverse("risk:row_measure", args=[scored.pk, row.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "Kept title" in response.content.decode()
    assert not Measure.objects.exists()


def test_participants_are_invited_and_their_participation_recorded(
    client, org, assessment, line_manager, safety_rep
):
    client.force_login(line_manager)
    colleague = user_with_role("colleague", Role.HMS_COORDINATOR, org.department)
    url = reverse("risk:participants", args=[assessment.pk])
    client.post(url, {"action": "invite", "person": colleague.email, "role": "other"})
    assert assessment.participants.filter(user=colleague, role="other").exists()
    response = client.post(url, {"action": "invite", "person": colleague.username, "role": "other"})
    assert "invited already" in response.content.decode()
    rep = assessment.participants.get(user=safety_rep)
    shown = {f"version_{p.pk}": p.version for p in assessment.participants.all()}
    client.post(url, {"action": "took_part", "took_part": [str(rep.pk)], **shown})
    rep.refresh_from_db()
    assert rep.took_part
    assert not assessment.participants.get(user=line_manager).took_part
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert "Record the safety representative" not in page


def test_approval_from_the_page_checks_the_version(client, scored, line_manager):
    client.force_login(line_manager)
    page = client.get(scored.get_absolute_url()).content.decode()
    assert 'id="approve-form"' in page
    stale = RiskAssessment.objects.get(pk=scored.pk).version
    add_row(scored, line_manager, "Added meanwhile")
    url = reverse("risk:approve", args=[scored.pk])
    response = client.post(url, {"review_date": next_year().isoformat(), "version": stale})
    assert response.status_code == 409
    assert "Someone else changed this assessment" in response.content.decode()
    current = RiskAssessment.objects.get(pk=scored.pk).version
    response = client.post(url, {"review_date": next_year().isoformat(), "version": current})
    assert response.status_code == 302
    scored.refresh_from_db()
    assert scored.status == AssessmentStatus.APPROVED
    page = client.get(scored.get_absolute_url()).content.decode()
    assert "read-only" in page and 'id="approve-form"' not in page
    edit_link = reverse("risk:row_edit", args=[scored.pk, scored.rows.first().pk])
    assert f'href="{edit_link}"' not in page


@pytest.mark.parametrize(
    ("review_date", "message"),
    [
        ("yesterday", "Enter a valid date."),
        ("2001-01-01", "The review date must be in the future."),
    ],
)
def test_approval_with_a_bad_date_is_refused(client, scored, line_manager, review_date, message):
    client.force_login(line_manager)
    version = RiskAssessment.objects.get(pk=scored.pk).version
    response = client.post(
        reverse("risk:approve", args=[scored.pk]), {"review_date": review_date, "version": version}
    )
    assert response.status_code in (200, 400)
    assert message in response.content.decode()
    assert RiskAssessment.objects.get(pk=scored.pk).status == AssessmentStatus.DRAFT


def test_edits_of_an_approved_assessment_are_refused_on_the_page(client, scored, line_manager):
    approve(scored, line_manager)
    client.force_login(line_manager)
    row = scored.rows.first()
    response = client.post(
        reverse("risk:row_edit", args=[scored.pk, row.pk]), row_data(hazard="Changed")
    )
    assert response.status_code == 302
    assert (
        "An approved assessment is not changed" in client.get(response["Location"]).content.decode()
    )
    row.refresh_from_db()
    assert row.hazard != "Changed"
    response = client.post(reverse("risk:row_delete", args=[scored.pk, row.pk]))
    assert response.status_code == 400
    assert "An approved assessment is not changed" in response.content.decode()
    assert scored.rows.filter(pk=row.pk).exists()


def test_start_review_from_the_page(client, scored, line_manager):
    approve(scored, line_manager)
    client.force_login(line_manager)
    response = client.post(reverse("risk:start_review", args=[scored.pk]))
    review = RiskAssessment.objects.get(previous=scored)
    assert response["Location"] == review.get_absolute_url()
    again = client.post(reverse("risk:start_review", args=[scored.pk]))
    assert again["Location"] == review.get_absolute_url()
    assert RiskAssessment.objects.filter(previous=scored).count() == 1


def test_edit_heading_checks_the_version(client, assessment, line_manager):
    client.force_login(line_manager)
    url = reverse("risk:assessment_edit", args=[assessment.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": "New title",
        "activity": "Lab",
        "assessed_on": "2026-04-01",
        "version": assessment.version,
    }
    add_row(assessment, line_manager)  # bumps the version
    response = client.post(url, data)
    assert response.status_code == 409
    assert "New title" in response.content.decode()
    data["version"] = RiskAssessment.objects.get(pk=assessment.pk).version
    assert client.post(url, data).status_code == 302
    assert RiskAssessment.objects.get(pk=assessment.pk).title == "New title"


def test_list_filters_and_marks_due_for_review(client, org, line_manager, safety_rep):
    draft = make_assessment(line_manager, org.section, "Draft one")
    due = make_assessment(line_manager, org.department, "Due one")
    add_row(due, line_manager)
    approve(due, line_manager)
    RiskAssessment.objects.filter(pk=due.pk).update(review_date=timezone.localdate())
    client.force_login(line_manager)
    page = client.get(reverse("risk:list")).content.decode()
    assert 'data-status="due"' in page and 'data-status="draft"' in page
    page = client.get(reverse("risk:list") + "?status=due").content.decode()
    assert "Due one" in page and "Draft one" not in page
    page = client.get(reverse("risk:list") + "?status=approved").content.decode()
    assert "Due one" not in page
    page = client.get(reverse("risk:list") + "?unit=SEC").content.decode()
    assert "Draft one" in page and "Due one" not in page
    page = client.get(reverse("risk:list") + "?unit=DEP").content.decode()
    assert "Draft one" in page and "Due one" in page
    response = client.get(reverse("risk:list") + "?unit=NOPE&status=bogus&page=zz")
    assert response.status_code == 200
    assert "No unit has the code NOPE." in response.content.decode()
    assert draft.get_absolute_url() in page


def test_list_is_newest_first(client, org, line_manager, safety_rep):
    make_assessment(line_manager, org.department, "Older", assessed_on=datetime.date(2025, 1, 1))
    make_assessment(line_manager, org.department, "Newer", assessed_on=datetime.date(2026, 1, 1))
    client.force_login(line_manager)
    page = client.get(reverse("risk:list")).content.decode()
    assert page.index("Newer") < page.index("Older")


# --- Who may do what -----------------------------------------------------------------------------


def assessment_urls(assessment: RiskAssessment, row: RiskRow) -> list[tuple[str, str]]:
    pk = assessment.pk
    return [
        ("get", reverse("risk:assessment", args=[pk])),
        ("get", reverse("risk:assessment_pdf", args=[pk])),
        ("get", reverse("risk:assessment_edit", args=[pk])),
        ("post", reverse("risk:assessment_edit", args=[pk])),
        ("post", reverse("risk:activities", args=[pk])),
        ("get", reverse("risk:row_create", args=[pk])),
        ("post", reverse("risk:row_create", args=[pk])),
        ("get", reverse("risk:row_edit", args=[pk, row.pk])),
        ("post", reverse("risk:row_edit", args=[pk, row.pk])),
        ("post", reverse("risk:row_delete", args=[pk, row.pk])),
        ("get", reverse("risk:row_measure", args=[pk, row.pk])),
        ("post", reverse("risk:row_measure", args=[pk, row.pk])),
        ("post", reverse("risk:participants", args=[pk])),
        ("post", reverse("risk:approve", args=[pk])),
        ("post", reverse("risk:start_review", args=[pk])),
    ]


UNIT_URLS = [
    reverse("risk:create") + "?unit=DEP",
    reverse("risk:unit_matrix") + "?unit=DEP",
    reverse("risk:unit_matrix") + "?unit=DEP&subtree=1",
    reverse("risk:red_risks") + "?unit=DEP",
    reverse("risk:matrix_settings"),
]


@pytest.mark.parametrize("who", ["outsider", "employee"])
def test_those_who_may_not_see_the_assessment_get_404_everywhere(client, request, scored, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    row = scored.rows.first()
    for method, url in assessment_urls(scored, row):
        assert getattr(client, method)(url).status_code == 404, (method, url)
    for url in UNIT_URLS:
        assert client.get(url).status_code == 404, url
    page = client.get(reverse("risk:list")).content.decode()
    assert scored.title not in page


def test_safety_rep_sees_but_may_not_change(client, scored, safety_rep):
    client.force_login(safety_rep)
    row = scored.rows.first()
    version = RiskAssessment.objects.get(pk=scored.pk).version
    for method, url in assessment_urls(scored, row):
        response = getattr(client, method)(url)
        if method == "get" and url in (
            scored.get_absolute_url(),
            reverse("risk:assessment_pdf", args=[scored.pk]),
        ):
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, (method, url)
    response = client.post(
        reverse("risk:approve", args=[scored.pk]),
        {"review_date": next_year().isoformat(), "version": version},
    )
    assert response.status_code == 403
    assert "you may not change it" in response.content.decode()
    scored.refresh_from_db()
    assert scored.status == AssessmentStatus.DRAFT
    assert scored.rows.count() == 2
    page = client.get(scored.get_absolute_url()).content.decode()
    assert 'id="approve-form"' not in page and 'id="add-hazard"' not in page
    assert client.get(reverse("risk:unit_matrix") + "?unit=DEP").status_code == 200
    assert client.get(reverse("risk:red_risks") + "?unit=DEP").status_code == 200
    assert client.get(reverse("risk:create")).status_code == 404
    assert client.get(reverse("risk:matrix_settings")).status_code == 404
    assert 'id="new-assessment"' not in client.get(reverse("risk:list")).content.decode()


def test_line_manager_may_edit_and_approve_but_not_change_the_matrix(client, scored, line_manager):
    client.force_login(line_manager)
    page = client.get(scored.get_absolute_url()).content.decode()
    assert 'id="approve-form"' in page and 'id="add-hazard"' in page
    assert 'id="new-assessment"' in client.get(reverse("risk:list")).content.decode()
    assert client.get(reverse("risk:matrix_settings")).status_code == 404
    assert client.post(reverse("risk:matrix_settings"), {}).status_code == 404
    assert 'id="matrix-settings-link"' not in client.get(reverse("risk:list")).content.decode()


def test_line_manager_of_a_department_edits_its_sections(client, org, line_manager, safety_rep):
    client.force_login(line_manager)
    assert client.get(reverse("risk:create") + "?unit=SEC").status_code == 200
    assert client.get(reverse("risk:create") + "?unit=OTHERDEP").status_code == 404


def test_hse_department_sees_everything_and_changes_the_matrix(
    client, org, scored, hms_department, line_manager
):
    other_manager = user_with_role("other_manager", Role.LINE_MANAGER, org.other_department)
    elsewhere = make_assessment(other_manager, org.other_department, "Elsewhere")
    client.force_login(hms_department)
    page = client.get(reverse("risk:list")).content.decode()
    assert scored.title in page and "Elsewhere" in page
    assert 'id="matrix-settings-link"' in page
    assert client.get(elsewhere.get_absolute_url()).status_code == 200
    response = client.get(reverse("risk:matrix_settings"))
    assert response.status_code == 200
    form = response.context["form"]
    data = {name: field.initial for name, field in form.fields.items()}
    data["red_min"] = 10
    response = client.post(reverse("risk:matrix_settings"), data)
    assert response.status_code == 302
    assert services.current_matrix().version == 2
    assert services.current_matrix().red_min == 10
    scored.refresh_from_db()
    assert scored.matrix.version == 1
    page = client.get(reverse("risk:matrix_settings")).content.decode()
    assert "keep the version they were made with" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"green_max": 12, "red_min": 12}, "Red must start above where green ends."),
        ({"red_colour": "red"}, "Give the colour as #rrggbb"),
        ({"probability_en_3": ""}, "This field is required."),
        ({"green_max": "many"}, "Enter a whole number."),
    ],
)
def test_matrix_settings_refuse_bad_input(client, hms_department, changes, message):
    client.force_login(hms_department)
    form = client.get(reverse("risk:matrix_settings")).context["form"]
    data = {**{name: field.initial for name, field in form.fields.items()}, **changes}
    response = client.post(reverse("risk:matrix_settings"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert services.current_matrix().version == 1


def test_not_logged_in_goes_to_login(client, scored):
    response = client.get(scored.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- The PDF -------------------------------------------------------------------------------------


def test_pdf_for_the_archive(client, scored, line_manager, safety_rep):
    services.activity_save(
        actor=line_manager, assessment=scored, name="Synthesis work", harms_people=True
    )
    Participant.objects.filter(user=safety_rep).update(took_part=True)
    services.row_propose_measure(
        actor=line_manager,
        row=scored.rows.first(),
        title="Face shields for everyone",
        responsible=line_manager,
        deadline=next_year(),
    )
    approve(scored, line_manager)
    client.force_login(safety_rep)
    response = client.get(reverse("risk:assessment_pdf", args=[scored.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = assert_archive_pdf(response.content, language="en", title=scored.title)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Synthesis lab" in text
    assert "Department of Trials" in text
    assert "Solvent splash" in text
    assert "C3" in text and "D3" in text
    assert "Synthesis work" in text
    assert "Face shields for everyone" in text
    assert "Approved" in text
    assert f"1 / {len(reader.pages)}" in text


# --- Query counts ---------------------------------------------------------------------------------


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def grow(assessment, actor, rows: int):
    for index in range(rows):
        activity = services.activity_save(
            actor=actor, assessment=assessment, name=f"Task {index}", harms_people=True
        )
        row = add_row(
            assessment,
            actor,
            f"Hazard {index}",
            1 + index % 5,
            (1 + index % 5, 2, 3, 1),
            activity=activity,
        )
        services.row_propose_measure(
            actor=actor, row=row, title=f"Measure {index}", responsible=actor, deadline=next_year()
        )


def test_assessment_page_queries_do_not_grow_with_rows(
    client, org, line_manager, safety_rep, django_assert_max_num_queries
):
    small = make_assessment(line_manager, org.department, "Small")
    grow(small, line_manager, 1)
    large = make_assessment(line_manager, org.department, "Large")
    grow(large, line_manager, 12)
    for index in range(4):
        other = user_with_role(f"extra{index}", Role.HMS_COORDINATOR, org.department)
        services.participant_save(actor=line_manager, assessment=large, user=other, role="other")
    client.force_login(line_manager)
    counts = [count_queries(client, a.get_absolute_url()) for a in (small, large)]
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(15):
        client.get(large.get_absolute_url())
    pdf_counts = [
        count_queries(client, reverse("risk:assessment_pdf", args=[a.pk])) for a in (small, large)
    ]
    assert pdf_counts[0] == pdf_counts[1]


def test_list_and_red_risks_queries_do_not_grow(
    client, org, line_manager, safety_rep, django_assert_max_num_queries
):
    def add(count):
        for index in range(count):
            unit = org.section if index % 2 else org.department
            assessment = make_assessment(line_manager, unit, f"Assessment {index}")
            add_row(assessment, line_manager, f"Red {index}", 4, (4, 1, 1, 1))

    client.force_login(line_manager)
    urls = [
        reverse("risk:list"),
        reverse("risk:list") + "?unit=DEP&status=draft",
        reverse("risk:red_risks") + "?unit=DEP",
        reverse("risk:unit_matrix") + "?unit=DEP&subtree=1",
    ]
    add(2)
    small = [count_queries(client, url) for url in urls]
    add(12)
    large = [count_queries(client, url) for url in urls]
    assert small == large
    for url in urls:
        with django_assert_max_num_queries(12):
            client.get(url)


def test_a_new_section_unit_gets_its_parent_line_manager_invited(org, line_manager, safety_rep):
    lab = make_unit(org.section, code="LAB", name_nb="Lab", name_en="Lab")
    assessment = make_assessment(line_manager, lab, "Lab work")
    assert set(assessment.participants.values_list("role", flat=True)) == {
        ParticipantRole.LINE_MANAGER,
        ParticipantRole.SAFETY_REP,
    }


def test_an_invited_participant_without_a_role_reads_but_does_not_edit(
    client, assessment, line_manager, outsider
):
    """Someone from elsewhere invited to take part (e.g. an expert) opens the assessment they
    helped with, but cannot change it; the other records of the unit stay closed to them."""
    services.participant_save(
        actor=line_manager, assessment=assessment, user=outsider, role="other"
    )
    client.force_login(outsider)
    assert client.get(assessment.get_absolute_url()).status_code == 200
    assert client.get(reverse("risk:assessment_pdf", args=[assessment.pk])).status_code == 200
    response = client.post(reverse("risk:row_create", args=[assessment.pk]), {"hazard": "Noe nytt"})
    assert response.status_code == 403
    assert not assessment.rows.filter(hazard="Noe nytt").exists()
    other = make_assessment(line_manager, assessment.unit, title="Another one")
    assert client.get(other.get_absolute_url()).status_code == 404


def test_red_list_counts_an_approved_assessment_and_its_revision_draft_once(
    client, org, line_manager, safety_rep
):
    approved = make_assessment(line_manager, org.department, "Approved")
    add_row(approved, line_manager, "Explosion in the fume hood", 4, (4, 1, 1, 1))  # 16: red
    approve(approved, line_manager)
    services.assessment_copy_for_review(actor=line_manager, assessment=approved)  # a draft copy
    never_approved = make_assessment(line_manager, org.section, "New lab")
    add_row(never_approved, line_manager, "Laser", 3, (5, 1, 1, 1))  # 15: red
    client.force_login(line_manager)
    page = client.get(reverse("risk:red_risks") + "?unit=DEP")
    assert page.status_code == 200
    assert page.context["page"].paginator.count == 2
    html = page.content.decode()
    assert html.count("Explosion in the fume hood") == 1
    assert "2 red hazards" in html
    matrix = client.get(reverse("risk:unit_matrix") + "?unit=DEP&subtree=1")
    assert {a.title for a in matrix.context["assessments"]} == {"Approved", "New lab"}
