"""The start page: what is the user's to do across their units (deviations to handle or
review, measures and cycle steps due), their units' cycles for a line manager, the place for
the reports, and their roles; in a constant number of queries."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure, MeasureStatus
from deviations.models import Deviation, Status
from hms.cycle import evidence, services
from hms.cycle.models import CycleStep, StepStatus
from tests.conftest import user_with_role
from tests.factories import make_deviation, make_unit
from units.models import Role, Unit

TODAY = timezone.localdate()
YEAR = TODAY.year
HOME = reverse("home")


def measure(unit, responsible, deadline, title="Bytt slange på nøddusj", **fields):
    return Measure.objects.create(
        unit=unit,
        title=title,
        responsible=responsible,
        deadline=deadline,
        created_by=responsible,
        **fields,
    )


def test_login_is_required(client):
    assert client.get(HOME).status_code == 302


def test_an_employee_keeps_their_roles_and_gets_no_reports_list(client, org, employee):
    client.force_login(employee)
    content = client.get(HOME).content.decode()
    assert "Employee" in content and "SEC" in content
    assert "Nothing waits for you right now." in content
    assert 'id="home-reports"' not in content  # reports are records; they read none


def test_handler_sees_the_deviations_they_handle(client, org, employee, line_manager):
    deviation = make_deviation(org.other_department, employee, title="Lekker kran")
    Deviation.objects.filter(pk=deviation.pk).update(
        handler=line_manager, status=Status.UNDER_TREATMENT
    )
    client.force_login(line_manager)
    content = client.get(HOME).content.decode()
    assert "Lekker kran" in content and "You handle it" in content


def test_new_deviations_in_their_units_wait_for_line_manager_and_safety_rep(
    client, org, employee, line_manager, safety_rep, outsider, hms_department
):
    make_deviation(org.section, employee, title="Glass på gulvet")
    accepted = make_deviation(org.section, employee, title="Allerede tatt")
    Deviation.objects.filter(pk=accepted.pk).update(status=Status.UNDER_TREATMENT)
    for user in (line_manager, safety_rep):
        client.force_login(user)
        content = client.get(HOME).content.decode()
        assert "Glass på gulvet" in content
        assert "Allerede tatt" not in content  # someone handles it
    for user in (employee, outsider, hms_department):
        client.force_login(user)
        content = client.get(HOME).content.decode()
        todo = content[content.index('id="my-todo"') : content.index("</section>")]
        assert "Glass på gulvet" not in todo  # the employee finds it under their own reports


def test_measures_due_within_two_weeks_or_overdue(client, org, employee):
    measure(org.section, employee, TODAY - datetime.timedelta(days=3), title="Forfalt tiltak")
    measure(org.section, employee, TODAY + datetime.timedelta(days=14), title="Snart tiltak")
    measure(org.section, employee, TODAY + datetime.timedelta(days=15), title="Senere tiltak")
    measure(
        org.section,
        employee,
        TODAY - datetime.timedelta(days=3),
        title="Ferdig tiltak",
        status=MeasureStatus.DONE,
        completed_at=timezone.now(),
    )
    client.force_login(employee)
    content = client.get(HOME).content.decode()
    assert "Forfalt tiltak" in content and "Overdue" in content
    assert "Snart tiltak" in content
    assert "Senere tiltak" not in content and "Ferdig tiltak" not in content


def test_steps_due_for_the_responsible_and_past_due_for_the_line_manager(
    client, org, line_manager, safety_rep
):
    cycle = services.cycle_open(unit=org.department, year=YEAR)
    cycle.steps.update(due_date=TODAY + datetime.timedelta(days=30))
    cycle.steps.filter(key="inform_involve").update(
        responsible=safety_rep, due_date=TODAY + datetime.timedelta(days=5)
    )
    cycle.steps.filter(key="take_initiative").update(due_date=TODAY - datetime.timedelta(days=5))
    cycle.steps.filter(key="requirements").update(
        due_date=TODAY - datetime.timedelta(days=5), status=StepStatus.DONE
    )
    client.force_login(safety_rep)
    content = client.get(HOME).content.decode()
    assert "Inform, motivate and involve" in content
    assert "Take the initiative to start the work" not in content
    client.force_login(line_manager)
    content = client.get(HOME).content.decode()
    assert "Take the initiative to start the work" in content and "Past due" in content
    assert "Inform, motivate and involve" not in content  # not past due, not theirs
    assert "Overview of laws" not in content  # done


def test_a_step_with_evidence_is_not_listed_as_due(client, org, line_manager):
    cycle = services.cycle_open(unit=org.department, year=YEAR)
    cycle.steps.update(due_date=TODAY + datetime.timedelta(days=30))
    cycle.steps.filter(key="set_goals").update(due_date=TODAY - datetime.timedelta(days=1))
    client.force_login(line_manager)
    assert "Set goals for the work" in client.get(HOME).content.decode()
    services.goal_create(actor=line_manager, unit=org.department, year=YEAR, title="Mål")
    assert "Set goals for the work" not in client.get(HOME).content.decode()


def test_line_manager_sees_their_units_cycles(client, org, line_manager, safety_rep):
    services.goal_create(actor=line_manager, unit=org.department, year=YEAR, title="Mål")
    client.force_login(line_manager)
    content = client.get(HOME).content.decode()
    assert 'id="my-cycles"' in content
    assert reverse("cycle:cycle", args=["DEP", YEAR]) in content
    client.force_login(safety_rep)
    assert 'id="my-cycles"' not in client.get(HOME).content.decode()


def fill(org, line_manager, safety_rep, employee, n: int) -> None:
    """n more of everything the start page lists, for a line manager of n more units."""
    for i in range(n):
        unit = make_unit(Unit.objects.get(pk=org.department.pk), code=f"H{n}x{i}")
        user_with_role(line_manager.username, Role.LINE_MANAGER, unit)
        cycle = services.cycle_open(unit=unit, year=YEAR)
        cycle.steps.update(due_date=TODAY - datetime.timedelta(days=1))
        CycleStep.objects.filter(cycle=cycle, key="indicators").update(responsible=line_manager)
        deviation = make_deviation(unit, employee, title=f"Avvik {n}-{i}")
        Deviation.objects.filter(pk=deviation.pk).update(handler=line_manager)
        make_deviation(unit, employee, title=f"Nytt avvik {n}-{i}")
        measure(unit, line_manager, TODAY + datetime.timedelta(days=i % 10))
        services.goal_create(actor=line_manager, unit=unit, year=YEAR, title=f"Mål {i}")


def home_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(HOME).status_code == 200
    return len(captured)


def test_start_page_runs_the_same_queries_at_two_sizes(
    client, org, line_manager, safety_rep, employee, django_assert_max_num_queries
):
    client.force_login(line_manager)
    fill(org, line_manager, safety_rep, employee, 2)
    small = home_queries(client)
    fill(org, line_manager, safety_rep, employee, 12)
    # The line manager's cycles and steps due ask every app's evidence providers (about one
    # query each) once, for the units of both.
    with django_assert_max_num_queries(30):
        large = home_queries(client)
    assert small == large


def test_the_start_page_collects_the_evidence_once(
    client, org, line_manager, safety_rep, employee, monkeypatch
):
    """The units the line manager leads and the units of their steps due have their evidence
    collected together: each provider runs once, not once for each list."""
    fill(org, line_manager, safety_rep, employee, 2)
    collected = []
    collect = evidence.collect

    def counted(units, year):
        collected.append(list(units))
        return collect(units, year)

    monkeypatch.setattr(evidence, "collect", counted)
    client.force_login(line_manager)
    content = client.get(HOME).content.decode()
    assert 'id="my-cycles"' in content and 'id="todo-steps"' in content
    assert len(collected) == 1
    codes = {unit.code for unit in collected[0]}
    assert {"DEP", "H2x0", "H2x1"} <= codes
