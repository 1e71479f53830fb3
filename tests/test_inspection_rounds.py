"""Inspection rounds (HMS-runde): planning, the round page's three stages, findings to
measures and deviations in one step, completion, the report and its PDF, the flags for units
without a round in 12 months, and who may see and do what.

The round is for DEP, whose line manager and safety rep are the shared fixtures; SEC lies
below DEP, and the outsider leads a department in the other faculty.
"""

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure, MeasureSource, MeasureStatus
from deviations.models import Category, Deviation, DeviationType, Severity, Status
from risk import services
from risk.forms import AnswersForm, ChecksForm
from risk.models import (
    Answer,
    ChecklistAnswer,
    ChecklistTemplate,
    ChecklistTemplateItem,
    Finding,
    FindingOutcome,
    InspectionRound,
    MeasureCheck,
    ParticipantRole,
    RoundStatus,
)
from tests.archive_pdf import assert_archive_pdf
from tests.conftest import user_with_role
from tests.factories import make_deviation, make_unit
from units.models import Role, Unit

TODAY = timezone.localdate()
FIRE_QUESTION = "Er branninstruks oppslått?"
FIRE_QUESTION_EN = "Is the fire instruction posted?"  # as shown on English pages


def checklists(*kinds):
    return list(ChecklistTemplate.objects.filter(slug__in=kinds or ("general", "fire")))


def plan(actor, unit, line_manager, safety_rep, *, kinds=("fire",), **kwargs) -> InspectionRound:
    return services.round_plan(
        actor=actor,
        unit=unit,
        planned_for=kwargs.pop("planned_for", TODAY),
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
        ],
        checklists=checklists(*kinds),
        **kwargs,
    )


def assessed_measure(actor, unit, title="Check the fume cupboards every month") -> Measure:
    """A measure from one of the unit's risk assessments."""
    assessment = services.assessment_create(
        actor=actor, unit=unit, title="Laboratory work", activity="Synthesis"
    )
    row = services.row_save(actor=actor, assessment=assessment, hazard="Fume cupboard fails")
    return services.row_propose_measure(
        actor=actor,
        row=row,
        title=title,
        responsible=actor,
        deadline=TODAY + datetime.timedelta(days=60),
    )


def complete_everything(actor, round_: InspectionRound) -> InspectionRound:
    round_.participants.update(took_part=True)
    for answer in round_.answers.all():
        services.answer_save(actor=actor, answer=answer, value=Answer.OK, comment="")
    for check in round_.measure_checks.all():
        services.measure_check_save(
            actor=actor, check=check, implemented=True, working=True, comment=""
        )
    round_.refresh_from_db()
    return services.round_complete(actor=actor, round_=round_, version=round_.version)


def set_completed(round_: InspectionRound, days_ago: int) -> None:
    when = timezone.now() - datetime.timedelta(days=days_ago)
    InspectionRound.objects.filter(pk=round_.pk).update(
        status=RoundStatus.COMPLETED, completed_at=when, planned_for=when.date()
    )


@pytest.fixture
def round_(org, line_manager, safety_rep) -> InspectionRound:
    return plan(line_manager, org.department, line_manager, safety_rep)


def url(name, round_, *args):
    return reverse(f"risk:{name}", args=[round_.pk, *args])


# Planning --------------------------------------------------------------------------------------


def test_planning_requires_the_line_manager_and_the_safety_rep(org, line_manager, safety_rep):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.round_plan(
            actor=line_manager,
            unit=org.department,
            planned_for=TODAY,
            participants=[(line_manager, ParticipantRole.LINE_MANAGER)],
            checklists=checklists("general"),
        )
    assert "The safety representative must take part in the round." in refused.value.messages
    with pytest.raises(ValidationError) as refused:
        services.round_plan(
            actor=line_manager,
            unit=org.department,
            planned_for=TODAY,
            participants=[(safety_rep, ParticipantRole.SAFETY_REP)],
            checklists=checklists("general"),
        )
    assert "The line manager must take part in the round." in refused.value.messages
    # One person cannot be both: the safety rep speaks for the employees.
    with pytest.raises(ValidationError):
        services.round_plan(
            actor=line_manager,
            unit=org.department,
            planned_for=TODAY,
            participants=[
                (line_manager, ParticipantRole.LINE_MANAGER),
                (line_manager, ParticipantRole.SAFETY_REP),
            ],
            checklists=checklists("general"),
        )
    assert not InspectionRound.objects.exists()


