"""The yearly management review: its services, the facts it is prefilled with, and its PDF."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from actionplans.models import Measure, MeasureSource, MeasureStatus, Priority
from deviations.models import Category, InjuryKind, Severity
from hms.cycle.models import Goal
from indicators.models import Indicator, IndicatorValue
from indicators.review import facts, services
from indicators.review.models import AGENDA, ManagementReview, ReviewStatus
from risk import services as risk_services
from risk.models import InspectionRound, RoundStatus
from tests.archive_pdf import assert_archive_pdf
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_deviation, make_unit
from units.models import Role, UnitType

YEAR = timezone.localdate().year


@pytest.fixture
def rector(org):
    return user_with_role("rector", Role.LINE_MANAGER, org.root)


@pytest.fixture
def review(org, hms_department, rector):
    return services.review_create(actor=hms_department, root=org.root, year=YEAR)


def in_year(year: int, month: int = 3) -> datetime.datetime:
    """A moment of `year` that has already passed (the report form refuses the future)."""
    moment = timezone.make_aware(datetime.datetime(year, month, 10, 12))
    now = timezone.now()
    if moment > now:
        moment = max(
            now - datetime.timedelta(minutes=5),
            timezone.make_aware(datetime.datetime(year, 1, 1, 0, 1)),
        )
    return moment


def a_measure(unit, actor, *, deadline, priority=Priority.MEDIUM, status=MeasureStatus.PLANNED):
    return Measure.objects.create(
        unit=unit,
        title=f"Measure {priority} {deadline}",
        responsible=actor,
        deadline=deadline,
        priority=priority,
        status=status,
        created_by=actor,
        # A done measure carries its completion time (a database rule).
        completed_at=timezone.now() if status == MeasureStatus.DONE else None,
    )


def a_completed_round(unit, actor, when: datetime.datetime) -> InspectionRound:
    return InspectionRound.objects.create(
        unit=unit,
        planned_for=when.date(),
        status=RoundStatus.COMPLETED,
        completed_at=when,
        created_by=actor,
    )


# -- creating ----------------------------------------------------------------------------------


def test_new_review_has_every_agenda_item_of_the_seed_in_order(review):
    items = list(review.items.all())
    assert [item.key for item in items] == [key for key, _nb, _en in AGENDA]
    assert len(items) == 16
    assert items[0].title_nb == "Forrige års ledelsens gjennomgang"
    assert items[9].title_en == "HSE deviations: trends and reporting culture"
    assert items[-1].title_nb == "Innspill fra aktuelle utvalg og nettverk"
    assert review.status == ReviewStatus.DRAFT
    assert review.facts_taken_at is not None
    assert review.facts["year"] == YEAR


def test_new_review_names_the_rector_and_chief_safety_rep(org, hms_department, rector):
    chief = user_with_role("chief", Role.CHIEF_SAFETY_REP, org.root)
    review = services.review_create(actor=hms_department, root=org.root, year=YEAR)
    functions = {p.user: p.function for p in review.participants.all()}
    assert functions == {rector: "rector", chief: "chief_safety_rep"}


def test_a_year_has_one_review_per_institution(review, hms_department, org):
    with pytest.raises(ValidationError):
        services.review_create(actor=hms_department, root=org.root, year=YEAR)


def test_line_manager_of_a_department_cannot_create_a_review(org, line_manager):
    with pytest.raises(PermissionDenied):
        services.review_create(actor=line_manager, root=org.root, year=YEAR)


def test_rector_creates_a_review(org, rector):
    review = services.review_create(actor=rector, root=org.root, year=YEAR)
    assert review.created_by == rector


# -- facts -------------------------------------------------------------------------------------


@pytest.fixture
def small_year(org, hms_department, employee):
    """Deviations this year and last in both faculties, measures and a round."""
    injury = Category.objects.get(code="personal_injury")
    make_deviation(org.department, employee, occurred_at=in_year(YEAR))
    make_deviation(
        org.section,
        employee,
        occurred_at=in_year(YEAR),
        category=injury,
        severity=Severity.VERY_SERIOUS,
        injury_kind=InjuryKind.ABSENCE,
    )
    make_deviation(org.other_department, employee, occurred_at=in_year(YEAR))
    make_deviation(org.other_department, employee, occurred_at=in_year(YEAR - 1, 6))
    make_deviation(org.department, employee, occurred_at=in_year(YEAR - 2, 6))  # not counted
    today = timezone.localdate()
    a_measure(
        org.department,
        hms_department,
        deadline=today - datetime.timedelta(days=3),
        priority=Priority.HIGH,
    )
    a_measure(org.section, hms_department, deadline=today - datetime.timedelta(days=3))
    a_measure(org.other_department, hms_department, deadline=today + datetime.timedelta(days=30))
    a_measure(
        org.department,
        hms_department,
        deadline=today - datetime.timedelta(days=3),
        status=MeasureStatus.DONE,
    )
    a_completed_round(org.department, hms_department, in_year(YEAR))
    a_completed_round(org.other_department, hms_department, in_year(YEAR - 1, 6))


def by_code(rows):
    return {row["code"]: row for row in rows}


def test_facts_count_deviations_this_year_against_last(org, small_year):
    found = facts.collect(org.root, YEAR)["deviations"]
    assert (found["this"], found["last"]) == (3, 1)
    faculties = by_code(found["by_faculty"])
    assert (faculties["FAC"]["this"], faculties["FAC"]["last"]) == (2, 0)
    assert (faculties["OTHERFAC"]["this"], faculties["OTHERFAC"]["last"]) == (1, 1)
    severities = by_code(found["by_severity"])
    assert severities["very_serious"]["this"] == 1
    assert severities["minor"] == {"code": "minor", "this": 2, "last": 1}
    categories = by_code(found["by_category"])
    assert categories["personal_injury"]["this"] == 1
    assert categories["building"]["this"] == 2
    assert found["injuries"] == {"this": 1, "last": 0, "absence_this": 1, "absence_last": 0}


def test_facts_list_special_incidents_without_their_story(org, small_year):
    found = facts.collect(org.root, YEAR)["special_incidents"]
    assert found["total"] == 1
    (row,) = found["listed"]
    assert row["unit_code"] == "SEC"
    assert row["severity"] == "very_serious"
    assert "title" not in row and "description" not in row


def test_facts_count_open_and_overdue_measures_per_faculty(org, small_year):
    found = facts.collect(org.root, YEAR)["measures"]
    assert (found["open"], found["overdue"], found["overdue_high"]) == (3, 2, 1)
    faculties = by_code(found["by_faculty"])
    assert (faculties["FAC"]["open"], faculties["FAC"]["overdue"]) == (2, 2)
    assert (faculties["OTHERFAC"]["open"], faculties["OTHERFAC"]["overdue"]) == (1, 0)
    assert [row["unit_code"] for row in found["overdue_high_listed"]] == ["DEP"]


def test_facts_count_rounds_held_and_units_without_one(org, small_year):
    found = facts.collect(org.root, YEAR)["rounds"]
    assert found["held"] == 1
    # Below the root: FAC, DEP, SEC, OTHERFAC, OTHERDEP; only DEP had a round this year.
    assert (found["units"], found["without"]) == (5, 4)
    assert {row["code"] for row in found["without_listed"]} == {
        "FAC",
        "SEC",
        "OTHERFAC",
        "OTHERDEP",
    }
    faculties = by_code(found["by_faculty"])
    assert (faculties["FAC"]["held"], faculties["FAC"]["without"]) == (1, 2)


def test_facts_count_risk_assessments_and_red_risks_per_faculty(
    org, line_manager, safety_rep, outsider
):
    assessment = risk_services.assessment_create(
        actor=line_manager, unit=org.department, title="Lab", activity="Room 1"
    )
    for probability, worst in ((5, 5), (1, 1)):  # one red row, one green
        risk_services.row_save(
            actor=line_manager,
            assessment=assessment,
            hazard=f"Hazard {probability}",
            probability=probability,
            consequence_people=worst,
            consequence_environment=1,
            consequence_material=1,
            consequence_reputation=1,
        )
    assessment.refresh_from_db()
    risk_services.assessment_approve(
        actor=line_manager,
        assessment=assessment,
        review_date=timezone.localdate() + datetime.timedelta(days=365),
        version=assessment.version,
    )
    risk_services.assessment_create(
        actor=outsider, unit=org.other_department, title="Draft", activity="Room 2"
    )
    found = facts.collect(org.root, YEAR)["risk"]
    # The draft is not in force (risk.models.RiskAssessmentQuerySet.in_force).
    assert (found["approved"], found["in_force"], found["review_overdue"], found["red"]) == (
        1,
        1,
        0,
        1,
    )
    faculties = by_code(found["by_faculty"])
    assert (faculties["FAC"]["approved"], faculties["FAC"]["red"]) == (1, 1)
    assert (faculties["OTHERFAC"]["in_force"], faculties["OTHERFAC"]["approved"]) == (0, 0)


def test_facts_show_last_years_decisions_with_their_status(org, hms_department, rector):
    last = services.review_create(actor=hms_department, root=org.root, year=YEAR - 1)
    item = last.items.get(key="fire_protection")
    decision = services.decision_add(
        actor=hms_department,
        item=item,
        text="Fire training for all",
        responsible=rector,
        deadline=timezone.localdate() - datetime.timedelta(days=1),
    )
    services.decision_to_measure(actor=hms_department, decision=decision)
    services.decision_add(actor=hms_department, item=item, text="Think about drills")
    found = facts.collect(org.root, YEAR)["previous_review"]
    assert found["exists"] is True
    first, second = found["decisions"]
    assert first["text"] == "Fire training for all"
    assert first["measure_status"] == "planned"
    assert first["overdue"] is True
    assert second["measure_status"] == ""
    assert facts.collect(org.root, YEAR + 1)["previous_review"]["decisions"] == []


def test_facts_hold_the_goals_of_the_institution_and_faculties(org, hms_department):
    Goal.objects.create(
        unit=org.root,
        year=YEAR,
        title="Zero serious injuries",
        created_by=hms_department,
        evaluation=Goal.Evaluation.PARTLY,
        evaluated_at=timezone.now(),
        evaluated_by=hms_department,
    )
    Goal.objects.create(
        unit=org.faculty, year=YEAR, title="Every lab risk-assessed", created_by=hms_department
    )
    Goal.objects.create(
        unit=org.department, year=YEAR, title="Too deep to show", created_by=hms_department
    )
    Goal.objects.create(
        unit=org.root, year=YEAR - 1, title="Last year's goal", created_by=hms_department
    )
    found = facts.collect(org.root, YEAR)["goals"]
    assert [(row["unit_code"], row["title"], row["evaluation"]) for row in found] == [
        ("ROOT", "Zero serious injuries", "partly"),
        ("FAC", "Every lab risk-assessed", ""),
    ]
    block = facts.for_display(facts.collect(org.root, YEAR))["policy_goals"]
    assert (block["partly"], block["not_evaluated"]) == (1, 1)


def test_facts_hold_the_indicators_for_the_year_and_the_last(org, hms_department, employee):
    make_deviation(org.department, employee, occurred_at=in_year(YEAR))
    make_deviation(org.department, employee, occurred_at=in_year(YEAR))
    make_deviation(org.other_department, employee, occurred_at=in_year(YEAR - 1, 6))
    sick_leave_days = Indicator.objects.get(code="sick_leave_days")
    agreed_days = Indicator.objects.get(code="agreed_days")
    for tertial in (1, 2, 3):
        for indicator, value in ((sick_leave_days, 5), (agreed_days, 100)):
            IndicatorValue.objects.create(
                indicator=indicator,
                unit=org.faculty,
                year=YEAR - 1,
                tertial=tertial,
                value=value,
                entered_by=hms_department,
            )
    rows = {row["code"]: row for row in facts.collect(org.root, YEAR)["figures"]}
    assert Decimal(rows["deviations"]["this"]) == 2
    assert Decimal(rows["deviations"]["last"]) == 1
    assert Decimal(rows["sick_leave_pct"]["last"]) == Decimal(5)
    assert rows["sick_leave_pct"]["this"] is None
    blocks = facts.for_display(facts.collect(org.root, YEAR))
    ia = {row["code"]: row for row in blocks["ia_goals"]["figures"]}
    # Written with the catalogue's one decimal, as the indicator page and the reports write it.
    assert ia["sick_leave_pct"]["last_shown"] == "5.0"
    assert ia["sick_leave_pct"]["this_shown"] == "–"
    assert "deviations" in {row["code"] for row in blocks["policy_goals"]["figures"]}
    assert {row["category"] for row in blocks["environment"]["figures"]} <= {
        "energy",
        "waste",
        "procurement",
        "travel",
    }
    assert blocks["environment"]["figures"]


def test_facts_are_frozen_until_taken_again(org, review, hms_department, employee):
    assert review.facts["deviations"]["this"] == 0
    make_deviation(org.department, employee, occurred_at=in_year(YEAR))
    assert ManagementReview.objects.get(pk=review.pk).facts["deviations"]["this"] == 0
    before = review.facts_taken_at
    review = services.review_refresh_facts(actor=hms_department, review=review)
    assert review.facts["deviations"]["this"] == 1
    assert review.facts_taken_at > before


def test_facts_are_taken_again_only_in_draft(org, review, hms_department):
    review = finalised(review, hms_department)
    with pytest.raises(ValidationError):
        services.review_refresh_facts(actor=hms_department, review=review)


def test_facts_display_in_the_language_in_use(org, small_year):
    blocks = facts.for_display(facts.collect(org.root, YEAR))
    names = [row["name"] for row in blocks["deviations"]["by_faculty"]]
    assert "Faculty of Testing" in names
    assert blocks["deviations"]["by_severity"][2]["name"] == "Very serious (critical)"
    assert set(blocks) == {
        "previous_review",
        "policy_goals",
        "ia_goals",
        "deviations",
        "environment",
        "special_incidents",
        "focus_areas",
        "internal_audits",
        "risk_analyses",
    }


def test_collecting_facts_costs_the_same_queries_at_two_sizes(
    org, hms_department, employee, django_assert_max_num_queries
):
    make_deviation(org.department, employee, occurred_at=in_year(YEAR))
    last = services.review_create(actor=hms_department, root=org.root, year=YEAR - 1)
    items = list(last.items.all())
    services.decision_add(actor=hms_department, item=items[0], text="Do it")
    with CaptureQueriesContext(connection) as queries:
        facts.collect(org.root, YEAR)
    for n in range(4):
        faculty = make_unit(org.root, code=f"F{n}", name_nb=f"F{n}", unit_type=UnitType.FACULTY)
        department = make_unit(
            faculty, code=f"D{n}", name_nb=f"D{n}", unit_type=UnitType.DEPARTMENT
        )
        make_deviation(
            department, employee, occurred_at=in_year(YEAR), severity=Severity.VERY_SERIOUS
        )
        make_deviation(department, employee, occurred_at=in_year(YEAR - 1, 6))
        a_measure(
            department,
            hms_department,
            deadline=timezone.localdate() - datetime.timedelta(days=1),
            priority=Priority.HIGH,
        )
        a_completed_round(department, hms_department, in_year(YEAR))
        risk_services.assessment_create(
            actor=hms_department, unit=department, title=f"Lab {n}", activity="Room"
        )
        services.decision_add(
            actor=hms_department, item=items[n + 1], text="Do it", responsible=hms_department
        )
    with django_assert_max_num_queries(len(queries)):
        facts.collect(org.root, YEAR)


# -- editing -----------------------------------------------------------------------------------


def finalised(review, actor):
    review = services.review_update(
        actor=actor,
        review=review,
        version=review.version,
        meeting_date=datetime.date(YEAR, 1, 5),
        archive_case_number="",
    )
    return services.review_finalise(actor=actor, review=review, version=review.version)


def test_notes_saved_on_an_older_version_are_refused(review, hms_department, rector):
    item = review.items.get(key="legislation")
    services.item_notes_save(actor=rector, item=item, version=item.version, notes="New rules")
    with pytest.raises(ValidationError):
        services.item_notes_save(actor=hms_department, item=item, version=item.version, notes="x")
    assert review.items.get(key="legislation").notes == "New rules"


def test_finalising_needs_a_meeting_date(review, hms_department):
    with pytest.raises(ValidationError, match="date of the meeting"):
        services.review_finalise(actor=hms_department, review=review, version=review.version)


def test_final_review_is_read_only(review, hms_department):
    item = review.items.get(key="emergency")
    review = finalised(review, hms_department)
    assert review.status == ReviewStatus.FINAL
    assert review.finalised_by == hms_department
    with pytest.raises(ValidationError):
        services.item_notes_save(actor=hms_department, item=item, version=item.version, notes="x")
    with pytest.raises(ValidationError):
        services.decision_add(actor=hms_department, item=item, text="x")
    with pytest.raises(ValidationError):
        services.participant_add(actor=hms_department, review=review, function="other", name="X")
    with pytest.raises(ValidationError):
        services.review_update(
            actor=hms_department,
            review=review,
            version=review.version,
            meeting_date=datetime.date(YEAR, 2, 1),
            archive_case_number="",
        )


def test_final_review_takes_its_archive_case_number_once(review, hms_department):
    review = finalised(review, hms_department)
    review = services.review_update(
        actor=hms_department,
        review=review,
        version=review.version,
        meeting_date=review.meeting_date,
        archive_case_number="2026/77",
    )
    assert review.archive_case_number == "2026/77"
    with pytest.raises(ValidationError):
        services.review_update(
            actor=hms_department,
            review=review,
            version=review.version,
            meeting_date=review.meeting_date,
            archive_case_number="2026/78",
        )


def test_decision_becomes_a_measure_of_the_institution(org, review, hms_department, rector):
    item = review.items.get(key="focus_areas")
    decision = services.decision_add(
        actor=hms_department,
        item=item,
        text="Train every leader in HSE\nwithin the year",
        responsible=rector,
        deadline=datetime.date(YEAR + 1, 6, 1),
    )
    measure = services.decision_to_measure(
        actor=hms_department, decision=decision, priority=Priority.HIGH
    )
    assert measure.unit == org.root
    assert measure.source == MeasureSource.ACTION_PLAN
    assert measure.title == "Train every leader in HSE"
    assert (measure.responsible, measure.deadline, measure.priority) == (
        rector,
        datetime.date(YEAR + 1, 6, 1),
        Priority.HIGH,
    )
    decision.refresh_from_db()
    assert decision.measure == measure
    with pytest.raises(ValidationError):
        services.decision_to_measure(actor=hms_department, decision=decision)


def test_decision_without_responsible_cannot_become_a_measure(review, hms_department):
    decision = services.decision_add(
        actor=hms_department, item=review.items.first(), text="Something"
    )
    with pytest.raises(ValidationError) as error:
        services.decision_to_measure(actor=hms_department, decision=decision)
    assert set(error.value.error_dict) == {"responsible", "deadline"}
    assert not Measure.objects.exists()


def test_participant_without_a_user_is_named(review, hms_department):
    participant = services.participant_add(
        actor=hms_department, review=review, function="occupational_health", name="  Kari BHT "
    )
    assert participant.display_name == "Kari BHT"
    with pytest.raises(ValidationError):
        services.participant_add(actor=hms_department, review=review, function="other")


# -- PDF ---------------------------------------------------------------------------------------


def test_pdf_holds_every_item_and_the_figures(client, org, small_year, hms_department, rector):
    review = services.review_create(actor=hms_department, root=org.root, year=YEAR)
    item = review.items.get(key="fire_protection")
    services.item_notes_save(
        actor=hms_department, item=item, version=item.version, notes="Drills held"
    )
    services.decision_add(
        actor=hms_department, item=item, text="Buy new extinguishers", responsible=rector
    )
    client.force_login(rector)
    response = client.get(reverse("review:pdf", args=[YEAR]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = assert_archive_pdf(response.content, language="en", title=f"Management review {YEAR}")
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert len(reader.pages) >= 4
    for _key, _nb, title_en in AGENDA:
        assert " ".join(title_en.split()[:3]) in text
    assert f"Management review {YEAR}" in text
    assert f"3 deviations happened in {YEAR}, against 1 in {YEAR - 1}" in text
    assert "Faculty of Testing" in text
    assert "Drills held" in text
    assert "Buy new extinguishers" in text
    assert "Tone" not in text  # only the people of this test
    assert "rector" in text


def test_other_users_are_not_named_in_the_pdf(client, review, rector):
    UserFactory(username="bystander", first_name="Bystander")
    client.force_login(rector)
    response = client.get(reverse("review:pdf", args=[YEAR]))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Bystander" not in text
