"""Input a page can send but no person would: a formset claiming 100,000 rows, a deadline on
9999-12-31, a text of a megabyte. Each is a clear form error on the page, never a 500 or a
huge allocation, and nothing is saved."""

import dataclasses
import datetime
import importlib
import inspect
import re
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urljoin

import django_filters
import pytest
from django import forms
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import timezone

from actionplans.models import Measure
from deviations import services as deviation_services
from deviations.models import Category, Comment, Deviation
from hms.cycle import services as cycle_services
from hms.cycle.models import CycleStep, Goal
from hms.registers.forms import MAX_PARTIES
from hms.registers.models import (
    CooperationItem,
    CoordinationAgreement,
    Document,
    Requirement,
    RequirementKind,
    Routine,
    UnitRequirement,
)
from hms.surveys import services as survey_services
from hms.surveys.models import SurveyResult
from hms.training.models import Course, TrainingRecord
from indicators.review import services as review_services
from indicators.review.models import AgendaItem, Decision, ManagementReview
from risk import services as risk_services
from risk.models import (
    ChecklistTemplate,
    InspectionRound,
    RiskAssessment,
    RiskRow,
    WorkActivity,
)
from tests.factories import (
    load_reference_data,
    make_agreement,
    make_deviation,
    make_document,
    make_measure,
    make_routine,
)
from tests.test_stale_saves import action_and_form_on_page
from units.limits import LONG_TEXT, MAX_FORMSET_ROWS, NOTES_TEXT, SHORT_TEXT
from units.models import Role, RoleAssignment, Unit


@dataclasses.dataclass
class FormsetPost:
    """A formset view: who posts where, a valid first row, and what a save would change."""

    user: object
    url: str
    prefix: str
    max_rows: int
    data: dict[str, str]
    saved: Callable[[], object]  # a snapshot of what the post could change


def risk_activities(fx) -> FormsetPost:
    line_manager = fx("line_manager")
    assessment = risk_services.assessment_create(
        actor=line_manager,
        unit=fx("org").department,
        title="Synthesis lab",
        activity="Room D2-104",
        assessed_on=timezone.localdate(),
    )
    return FormsetPost(
        user=line_manager,
        url=reverse("risk:activities", args=[assessment.pk]),
        prefix="activities",
        max_rows=MAX_FORMSET_ROWS,
        data={"activities-INITIAL_FORMS": "0", "activities-0-name": "Distillation"},
        saved=lambda: list(WorkActivity.objects.values_list("name", flat=True)),
    )


def _parties() -> dict[str, str]:
    return {
        "title": "Samordningsavtale Kjemiblokkene",
        "premises": "Kjemiblokk 5",
        "activities": "Forskning",
        "valid_from": "2025-01-01",
        "party-INITIAL_FORMS": "0",
        "party-0-name": "NTNU",
        "party-0-is_main": "on",
        "party-1-name": "SINTEF",
    }


def agreement_create(fx) -> FormsetPost:
    return FormsetPost(
        user=fx("line_manager"),
        url=reverse("registers:agreement_create", args=[fx("org").department.code]),
        prefix="party",
        max_rows=MAX_PARTIES,
        data=_parties(),
        saved=lambda: CoordinationAgreement.objects.count(),
    )


def agreement_edit(fx) -> FormsetPost:
    user = fx("line_manager")
    agreement = make_agreement(fx("org").department, user)
    return FormsetPost(
        user=user,
        url=reverse("registers:agreement_edit", args=[agreement.pk]),
        prefix="party",
        max_rows=MAX_PARTIES,
        data={
            **_parties(),
            "version": str(agreement.version),
            "party-INITIAL_FORMS": "2",
            "party-1-name": "Statsbygg",
        },
        saved=lambda: list(agreement.parties.values_list("name", flat=True)),
    )


FORMSETS = [risk_activities, agreement_create, agreement_edit]


@pytest.mark.parametrize("total", ["max + 1", "100000"])
@pytest.mark.parametrize("case", FORMSETS, ids=lambda case: case.__name__)
def test_a_formset_claiming_too_many_rows_is_a_form_error(client, db, request, case, total):
    case = case(request.getfixturevalue)
    client.force_login(case.user)
    before = case.saved()
    total = str(case.max_rows + 1) if total == "max + 1" else total

    response = client.post(case.url, {**case.data, f"{case.prefix}-TOTAL_FORMS": total})

    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert f"At most {case.max_rows} rows can be saved at once." in html
    rows = {int(n) for n in re.findall(rf'name="{case.prefix}-(\d+)-', html)}
    assert max(rows) < case.max_rows, "no more rows were built than the formset takes"
    assert case.saved() == before


