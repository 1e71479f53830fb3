"""Steps ticked by their evidence, completion rolled up the tree as a sum of parts, query
counts that do not grow with the tree, and reminders sent once per period."""

import datetime

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure
from deviations.models import Status
from hms.cycle import evidence, reminders, services
from hms.cycle.models import CycleStep, Goal, ReminderSent, StepStatus, WorkingGroupMember
from hms.cycle.progress import units_progress
from risk.models import AssessmentStatus, InspectionRound, RiskAssessment, RiskMatrix, RoundStatus
from tests.conftest import WORKER_TIMEOUT, user_with_role
from tests.factories import make_deviation, make_unit
from units.models import Role, RoleAssignment, Unit

YEAR = timezone.localdate().year
NOW = timezone.now()


def found_for(unit, key, year=YEAR) -> str:
    return evidence.collect([unit], year)[key].get(unit.pk, "")


def approved_assessment(unit, actor, when=NOW) -> RiskAssessment:
    return RiskAssessment.objects.create(
        unit=unit,
        title="Synthesis lab",
        activity="D2-104",
        matrix=RiskMatrix.objects.order_by("-version").first(),
        status=AssessmentStatus.APPROVED,
        approved_by=actor,
        approved_at=when,
        created_by=actor,
    )


def completed_round(unit, actor, when=NOW) -> InspectionRound:
    return InspectionRound.objects.create(
        unit=unit,
        planned_for=when.date(),
        status=RoundStatus.COMPLETED,
        completed_at=when,
        created_by=actor,
    )


def make_measure(unit, actor, deadline, **fields) -> Measure:
    return Measure.objects.create(
        unit=unit,
        title="Skift hansker",
        responsible=actor,
        deadline=deadline,
        created_by=actor,
        **fields,
    )


# Evidence ----------------------------------------------------------------------------------------


def test_a_goal_ticks_set_goals_for_its_unit_and_year_only(org, line_manager):
    assert not found_for(org.department, "set_goals")
    services.goal_create(actor=line_manager, unit=org.department, year=YEAR, title="Mål")
    assert found_for(org.department, "set_goals").endswith("#goals")
    assert not found_for(org.department, "set_goals", YEAR - 1)
    assert not found_for(org.section, "set_goals")


def test_a_working_group_with_a_driver_ticks_organise(org, line_manager, safety_rep):
    services.member_save(actor=line_manager, unit=org.department, year=YEAR, user=safety_rep)
    assert not found_for(org.department, "organise")
    services.member_save(
        actor=line_manager, unit=org.department, year=YEAR, user=line_manager, is_driver=True
    )
    assert found_for(org.department, "organise").endswith("#working-group")


def test_a_line_manager_and_a_safety_rep_covering_the_unit_tick_clarify_roles(org, line_manager):
    assert not found_for(org.section, "clarify_roles")  # no safety rep yet
    user_with_role("rep_above", Role.SAFETY_REP, org.faculty)
    assert found_for(org.section, "clarify_roles") == org.section.get_absolute_url() + "#roles"
    assert not found_for(org.other_department, "clarify_roles")


def test_an_assessment_approved_in_the_year_ticks_identify_challenges(org, line_manager):
    last_year = NOW - datetime.timedelta(days=366)
    approved_assessment(org.department, line_manager, when=last_year)
    assert not found_for(org.department, "identify_challenges")
    assessment = approved_assessment(org.department, line_manager)
    assert found_for(org.department, "identify_challenges") == assessment.get_absolute_url()
    draft = approved_assessment(org.section, line_manager)
    RiskAssessment.objects.filter(pk=draft.pk).update(status=AssessmentStatus.DRAFT)
    assert not found_for(org.section, "identify_challenges")


def test_a_round_completed_in_the_year_ticks_inspection_round(org, line_manager):
    planned = completed_round(org.department, line_manager)
    InspectionRound.objects.filter(pk=planned.pk).update(status=RoundStatus.PLANNED)
    assert not found_for(org.department, "inspection_round")
    done = completed_round(org.department, line_manager)
    assert found_for(org.department, "inspection_round") == done.get_absolute_url()


def test_deviations_handled_and_none_overdue_tick_deviation_handling(org, employee):
    handled = make_deviation(org.department, employee)
    assert not found_for(org.department, "deviation_handling")  # nothing handled yet
    handled.__class__.objects.filter(pk=handled.pk).update(status=Status.CLOSED, closed_at=NOW)
    assert "unit=DEP" in found_for(org.department, "deviation_handling")
    late = make_deviation(org.department, employee)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    late.__class__.objects.filter(pk=late.pk).update(deadline=yesterday)
    if yesterday.year == YEAR:
        assert not found_for(org.department, "deviation_handling")


def test_measures_due_in_the_year_tick_action_plan(org, line_manager):
    make_measure(org.department, line_manager, datetime.date(YEAR + 1, 1, 15))
    assert not found_for(org.department, "action_plan")
    make_measure(org.department, line_manager, datetime.date(YEAR, 11, 1))
    assert "DEP" in found_for(org.department, "action_plan")


