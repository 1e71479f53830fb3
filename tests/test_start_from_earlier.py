"""Starting from what was done before: a risk assessment from an earlier one (the unit's own,
or another unit's approved one the user may read), and a cycle year from last year's working
group, goals and step plan. Who may, what is copied and what is not, hidden sources, a second
click, and the pages' query counts."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hms.cycle import services as cycle_services
from hms.cycle.models import CycleStep, Goal, StepStatus, WorkingGroupMember
from risk import services
from risk.models import (
    AssessmentStatus,
    HazardTemplate,
    Participant,
    RiskAssessment,
    RowMeasure,
)
from risk.views import assessments as assessment_views
from tests.conftest import user_with_role
from tests.factories import UserFactory, make_unit
from units.models import Role

YEAR = timezone.localdate().year
CREATE = reverse("risk:create")


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def messages_of(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


# --- Risk assessments ----------------------------------------------------------------------------


def next_year() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=365)


def make_assessment(actor, unit, title="Synthesis lab", hazards=2) -> RiskAssessment:
    assessment = services.assessment_create(
        actor=actor, unit=unit, title=title, activity="Room D2-104"
    )
    activity = services.activity_save(
        actor=actor, assessment=assessment, name="Distilling solvents", harms_people=True
    )
    for index in range(hazards):
        services.row_save(
            actor=actor,
            assessment=assessment,
            activity=activity if index == 0 else None,
            hazard=f"Hazard {index}",
            existing_measures=f"Fume hood {index}",
            probability=1 + index % 5,
            consequence_people=3,
            consequence_environment=2,
            consequence_material=4,
            consequence_reputation=1,
            proposed_measures="Face shields",
            residual_probability=1,
            residual_consequence=2,
        )
    return assessment


def approve(assessment, actor) -> RiskAssessment:
    assessment.refresh_from_db()
    return services.assessment_approve(
        actor=actor, assessment=assessment, review_date=next_year(), version=assessment.version
    )


@pytest.fixture
def source(org, line_manager, safety_rep) -> RiskAssessment:
    """An approved assessment of DEP: a mapped activity, two scored hazards, a measure
    proposed from one, an expert invited, the safety rep ticked as having taken part."""
    assessment = make_assessment(line_manager, org.department)
    row = assessment.rows.first()
    services.row_propose_measure(
        actor=line_manager,
        row=row,
        title="Buy face shields",
        responsible=line_manager,
        deadline=next_year(),
    )
    expert = user_with_role("expert", Role.HMS_COORDINATOR, org.faculty)
    services.participant_save(actor=line_manager, assessment=assessment, user=expert, role="other")
    Participant.objects.filter(assessment=assessment, user=safety_rep).update(took_part=True)
    return approve(assessment, line_manager)


def test_copy_takes_activities_and_scored_hazards_but_not_people_approval_or_measures(
    org, line_manager, safety_rep, source
):
    copy = services.assessment_create_from(
        actor=line_manager,
        unit=org.section,
        source=source,
        title="Synthesis lab, section",
        activity="Room D2-110",
    )
    assert copy.unit == org.section
    assert (copy.title, copy.activity) == ("Synthesis lab, section", "Room D2-110")
    assert copy.status == AssessmentStatus.DRAFT
    assert copy.approved_by is None and copy.approved_at is None and copy.review_date is None
    assert copy.previous is None
    assert [a.name for a in copy.activities.all()] == ["Distilling solvents"]
    old_rows, new_rows = list(source.rows.all()), list(copy.rows.all())
    assert len(new_rows) == len(old_rows) == 2
    for old, new in zip(old_rows, new_rows, strict=True):
        assert new.hazard == old.hazard and new.existing_measures == old.existing_measures
        assert new.probability == old.probability
        assert new.consequences() == old.consequences()
        assert new.proposed_measures == "" and new.residual_value is None
        assert new.version == 1
    assert new_rows[0].activity == copy.activities.get()
    assert new_rows[1].activity is None
    assert not RowMeasure.objects.filter(row__assessment=copy).exists()
    # Only the unit's own line manager and safety rep are invited; no one has taken part.
    participants = {(p.user, p.took_part) for p in copy.participants.all()}
    assert participants == {(line_manager, False), (safety_rep, False)}
    # The source is as it was.
    assert source.rows.count() == 2 and source.participants.count() == 3
    assert RowMeasure.objects.filter(row__assessment=source).count() == 1


def test_another_units_approved_assessment_is_a_source_and_its_draft_is_not(
    org, line_manager, safety_rep, outsider
):
    draft = make_assessment(line_manager, org.department, "Workshop")
    # Invited to take part, the outsider may read DEP's assessment, and start from it once
    # it is approved (not while it is a draft: it is not yet DEP's word on its risks).
    services.participant_save(actor=line_manager, assessment=draft, user=outsider, role="other")
    assert RiskAssessment.objects.visible_to(outsider).filter(pk=draft.pk).exists()
    assert not RiskAssessment.objects.usable_as_source(outsider).exists()
    with pytest.raises(PermissionDenied):
        services.assessment_create_from(
            actor=outsider, unit=org.other_department, source=draft, title="T", activity="A"
        )
    approve(draft, line_manager)
    copy = services.assessment_create_from(
        actor=outsider,
        unit=org.other_department,
        source=draft,
        title="Our workshop",
        activity="Hall B",
    )
    assert copy.unit == org.other_department and copy.rows.count() == 2
    # The unit's own drafts are sources for its managers.
    assert draft in RiskAssessment.objects.usable_as_source(line_manager)


def test_hidden_source_is_refused(client, org, line_manager, outsider, source):
    client.force_login(outsider)
    assert client.get(f"{CREATE}?source={source.pk}").status_code == 404
    data = {
        "unit": "OTHERDEP",
        "title": "Crafted",
        "activity": "A",
        "assessed_on": "2026-03-01",
        "source": source.pk,
    }
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not RiskAssessment.objects.filter(title="Crafted").exists()
    with pytest.raises(PermissionDenied):
        services.assessment_create_from(
            actor=outsider, unit=org.other_department, source=source, title="T", activity="A"
        )
    assert RiskAssessment.objects.count() == 1


def test_starting_from_the_assessment_page_prefills_the_new_one(client, org, line_manager, source):
    client.force_login(line_manager)
    page = client.get(source.get_absolute_url()).content.decode()
    assert f"{CREATE}?source={source.pk}" in page
    response = client.get(f"{CREATE}?source={source.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["source"] == source.pk
    assert (form.initial["title"], form.initial["unit"]) == ("Synthesis lab", "DEP")
    assert f'<option value="{source.pk}" selected>' in response.content.decode()
    # The title and area left empty are the source's.
    response = client.post(
        f"{CREATE}?source={source.pk}",
        {
            "unit": "SEC",
            "title": "",
            "activity": "",
            "assessed_on": "2026-03-01",
            "source": source.pk,
        },
    )
    copy = RiskAssessment.objects.exclude(pk=source.pk).get()
    assert response.status_code == 302 and response["Location"] == copy.get_absolute_url()
    assert (copy.title, copy.activity, copy.unit) == ("Synthesis lab", "Room D2-104", org.section)
    assert copy.rows.count() == 2
    assert "created as a draft from Synthesis lab" in messages_of(response)


def test_template_and_source_together_are_refused(client, org, line_manager, source):
    client.force_login(line_manager)
    data = {
        "unit": "DEP",
        "title": "Kept title",
        "activity": "Kept area",
        "assessed_on": "2026-03-01",
        "source": source.pk,
        "template": HazardTemplate.objects.first().pk,
    }
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "not both" in response.content.decode()
    assert "Kept area" in response.content.decode()
    assert RiskAssessment.objects.count() == 1


def test_without_a_source_the_title_is_still_required(client, org, line_manager):
    client.force_login(line_manager)
    data = {"unit": "DEP", "title": "", "activity": "Kept area", "assessed_on": "2026-03-01"}
    response = client.post(CREATE, data)
    assert "This field is required." in response.content.decode()
    assert not RiskAssessment.objects.exists()


def test_employee_and_outsider_do_not_get_the_page(client, org, employee, outsider, source):
    client.force_login(employee)
    assert client.get(f"{CREATE}?source={source.pk}").status_code == 404
    client.force_login(outsider)
    page = client.get(CREATE).content.decode()
    assert "Synthesis lab" not in page


def test_the_picker_is_searched_and_limited(client, org, line_manager, safety_rep, monkeypatch):
    for title in ("Laser lab", "Cold room", "Workshop", "Chemicals store"):
        make_assessment(line_manager, org.department, title, hazards=1)
    monkeypatch.setattr(assessment_views, "SOURCE_CHOICES", 3)
    client.force_login(line_manager)
    response = client.get(CREATE)
    assert len(response.context["sources"]) == 3 and response.context["more_sources"]
    page = response.content.decode()
    assert "search to find others" in page
    select = page[page.index('<select name="source"') :]
    assert select[: select.index("</select>")].count("<option") == 1 + 3
    response = client.get(f"{CREATE}?q=laser")
    assert [s.title for s in response.context["sources"]] == ["Laser lab"]
    assert not response.context["more_sources"]
    response = client.get(f"{CREATE}?q=DEP+cold")
    assert [s.title for s in response.context["sources"]] == ["Cold room"]
    # The one chosen is offered even where the search or the limit would leave it out.
    laser = RiskAssessment.objects.get(title="Laser lab")
    response = client.get(f"{CREATE}?q=workshop&source={laser.pk}")
    assert {s.title for s in response.context["sources"]} == {"Laser lab", "Workshop"}


def test_new_assessment_page_queries_do_not_grow_with_the_sources(
    client, org, line_manager, safety_rep
):
    client.force_login(line_manager)
    first = make_assessment(line_manager, org.department, "First", hazards=3)
    counts = [count_queries(client, CREATE), count_queries(client, f"{CREATE}?source={first.pk}")]
    for index in range(10):
        make_assessment(line_manager, org.department, f"More {index}", hazards=3)
    assert count_queries(client, CREATE) == counts[0]
    assert count_queries(client, f"{CREATE}?source={first.pk}") == counts[1]


# --- The yearly cycle ----------------------------------------------------------------------------


def cycle_url(unit, year=YEAR):
    return reverse("cycle:cycle", args=[unit.code, year])


def start_url(unit, year=YEAR):
    return reverse("cycle:start_from_last_year", args=[unit.code, year])


def step_of(unit, key, year) -> CycleStep:
    return cycle_services.cycle_open(unit=unit, year=year).steps.get(key=key)


def plan_step(actor, unit, key, year, **changes) -> CycleStep:
    step = step_of(unit, key, year)
    fields = {
        "status": step.status,
        "due_date": step.due_date,
        "responsible": step.responsible,
        "comment": step.comment,
        **changes,
    }
    return cycle_services.step_update(actor=actor, step=step, version=step.version, **fields)


def make_goal(unit, actor, title, year=YEAR - 1, **fields) -> Goal:
    return cycle_services.goal_create(actor=actor, unit=unit, year=year, title=title, **fields)


@pytest.fixture
def last_year(org, line_manager, safety_rep, employee):
    """DEP's last year: a working group (one member since gone), three goals (one reached,
    one with a measure), and two steps planned by hand."""
    unit, last = org.department, YEAR - 1
    cycle_services.member_save(
        actor=line_manager, unit=unit, year=last, user=line_manager, part="Leder", is_driver=True
    )
    cycle_services.member_save(
        actor=line_manager, unit=unit, year=last, user=safety_rep, part="Verneombud"
    )
    gone = UserFactory(username="gone")
    cycle_services.member_save(actor=line_manager, unit=unit, year=last, user=gone)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    kept = make_goal(unit, line_manager, "Alle nyansatte får HMS-opplæring")
    reached = make_goal(unit, line_manager, "Stoffkartoteket er oppdatert")
    cycle_services.goal_evaluate(
        actor=line_manager, goal=reached, version=reached.version, evaluation="reached"
    )
    measured = make_goal(unit, line_manager, "Færre avvik i verkstedet", description="Under 5")
    cycle_services.goal_add_measure(
        actor=line_manager,
        goal=measured,
        title="Ny avtrekksvifte",
        responsible=line_manager,
        deadline=next_year(),
    )
    plan_step(line_manager, unit, "set_goals", last, responsible=employee)
    plan_step(
        line_manager,
        unit,
        "organise",
        last,
        due_date=datetime.date(last, 10, 15),
        status=StepStatus.DONE,
        comment="Gruppen møttes i oktober",
    )
    return {"kept": kept, "reached": reached, "measured": measured}


def test_start_from_last_year_copies_group_goals_and_step_plan(
    client, org, line_manager, safety_rep, employee, last_year
):
    client.force_login(line_manager)
    page = client.get(cycle_url(org.department))
    assert b'id="start-from-last-year"' in page.content
    # A reached goal is offered unticked.
    initial = page.context["start_form"].initial["goals"]
    assert set(initial) == {last_year["kept"].pk, last_year["measured"].pk}
    chosen = [last_year["kept"].pk, last_year["measured"].pk]
    response = client.post(start_url(org.department), {"goals": chosen})
    assert response.status_code == 302
    assert "2 working group members, 2 goals" in messages_of(response)
    members = {m.user: m for m in WorkingGroupMember.objects.filter(year=YEAR)}
    assert set(members) == {line_manager, safety_rep}
    assert members[line_manager].is_driver and members[line_manager].part == "Leder"
    goals = {g.title: g for g in Goal.objects.filter(unit=org.department, year=YEAR)}
    assert set(goals) == {"Alle nyansatte får HMS-opplæring", "Færre avvik i verkstedet"}
    copy = goals["Færre avvik i verkstedet"]
    assert copy.description == "Under 5" and copy.carried_over_from == last_year["measured"]
    assert copy.evaluation == "" and copy.evaluated_at is None
    assert not copy.goal_measures.exists() and last_year["measured"].goal_measures.exists()
    assert copy.created_by == line_manager
    set_goals = step_of(org.department, "set_goals", YEAR)
    assert set_goals.responsible == employee
    organise = step_of(org.department, "organise", YEAR)
    assert organise.due_date == datetime.date(YEAR, 10, 15)
    # What was done last year stays last year's.
    assert organise.status == StepStatus.NOT_STARTED and organise.comment == ""
    assert organise.version == 2  # an open form of the step is told it changed
    # Once started, the year is not offered again.
    page = client.get(cycle_url(org.department))
    assert b'id="start-from-last-year"' not in page.content


def test_start_from_last_year_copies_nothing_twice(org, line_manager, last_year):
    first = cycle_services.cycle_start_from_last_year(
        actor=line_manager, unit=org.department, year=YEAR
    )
    assert (first.members, first.goals, first.steps) == (2, 3, 2)
    second = cycle_services.cycle_start_from_last_year(
        actor=line_manager, unit=org.department, year=YEAR
    )
    assert not second.copied_anything
    assert WorkingGroupMember.objects.filter(year=YEAR).count() == 2
    assert Goal.objects.filter(year=YEAR).count() == 3


def test_a_second_click_tells_nothing_was_copied(client, org, line_manager, last_year):
    client.force_login(line_manager)
    client.post(start_url(org.department), {"goals": [last_year["kept"].pk]})
    response = client.post(start_url(org.department), {"goals": [last_year["kept"].pk]})
    assert response.status_code == 302
    assert "nothing was copied" in messages_of(response)
    assert Goal.objects.filter(year=YEAR).count() == 1


def test_a_year_with_its_own_goal_is_not_overwritten(org, line_manager, last_year):
    make_goal(org.department, line_manager, "Nytt mål", year=YEAR)
    started = cycle_services.cycle_start_from_last_year(
        actor=line_manager, unit=org.department, year=YEAR
    )
    assert not started.copied_anything
    assert not WorkingGroupMember.objects.filter(year=YEAR).exists()


def test_a_step_changed_this_year_keeps_its_change(org, line_manager, safety_rep, last_year):
    plan_step(line_manager, org.department, "set_goals", YEAR, responsible=safety_rep)
    cycle_services.cycle_start_from_last_year(actor=line_manager, unit=org.department, year=YEAR)
    assert step_of(org.department, "set_goals", YEAR).responsible == safety_rep


def test_a_goal_supports_the_copy_of_the_goal_it_supported(
    org, line_manager, hms_department, last_year
):
    faculty_goal = make_goal(org.faculty, hms_department, "Fakultetet uten personskader")
    supporting = make_goal(org.department, line_manager, "Ingen kuttskader", parent=faculty_goal)
    carried = cycle_services.goal_carry_over(actor=hms_department, goal=faculty_goal, year=YEAR)
    cycle_services.cycle_start_from_last_year(
        actor=line_manager, unit=org.department, year=YEAR, goals=[supporting, last_year["kept"]]
    )
    assert Goal.objects.get(year=YEAR, title="Ingen kuttskader").parent == carried
    assert Goal.objects.get(year=YEAR, title=last_year["kept"].title).parent is None


def test_readers_and_outsiders_cannot_start_a_year(
    client, org, line_manager, safety_rep, outsider, last_year
):
    client.force_login(outsider)
    assert client.post(start_url(org.department)).status_code == 404
    client.force_login(safety_rep)
    assert b'id="start-from-last-year"' not in client.get(cycle_url(org.department)).content
    assert client.post(start_url(org.department)).status_code == 403
    with pytest.raises(PermissionDenied):
        cycle_services.cycle_start_from_last_year(actor=safety_rep, unit=org.department, year=YEAR)
    assert not WorkingGroupMember.objects.filter(year=YEAR).exists()
    assert not Goal.objects.filter(year=YEAR).exists()


def test_a_goal_of_another_unit_is_refused(client, org, line_manager, outsider, last_year):
    foreign = make_goal(org.other_department, outsider, "Et annet instituttets mål")
    client.force_login(line_manager)
    response = client.post(start_url(org.department), {"goals": [foreign.pk]})
    assert response.status_code == 400
    assert not Goal.objects.filter(year=YEAR).exists()
    assert not WorkingGroupMember.objects.filter(year=YEAR).exists()


def test_cycle_page_queries_do_not_grow_with_last_year(client, org, hms_department):
    small, large = (make_unit(org.faculty, code=code) for code in ("SMALL", "LARGE"))
    for unit, size in ((small, 1), (large, 6)):
        for index in range(size):
            person = UserFactory(username=f"{unit.code.lower()}{index}")
            cycle_services.member_save(
                actor=hms_department, unit=unit, year=YEAR - 1, user=person, part="Medlem"
            )
            make_goal(unit, hms_department, f"Mål {index}")
        for key in ("take_initiative", "set_goals", "organise", "indicators")[: min(size, 4)]:
            plan_step(hms_department, unit, key, YEAR - 1, responsible=hms_department)
    client.force_login(hms_department)
    counts = [count_queries(client, cycle_url(unit)) for unit in (small, large)]
    assert counts[0] == counts[1]
    page = client.get(cycle_url(large)).content.decode()
    assert 'id="start-from-last-year"' in page and "Mål 5" in page