@pytest.mark.parametrize("case", FORMSETS, ids=lambda case: case.__name__)
def test_a_formset_of_the_largest_size_is_taken(client, db, request, case):
    """The cap refuses only what no page sends: as many rows as the formset takes is fine."""
    case = case(request.getfixturevalue)
    client.force_login(case.user)
    total = str(case.max_rows)
    response = client.post(case.url, {**case.data, f"{case.prefix}-TOTAL_FORMS": total})
    assert response.status_code == 302


# --- Dates within the sane range -----------------------------------------------------------


@dataclasses.dataclass
class Typed:
    """A form as a person finds it on a page: the field the odd value goes into, what else they
    fill in (the form of a new record is empty), and a snapshot of what a save would change."""

    user: object
    url: str  # the page with the form
    field: str
    saved: Callable[[], object]
    data: dict[str, str] = dataclasses.field(default_factory=dict)
    also: tuple[str, ...] = ()  # more fields that tell the form apart from others on the page


def rows(model, *fields) -> Callable[[], list]:
    return lambda: list(model.objects.order_by("pk").values_list("pk", *fields))


def post_typed(client, case: Typed, value: str):
    """Open the page, fill in the form with `value` in the field, and send it as a browser
    would; returns the response."""
    client.force_login(case.user)
    page = client.get(case.url)
    assert page.status_code == 200
    action, data = action_and_form_on_page(page.content.decode(), case.field, *case.also)
    data.update(case.data)
    data[case.field] = value
    return client.post(urljoin(case.url, action), data)