def test_evidence_ticks_a_step_and_shows_where_it_was_found(client, org, line_manager):
    client.force_login(line_manager)
    services.goal_create(actor=line_manager, unit=org.department, year=YEAR, title="Mål")
    response = client.get(reverse("cycle:cycle", args=["DEP", YEAR]))
    content = response.content.decode()
    assert "Done — found:" in content
    assert "the goals below" in content
    progress = units_progress([org.department], YEAR)[org.department.pk]
    done = [state.step.key for state in progress.steps if state.is_done]
    assert done == ["set_goals"]


def test_a_manual_status_is_kept_where_there_is_no_evidence(org, line_manager):
    cycle = services.cycle_open(unit=org.department, year=YEAR)
    cycle.steps.filter(key="inform_involve").update(status=StepStatus.DONE)
    cycle.steps.filter(key="indicators").update(status=StepStatus.NOT_RELEVANT)
    progress = units_progress([org.department], YEAR)[org.department.pk]
    assert (progress.done, progress.applicable) == (1, 14)
    states = {state.step.key: state for state in progress.steps}
    assert states["inform_involve"].effective_status == StepStatus.DONE
    assert states["take_initiative"].effective_status == StepStatus.NOT_STARTED


# Roll-up ----------------------------------------------------------------------------------------


def test_roll_up_sums_the_parts_instead_of_averaging_percentages(
    client, org, line_manager, hms_department
):
    """DEP: 3 of 14 applicable steps done; SEC: 0 of 15 (unopened). The
    department with its section is 3 of 29 (10 %), not the average of 21 % and 0 % (11 %)."""
    cycle = services.cycle_open(unit=org.department, year=YEAR)
    cycle.steps.filter(key__in=["take_initiative", "inform_involve"]).update(status="done")
    cycle.steps.filter(key="indicators").update(status=StepStatus.NOT_RELEVANT)
    services.goal_create(actor=line_manager, unit=org.department, year=YEAR, title="Mål")
    units = list(Unit.objects.filter(path__startswith=org.faculty.path))
    progress = units_progress(units, YEAR)
    assert (progress[org.department.pk].done, progress[org.department.pk].applicable) == (3, 14)
    assert (progress[org.section.pk].done, progress[org.section.pk].applicable) == (0, 15)
    assert (progress[org.faculty.pk].done, progress[org.faculty.pk].applicable) == (0, 15)

    client.force_login(hms_department)
    response = client.get(reverse("cycle:overview"), {"unit": "ROOT", "year": YEAR})
    branches = {child.code: child.rollup for child in response.context["children"]}
    assert (branches["FAC"].done, branches["FAC"].applicable, branches["FAC"].units) == (3, 44, 3)
    assert branches["FAC"].percent == 7  # 3 / 44
    total = response.context["total"]
    assert (total.done, total.applicable, total.units) == (3, 89, 6)
    response = client.get(reverse("cycle:overview"), {"unit": "DEP", "year": YEAR})
    child = response.context["children"][0]
    assert child.code == "SEC" and child.rollup.done == 0
    assert (response.context["total"].done, response.context["total"].applicable) == (3, 29)
    assert response.context["total"].percent == 10  # not (21 + 0) / 2 = 11


def test_behind_counts_steps_past_due_and_not_done(org):
    today = datetime.date(YEAR, 3, 1)
    progress = units_progress([org.department], YEAR, today)[org.department.pk]
    # Due by 1 March: take_initiative, clarify_roles (31.1), inform_involve, set_goals (15.2),
    # organise (28.2).
    assert progress.behind == 5
    cycle = services.cycle_open(unit=org.department, year=YEAR)
    cycle.steps.filter(key="organise").update(status=StepStatus.NOT_RELEVANT)
    cycle.steps.filter(key="set_goals").update(status=StepStatus.DONE)
    assert units_progress([org.department], YEAR, today)[org.department.pk].behind == 3


# Query counts -----------------------------------------------------------------------------------


def grow(org, line_manager, n: int) -> None:
    """n more units under DEP, each with an opened cycle, a goal, a working group, a round,
    an assessment, measures and deviations."""
    for i in range(n):
        unit = make_unit(Unit.objects.get(pk=org.department.pk), code=f"G{n}x{i}")
        services.cycle_open(unit=unit, year=YEAR)
        services.goal_create(actor=line_manager, unit=unit, year=YEAR, title=f"Mål {i}")
        services.member_save(
            actor=line_manager, unit=unit, year=YEAR, user=line_manager, is_driver=True
        )
        approved_assessment(unit, line_manager)
        completed_round(unit, line_manager)
        make_measure(unit, line_manager, datetime.date(YEAR, 12, 1))
        CycleStep.objects.filter(cycle__unit=unit).update(responsible=line_manager)
        # And more on DEP's own page: goals with measures, working group members.
        goal = services.goal_create(
            actor=line_manager, unit=org.department, year=YEAR, title=f"DEP {n} {i}"
        )
        services.goal_add_measure(
            actor=line_manager,
            goal=goal,
            title=f"Tiltak {n} {i}",
            responsible=line_manager,
            deadline=datetime.date(YEAR, 12, 1),
        )
        services.goal_create(
            actor=line_manager, unit=org.department, year=YEAR - 1, title=f"I fjor {n} {i}"
        )
        member = user_with_role(f"member{n}x{i}", Role.EMPLOYEE, org.department)
        services.member_save(actor=line_manager, unit=org.department, year=YEAR, user=member)


def queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "url",
    [
        reverse("cycle:overview") + "?unit=FAC",
        reverse("cycle:unit_status", args=["FAC"]),
        reverse("cycle:cycle", args=["DEP", YEAR]),
    ],
)
def test_cycle_pages_run_the_same_queries_at_two_sizes(
    client, org, line_manager, hms_department, url, django_assert_max_num_queries
):
    client.force_login(hms_department)
    grow(org, line_manager, 2)
    queries(client, url)  # the first opening of a cycle writes it
    small = queries(client, url)
    grow(org, line_manager, 8)
    # Every app's evidence providers (one query or so each) are part of the count.
    with django_assert_max_num_queries(40):
        large = queries(client, url)
    assert small == large


# Reminders --------------------------------------------------------------------------------------


def test_goals_to_evaluate_are_reminded_once_in_january(org, line_manager, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    services.goal_create(
        actor=line_manager, unit=org.department, year=YEAR - 1, title="Gammelt mål"
    )
    evaluated = services.goal_create(
        actor=line_manager, unit=org.section, year=YEAR - 1, title="Nådd"
    )
    Goal.objects.filter(pk=evaluated.pk).update(evaluation="reached", evaluated_at=NOW)
    january = datetime.date(YEAR, 1, 10)
    RoleAssignment.objects.update(valid_from=datetime.date(YEAR - 1, 1, 1))
    assert reminders.goals_to_evaluate(datetime.date(YEAR, 2, 1)) == 0
    assert reminders.goals_to_evaluate(january) == 1
    assert reminders.goals_to_evaluate(january + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [line_manager.email]
    assert "DEP" in message.body and "SEC" not in message.body
    assert f"/cycle/DEP/{YEAR}/#last-year" in message.body
    assert ReminderSent.objects.get().period == str(YEAR - 1)


def test_rounds_due_are_reminded_once_a_month(org, line_manager, outsider, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    today = timezone.localdate()
    recent = timezone.now() - datetime.timedelta(days=30)
    old = timezone.now() - datetime.timedelta(days=400)
    for unit in Unit.objects.exclude(pk__in=[org.department.pk, org.other_department.pk]):
        completed_round(unit, line_manager, when=recent)
    completed_round(org.department, line_manager, when=old)
    completed_round(org.other_department, line_manager, when=recent)
    assert reminders.rounds_due(today) == 1
    assert reminders.rounds_due(today) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [line_manager.email]
    assert "DEP" in mail.outbox[0].body and "OTHERDEP" not in mail.outbox[0].body
    next_month = today + datetime.timedelta(days=31)
    assert reminders.rounds_due(next_month) == 1


def test_reminder_tasks_run_through_celery(org, line_manager, settings):
    from hms.cycle import tasks

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    tasks.remind_rounds_due.delay()
    tasks.remind_rounds_due.delay()
    # Every unit lacks a round; DEP and SEC answer to line_manager, the rest to nobody.
    assert ReminderSent.objects.filter(kind="round_due").count() == 2
    assert len(mail.outbox) == 1
    assert WorkingGroupMember.objects.count() == 0


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_real_worker_sends_the_round_reminder_once(org, line_manager, real_celery_worker):
    """REAL WORKER: beat's task goes through the broker to a worker process, which finds the
    units without a recent round in the test database and writes the e-mail to a file; the
    second run sends nothing more."""
    import time

    from hms.celery import app as celery_app
    from hms.cycle import tasks

    mail_dir, worker_log = real_celery_worker
    assert not celery_app.conf.task_always_eager
    tasks.remind_rounds_due.delay()
    deadline = time.monotonic() + WORKER_TIMEOUT
    while time.monotonic() < deadline and not list(mail_dir.glob("*.log")):
        time.sleep(0.5)
    mails = [path.read_text() for path in mail_dir.glob("*.log")]
    assert mails, "No e-mail from the worker. Worker log:\n" + worker_log.read_text()[-3000:]
    assert line_manager.email in mails[0] and "DEP" in mails[0]
    tasks.remind_rounds_due.delay()
    time.sleep(5)
    assert len(list(mail_dir.glob("*.log"))) == 1
    assert ReminderSent.objects.filter(kind="round_due").count() == 2  # DEP and SEC
