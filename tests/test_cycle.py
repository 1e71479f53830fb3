"""The yearly cycle's pages and services: who may open and change what, the copy from the
template, version checks, bad input, goals with their measures and evaluation, and the
working group."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure, MeasureSource
from hms.cycle import services
from hms.cycle.models import (
    CycleStep,
    Goal,
    GoalMeasure,
    StepStatus,
    StepTemplate,
    UnitCycle,
    WorkingGroupMember,
)

YEAR = timezone.localdate().year


def cycle_url(unit, year=YEAR):
    return reverse("cycle:cycle", args=[unit.code, year])


def step_of(unit, key, year=YEAR) -> CycleStep:
    cycle = services.cycle_open(unit=unit, year=year)
    return cycle.steps.get(key=key)


def step_post(step, **overrides):
    data = {
        "status": StepStatus.IN_PROGRESS,
        "due_date": "2026-03-01",
        "responsible": "",
        "comment": "Vi starter i mars.",
        "version": step.version,
    }
    data.update(overrides)
    return {f"step-{step.pk}-{key}": value for key, value in data.items()}


def make_goal(unit, actor, year=YEAR, title="Ingen kutt-skader i verkstedet", **fields):
    return services.goal_create(actor=actor, unit=unit, year=year, title=title, **fields)


# Opening a year -------------------------------------------------------------------------------


def test_opening_a_year_copies_the_template(org):
    cycle = services.cycle_open(unit=org.department, year=YEAR)
    keys = list(cycle.steps.values_list("key", flat=True))
    assert len(keys) == 15
    assert keys[:5] == [
        "take_initiative",
        "inform_involve",
        "clarify_roles",
        "set_goals",
        "organise",
    ]
    assert keys[-3:] == ["inspection_round", "deviation_handling", "indicators"]
    goals = cycle.steps.get(key="set_goals")
    template = StepTemplate.objects.get(key="set_goals")
    assert goals.due_date == datetime.date(YEAR, template.due_month, template.due_day)
    assert goals.title_en == "Set goals for the work"
    assert services.cycle_open(unit=org.department, year=YEAR) == cycle


def test_changing_the_template_leaves_a_held_year_alone(org):
    services.cycle_open(unit=org.department, year=YEAR)
    StepTemplate.objects.filter(key="set_goals").update(title_en="Changed", due_month=6)
    StepTemplate.objects.filter(key="indicators").update(is_active=False)
    held = UnitCycle.objects.get(unit=org.department, year=YEAR)
    assert held.steps.get(key="set_goals").title_en == "Set goals for the work"
    assert held.steps.filter(key="indicators").exists()
    later = services.cycle_open(unit=org.section, year=YEAR)
    assert later.steps.get(key="set_goals").title_en == "Changed"
    assert not later.steps.filter(key="indicators").exists()


def test_template_refuses_a_day_missing_from_the_month(db):
    template = StepTemplate(phase="map", title_nb="x", title_en="x", due_month=2, due_day=30)
    with pytest.raises(ValidationError):
        template.full_clean()


# Who may open the cycle -----------------------------------------------------------------------


def test_outsider_cannot_open_cycle(client, org, outsider):
    client.force_login(outsider)
    assert client.get(cycle_url(org.department)).status_code == 404
    assert not UnitCycle.objects.exists()


def test_employee_cannot_open_cycle(client, org, employee):
    client.force_login(employee)
    assert client.get(cycle_url(org.section)).status_code == 404


def test_unknown_unit_and_far_year_are_not_found(client, org, line_manager):
    client.force_login(line_manager)
    assert client.get(reverse("cycle:cycle", args=["NOPE", YEAR])).status_code == 404
    assert client.get(cycle_url(org.department, 1999)).status_code == 404
    assert client.get(cycle_url(org.department, YEAR + 2)).status_code == 404


def test_safety_rep_reads_cycle_without_forms(client, org, safety_rep):
    client.force_login(safety_rep)
    response = client.get(cycle_url(org.department))
    assert response.status_code == 200
    assert b"Set goals for the work" in response.content
    assert b'id="goal-form"' not in response.content
    assert b"Save the step" not in response.content


def test_line_manager_opens_cycle_with_forms(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get(cycle_url(org.section))  # the role covers the subtree
    assert response.status_code == 200
    assert b'id="goal-form"' in response.content
    assert b"Save the step" in response.content


def test_hms_department_opens_any_cycle(client, org, hms_department):
    client.force_login(hms_department)
    assert client.get(cycle_url(org.other_department)).status_code == 200


def test_cycle_home_goes_to_the_own_unit_this_year(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("cycle:home"))
    assert response.status_code == 302
    assert response.url == cycle_url(org.department)


def test_cycle_home_offers_a_choice_to_one_without_a_unit(client, org, employee):
    client.force_login(employee)
    response = client.get(reverse("cycle:home"))
    assert response.status_code == 200
    assert b"You hold no role" in response.content
    response = client.get(reverse("cycle:home"), {"unit": "nope", "year": YEAR})
    assert b"No unit has this code" in response.content


# Steps ------------------------------------------------------------------------------------------


def test_line_manager_changes_a_step(client, org, line_manager, safety_rep):
    step = step_of(org.department, "inform_involve")
    client.force_login(line_manager)
    data = step_post(step, responsible="safety_rep", status=StepStatus.DONE)
    response = client.post(reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]), data)
    assert response.status_code == 302
    step.refresh_from_db()
    assert step.status == StepStatus.DONE
    assert step.responsible == safety_rep
    assert step.due_date == datetime.date(2026, 3, 1)
    assert step.comment == "Vi starter i mars."
    assert step.version == 2


def test_safety_rep_cannot_change_a_step(client, org, safety_rep):
    step = step_of(org.department, "inform_involve")
    client.force_login(safety_rep)
    response = client.post(reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]), step_post(step))
    assert response.status_code == 403
    step.refresh_from_db()
    assert step.status == StepStatus.NOT_STARTED


def test_outsider_cannot_change_a_step(client, org, outsider):
    step = step_of(org.department, "inform_involve")
    client.force_login(outsider)
    response = client.post(reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]), step_post(step))
    assert response.status_code == 404


def test_step_of_another_unit_is_not_found_through_this_one(client, org, line_manager):
    step = step_of(org.other_department, "inform_involve")
    client.force_login(line_manager)
    response = client.post(reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]), step_post(step))
    assert response.status_code == 404


def test_person_responsible_for_a_step_reads_the_cycle_and_changes_that_step(client, org, employee):
    step = step_of(org.section, "inform_involve")
    other = step_of(org.section, "take_initiative")
    CycleStep.objects.filter(pk=step.pk).update(responsible=employee)
    client.force_login(employee)
    assert client.get(cycle_url(org.section)).status_code == 200
    url = reverse("cycle:step_edit", args=["SEC", YEAR, step.pk])
    assert client.post(url, step_post(step, responsible="employee")).status_code == 302
    url = reverse("cycle:step_edit", args=["SEC", YEAR, other.pk])
    assert client.post(url, step_post(other)).status_code == 403


def test_stale_step_edit_is_409_with_the_input_kept(client, org, line_manager, hms_department):
    step = step_of(org.department, "inform_involve")
    services.step_update(
        actor=hms_department,
        step=step,
        version=1,
        status=StepStatus.IN_PROGRESS,
        due_date=step.due_date,
        comment="Endret av HMS-avdelingen",
    )
    client.force_login(line_manager)
    data = step_post(step, comment="Min egen kommentar", version=1)
    response = client.post(reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]), data)
    assert response.status_code == 409
    assert "Min egen kommentar" in response.content.decode()
    assert b"Someone else changed this step" in response.content
    step.refresh_from_db()
    assert step.comment == "Endret av HMS-avdelingen"
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert f'value="{step.version}"' in response.content.decode()


def test_bad_step_input_is_400_with_errors_and_input_kept(client, org, line_manager):
    step = step_of(org.department, "inform_involve")
    client.force_login(line_manager)
    data = step_post(step, due_date="31.02.2026", status="finished", responsible="nobody-here")
    data[f"step-{step.pk}-comment"] = "Beholdes"
    response = client.post(reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]), data)
    assert response.status_code == 400
    content = response.content.decode()
    assert "Enter a valid date" in content
    assert "No active user has this user name" in content
    assert "Beholdes" in content


def test_step_service_refuses_a_reader(org, safety_rep):
    step = step_of(org.department, "inform_involve")
    with pytest.raises(PermissionDenied):
        services.step_update(
            actor=safety_rep, step=step, version=1, status="done", due_date=step.due_date
        )


# Goals ------------------------------------------------------------------------------------------


def test_line_manager_sets_a_goal_linked_to_the_parent_units_goal(
    client, org, line_manager, hms_department
):
    faculty_goal = make_goal(org.faculty, hms_department, title="Ingen alvorlige skader")
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:goal_create", args=["DEP", YEAR]),
        {"title": "Alle labber risikovurdert", "description": "", "parent": faculty_goal.pk},
    )
    goal = Goal.objects.get(title="Alle labber risikovurdert")
    assert response.status_code == 302
    assert goal.unit == org.department and goal.year == YEAR and goal.parent == faculty_goal
    assert faculty_goal.children.get() == goal


def test_goal_parent_must_be_the_parent_units_goal_of_the_same_year(
    org, line_manager, hms_department
):
    other = make_goal(org.other_faculty, hms_department)
    last_year = make_goal(org.faculty, hms_department, year=YEAR - 1)
    for parent in (other, last_year):
        with pytest.raises(ValidationError):
            make_goal(org.department, line_manager, parent=parent)


def test_empty_goal_title_is_400(client, org, line_manager):
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:goal_create", args=["DEP", YEAR]), {"title": "  ", "description": "Beholdes"}
    )
    assert response.status_code == 400
    assert "Beholdes" in response.content.decode()
    assert not Goal.objects.exists()


def test_safety_rep_cannot_set_a_goal(client, org, safety_rep):
    client.force_login(safety_rep)
    response = client.post(reverse("cycle:goal_create", args=["DEP", YEAR]), {"title": "Mål"})
    assert response.status_code == 403
    assert not Goal.objects.exists()


def test_outsider_cannot_open_goal(client, org, line_manager, outsider):
    goal = make_goal(org.department, line_manager)
    client.force_login(outsider)
    for name in ("goal_edit", "goal_evaluate", "goal_measure"):
        assert client.get(reverse(f"cycle:{name}", args=[goal.pk])).status_code == 404
    assert client.post(reverse("cycle:goal_carry_over", args=[goal.pk])).status_code == 404


def test_employee_cannot_open_goal(client, org, line_manager, employee):
    goal = make_goal(org.department, line_manager)
    client.force_login(employee)
    assert client.get(reverse("cycle:goal_edit", args=[goal.pk])).status_code == 404


def test_safety_rep_reads_goal_but_may_not_change_it(client, org, line_manager, safety_rep):
    goal = make_goal(org.department, line_manager)
    client.force_login(safety_rep)
    response = client.get(reverse("cycle:goal_edit", args=[goal.pk]))
    assert response.status_code == 403
    assert goal.title in response.content.decode()
    response = client.post(reverse("cycle:goal_edit", args=[goal.pk]), {"title": "x", "version": 1})
    assert response.status_code == 403
    goal.refresh_from_db()
    assert goal.title == "Ingen kutt-skader i verkstedet"


def test_stale_goal_edit_is_409_with_the_input_kept(client, org, line_manager, hms_department):
    goal = make_goal(org.department, line_manager)
    services.goal_update(actor=hms_department, goal=goal, version=1, title="HMS-avdelingens")
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:goal_edit", args=[goal.pk]),
        {"title": "Lederens nye tittel", "description": "", "version": 1},
    )
    assert response.status_code == 409
    assert "Lederens nye tittel" in response.content.decode()
    goal.refresh_from_db()
    assert goal.title == "HMS-avdelingens"


def test_adding_a_measure_to_a_goal_puts_it_in_the_action_plan(
    client, org, line_manager, safety_rep
):
    goal = make_goal(org.department, line_manager)
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:goal_measure", args=[goal.pk]),
        {
            "title": "Kurs i bruk av vernehansker",
            "description": "",
            "responsible": "safety_rep",
            "deadline": f"{YEAR}-12-01",
            "priority": "high",
        },
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert measure.source == MeasureSource.GOAL
    assert measure.unit == org.department
    assert measure.responsible == safety_rep
    assert GoalMeasure.objects.get().goal == goal
    assert list(goal.measures.all()) == [measure]


def test_goal_measure_with_bad_input_keeps_it(client, org, line_manager):
    goal = make_goal(org.department, line_manager)
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:goal_measure", args=[goal.pk]),
        {"title": "Beholdt tekst", "responsible": "", "deadline": "i morgen", "priority": "high"},
    )
    assert response.status_code == 400
    assert "Beholdt tekst" in response.content.decode()
    assert not Measure.objects.exists()


def test_evaluating_last_years_goal_and_carrying_it_over(client, org, line_manager):
    goal = make_goal(org.department, line_manager, year=YEAR - 1)
    client.force_login(line_manager)
    response = client.get(cycle_url(org.department))
    assert b"is not evaluated yet" in response.content
    response = client.post(
        reverse("cycle:goal_evaluate", args=[goal.pk]),
        {"evaluation": "partly", "evaluation_comment": "Halvveis", "version": 1},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.evaluation == Goal.Evaluation.PARTLY
    assert goal.evaluated_by == line_manager and goal.evaluated_at is not None
    client.post(reverse("cycle:goal_carry_over", args=[goal.pk]))
    client.post(reverse("cycle:goal_carry_over", args=[goal.pk]))  # once only
    copy = Goal.objects.get(year=YEAR)
    assert copy.title == goal.title and copy.carried_over_from == goal
    response = client.get(cycle_url(org.department))
    assert b"is not evaluated yet" not in response.content
    assert b"Carried over" in response.content


def test_evaluation_must_be_one_of_the_three(client, org, line_manager):
    goal = make_goal(org.department, line_manager, year=YEAR - 1)
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:goal_evaluate", args=[goal.pk]),
        {"evaluation": "maybe", "evaluation_comment": "Beholdes", "version": 1},
    )
    assert response.status_code == 400
    assert "Beholdes" in response.content.decode()


def test_database_keeps_an_evaluation_with_its_time(org, line_manager):
    goal = make_goal(org.department, line_manager)
    with pytest.raises(IntegrityError):
        Goal.objects.filter(pk=goal.pk).update(evaluation="reached")


def test_visible_goals_follow_the_roles(
    org, line_manager, safety_rep, employee, outsider, hms_department
):
    goal = make_goal(org.section, line_manager)
    assert list(Goal.objects.visible_to(line_manager)) == [goal]
    assert list(Goal.objects.visible_to(safety_rep)) == [goal]
    assert list(Goal.objects.visible_to(hms_department)) == [goal]
    assert not Goal.objects.visible_to(employee).exists()
    assert not Goal.objects.visible_to(outsider).exists()


# The working group ------------------------------------------------------------------------------


def test_naming_a_new_driver_takes_the_role_from_the_old(org, line_manager, safety_rep):
    services.member_save(
        actor=line_manager, unit=org.department, year=YEAR, user=line_manager, is_driver=True
    )
    services.member_save(
        actor=line_manager,
        unit=org.department,
        year=YEAR,
        user=safety_rep,
        part="Verneombud",
        is_driver=True,
    )
    members = {m.user: m for m in WorkingGroupMember.objects.filter(unit=org.department)}
    assert members[safety_rep].is_driver and members[safety_rep].part == "Verneombud"
    assert not members[line_manager].is_driver


def test_database_allows_one_driver_per_unit_and_year(org, line_manager, safety_rep):
    WorkingGroupMember.objects.create(
        unit=org.department, year=YEAR, user=line_manager, is_driver=True
    )
    with pytest.raises(IntegrityError):
        WorkingGroupMember.objects.create(
            unit=org.department, year=YEAR, user=safety_rep, is_driver=True
        )


def test_line_manager_adds_and_removes_a_member(client, org, line_manager, employee):
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:member_save", args=["DEP", YEAR]),
        {"person": "employee", "part": "Laborant", "is_driver": "on"},
    )
    assert response.status_code == 302
    member = WorkingGroupMember.objects.get()
    assert member.user == employee and member.is_driver
    response = client.post(reverse("cycle:member_remove", args=[member.pk]))
    assert response.status_code == 302
    assert not WorkingGroupMember.objects.exists()


def test_member_with_unknown_person_is_400(client, org, line_manager):
    client.force_login(line_manager)
    response = client.post(
        reverse("cycle:member_save", args=["DEP", YEAR]), {"person": "ingen", "part": "Beholdes"}
    )
    assert response.status_code == 400
    assert "Beholdes" in response.content.decode()


def test_safety_rep_cannot_change_the_working_group(client, org, line_manager, safety_rep):
    member = services.member_save(
        actor=line_manager, unit=org.department, year=YEAR, user=line_manager
    )
    client.force_login(safety_rep)
    response = client.post(
        reverse("cycle:member_save", args=["DEP", YEAR]), {"person": "safety_rep"}
    )
    assert response.status_code == 403
    assert client.post(reverse("cycle:member_remove", args=[member.pk])).status_code == 403
    assert WorkingGroupMember.objects.count() == 1


def test_outsider_cannot_remove_a_member(client, org, line_manager, outsider):
    member = services.member_save(
        actor=line_manager, unit=org.department, year=YEAR, user=line_manager
    )
    client.force_login(outsider)
    assert client.post(reverse("cycle:member_remove", args=[member.pk])).status_code == 404
    assert (
        client.post(reverse("cycle:member_save", args=["DEP", YEAR]), {"person": "x"}).status_code
        == 404
    )


# The overview and the unit page's partial -------------------------------------------------------


def test_overview_is_for_the_hms_department_and_line_managers(
    client, org, line_manager, safety_rep, employee, hms_department
):
    url = reverse("cycle:overview")
    for user in (safety_rep, employee):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(line_manager)
    assert client.get(url).status_code == 200
    assert client.get(url, {"unit": "OTHERDEP"}).status_code == 404
    assert client.get(url, {"unit": "FAC"}).status_code == 404  # above their own unit
    client.force_login(hms_department)
    assert client.get(url, {"unit": "OTHERFAC"}).status_code == 200
    assert client.get(url, {"year": "abc"}).status_code == 404


def test_outsider_cannot_see_the_overview_of_another_faculty(client, org, outsider):
    client.force_login(outsider)
    assert client.get(reverse("cycle:overview"), {"unit": "FAC"}).status_code == 404


def test_unit_status_partial_is_for_readers_of_the_units_records(
    client, org, line_manager, outsider, employee, safety_rep
):
    url = reverse("cycle:unit_status", args=["DEP"])
    for user in (outsider, employee):
        client.force_login(user)
        assert client.get(url).status_code == 404
    for user in (line_manager, safety_rep):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        assert b'id="cycle-status"' in response.content
    assert b"cycle:unit_status" not in client.get(org.department.get_absolute_url()).content
    assert (
        reverse("cycle:unit_status", args=["DEP"]).encode()
        in client.get(org.department.get_absolute_url()).content
    )


def test_anonymous_visitor_is_sent_to_login(client, org, line_manager):
    goal = make_goal(org.department, line_manager)
    member = services.member_save(
        actor=line_manager, unit=org.department, year=YEAR, user=line_manager
    )
    step = step_of(org.department, "inform_involve")
    urls = [
        reverse("cycle:home"),
        reverse("cycle:overview"),
        reverse("cycle:unit_status", args=["DEP"]),
        cycle_url(org.department),
        reverse("cycle:step_edit", args=["DEP", YEAR, step.pk]),
        reverse("cycle:goal_create", args=["DEP", YEAR]),
        reverse("cycle:goal_edit", args=[goal.pk]),
        reverse("cycle:goal_evaluate", args=[goal.pk]),
        reverse("cycle:goal_measure", args=[goal.pk]),
        reverse("cycle:goal_carry_over", args=[goal.pk]),
        reverse("cycle:member_save", args=["DEP", YEAR]),
        reverse("cycle:member_remove", args=[member.pk]),
    ]
    for url in urls:
        response = client.post(url) if "edit" not in url else client.get(url)
        assert response.status_code in (302, 405), url
        if response.status_code == 302:
            assert response.url.startswith(reverse("login")), url


def test_the_hms_department_keeps_the_template_in_the_admin(
    client, org, hms_department, line_manager
):
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="HMS-avdelingen")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="cycle", codename__endswith="steptemplate"
        )
    )
    hms_department.is_staff = True
    hms_department.save(update_fields=["is_staff"])
    hms_department.groups.add(group)
    url = reverse("admin:cycle_steptemplate_changelist")
    client.force_login(hms_department)
    response = client.get(url)
    assert response.status_code == 200
    assert "Set goals for the work" in response.content.decode()
    client.force_login(line_manager)
    assert client.get(url).status_code == 302  # not staff: to the admin's login


def test_cycle_home_offers_the_hms_department_the_overview(client, org, hms_department):
    client.force_login(hms_department)
    response = client.get(reverse("cycle:home"))
    assert response.status_code == 200
    assert reverse("cycle:overview").encode() in response.content
    assert cycle_url(org.root).encode() in response.content