def _in_days(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def measure_edit(fx):
    user = fx("line_manager")
    measure = make_measure(fx("org").department, user)
    url = reverse("actionplans:measure_edit", args=[measure.pk])
    return Typed(user, url, "deadline", rows(Measure, "deadline"))


def measure_add(fx):
    user = fx("line_manager")
    url = reverse("actionplans:add", args=[fx("org").department.code])
    data = {"title": "Sette opp skilt", "responsible": user.username}
    return Typed(user, url, "deadline", rows(Measure), data)


def deviation_report(fx):
    user = fx("employee")
    data = {
        "title": "Knust glass i laben",
        "description": "Glasskår lå igjen på gulvet.",
        "deviation_type": "hazard",
        "category": str(Category.objects.get(code="building").pk),
        "severity": "minor",
        "unit": "SEC",
    }
    return Typed(user, reverse("deviations:report"), "occurred_at", rows(Deviation), data)


def _deviation(fx, *, accepted: bool):
    deviation = make_deviation(fx("org").department, fx("employee"))
    if accepted:
        deviation_services.deviation_accept(actor=fx("line_manager"), deviation=deviation)
    return deviation


def deviation_accept(fx):
    deviation = _deviation(fx, accepted=False)
    snapshot = rows(Deviation, "status", "deadline")
    return Typed(fx("line_manager"), deviation.get_absolute_url(), "deadline", snapshot)


def deviation_deadline(fx):
    deviation = _deviation(fx, accepted=True)
    url = deviation.get_absolute_url()
    return Typed(
        fx("line_manager"), url, "deadline", rows(Deviation, "deadline"), also=("version",)
    )


def deviation_measure(fx):
    user = fx("line_manager")
    deviation = _deviation(fx, accepted=True)
    data = {"title": "Sette opp skilt", "responsible": user.username}
    url = deviation.get_absolute_url()
    return Typed(user, url, "deadline", rows(Measure), data, also=("title",))


def _review(fx) -> ManagementReview:
    return review_services.review_create(actor=fx("hms_department"), root=fx("org").root, year=2025)


def review_meeting(fx):
    url = reverse("review:detail", args=[_review(fx).year])
    return Typed(fx("hms_department"), url, "meeting_date", rows(ManagementReview, "meeting_date"))


def review_decision(fx):
    review = _review(fx)
    prefix = f"d{review.items.order_by('pk').first().pk}"
    url = reverse("review:detail", args=[review.year])
    data = {f"{prefix}-text": "Kartlegge støy i verkstedene"}
    return Typed(fx("hms_department"), url, f"{prefix}-deadline", rows(Decision), data)


def _assessment(fx) -> RiskAssessment:
    line_manager = fx("line_manager")
    fx("safety_rep")  # invited as the assessment is made
    assessment = risk_services.assessment_create(
        actor=line_manager,
        unit=fx("org").department,
        title="Synthesis lab",
        activity="Room D2-104",
        assessed_on=timezone.localdate(),
    )
    risk_services.row_save(
        actor=line_manager,
        assessment=assessment,
        hazard="Solvent splash",
        probability=2,
        consequence_people=2,
        consequence_environment=1,
        consequence_material=1,
        consequence_reputation=1,
    )
    return assessment


def assessment_edit(fx):
    url = reverse("risk:assessment_edit", args=[_assessment(fx).pk])
    return Typed(fx("line_manager"), url, "assessed_on", rows(RiskAssessment, "assessed_on"))


def assessment_create(fx):
    data = {"unit": "DEP", "title": "Verkstedet", "activity": "Sveising"}
    url = reverse("risk:create")
    return Typed(fx("line_manager"), url, "assessed_on", rows(RiskAssessment), data)


def assessment_approve(fx):
    url = _assessment(fx).get_absolute_url()
    snapshot = rows(RiskAssessment, "status", "review_date")
    return Typed(fx("line_manager"), url, "review_date", snapshot)


def row_measure(fx):
    user = fx("line_manager")
    assessment = _assessment(fx)
    url = reverse("risk:row_measure", args=[assessment.pk, assessment.rows.get().pk])
    data = {"title": "Bruke visir", "responsible": user.username}
    return Typed(user, url, "deadline", rows(Measure), data)


def round_plan(fx):
    user, safety_rep = fx("line_manager"), fx("safety_rep")
    data = {
        "line_manager": user.username,
        "safety_rep": safety_rep.username,
        "checklists": str(ChecklistTemplate.objects.filter(is_active=True).first().pk),
    }
    url = reverse("risk:round_plan") + "?unit=DEP"
    return Typed(user, url, "planned_for", rows(InspectionRound), data)


def role_assign(fx):
    person = fx("employee")
    url = reverse("units:role_assign", args=[fx("org").department.code])
    data = {"person": person.username, "role": Role.SAFETY_REP, "valid_from": _in_days(0)}
    return Typed(fx("administrator"), url, "valid_to", rows(RoleAssignment, "valid_to"), data)


def role_end(fx):
    fx("employee")
    assignment = RoleAssignment.objects.get(user__username="employee")
    url = reverse("units:role_end", args=[assignment.pk])
    return Typed(fx("administrator"), url, "valid_to", rows(RoleAssignment, "valid_to"))


def training_record(fx):
    course = Course.objects.filter(is_active=True).first()
    url = reverse("training:record_new")
    data = {"course": str(course.pk)}
    return Typed(fx("employee"), url, "completed_on", rows(TrainingRecord), data)


def document_edit(fx):
    user = fx("line_manager")
    document = make_document(fx("org").department, user)
    url = reverse("registers:document_edit", args=[document.pk])
    return Typed(user, url, "review_due", rows(Document, "review_due"))


def routine_edit(fx):
    user = fx("line_manager")
    routine = make_routine(fx("org").department, user)
    url = reverse("registers:routine_edit", args=[routine.pk])
    return Typed(user, url, "review_due", rows(Routine, "review_due"))


def agreement_valid_to(fx):
    user = fx("line_manager")
    agreement = make_agreement(fx("org").department, user)
    url = reverse("registers:agreement_edit", args=[agreement.pk])
    return Typed(user, url, "valid_to", rows(CoordinationAgreement, "valid_to"))


def cooperation_item(fx):
    user = fx("line_manager")
    agreement = make_agreement(fx("org").department, user)
    data = {"what": "Felles brannøvelse", "who": "Verneombudene"}
    return Typed(user, agreement.get_absolute_url(), "date", rows(CooperationItem), data)


def cycle_step(fx):
    unit = fx("org").department
    year = timezone.localdate().year
    step = cycle_services.cycle_open(unit=unit, year=year).steps.get(key="inform_involve")
    url = reverse("cycle:cycle", args=[unit.code, year])
    field = f"step-{step.pk}-due_date"
    return Typed(fx("line_manager"), url, field, rows(CycleStep, "due_date"))


def goal_measure(fx):
    user = fx("line_manager")
    goal = cycle_services.goal_create(
        actor=user, unit=fx("org").department, year=timezone.localdate().year, title="Ingen kutt"
    )
    url = reverse("cycle:goal_measure", args=[goal.pk])
    data = {"title": "Kuttsikre hansker", "responsible": user.username}
    return Typed(user, url, "deadline", rows(Measure), data)


DATE_FORMS = [
    measure_edit,
    measure_add,
    deviation_report,
    deviation_accept,
    deviation_deadline,
    deviation_measure,
    review_meeting,
    review_decision,
    assessment_edit,
    assessment_create,
    assessment_approve,
    row_measure,
    round_plan,
    role_assign,
    role_end,
    training_record,
    document_edit,
    routine_edit,
    agreement_valid_to,
    cooperation_item,
    cycle_step,
    goal_measure,
]


@pytest.mark.parametrize("value", ["9999-12-31", "0024-03-01"])
@pytest.mark.parametrize("case", DATE_FORMS, ids=lambda case: case.__name__)
def test_a_date_out_of_the_sane_range_is_a_form_error(client, db, request, case, value):
    load_reference_data()
    case = case(request.getfixturevalue)
    before = case.saved()
    if case.field == "occurred_at":
        value += "T10:00"

    response = post_typed(client, case, value)

    assert response.status_code in (200, 400)
    assert "Check the year: give a date from 1 January 1900 to " in response.content.decode()
    assert case.saved() == before


# --- Free text has a maximum length ----------------------------------------------------------


def text_measure(fx):
    case = measure_edit(fx)
    return dataclasses.replace(case, field="description", saved=rows(Measure, "description"))


def text_deviation_report(fx):
    case = deviation_report(fx)
    occurred = timezone.localtime() - datetime.timedelta(hours=1)
    case.data["occurred_at"] = occurred.strftime("%Y-%m-%dT%H:%M")
    return dataclasses.replace(case, field="description")


def text_deviation_comment(fx):
    deviation = _deviation(fx, accepted=True)
    url = deviation.get_absolute_url()
    return Typed(fx("line_manager"), url, "text", rows(Comment, "text"))


def text_risk_row(fx):
    assessment = _assessment(fx)
    url = reverse("risk:row_edit", args=[assessment.pk, assessment.rows.get().pk])
    return Typed(fx("line_manager"), url, "existing_measures", rows(RiskRow, "existing_measures"))


def text_round_notes(fx):
    from tests.test_inspection_rounds import plan as plan_round

    user = fx("line_manager")
    round_ = plan_round(user, fx("org").department, user, fx("safety_rep"))
    snapshot = rows(InspectionRound, "pre_meeting_notes")
    data = {"action": "pre_meeting"}  # the form's submit button says which notes
    url = reverse("risk:round", args=[round_.pk])
    return Typed(user, url, "pre_meeting_notes", snapshot, data)


def text_review_notes(fx):
    review = _review(fx)
    prefix = f"n{review.items.order_by('pk').first().pk}"
    url = reverse("review:detail", args=[review.year])
    return Typed(fx("hms_department"), url, f"{prefix}-notes", rows(AgendaItem, "notes"))


def text_unit_name(fx):
    url = reverse("units:edit", args=[fx("org").department.code])
    return Typed(fx("administrator"), url, "name_nb", rows(Unit, "name_nb"))


def text_routine(fx):
    case = routine_edit(fx)
    return dataclasses.replace(case, field="procedure", saved=rows(Routine, "procedure"))


def text_requirement_comment(fx):
    requirement = Requirement.objects.create(
        title="Forskrift om utførelse av arbeid",
        short_name="Utførelsesforskriften",
        kind=RequirementKind.REGULATION,
    )
    url = reverse("registers:requirements", args=[fx("org").department.code])
    snapshot = rows(UnitRequirement, "comment")
    return Typed(fx("line_manager"), url, f"comment_{requirement.pk}", snapshot)


def text_cycle_step(fx):
    case = cycle_step(fx)
    field = case.field.replace("due_date", "comment")
    return dataclasses.replace(case, field=field, saved=rows(CycleStep, "comment"))


def text_goal(fx):
    goal = cycle_services.goal_create(
        actor=fx("line_manager"),
        unit=fx("org").department,
        year=timezone.localdate().year,
        title="Ingen kutt",
    )
    url = reverse("cycle:goal_edit", args=[goal.pk])
    return Typed(fx("line_manager"), url, "description", rows(Goal, "description"))


def text_survey_result(fx):
    user = fx("line_manager")
    result = survey_services.result_add(
        actor=user,
        unit=fx("org").department,
        survey="ARK",
        year=timezone.localdate().year,
        topic="Arbeidsmengde",
        score=Decimal("3.5"),
        respondents=12,
    )
    url = reverse("surveys:result_edit", args=[result.pk])
    return Typed(user, url, "comment", rows(SurveyResult, "comment"))


def text_training_record(fx):
    case = training_record(fx)
    case.data["completed_on"] = _in_days(-7)
    return dataclasses.replace(case, field="content")


TEXT_FORMS = {
    text_measure: LONG_TEXT,
    text_deviation_report: LONG_TEXT,
    text_deviation_comment: LONG_TEXT,
    text_risk_row: LONG_TEXT,
    text_round_notes: NOTES_TEXT,
    text_review_notes: NOTES_TEXT,
    text_unit_name: 200,
    text_routine: LONG_TEXT,
    text_requirement_comment: SHORT_TEXT,
    text_cycle_step: SHORT_TEXT,
    text_goal: LONG_TEXT,
    text_survey_result: SHORT_TEXT,
    text_training_record: LONG_TEXT,
}


@pytest.mark.parametrize("case", TEXT_FORMS, ids=lambda case: case.__name__)
def test_a_text_over_its_maximum_length_is_a_form_error(client, db, request, case):
    load_reference_data()
    limit = TEXT_FORMS[case]
    case = case(request.getfixturevalue)
    before = case.saved()

    response = post_typed(client, case, "Lang tekst. " + "x" * limit)

    assert response.status_code in (200, 400)
    assert f"Ensure this value has at most {limit} characters" in response.content.decode()
    assert case.saved() == before


# Text fields the application writes itself, never a person.
WRITTEN_BY_THE_APP = {
    "units.OutboxMessage.body",
    "units.OutboxMessage.last_error",
    "transfer.UnitExport.error",
    "reports.Report.error",
}
APPS = ("actionplans", "deviations", "indicators", "risk", "units", "hms")


def test_every_text_field_a_person_types_into_has_a_maximum_length():
    unbounded = {
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith(APPS) and not model.__name__.endswith("Event")
        for field in model._meta.get_fields()
        if isinstance(field, models.TextField) and field.max_length is None
    }
    assert unbounded == WRITTEN_BY_THE_APP


FORM_MODULES = [
    "actionplans.filters",
    "actionplans.forms",
    "deviations.filters",
    "deviations.forms",
    "hms.accounts.forms",
    "hms.cycle.forms",
    "hms.registers.forms",
    "hms.surveys.forms",
    "hms.training.forms",
    "indicators.forms",
    "indicators.reports.forms",
    "indicators.review.forms",
    "risk.forms",
    "units.forms",
]
# The previewed import file goes back to the apply step whole, as base64; the request's own
# limit (DATA_UPLOAD_MAX_MEMORY_SIZE) bounds it.
NOT_TYPED = {"UnitImportApplyForm.content", "RegisterImportApplyForm.content"}


def test_every_text_input_of_a_form_has_a_maximum_length():
    unbounded = set()
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for name, form_class in inspect.getmembers(module, inspect.isclass):
            if form_class.__module__ != module_name:
                continue
            if issubclass(form_class, django_filters.FilterSet):
                fields = {name: f.field for name, f in form_class.base_filters.items()}
            elif issubclass(form_class, forms.BaseForm):
                fields = form_class.base_fields
            else:
                continue
            unbounded |= {
                f"{name}.{field_name}"
                for field_name, field in fields.items()
                if type(field) is not forms.UUIDField
                and isinstance(field, forms.CharField)
                and field.max_length is None
            }
    assert unbounded == NOT_TYPED