def test_plan_page_proposes_the_units_line_manager_and_safety_rep(
    client, org, line_manager, safety_rep
):
    client.force_login(line_manager)
    # SEC has no roles of its own: the department's holders are proposed.
    response = client.get(reverse("risk:round_plan"), {"unit": "SEC"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form["line_manager"].value() == line_manager  # the person, shown by name
    assert form["safety_rep"].value() == safety_rep


def test_plan_form_refuses_without_a_safety_rep_and_keeps_the_input(
    client, org, line_manager, safety_rep
):
    client.force_login(line_manager)
    response = client.post(
        reverse("risk:round_plan") + "?unit=DEP",
        {
            "planned_for": TODAY.isoformat(),
            "line_manager": "line_manager",
            "safety_rep": "",
            "checklists": [t.pk for t in checklists("general")],
            "pre_meeting_notes": "Look at lab 3",
        },
    )
    assert response.status_code == 200
    assert "safety_rep" in response.context["form"].errors
    assert "Look at lab 3" in response.content.decode()
    assert not InspectionRound.objects.exists()


def test_plan_form_creates_the_round(client, org, line_manager, safety_rep, employee):
    client.force_login(line_manager)
    response = client.post(
        reverse("risk:round_plan") + "?unit=DEP",
        {
            "planned_for": TODAY.isoformat(),
            "line_manager": "line_manager",
            "safety_rep": "safety_rep@example.org",
            "others": "employee",
            "checklists": [t.pk for t in checklists("general", "fire")],
            "pre_meeting_notes": "Look at lab 3",
        },
    )
    round_ = InspectionRound.objects.get()
    assert response.status_code == 302
    assert response["Location"] == round_.get_absolute_url()
    assert round_.unit == org.department
    assert round_.pre_meeting_notes == "Look at lab 3"
    roles = dict(round_.participants.values_list("user__username", "role"))
    assert roles == {
        "line_manager": ParticipantRole.LINE_MANAGER,
        "safety_rep": ParticipantRole.SAFETY_REP,
        "employee": ParticipantRole.OTHER,
    }


def test_plan_form_reports_unknown_people(client, org, line_manager, safety_rep):
    client.force_login(line_manager)
    response = client.post(
        reverse("risk:round_plan") + "?unit=DEP",
        {
            "planned_for": "not a date",
            "line_manager": "line_manager",
            "safety_rep": "safety_rep",
            "others": "nobody-by-this-name",
            "checklists": ["999999"],
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"planned_for", "others", "checklists"} <= set(errors)


def test_planning_copies_the_checklist_questions(org, line_manager, safety_rep):
    round_ = plan(line_manager, org.department, line_manager, safety_rep, kinds=("fire",))
    fire_items = ChecklistTemplateItem.objects.filter(template__slug="fire")
    assert round_.answers.count() == fire_items.count()
    assert round_.answers.filter(question=FIRE_QUESTION).exists()
    # The HSE department changes the template later: the round keeps what it was planned with.
    fire_items.filter(text_nb=FIRE_QUESTION).update(text_nb="Et helt nytt spørsmål?")
    ChecklistTemplateItem.objects.create(
        template=ChecklistTemplate.objects.get(slug="fire"), text_nb="Enda et spørsmål?"
    )
    assert round_.answers.filter(question=FIRE_QUESTION).exists()
    assert not round_.answers.filter(question__in=["Et helt nytt spørsmål?", "Enda et spørsmål?"])
    assert round_.answers.count() == fire_items.count() - 1


def test_planning_checks_each_measure_from_the_units_risk_assessments(
    org, line_manager, safety_rep
):
    first = assessed_measure(line_manager, org.department, "Monthly fume cupboard check")
    second = assessed_measure(line_manager, org.department, "Label every gas cylinder")
    cancelled = assessed_measure(line_manager, org.department, "Dropped idea")
    Measure.objects.filter(pk=cancelled.pk).update(status=MeasureStatus.CANCELLED)
    assessed_measure(line_manager, org.section, "A measure of the section")
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    checked = set(round_.measure_checks.values_list("measure_id", flat=True))
    assert checked == {first.pk, second.pk}


# The round page --------------------------------------------------------------------------------


def test_round_page_shows_open_deviations_and_the_last_rounds_findings(
    client, org, line_manager, safety_rep, employee
):
    earlier = plan(line_manager, org.department, line_manager, safety_rep)
    finding = services.finding_add(
        actor=line_manager, round_=earlier, text="Blocked escape route by lab 3"
    )
    measure = services.finding_to_measure(
        actor=line_manager,
        finding=finding,
        title="Clear the escape route",
        responsible=line_manager,
        deadline=TODAY + datetime.timedelta(days=10),
    )
    complete_everything(line_manager, earlier)
    set_completed(earlier, days_ago=300)
    open_case = make_deviation(org.section, employee, title="Loose cable in the corridor")
    overdue_case = make_deviation(org.department, employee, title="Broken eye shower")
    Deviation.objects.filter(pk=overdue_case.pk).update(
        status=Status.UNDER_TREATMENT, deadline=TODAY - datetime.timedelta(days=3)
    )
    closed_case = make_deviation(org.department, employee, title="An old closed case")
    Deviation.objects.filter(pk=closed_case.pk).update(status=Status.CLOSED)
    elsewhere = make_deviation(org.other_department, employee, title="Not this unit")

    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    client.force_login(line_manager)
    response = client.get(round_.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert open_case.number in page and "Loose cable in the corridor" in page
    assert overdue_case.number in page and "OVERDUE" in page
    assert closed_case.number not in page
    assert elsewhere.number not in page
    assert "Blocked escape route by lab 3" in page
    assert measure.title in page
    assert response.context["previous"] == earlier


def test_answers_are_saved_all_at_once(client, round_, line_manager):
    answers = list(round_.answers.all())
    form = AnswersForm(rows=answers)
    data = {f"shown_{a.pk}": form.digest(a) for a in answers}
    data |= {f"answer_{a.pk}": Answer.OK for a in answers}
    data[f"answer_{answers[0].pk}"] = Answer.NOT_OK
    data[f"comment_{answers[0].pk}"] = "  Extinguisher missing in room 12 "
    client.force_login(line_manager)
    response = client.post(url("round_answers", round_), data)
    assert response.status_code == 302
    saved = {a.pk: (a.answer, a.comment) for a in round_.answers.all()}
    assert saved[answers[0].pk] == (Answer.NOT_OK, "Extinguisher missing in room 12")
    assert all(value == Answer.OK for value, _c in list(saved.values())[1:])


def test_an_answer_changed_meanwhile_is_not_overwritten(client, round_, line_manager):
    answer = round_.answers.first()
    shown = AnswersForm(rows=[answer]).digest(answer)
    # Someone else answers the question after the page was shown.
    services.answer_save(actor=line_manager, answer=answer, value=Answer.NOT_OK, comment="Theirs")
    client.force_login(line_manager)
    data = {f"shown_{answer.pk}": shown, f"answer_{answer.pk}": Answer.OK}
    response = client.post(url("round_answers", round_), data)
    assert response.status_code == 409
    answer.refresh_from_db()
    assert (answer.answer, answer.comment) == (Answer.NOT_OK, "Theirs")
    page = response.content.decode()
    assert "Saved meanwhile by someone else" in page
    # Saving again, with the page showing what is saved now, keeps the user's answer.
    data[f"shown_{answer.pk}"] = response.context["answers_form"].data[f"shown_{answer.pk}"]
    assert client.post(url("round_answers", round_), data).status_code == 302
    answer.refresh_from_db()
    assert answer.answer == Answer.OK


def test_bad_answers_are_refused_without_a_500(client, round_, line_manager):
    answer = round_.answers.first()
    client.force_login(line_manager)
    response = client.post(url("round_answers", round_), {f"answer_{answer.pk}": "maybe"})
    assert response.status_code == 200
    assert response.context["answers_form"].errors
    answer.refresh_from_db()
    assert answer.answer == ""


def test_measure_checks_are_saved_and_contradictions_refused(client, org, line_manager, safety_rep):
    assessed_measure(line_manager, org.department)
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    check = round_.measure_checks.get()
    shown = ChecksForm(rows=[check]).digest(check)
    client.force_login(line_manager)
    data = {
        f"shown_{check.pk}": shown,
        f"implemented_{check.pk}": "no",
        f"working_{check.pk}": "yes",
    }
    response = client.post(url("round_checks", round_), data)
    assert response.status_code == 200
    assert f"working_{check.pk}" in response.context["checks_form"].errors
    data |= {f"working_{check.pk}": "no", f"comment_{check.pk}": "Never ordered"}
    assert client.post(url("round_checks", round_), data).status_code == 302
    check.refresh_from_db()
    assert (check.implemented, check.working, check.comment) == (False, False, "Never ordered")


def test_a_measure_not_working_gets_a_new_measure_in_one_step(
    client, org, line_manager, safety_rep
):
    old = assessed_measure(line_manager, org.department, "Monthly fume cupboard check")
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    check = round_.measure_checks.get()
    services.measure_check_save(
        actor=line_manager, check=check, implemented=True, working=False, comment="No log kept"
    )
    client.force_login(line_manager)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert "make a new measure" in page
    deadline = TODAY + datetime.timedelta(days=14)
    response = client.post(
        url("round_checks", round_),
        {
            "follow_up": str(check.pk),
            f"c{check.pk}-title": "Keep a log on each fume cupboard",
            f"c{check.pk}-responsible": "safety_rep",
            f"c{check.pk}-deadline": deadline.isoformat(),
        },
    )
    assert response.status_code == 302
    new = Measure.objects.exclude(pk=old.pk).get()
    assert new.title == "Keep a log on each fume cupboard"
    assert new.source == MeasureSource.INSPECTION_ROUND
    assert new.unit == org.department
    assert new.deadline == deadline
    finding = round_.findings.get()
    assert finding.outcome == FindingOutcome.MEASURE and finding.measure == new
    assert finding.text.startswith("Monthly fume cupboard check: ")
    # The report lists it with the other findings.
    report = client.get(url("round_report", round_)).content.decode()
    assert "Keep a log on each fume cupboard" in report


def test_a_working_measure_gets_no_new_measure(client, org, line_manager, safety_rep):
    assessed_measure(line_manager, org.department)
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    check = round_.measure_checks.get()
    client.force_login(line_manager)
    response = client.post(
        url("round_checks", round_),
        {
            "follow_up": str(check.pk),
            f"c{check.pk}-title": "Something",
            f"c{check.pk}-responsible": "line_manager",
            f"c{check.pk}-deadline": (TODAY + datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Only a measure found not working needs a new measure." in response.content.decode()
    assert Measure.objects.count() == 1


def test_finding_becomes_a_measure_in_one_post(client, round_, org, line_manager):
    client.force_login(line_manager)
    response = client.post(
        url("round_finding", round_),
        {"text": "Fire door wedged open", "location": "Corridor B"},
    )
    assert response.status_code == 302
    finding = round_.findings.get()
    assert finding.location == "Corridor B"
    deadline = TODAY + datetime.timedelta(days=7)
    response = client.post(
        url("finding_measure", round_, finding.pk),
        {
            f"m{finding.pk}-title": "Remove the wedge, fit a door closer",
            f"m{finding.pk}-responsible": "line_manager",
            f"m{finding.pk}-deadline": deadline.isoformat(),
        },
    )
    assert response.status_code == 302
    finding.refresh_from_db()
    measure = finding.measure
    assert finding.outcome == FindingOutcome.MEASURE
    assert measure.source == MeasureSource.INSPECTION_ROUND
    assert measure.unit == org.department
    assert measure.responsible == line_manager
    assert measure.description == "Fire door wedged open"
    # A second submit does not make another.
    client.post(
        url("finding_measure", round_, finding.pk),
        {
            f"m{finding.pk}-title": "Again",
            f"m{finding.pk}-responsible": "line_manager",
            f"m{finding.pk}-deadline": deadline.isoformat(),
        },
    )
    assert Measure.objects.count() == 1


def test_the_measure_form_is_prefilled_from_the_finding(client, round_, line_manager):
    finding = services.finding_add(actor=line_manager, round_=round_, text="Missing first aid kit")
    client.force_login(line_manager)
    response = client.get(round_.get_absolute_url())
    form = next(f for f in response.context["findings"] if f.pk == finding.pk).measure_form
    assert form["title"].value() == "Missing first aid kit"
    assert form["responsible"].value() == line_manager


def test_finding_becomes_a_deviation_in_one_post(client, round_, org, line_manager):
    finding = services.finding_add(
        actor=line_manager, round_=round_, text="Acid stored above eye level", location="Lab 3"
    )
    client.force_login(line_manager)
    token = uuid.uuid4()
    data = {
        f"d{finding.pk}-deviation_type": DeviationType.HAZARD,
        f"d{finding.pk}-category": Category.objects.get(code="building").pk,
        f"d{finding.pk}-severity": Severity.SERIOUS,
        f"d{finding.pk}-submission_token": str(token),
    }
    response = client.post(url("finding_deviation", round_, finding.pk), data)
    assert response.status_code == 302
    deviation = Deviation.objects.get()
    assert deviation.unit == org.department
    assert deviation.reporter == line_manager
    assert deviation.number
    assert deviation.title == "Acid stored above eye level"
    assert deviation.location == "Lab 3"
    assert deviation.severity == Severity.SERIOUS
    finding.refresh_from_db()
    assert finding.outcome == FindingOutcome.DEVIATION and finding.deviation == deviation
    # The double submit reports nothing more.
    client.post(url("finding_deviation", round_, finding.pk), data)
    assert Deviation.objects.count() == 1


def test_a_deviation_form_without_its_token_is_refused(client, round_, line_manager):
    finding = services.finding_add(actor=line_manager, round_=round_, text="Something")
    client.force_login(line_manager)
    response = client.post(
        url("finding_deviation", round_, finding.pk),
        {f"d{finding.pk}-deviation_type": "nonsense", f"d{finding.pk}-submission_token": "x"},
    )
    assert response.status_code == 200
    assert not Deviation.objects.exists()


def test_a_finding_of_another_round_is_a_404(client, org, round_, line_manager, safety_rep):
    other = plan(line_manager, org.department, line_manager, safety_rep)
    finding = services.finding_add(actor=line_manager, round_=other, text="Elsewhere")
    client.force_login(line_manager)
    assert client.post(url("finding_measure", round_, finding.pk), {}).status_code == 404


def test_completion_is_refused_until_everything_is_done(client, org, line_manager, safety_rep):
    assessed_measure(line_manager, org.department)
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    finding = services.finding_add(actor=line_manager, round_=round_, text="Loose handrail")
    client.force_login(line_manager)
    data = {"version": round_.version, "post_meeting_notes": "Agreed: fix the handrail first"}
    response = client.post(url("round_complete", round_), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Answer every checklist question before completing the round." in page
    assert "Check every measure: implemented, and working?" in page
    assert "Follow up every finding: make it a deviation or a measure." in page
    assert "Agreed: fix the handrail first" in page  # the typed notes are kept
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED

    round_.participants.update(took_part=True)
    for answer in round_.answers.all():
        services.answer_save(actor=line_manager, answer=answer, value=Answer.OK, comment="")
    services.measure_check_save(
        actor=line_manager,
        check=round_.measure_checks.get(),
        implemented=True,
        working=True,
        comment="",
    )
    services.finding_to_measure(
        actor=line_manager,
        finding=finding,
        title="Fix the handrail",
        responsible=line_manager,
        deadline=TODAY + datetime.timedelta(days=5),
    )
    response = client.post(url("round_complete", round_), data)
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.COMPLETED
    assert round_.post_meeting_notes == "Agreed: fix the handrail first"

    # Completed rounds are read-only.
    answer = round_.answers.first()
    response = client.post(url("round_answers", round_), {f"answer_{answer.pk}": Answer.NOT_OK})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.answer == Answer.OK
    response = client.post(url("round_finding", round_), {"text": "Late"})
    assert response.status_code == 302
    assert round_.findings.count() == 1
    page = client.get(round_.get_absolute_url()).content.decode()
    assert 'id="answers-form"' not in page and 'id="finding-form"' not in page


def test_notes_and_participants_are_saved(client, round_, line_manager, employee):
    client.force_login(line_manager)
    manager = round_.participants.get(user=line_manager)
    response = client.post(
        round_.get_absolute_url(),
        {
            "action": "participants",
            "took_part": [manager.pk],
            "add_person": "employee",
            **{f"version_{p.pk}": p.version for p in round_.participants.all()},
        },
    )
    assert response.status_code == 302
    took_part = dict(round_.participants.values_list("user__username", "took_part"))
    assert took_part == {"line_manager": True, "safety_rep": False, "employee": True}
    response = client.post(
        round_.get_absolute_url(),
        {"action": "pre_meeting", "version": round_.version, "pre_meeting_notes": "Lab 3 first"},
    )
    assert response.status_code == 302
    round_.refresh_from_db()
    assert round_.pre_meeting_notes == "Lab 3 first"
    # A page showing an older version does not overwrite the notes.
    response = client.post(
        round_.get_absolute_url(),
        {"action": "post_meeting", "version": round_.version - 1, "post_meeting_notes": "Old"},
    )
    assert response.status_code == 409
    assert "Someone else changed this round" in response.content.decode()
    round_.refresh_from_db()
    assert round_.post_meeting_notes == ""


# The report ------------------------------------------------------------------------------------


def test_report_page_and_pdf(client, org, line_manager, safety_rep):
    measure = assessed_measure(line_manager, org.department, "Monthly fume cupboard check")
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    answer = round_.answers.get(question=FIRE_QUESTION)
    services.answer_save(actor=line_manager, answer=answer, value=Answer.NOT_OK, comment="Gone")
    finding = services.finding_add(
        actor=line_manager, round_=round_, text="Fire instruction missing", location="Hall"
    )
    services.finding_to_measure(
        actor=line_manager,
        finding=finding,
        title="Post the fire instruction",
        responsible=line_manager,
        deadline=TODAY + datetime.timedelta(days=5),
    )
    client.force_login(line_manager)
    response = client.get(url("round_report", round_))
    assert response.status_code == 200
    page = response.content.decode()
    for text in (
        "Department of Trials",
        FIRE_QUESTION_EN,
        "Fire instruction missing",
        measure.title,
    ):
        assert text in page
    assert 'class="not-ok"' in page

    response = client.get(url("round_report_pdf", round_))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = assert_archive_pdf(
        response.content, language="en", title=f"Inspection round {org.department.code}"
    )
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    for expected in (
        "Department of Trials",
        FIRE_QUESTION_EN,
        "Fire instruction missing",
        "Post the fire instruction",
        measure.title,
    ):
        assert expected in text


# Flags -----------------------------------------------------------------------------------------


def test_a_round_11_months_ago_counts_and_13_months_ago_does_not(org, line_manager, safety_rep):
    recent = plan(line_manager, org.department, line_manager, safety_rep)
    set_completed(recent, days_ago=335)
    old = plan(line_manager, org.section, line_manager, safety_rep)
    set_completed(old, days_ago=395)
    flagged = set(
        services.units_without_recent_round(
            Unit.objects.filter(pk__in=[org.department.pk, org.section.pk])
        ).values_list("code", flat=True)
    )
    assert flagged == {"SEC"}


def test_unit_status_partial_for_any_logged_in_user(
    client, org, line_manager, safety_rep, employee, outsider
):
    recent = plan(line_manager, org.department, line_manager, safety_rep)
    set_completed(recent, days_ago=335)
    status_url = reverse("risk:unit_round_status", args=["DEP"])
    flagged_url = reverse("risk:unit_round_status", args=["SEC"])
    for user in (employee, outsider, line_manager):
        client.force_login(user)
        response = client.get(status_url)
        assert response.status_code == 200
        assert "Last completed inspection round" in response.content.decode()
        response = client.get(flagged_url)
        assert "No completed inspection round in the last 12 months" in response.content.decode()
    client.logout()
    assert client.get(status_url).status_code == 302
    client.force_login(employee)
    assert client.get(reverse("risk:unit_round_status", args=["NOPE"])).status_code == 404


def test_unit_page_loads_the_round_status(client, org, employee):
    client.force_login(employee)
    page = client.get(org.department.get_absolute_url()).content.decode()
    assert reverse("risk:unit_round_status", args=["DEP"]) in page


def test_overview_counts_flagged_units_per_branch(client, org, hms_department, line_manager):
    # DEP had a round 3 months ago; every other unit is flagged.
    round_ = plan(hms_department, org.department, line_manager, hms_department)
    set_completed(round_, days_ago=90)
    client.force_login(hms_department)
    response = client.get(reverse("risk:round_overview"))
    assert response.status_code == 200
    assert response.context["unit"] == org.root
    counts = {child.code: (child.flagged, child.total) for child in response.context["children"]}
    assert counts == {"FAC": (2, 3), "OTHERFAC": (2, 2)}
    flagged = {unit.code for unit in response.context["page"].object_list}
    assert flagged == {"ROOT", "FAC", "SEC", "OTHERFAC", "OTHERDEP"}
    # A branch opened in place.
    response = client.get(
        reverse("risk:round_overview"), {"unit": "FAC", "rows": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert [c.code for c in response.context["children"]] == ["DEP"]


def test_overview_query_count_does_not_grow_with_the_tree(
    client, org, hms_department, line_manager, safety_rep
):
    client.force_login(hms_department)
    overview = reverse("risk:round_overview")
    client.get(overview)  # warm up: session, content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(overview).status_code == 200
    for faculty_number in range(4):
        faculty = make_unit(Unit.objects.get(pk=org.root.pk), code=f"F{faculty_number}")
        for department_number in range(5):
            department = make_unit(
                Unit.objects.get(pk=faculty.pk), code=f"F{faculty_number}D{department_number}"
            )
            if department_number % 2:
                done = plan(hms_department, department, line_manager, safety_rep)
                set_completed(done, days_ago=30)
    with CaptureQueriesContext(connection) as large:
        response = client.get(overview)
    assert response.status_code == 200
    assert len(response.context["children"]) == 6
    assert len(large) == len(small)


def test_overview_is_for_the_hse_department_and_line_managers_in_their_subtree(
    client, org, line_manager, safety_rep, employee
):
    overview = reverse("risk:round_overview")
    client.force_login(line_manager)
    response = client.get(overview)
    assert response.status_code == 200
    assert response.context["unit"] == org.department
    assert client.get(overview, {"unit": "SEC"}).status_code == 200
    assert client.get(overview, {"unit": "FAC"}).status_code == 404
    assert client.get(overview, {"unit": "OTHERDEP"}).status_code == 404
    for user in (safety_rep, employee):
        client.force_login(user)
        assert client.get(overview).status_code == 404


# Permissions -----------------------------------------------------------------------------------


def every_url(round_, finding):
    return [
        url("round", round_),
        url("round_answers", round_),
        url("round_checks", round_),
        url("round_finding", round_),
        url("finding_measure", round_, finding.pk),
        url("finding_deviation", round_, finding.pk),
        url("round_complete", round_),
        url("round_report", round_),
        url("round_report_pdf", round_),
    ]


POST_URLS = {
    "round",
    "round_answers",
    "round_checks",
    "round_finding",
    "finding_measure",
    "finding_deviation",
    "round_complete",
}


@pytest.mark.parametrize("who", ["outsider", "employee"])
def test_those_without_a_role_on_the_unit_get_404_everywhere(
    client, request, round_, line_manager, who
):
    finding = services.finding_add(actor=line_manager, round_=round_, text="Something")
    client.force_login(request.getfixturevalue(who))
    for address in every_url(round_, finding):
        assert client.get(address).status_code in (404, 405), address
        assert client.post(address, {"action": "pre_meeting"}).status_code in (404, 405), address
    assert round_ not in client.get(reverse("risk:rounds")).context["page"].object_list
    assert client.get(reverse("risk:round_plan"), {"unit": "DEP"}).status_code == 404
    assert client.get(reverse("risk:round_plan")).status_code == (404 if who == "employee" else 200)


def test_the_safety_rep_reads_everything_but_changes_nothing(
    client, round_, line_manager, safety_rep
):
    finding = services.finding_add(actor=line_manager, round_=round_, text="Something")
    client.force_login(safety_rep)
    response = client.get(round_.get_absolute_url())
    assert response.status_code == 200
    assert 'id="answers-form"' not in response.content.decode()
    assert client.get(url("round_report", round_)).status_code == 200
    assert client.get(url("round_report_pdf", round_)).status_code == 200
    answer = round_.answers.first()
    posts = {
        url("round", round_): {"action": "pre_meeting", "version": 1, "pre_meeting_notes": "x"},
        url("round_answers", round_): {f"answer_{answer.pk}": Answer.OK},
        url("round_checks", round_): {},
        url("round_finding", round_): {"text": "Mine"},
        url("finding_measure", round_, finding.pk): {},
        url("finding_deviation", round_, finding.pk): {},
        url("round_complete", round_): {"version": 1},
    }
    for address, data in posts.items():
        assert client.post(address, data).status_code == 403, address
    answer.refresh_from_db()
    assert answer.answer == ""
    assert round_.findings.count() == 1
    assert client.get(reverse("risk:round_plan"), {"unit": "DEP"}).status_code == 403


def test_the_hse_department_sees_every_round(
    client, org, round_, hms_department, outsider, line_manager
):
    other = plan(hms_department, org.other_department, outsider, line_manager)
    client.force_login(hms_department)
    listed = client.get(reverse("risk:rounds")).context["page"].object_list
    assert {round_, other} <= set(listed)
    assert client.get(other.get_absolute_url()).status_code == 200
    # ... and may run them.
    response = client.post(url("round_finding", other), {"text": "Seen by the HSE department"})
    assert response.status_code == 302


def test_round_list_filters_by_unit_subtree(client, org, line_manager, safety_rep, hms_department):
    department_round = plan(line_manager, org.department, line_manager, safety_rep)
    section_round = plan(line_manager, org.section, line_manager, safety_rep)
    other = plan(hms_department, org.other_department, hms_department, safety_rep)
    client.force_login(hms_department)
    listed = set(client.get(reverse("risk:rounds"), {"unit": "dep"}).context["page"].object_list)
    assert listed == {department_round, section_round}
    listed = set(
        client.get(reverse("risk:rounds"), {"status": "completed"}).context["page"].object_list
    )
    assert listed == set()
    response = client.get(reverse("risk:rounds"), {"unit": "NOPE", "page": "x"})
    assert response.status_code == 200
    assert other in response.context["page"].object_list


def test_round_list_query_count_does_not_grow(
    client, org, line_manager, safety_rep, django_assert_max_num_queries
):
    plan(line_manager, org.department, line_manager, safety_rep)
    client.force_login(line_manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("risk:rounds"))
    for _n in range(5):
        round_ = plan(line_manager, org.section, line_manager, safety_rep)
        services.finding_add(actor=line_manager, round_=round_, text="x")
    with django_assert_max_num_queries(len(queries)):
        assert client.get(reverse("risk:rounds")).status_code == 200


def test_round_page_query_count_does_not_grow(
    client, org, line_manager, safety_rep, employee, django_assert_max_num_queries
):
    assessed_measure(line_manager, org.department)
    round_ = plan(line_manager, org.department, line_manager, safety_rep)
    services.finding_add(actor=line_manager, round_=round_, text="one")
    client.force_login(line_manager)
    with CaptureQueriesContext(connection) as queries:
        client.get(round_.get_absolute_url())
    for n in range(5):
        assessed_measure(line_manager, org.department, f"Measure {n}")
        make_deviation(org.section, employee)
        services.finding_add(actor=line_manager, round_=round_, text=f"Finding {n}")
    bigger = plan(line_manager, org.department, line_manager, safety_rep, kinds=("fire", "general"))
    for n in range(5):
        services.finding_add(actor=line_manager, round_=bigger, text=f"Finding {n}")
    with django_assert_max_num_queries(len(queries)):
        assert client.get(bigger.get_absolute_url()).status_code == 200


def test_models_are_unchanged_by_a_refused_plan(client, org, safety_rep):
    """An HSE coordinator of another faculty cannot plan for DEP (404: not theirs to see)."""
    coordinator = user_with_role("coordinator", Role.HMS_COORDINATOR, org.other_faculty)
    client.force_login(coordinator)
    response = client.post(reverse("risk:round_plan") + "?unit=DEP", {})
    assert response.status_code == 404
    assert not InspectionRound.objects.exists()
    assert not ChecklistAnswer.objects.exists() and not MeasureCheck.objects.exists()
    assert not Finding.objects.exists()


def test_bad_input_never_gives_a_500(client, org, round_, line_manager):
    finding = services.finding_add(actor=line_manager, round_=round_, text="Something")
    client.force_login(line_manager)
    garbage = {"version": "abc", "action": "nonsense", "follow_up": "abc", "took_part": "x"}
    for address in every_url(round_, finding):
        assert client.post(address, garbage).status_code < 500, address
    for action in ("participants", "pre_meeting", "post_meeting"):
        response = client.post(round_.get_absolute_url(), {**garbage, "action": action})
        assert response.status_code < 500, action
    assert client.post(url("round_checks", round_), {"follow_up": "999999"}).status_code == 404
    for params in ({"unit": ""}, {"unit": "NOPE"}, {"unit": "x" * 500}):
        assert client.get(reverse("risk:round_plan"), params).status_code < 500
        assert client.get(reverse("risk:rounds"), params).status_code < 500
    assert client.get(reverse("risk:round_overview"), {"unit": "NOPE"}).status_code == 404
    assert client.get(reverse("risk:round_overview"), {"page": "-1"}).status_code == 200
    response = client.post(
        reverse("risk:round_plan") + "?unit=DEP",
        {"planned_for": "2026-02-30", "line_manager": "x" * 300, "checklists": "abc"},
    )
    assert response.status_code == 200
    assert client.get(reverse("risk:round", args=[999999])).status_code == 404


def test_plan_page_without_a_unit_proposes_the_users_own(client, org, line_manager):
    client.force_login(line_manager)
    response = client.get(reverse("risk:round_plan"))
    assert response.status_code == 200
    assert response.context["unit_form"]["unit"].value() == "DEP"


def test_a_question_not_ok_is_recorded_as_a_finding_with_one_tap(client, round_, line_manager):
    answer = round_.answers.get(question=FIRE_QUESTION)
    services.answer_save(actor=line_manager, answer=answer, value=Answer.NOT_OK, comment="Torn")
    client.force_login(line_manager)
    page = client.get(round_.get_absolute_url()).content.decode()
    assert f'form="finding-from-answer-{answer.pk}"' in page
    assert f'value="{FIRE_QUESTION_EN} Torn"' in page
    client.post(url("round_finding", round_), {"text": f"{FIRE_QUESTION_EN} Torn"})
    page = client.get(round_.get_absolute_url()).content.decode()
    assert f'form="finding-from-answer-{answer.pk}"' not in page
    assert "Recorded as a finding" in page


def test_someone_taking_part_without_a_role_reads_the_round_but_cannot_run_it(
    client, round_, outsider
):
    from risk.models import RoundParticipant

    RoundParticipant.objects.create(round=round_, user=outsider, role="other")
    client.force_login(outsider)
    assert client.get(round_.get_absolute_url()).status_code == 200
    assert client.get(url("round_report", round_)).status_code == 200
    response = client.post(url("round_finding", round_), {"text": "Noe jeg så"})
    assert response.status_code == 403
    assert not round_.findings.exists()
