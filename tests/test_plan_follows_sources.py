"""The action plan follows its sources (issue 13): a round's check completes the measure it
found working and names the follow-up of one not working; a measure from a risk row gets its
priority from the risk value; every source's form asks for the cost; a round is not completed
with a "not OK" left unexplained or with nobody present; the plan sorts open and overdue work
first, and by any column.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Effectiveness, Measure, MeasureStatus, Priority
from deviations import services as deviation_services
from hms.cycle import services as cycle_services
from risk import services
from risk.models import Answer, ChecklistTemplate, ParticipantRole, RoundStatus
from tests.factories import UserFactory, make_deviation, make_measure

TODAY = timezone.localdate()
SOON = TODAY + datetime.timedelta(days=20)


def plan_round(line_manager, safety_rep, unit):
    return services.round_plan(
        actor=line_manager,
        unit=unit,
        planned_for=TODAY,
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug="fire")),
    )


def scored_row(actor, unit, probability: int, consequence: int, hazard="Fume cupboard fails"):
    assessment = services.assessment_create(
        actor=actor, unit=unit, title="Laboratory work", activity="Synthesis"
    )
    row = services.row_save(actor=actor, assessment=assessment, hazard=hazard)
    row.probability = probability
    row.consequence_people = consequence
    row.save(update_fields=["probability", "consequence_people"])
    return row


def risk_measure(actor, unit, title="Check the fume cupboards monthly"):
    row = scored_row(actor, unit, 3, 3)
    return services.row_propose_measure(
        actor=actor, row=row, title=title, responsible=actor, deadline=SOON
    )


def answer_everything(actor, round_, value=Answer.OK, comment=""):
    for answer in round_.answers.all():
        services.answer_save(actor=actor, answer=answer, value=value, comment=comment)


def complete(actor, round_):
    round_.refresh_from_db()
    return services.round_complete(actor=actor, round_=round_, version=round_.version)


# --- Checks complete the measures ---------------------------------------------------------------


def test_a_check_implemented_and_working_completes_the_measure(org, line_manager, safety_rep):
    working = risk_measure(line_manager, org.department, "Check the fume cupboards monthly")
    failing = risk_measure(line_manager, org.department, "Label every waste bottle")
    round_ = plan_round(line_manager, safety_rep, org.department)
    round_.participants.update(took_part=True)
    answer_everything(line_manager, round_)
    for check in round_.measure_checks.select_related("measure"):
        works = check.measure == working
        services.measure_check_save(
            actor=line_manager, check=check, implemented=True, working=works, comment=""
        )
    check = round_.measure_checks.get(measure=failing)
    follow_up = services.measure_check_follow_up(
        actor=line_manager,
        check=check,
        title="Buy labels that stay on",
        responsible=line_manager,
        deadline=SOON,
        estimated_cost=Decimal("450"),
    )
    # Before the round is completed, nothing is closed.
    working.refresh_from_db()
    assert working.is_open

    completed = complete(line_manager, round_)
    assert completed.status == RoundStatus.COMPLETED
    working.refresh_from_db()
    failing.refresh_from_db()
    assert working.status == MeasureStatus.DONE
    assert working.effectiveness == Effectiveness.EFFECTIVE
    assert working.completed_at is not None
    assert "inspection round" in working.effectiveness_comment
    assert failing.is_open  # not working: left open
    assert follow_up.follow_up_of == failing
    assert follow_up.estimated_cost == Decimal("450")
    assert list(failing.follow_ups.all()) == [follow_up]


def test_a_measure_closed_already_is_not_touched_by_the_round(org, line_manager, safety_rep):
    measure = risk_measure(line_manager, org.department)
    round_ = plan_round(line_manager, safety_rep, org.department)
    Measure.objects.filter(pk=measure.pk).update(
        status=MeasureStatus.DONE,
        completed_at=timezone.now(),
        effectiveness=Effectiveness.PARTLY,
        effectiveness_comment="Kept by the owner",
    )
    round_.participants.update(took_part=True)
    answer_everything(line_manager, round_)
    check = round_.measure_checks.get()
    services.measure_check_save(
        actor=line_manager, check=check, implemented=True, working=True, comment=""
    )
    complete(line_manager, round_)
    measure.refresh_from_db()
    assert (measure.effectiveness, measure.effectiveness_comment) == (
        Effectiveness.PARTLY,
        "Kept by the owner",
    )


# --- Completion rules ---------------------------------------------------------------------------


def test_a_not_ok_answer_needs_a_finding_or_a_reason(client, org, line_manager, safety_rep):
    round_ = plan_round(line_manager, safety_rep, org.department)
    round_.participants.update(took_part=True)
    answer_everything(line_manager, round_)
    answer = round_.answers.first()
    services.answer_save(actor=line_manager, answer=answer, value=Answer.NOT_OK, comment="")
    client.force_login(line_manager)
    round_.refresh_from_db()
    url = reverse("risk:round_complete", args=[round_.pk])
    response = client.post(url, {"version": round_.version})
    assert response.status_code == 200
    assert "is answered “Not OK”: record it as a finding" in response.content.decode()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED

    # Recorded as a finding with the page's one tap (its text), and followed up: accepted.
    finding = services.finding_add(
        actor=line_manager, round_=round_, text=services.answer_finding_text(answer)
    )
    services.finding_to_measure(
        actor=line_manager,
        finding=finding,
        title="Post the fire instruction",
        responsible=line_manager,
        deadline=SOON,
    )
    assert complete(line_manager, round_).status == RoundStatus.COMPLETED


def test_a_not_ok_answer_with_a_reason_is_accepted(org, line_manager, safety_rep):
    round_ = plan_round(line_manager, safety_rep, org.department)
    round_.participants.update(took_part=True)
    answer_everything(line_manager, round_, Answer.NOT_OK, "Moved to the new room, posted there")
    assert complete(line_manager, round_).status == RoundStatus.COMPLETED


def test_a_round_with_nobody_present_is_not_completed(client, org, line_manager, safety_rep):
    round_ = plan_round(line_manager, safety_rep, org.department)
    answer_everything(line_manager, round_)
    client.force_login(line_manager)
    round_.refresh_from_db()
    response = client.post(
        reverse("risk:round_complete", args=[round_.pk]),
        {"version": round_.version, "post_meeting_notes": "Notes I typed"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Mark who took part in the round before completing it." in page
    assert "Notes I typed" in page
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED
    participant = round_.participants.get(user=safety_rep)
    participant.took_part = True
    participant.save(update_fields=["took_part"])
    assert complete(line_manager, round_).status == RoundStatus.COMPLETED


# --- Priority and cost from the sources ---------------------------------------------------------


@pytest.mark.parametrize(
    "probability, consequence, priority",
    [(4, 4, Priority.HIGH), (3, 2, Priority.MEDIUM), (1, 2, Priority.LOW), (None, None, "medium")],
)
def test_a_measure_from_a_risk_row_takes_its_priority_from_the_risk_value(
    client, org, line_manager, probability, consequence, priority
):
    row = scored_row(line_manager, org.department, probability, consequence)
    client.force_login(line_manager)
    url = reverse("risk:row_measure", args=[row.assessment_id, row.pk])
    page = client.get(url).content.decode()
    assert 'name="estimated_cost"' in page
    assert str(Priority(priority).label) in page
    response = client.post(
        url,
        {
            "title": "Replace the fume cupboard",
            "responsible": line_manager.username,
            "deadline": SOON.isoformat(),
            "estimated_cost": "125000",
        },
    )
    assert response.status_code == 302
    measure = row.measures.get()
    assert measure.priority == priority
    assert measure.estimated_cost == Decimal("125000")


def test_the_risk_row_measure_form_refuses_a_bad_cost(client, org, line_manager):
    row = scored_row(line_manager, org.department, 2, 2)
    client.force_login(line_manager)
    url = reverse("risk:row_measure", args=[row.assessment_id, row.pk])
    for bad in ("-5", "abc", "1e400", "\x00"):
        data = {"title": "X", "responsible": line_manager.username, "deadline": SOON.isoformat()}
        response = client.post(url, {**data, "estimated_cost": bad})
        assert response.status_code == 200
    assert not row.measures.exists()


def test_the_round_finding_form_asks_for_the_cost(client, org, line_manager, safety_rep):
    round_ = plan_round(line_manager, safety_rep, org.department)
    finding = services.finding_add(actor=line_manager, round_=round_, text="Loose handrail")
    client.force_login(line_manager)
    response = client.post(
        reverse("risk:finding_measure", args=[round_.pk, finding.pk]),
        {
            f"m{finding.pk}-title": "Fix the handrail",
            f"m{finding.pk}-responsible": line_manager.username,
            f"m{finding.pk}-deadline": SOON.isoformat(),
            f"m{finding.pk}-estimated_cost": "1200.50",
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.measure.estimated_cost == Decimal("1200.50")


def test_the_deviation_measure_form_asks_for_priority_and_cost(client, org, line_manager):
    deviation = make_deviation(org.section)
    deviation_services.deviation_accept(actor=line_manager, deviation=deviation)
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url()).content.decode()
    assert 'name="estimated_cost"' in page and 'name="priority"' in page
    response = client.post(
        reverse("deviations:add_measure", args=[deviation.number]),
        {
            "title": "Put up a warning sign",
            "responsible": line_manager.username,
            "deadline": SOON.isoformat(),
            "priority": Priority.HIGH,
            "estimated_cost": "300",
        },
    )
    assert response.status_code == 302
    measure = deviation.measures.get()
    assert (measure.priority, measure.estimated_cost) == (Priority.HIGH, Decimal("300"))


def test_the_goal_measure_form_asks_for_the_cost(client, org, line_manager):
    from hms.cycle.forms import GoalMeasureForm

    assert "estimated_cost" in GoalMeasureForm().fields
    goal = cycle_services.goal_create(
        actor=line_manager, unit=org.department, year=TODAY.year, title="Fewer falls"
    )
    measure = cycle_services.goal_add_measure(
        actor=line_manager,
        goal=goal,
        title="Non-slip mats",
        responsible=line_manager,
        deadline=SOON,
        estimated_cost=Decimal("999"),
    )
    assert measure.estimated_cost == Decimal("999")


# --- Sorting the plan ---------------------------------------------------------------------------


def plan_url(unit, **query) -> str:
    url = reverse("actionplans:plan", args=[unit.code])
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    return url


def titles(response) -> list[str]:
    return [m.title for m in response.context["page"].object_list]


@pytest.fixture
def sorted_plan(org, line_manager):
    bob = UserFactory(username="bob", first_name="Bob", last_name="Berg")
    ann = UserFactory(username="ann", first_name="Ann", last_name="Aas")
    past = TODAY - datetime.timedelta(days=5)
    make_measure(
        org.department,
        bob,
        title="C done",
        deadline=past,
        status="done",
        completed_at=timezone.now(),
        priority="low",
        estimated_cost=Decimal("5"),
    )
    make_measure(
        org.department,
        ann,
        title="A later",
        deadline=SOON,
        priority="medium",
        estimated_cost=Decimal("100"),
    )
    make_measure(org.department, bob, title="B overdue", deadline=past, priority="high")
    make_measure(
        org.department,
        ann,
        title="D sooner",
        deadline=TODAY,
        priority="low",
        estimated_cost=Decimal("50"),
    )
    make_measure(
        org.department,
        bob,
        title="E cancelled",
        deadline=past,
        status="cancelled",
        cancel_reason="Not needed",
        priority="high",
    )


def test_the_plan_shows_overdue_and_open_work_first_by_default(
    client, org, line_manager, sorted_plan
):
    client.force_login(line_manager)
    response = client.get(plan_url(org.department))
    assert titles(response) == ["B overdue", "D sooner", "A later", "C done", "E cancelled"]
    assert "Open and overdue work first" in response.content.decode()


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("title", ["A later", "B overdue", "C done", "D sooner", "E cancelled"]),
        ("-title", ["E cancelled", "D sooner", "C done", "B overdue", "A later"]),
        ("priority", ["B overdue", "E cancelled", "A later", "C done", "D sooner"]),
        ("responsible", ["D sooner", "A later", "C done", "B overdue", "E cancelled"]),
        ("deadline", ["C done", "B overdue", "E cancelled", "D sooner", "A later"]),
        ("-deadline", ["A later", "D sooner", "C done", "B overdue", "E cancelled"]),
        ("status", ["B overdue", "D sooner", "A later", "C done", "E cancelled"]),
        ("cost", ["C done", "D sooner", "A later", "B overdue", "E cancelled"]),
        ("-cost", ["A later", "D sooner", "C done", "B overdue", "E cancelled"]),
        ("nonsense", ["B overdue", "D sooner", "A later", "C done", "E cancelled"]),
        ("\x00", ["B overdue", "D sooner", "A later", "C done", "E cancelled"]),
    ],
)
def test_the_plan_sorts_by_any_column_stably(
    client, org, line_manager, sorted_plan, sort, expected
):
    client.force_login(line_manager)
    response = client.get(plan_url(org.department, sort=sort))
    assert response.status_code == 200
    assert titles(response) == expected
    assert titles(client.get(plan_url(org.department, sort=sort))) == expected


def test_sort_headers_toggle_keep_filters_and_say_their_state(
    client, org, line_manager, sorted_plan
):
    client.force_login(line_manager)
    page = client.get(plan_url(org.department, sort="deadline", priority="high")).content.decode()
    assert 'aria-sort="ascending"' in page
    assert "sort=-deadline" in page and "priority=high" in page
    page = client.get(plan_url(org.department, sort="-deadline")).content.decode()
    assert 'aria-sort="descending"' in page


def test_the_export_follows_the_plan_order(client, org, line_manager, sorted_plan):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(line_manager)
    url = reverse("actionplans:export", args=[org.department.code, "xlsx"]) + "?sort=-title"
    response = client.get(url)
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    column = [cell.value for cell in next(sheet.iter_cols(min_col=3, max_col=3, min_row=2))]
    assert column[:2] == ["E cancelled", "D sooner"]


@pytest.mark.parametrize("sort", ["", "responsible", "-status", "priority"])
def test_the_sorted_plan_query_count_does_not_grow(
    client, org, line_manager, django_assert_max_num_queries, sort
):
    client.force_login(line_manager)

    def add(count: int):
        for i in range(count):
            person = UserFactory(username=f"p{Measure.objects.count()}_{i}")
            make_measure(org.department, person, title=f"Measure {i}")

    add(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(plan_url(org.department, sort=sort)).status_code == 200
    add(30)
    with django_assert_max_num_queries(len(small)):
        assert client.get(plan_url(org.department, sort=sort)).status_code == 200


def test_sort_headings_are_translated(client, org, line_manager, sorted_plan, settings):
    client.force_login(line_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    page = client.get(plan_url(org.department)).content.decode()
    assert 'id="sort-deadline"' in page
    assert "Frist" in page and "Ansvarlig" in page
    assert "Åpent og forfalt arbeid først" in page
