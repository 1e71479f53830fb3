"""Every edit form of the app detects a stale save. Two people open the same record; the first
saves; the second saves the page they opened before. The second save must answer 409, keep the
first person's change, and show the second person's input back in the form (nothing typed is
lost). One parametrised test runs that story against each edit form listed in EDIT_FORMS; the
forms that by their nature cannot conflict are listed in CANNOT_CONFLICT with the reason.
"""

import dataclasses
import datetime
import os
from collections.abc import Callable
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from actionplans import services as plan_services
from actionplans.models import Measure
from hms.registers import services as register_services
from hms.registers.models import Requirement, RequirementKind, UnitRequirement
from risk import services as risk_services
from risk.models import AssessmentStatus, RiskAssessment, RiskRow, WorkActivity
from tests.browser import browser_page, chromium, log_in  # noqa: F401 (fixtures)
from tests.factories import load_reference_data
from units.models import Unit


class _FormFields(HTMLParser):
    """The fields of each <form> on a page, as a browser would submit them unchanged."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form = None
        self._textarea = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._form = {"action": attrs.get("action", ""), "fields": []}
            self.forms.append(self._form)
        if self._form is None or "name" not in attrs and tag != "option":
            return
        fields = self._form["fields"]
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            fields.append([attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")])
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
            fields.append(self._textarea)
        elif tag == "select":
            self._select = [attrs["name"], None]
        elif (
            tag == "option"
            and self._select is not None
            and (self._select[1] is None or "selected" in attrs)
        ):
            self._select[1] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            self._form["fields"].append(self._select)
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def form_on_page(html: str, field: str, *also: str) -> dict[str, str]:
    """The data of the form on the page that has `field` (and `also`), as a browser would post
    it."""
    return action_and_form_on_page(html, field, *also)[1]


def action_and_form_on_page(html: str, field: str, *also: str) -> tuple[str, dict[str, str]]:
    """The action and the data of the form on the page that has `field` (and `also`)."""
    parser = _FormFields()
    parser.feed(html)
    for form in parser.forms:
        names = [name for name, _value in form["fields"]]
        if field in names and all(name in names for name in also):
            data = {name: value for name, value in form["fields"] if name != "csrfmiddlewaretoken"}
            return form["action"], data
    raise AssertionError(f"No form with a field {field!r} on the page")


@dataclasses.dataclass
class Story:
    """One edit form: who opens it where, which field the stale person changes to what, the
    first person's change (through the service), and how to tell the first change was kept."""

    user: object
    url: str
    field: str  # a field of the form, to find it on the page
    typed: dict[str, str]  # the second person's input
    first_change: Callable[[], None]
    first_change_kept: Callable[[], bool]
    post_url: str = ""
    version_field: str = "version"


def _assessment(org, line_manager) -> RiskAssessment:
    return risk_services.assessment_create(
        actor=line_manager,
        unit=org.department,
        title="Synthesis lab",
        activity="Room D2-104",
        assessed_on=timezone.localdate(),
    )


def risk_row(fx):
    """The issue's story: a red risk turned green by a second person who never saw it red."""
    org, line_manager = fx("org"), fx("line_manager")
    assessment = _assessment(org, line_manager)
    row = risk_services.row_save(
        actor=line_manager,
        assessment=assessment,
        hazard="Solvent splash",
        probability=2,
        consequence_people=2,
        consequence_environment=1,
        consequence_material=1,
        consequence_reputation=1,
    )

    def first_change():
        risk_services.row_save(
            actor=line_manager,
            assessment=assessment,
            row=row,
            version=row.version,
            probability=5,
            consequence_people=5,
        )

    return Story(
        user=line_manager,
        url=reverse("risk:row_edit", args=[assessment.pk, row.pk]),
        field="hazard",
        typed={"hazard": "Solvent splash, now with a face shield", "probability": "1"},
        first_change=first_change,
        first_change_kept=lambda: RiskRow.objects.get(pk=row.pk).probability == 5,
    )


def risk_activities(fx):
    org, line_manager = fx("org"), fx("line_manager")
    assessment = _assessment(org, line_manager)
    activity = risk_services.activity_save(
        actor=line_manager, assessment=assessment, name="Distillation", harms_people=False
    )

    def first_change():
        risk_services.activity_save(
            actor=line_manager,
            assessment=assessment,
            activity=activity,
            version=activity.version,
            name="Distillation",
            harms_people=True,
        )

    return Story(
        user=line_manager,
        url=reverse("risk:assessment", args=[assessment.pk]),
        post_url=reverse("risk:activities", args=[assessment.pk]),
        field="activities-0-name",
        typed={"activities-0-name": "Vacuum distillation"},
        first_change=first_change,
        first_change_kept=lambda: WorkActivity.objects.get(pk=activity.pk).harms_people,
        version_field="activities-0-version",
    )


def risk_assessment_heading(fx):
    org, line_manager = fx("org"), fx("line_manager")
    assessment = _assessment(org, line_manager)

    def first_change():
        risk_services.assessment_update(
            actor=line_manager,
            assessment=assessment,
            version=assessment.version,
            title="Synthesis lab D2",
            activity=assessment.activity,
            assessed_on=assessment.assessed_on,
        )

    return Story(
        user=line_manager,
        url=reverse("risk:assessment_edit", args=[assessment.pk]),
        field="title",
        typed={"title": "Synthesis lab, second floor"},
        first_change=first_change,
        first_change_kept=lambda: (
            RiskAssessment.objects.get(pk=assessment.pk).title == "Synthesis lab D2"
        ),
    )


def _requirement() -> Requirement:
    return Requirement.objects.create(
        title="Forskrift om utførelse av arbeid",
        short_name="Utførelsesforskriften",
        kind=RequirementKind.REGULATION,
    )


def requirements_register(fx):
    org, line_manager = fx("org"), fx("line_manager")
    requirement = _requirement()
    register_services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={requirement.pk: (False, "")}
    )

    def first_change():
        register_services.requirements_register_save(
            actor=line_manager,
            unit=org.department,
            entries={requirement.pk: (True, "Chemicals in every lab")},
        )

    return Story(
        user=line_manager,
        url=reverse("registers:requirements", args=[org.department.code]),
        field=f"comment_{requirement.pk}",
        typed={f"comment_{requirement.pk}": "Only the teaching labs"},
        first_change=first_change,
        first_change_kept=lambda: UnitRequirement.objects.get(requirement=requirement).applies,
        version_field=f"version_{requirement.pk}",
    )


def requirement_catalogue(fx):
    hms_department = fx("hms_department")
    requirement = _requirement()

    def first_change():
        register_services.requirement_save(
            actor=hms_department,
            requirement=requirement,
            version=requirement.version,
            reference="https://lovdata.no/forskrift/2011-12-06-1357",
        )

    return Story(
        user=hms_department,
        url=reverse("registers:catalogue_edit", args=[requirement.pk]),
        field="short_name",
        typed={"title": "Utførelsesforskriften (arbeidsmiljø)"},
        first_change=first_change,
        first_change_kept=lambda: Requirement.objects.get(pk=requirement.pk).reference.startswith(
            "https://lovdata"
        ),
    )


def measure_edit(fx):
    org, line_manager = fx("org"), fx("line_manager")
    measure = plan_services.plan_measure_add(
        actor=line_manager,
        unit=org.department,
        title="Replace the fume cupboard",
        responsible=line_manager,
        deadline=timezone.localdate() + datetime.timedelta(days=60),
    )

    def first_change():
        plan_services.measure_update(
            actor=line_manager,
            measure=measure,
            version=measure.version,
            title="Replace the fume cupboard in D2-104",
            responsible=line_manager,
            deadline=measure.deadline,
        )

    return Story(
        user=line_manager,
        url=reverse("actionplans:measure_edit", args=[measure.pk]),
        field="title",
        typed={"description": "Order from the framework agreement"},
        first_change=first_change,
        first_change_kept=lambda: Measure.objects.get(pk=measure.pk).title.endswith("D2-104"),
    )


def _second_person_saves(user, url, field, theirs, post_url="", version_field="version"):
    """The first change made the way a person makes it: another browser session opens the
    same form and saves it with `theirs`."""

    def first_change():
        other = Client()
        other.force_login(user)
        data = form_on_page(other.get(url).content.decode(), field, version_field)
        response = other.post(post_url or url, {**data, **theirs})
        assert response.status_code in (200, 302), response.status_code

    return first_change


def unit_edit(fx):
    admin, unit = fx("administrator"), fx("org").department
    url = reverse("units:edit", args=[unit.code])
    return Story(
        user=admin,
        url=url,
        field="name_nb",
        typed={"name_nb": "Institutt for forsøk og feiling"},
        first_change=_second_person_saves(admin, url, "name_nb", {"name_en": "Trials Dept"}),
        first_change_kept=lambda: Unit.objects.get(pk=unit.pk).name_en == "Trials Dept",
    )


def deviation_deadline(fx):
    from deviations import services as deviation_services
    from deviations.models import Deviation
    from tests.factories import make_deviation

    line_manager = fx("line_manager")
    deviation = make_deviation(fx("org").department, fx("employee"), title="Glass on the floor")
    deviation_services.deviation_accept(actor=line_manager, deviation=deviation)
    theirs = timezone.localdate() + datetime.timedelta(days=10)
    typed = timezone.localdate() + datetime.timedelta(days=20)
    url = deviation.get_absolute_url()
    post_url = reverse("deviations:deadline", args=[deviation.number])
    return Story(
        user=line_manager,
        url=url,
        post_url=post_url,
        field="deadline",
        typed={"deadline": typed.isoformat()},
        first_change=_second_person_saves(
            line_manager, url, "deadline", {"deadline": theirs.isoformat()}, post_url
        ),
        first_change_kept=lambda: Deviation.objects.get(pk=deviation.pk).deadline == theirs,
    )


def cycle_step(fx):
    from hms.cycle import services as cycle_services
    from hms.cycle.models import CycleStep

    line_manager, unit = fx("line_manager"), fx("org").department
    year = timezone.localdate().year
    step = cycle_services.cycle_open(unit=unit, year=year).steps.get(key="inform_involve")
    url = reverse("cycle:cycle", args=[unit.code, year])
    post_url = reverse("cycle:step_edit", args=[unit.code, year, step.pk])
    comment = f"step-{step.pk}-comment"
    return Story(
        user=line_manager,
        url=url,
        post_url=post_url,
        field=comment,
        typed={comment: "We start in March"},
        first_change=_second_person_saves(
            fx("hms_department"),
            url,
            comment,
            {comment: "HSE department's note"},
            post_url,
            f"step-{step.pk}-version",
        ),
        first_change_kept=lambda: (
            CycleStep.objects.get(pk=step.pk).comment == "HSE department's note"
        ),
        version_field=f"step-{step.pk}-version",
    )


def _goal(fx):
    from hms.cycle import services as cycle_services

    return cycle_services.goal_create(
        actor=fx("line_manager"),
        unit=fx("org").department,
        year=timezone.localdate().year,
        title="No cuts in the workshop",
    )


def goal_edit(fx):
    from hms.cycle.models import Goal

    goal, user = _goal(fx), fx("line_manager")
    url = reverse("cycle:goal_edit", args=[goal.pk])
    return Story(
        user=user,
        url=url,
        field="title",
        typed={"title": "No cuts in the workshop or the lab"},
        first_change=_second_person_saves(user, url, "title", {"description": "Gloves"}),
        first_change_kept=lambda: Goal.objects.get(pk=goal.pk).description == "Gloves",
    )


def goal_evaluate(fx):
    from hms.cycle.models import Goal

    goal, user = _goal(fx), fx("line_manager")
    url = reverse("cycle:goal_evaluate", args=[goal.pk])
    theirs = {"evaluation": Goal.Evaluation.values[0], "evaluation_comment": "Reached"}
    return Story(
        user=user,
        url=url,
        field="evaluation_comment",
        typed={"evaluation": Goal.Evaluation.values[-1], "evaluation_comment": "Not quite"},
        first_change=_second_person_saves(user, url, "evaluation_comment", theirs),
        first_change_kept=lambda: Goal.objects.get(pk=goal.pk).evaluation_comment == "Reached",
    )


def document_edit(fx):
    from hms.registers.models import Document
    from tests.factories import make_document

    user = fx("line_manager")
    document = make_document(fx("org").department, user)
    url = reverse("registers:document_edit", args=[document.pk])
    return Story(
        user=user,
        url=url,
        field="title",
        typed={"title": "Branninstruks for laboratoriet"},
        first_change=_second_person_saves(user, url, "title", {"archive_ref": "2025/222"}),
        first_change_kept=lambda: Document.objects.get(pk=document.pk).archive_ref == "2025/222",
    )


def routine_edit(fx):
    from hms.registers.models import Routine
    from tests.factories import make_routine

    user = fx("line_manager")
    routine = make_routine(fx("org").department, user)
    url = reverse("registers:routine_edit", args=[routine.pk])
    return Story(
        user=user,
        url=url,
        field="purpose",
        typed={"purpose": "Mitt formål"},
        first_change=_second_person_saves(user, url, "purpose", {"procedure": "1. Noen andres"}),
        first_change_kept=lambda: Routine.objects.get(pk=routine.pk).procedure == "1. Noen andres",
    )


def survey_result_edit(fx):
    from hms.surveys import services as survey_services
    from hms.surveys.models import SurveyResult

    user = fx("line_manager")
    result = survey_services.result_add(
        actor=user,
        unit=fx("org").department,
        survey="ARK",
        year=timezone.localdate().year,
        topic="Workload",
        score=Decimal("3.5"),
        respondents=12,
    )
    url = reverse("surveys:result_edit", args=[result.pk])
    return Story(
        user=user,
        url=url,
        field="topic",
        typed={"comment": "Heavy in exam periods"},
        first_change=_second_person_saves(user, url, "topic", {"respondents": "14"}),
        first_change_kept=lambda: SurveyResult.objects.get(pk=result.pk).respondents == 14,
    )


def appraisals(fx):
    from hms.surveys import services as survey_services
    from hms.surveys.models import AppraisalCount

    user, unit = fx("line_manager"), fx("org").department
    year = timezone.localdate().year
    survey_services.appraisals_record(actor=user, unit=unit, year=year, held=3, eligible=10)
    url = reverse("surveys:unit", args=[unit.code]) + f"?year={year}"
    post_url = reverse("surveys:appraisals", args=[unit.code])
    return Story(
        user=user,
        url=url,
        post_url=post_url,
        field="held",
        typed={"held": "7"},
        first_change=_second_person_saves(user, url, "held", {"held": "5"}, post_url),
        first_change_kept=lambda: AppraisalCount.objects.get(unit=unit, year=year).held == 5,
    )


def indicator_values(fx):
    from indicators.models import Indicator, IndicatorValue

    user, unit = fx("line_manager"), fx("org").department
    indicator = Indicator.objects.get(code="fte")
    IndicatorValue.objects.create(
        indicator=indicator, unit=unit, year=2025, tertial=1, value=Decimal(10)
    )
    url = reverse("indicators:enter", args=[unit.code]) + "?year=2025&tertial=1"
    name = f"value_{indicator.pk}"
    return Story(
        user=user,
        url=url,
        field=name,
        typed={name: "15"},
        first_change=_second_person_saves(
            user, url, name, {name: "20"}, version_field=f"version_{indicator.pk}"
        ),
        first_change_kept=lambda: IndicatorValue.objects.get(indicator=indicator).value == 20,
        version_field=f"version_{indicator.pk}",
    )


def review_item_notes(fx):
    from indicators.review import services as review_services
    from indicators.review.models import AgendaItem

    user = fx("hms_department")
    review = review_services.review_create(actor=user, root=fx("org").root, year=2025)
    item = review.items.order_by("pk").first()
    url = reverse("review:detail", args=[2025])
    post_url = reverse("review:item_notes", args=[2025, item.pk])
    notes = f"n{item.pk}-notes"
    return Story(
        user=user,
        url=url,
        post_url=post_url,
        field=notes,
        typed={notes: "The rector asked for the sick-leave figures by faculty"},
        first_change=_second_person_saves(
            user, url, notes, {notes: "Noted by HMS"}, post_url, f"n{item.pk}-version"
        ),
        first_change_kept=lambda: AgendaItem.objects.get(pk=item.pk).notes == "Noted by HMS",
        version_field=f"n{item.pk}-version",
    )


def round_notes(fx):
    from risk.models import InspectionRound
    from tests.test_inspection_rounds import plan

    user = fx("line_manager")
    round_ = plan(user, fx("org").department, user, fx("safety_rep"))
    url = reverse("risk:round", args=[round_.pk])
    field = "pre_meeting_notes"
    button = {"action": "pre_meeting"}  # the form's submit button says which notes
    return Story(
        user=user,
        url=url,
        field=field,
        typed={field: "Walk the basement first", **button},
        first_change=_second_person_saves(user, url, field, {field: "Start in the lab", **button}),
        first_change_kept=lambda: (
            InspectionRound.objects.get(pk=round_.pk).pre_meeting_notes == "Start in the lab"
        ),
    )


def _measure(fx) -> Measure:
    user = fx("line_manager")
    return plan_services.plan_measure_add(
        actor=user,
        unit=fx("org").department,
        title="Replace the fume cupboard",
        responsible=user,
        deadline=timezone.localdate() + datetime.timedelta(days=60),
    )


def measure_progress(fx):
    measure, user = _measure(fx), fx("line_manager")
    url = reverse("actionplans:measure", args=[measure.pk])
    post_url = reverse("actionplans:measure_progress", args=[measure.pk])
    return Story(
        user=user,
        url=url,
        post_url=post_url,
        field="progress",
        typed={"progress": "Ordered; delivery in May"},
        first_change=_second_person_saves(
            user, url, "progress", {"progress": "Asked for offers"}, post_url
        ),
        first_change_kept=lambda: Measure.objects.get(pk=measure.pk).progress == "Asked for offers",
    )


def risk_approval(fx):
    """An approval based on what the approver saw before someone changed a hazard."""
    line_manager = fx("line_manager")
    fx("safety_rep")  # invited as the assessment is made
    story = risk_row(fx)
    assessment_pk = int(story.url.strip("/").split("/")[-3])
    url = reverse("risk:assessment", args=[assessment_pk])
    review_date = (timezone.localdate() + datetime.timedelta(days=300)).isoformat()
    return Story(
        user=line_manager,
        url=url,
        post_url=reverse("risk:approve", args=[assessment_pk]),
        field="review_date",
        typed={"review_date": review_date},
        first_change=story.first_change,
        first_change_kept=lambda: (
            RiskAssessment.objects.get(pk=assessment_pk).status == AssessmentStatus.DRAFT
            and story.first_change_kept()
        ),
    )


def routine_template(fx):
    from hms.registers.models import RoutineTemplate

    user = fx("hms_department")
    template = RoutineTemplate.objects.create(title="Alenearbeid", purpose="Trygt alenearbeid")
    url = reverse("registers:template_edit", args=[template.pk])
    return Story(
        user=user,
        url=url,
        field="purpose",
        typed={"purpose": "Trygt alenearbeid i laboratoriet"},
        first_change=_second_person_saves(user, url, "purpose", {"scope": "Alle laboratorier"}),
        first_change_kept=lambda: (
            RoutineTemplate.objects.get(pk=template.pk).scope == "Alle laboratorier"
        ),
    )


def course_edit(fx):
    from hms.training.models import Course

    user = fx("hms_department")
    course = Course.objects.get(code="stralevern")
    url = reverse("training:course_edit", args=[course.pk])
    return Story(
        user=user,
        url=url,
        field="name_en",
        typed={"name_en": "Radiation protection, the course for coordinators"},
        first_change=_second_person_saves(user, url, "name_en", {"validity_months": "36"}),
        first_change_kept=lambda: Course.objects.get(pk=course.pk).validity_months == 36,
    )


def agreement_edit(fx):
    from hms.registers.models import CoordinationAgreement
    from tests.factories import make_agreement

    user = fx("line_manager")
    agreement = make_agreement(fx("org").department, user)
    url = reverse("registers:agreement_edit", args=[agreement.pk])
    return Story(
        user=user,
        url=url,
        field="title",
        typed={"title": "Samordningsavtale for Kunnskapssenteret"},
        first_change=_second_person_saves(user, url, "title", {"premises": "Gastro-senteret"}),
        first_change_kept=lambda: (
            CoordinationAgreement.objects.get(pk=agreement.pk).premises == "Gastro-senteret"
        ),
    )


def measure_close(fx):
    measure, user = _measure(fx), fx("line_manager")
    url = reverse("actionplans:measure", args=[measure.pk])
    post_url = reverse("actionplans:measure_close", args=[measure.pk])
    return Story(
        user=user,
        url=url,
        post_url=post_url,
        field="effectiveness_comment",
        typed={"effectiveness": "effective", "effectiveness_comment": "No more spills since May"},
        first_change=_second_person_saves(
            user,
            url,
            "progress",
            {"progress": "Asked for offers"},
            reverse("actionplans:measure_progress", args=[measure.pk]),
        ),
        first_change_kept=lambda: Measure.objects.get(pk=measure.pk).progress == "Asked for offers",
    )


def working_group_member(fx):
    """Adding a person already in the group changes their part: the page showed the group
    before someone else made them the driver."""
    from hms.cycle import services as cycle_services
    from hms.cycle.models import WorkingGroupMember

    user, unit = fx("line_manager"), fx("org").department
    safety_rep = fx("safety_rep")
    year = timezone.localdate().year
    cycle_services.member_save(actor=user, unit=unit, year=year, user=safety_rep, part="Verneombud")
    url = reverse("cycle:cycle", args=[unit.code, year])
    post_url = reverse("cycle:member_save", args=[unit.code, year])
    theirs = {"person": "safety_rep", "part": "Hovedverneombud", "is_driver": "on"}
    return Story(
        user=user,
        url=url,
        post_url=post_url,
        field="part",
        typed={"person": "safety_rep", "part": "Verneombud for verkstedet"},
        first_change=_second_person_saves(user, url, "part", theirs, post_url),
        first_change_kept=lambda: WorkingGroupMember.objects.get(user=safety_rep).is_driver,
    )


def risk_took_part(fx):
    """The safety rep's participation, recorded by someone else, is not undone by a page
    that showed it unrecorded."""
    org, line_manager, safety_rep = fx("org"), fx("line_manager"), fx("safety_rep")
    assessment = _assessment(org, line_manager)
    manager = assessment.participants.get(user=line_manager)
    rep = assessment.participants.get(user=safety_rep)
    url = reverse("risk:assessment", args=[assessment.pk])
    post_url = reverse("risk:participants", args=[assessment.pk])
    return Story(
        user=line_manager,
        url=url,
        post_url=post_url,
        field=f"version_{manager.pk}",
        typed={"took_part": str(manager.pk)},
        first_change=_second_person_saves(
            line_manager,
            url,
            f"version_{rep.pk}",
            {"took_part": str(rep.pk)},
            post_url,
            f"version_{rep.pk}",
        ),
        first_change_kept=lambda: assessment.participants.get(pk=rep.pk).took_part,
        version_field=f"version_{rep.pk}",
    )


def round_took_part(fx):
    from tests.test_inspection_rounds import plan

    user, safety_rep = fx("line_manager"), fx("safety_rep")
    round_ = plan(user, fx("org").department, user, safety_rep)
    manager = round_.participants.get(user=user)
    rep = round_.participants.get(user=safety_rep)
    url = reverse("risk:round", args=[round_.pk])
    button = {"action": "participants"}  # the form's hidden action says which form
    return Story(
        user=user,
        url=url,
        field=f"version_{manager.pk}",
        typed={"took_part": str(manager.pk), **button},
        first_change=_second_person_saves(
            user,
            url,
            f"version_{rep.pk}",
            {"took_part": str(rep.pk), **button},
            version_field=f"version_{rep.pk}",
        ),
        first_change_kept=lambda: round_.participants.get(pk=rep.pk).took_part,
        version_field=f"version_{rep.pk}",
    )


def unit_move(fx):
    """Two moves at once: the second, chosen on the page before the first, is refused."""
    org, admin = fx("org"), fx("administrator")
    url = reverse("units:move", args=[org.section.code])
    return Story(
        user=admin,
        url=url,
        field="new_parent",
        typed={"new_parent": "OTHERDEP"},
        first_change=_second_person_saves(admin, url, "new_parent", {"new_parent": "FAC"}),
        first_change_kept=lambda: (
            Unit.objects.get(pk=org.section.pk).parent_path() == org.faculty.path
        ),
    )


EDIT_FORMS = [
    risk_row,
    risk_activities,
    risk_assessment_heading,
    requirements_register,
    requirement_catalogue,
    measure_edit,
    unit_edit,
    deviation_deadline,
    cycle_step,
    goal_edit,
    goal_evaluate,
    document_edit,
    routine_edit,
    survey_result_edit,
    appraisals,
    indicator_values,
    review_item_notes,
    round_notes,
    measure_progress,
    risk_approval,
    routine_template,
    course_edit,
    agreement_edit,
    measure_close,
    working_group_member,
    risk_took_part,
    round_took_part,
    unit_move,
]

# Edit forms not in EDIT_FORMS, each with the reason it needs no story of its own.
CANNOT_CONFLICT = {
    # Append-only: they add a row and replace nothing.
    "deviations:comment": "adds a comment to the case; append-only",
    "deviations:add_measure": "adds a new measure to the case",
    "risk:row_create, risk:row_measure": "add a new hazard or a new measure for it",
    "risk:round_finding": "adds a new finding to the round",
    "risk:participants (invite)": "adds a participant; inviting someone twice is refused",
    "risk:matrix_settings": "makes a new matrix version; the version number is unique, and "
    "a second one made at the same moment is refused",
    "cycle:goal_create, cycle:goal_measure, cycle:goal_carry_over": "create goals and measures",
    "registers document, routine, agreement and catalogue new-forms": "create rows",
    "training:record_new": "registers a new course completion; training records have no "
    "edit form (a wrong one is deleted and registered again)",
    "surveys:result_add, surveys:result_measure": "create a result or a measure",
    "review:participants, review:decision_add, review:decision_measure": "add rows to the review",
    "units:create, units:role_assign": "create a unit or a role assignment",
    # One-way actions on a record: doing them twice gives the same result, nothing typed is lost.
    "deviations:authorities": "records once that the authorities were told; a second is refused",
    "units:role_end, units:deactivate, units:reactivate": "one-way state changes",
    "registers:routine_approve": "carries the routine's version as a hidden field; a stale one "
    "is refused (the routine_edit story covers the mechanism)",
    # The same mechanism as a story above, on the same record and version.
    "deviations accept, reject, transfer, delegate, close": "the case's version, as "
    "deviation_deadline",
    "actionplans:measure_cancel": "the measure's version, as measure_progress and measure_close",
    "risk round answers and checks": "per-row versions with 409 (tests/test_inspection_rounds.py)",
    "risk:round_complete": "the round's version, as round_notes",
    "review:detail (summary), review:finalise": "the review's version, as review_item_notes",
}


@pytest.mark.parametrize("story", EDIT_FORMS, ids=lambda story: story.__name__)
def test_a_stale_save_is_refused_with_both_versions_and_the_input_kept(client, db, request, story):
    load_reference_data()  # a transactional test run before may have emptied the lists
    story = story(request.getfixturevalue)
    client.force_login(story.user)
    page = client.get(story.url)
    assert page.status_code == 200
    data = form_on_page(page.content.decode(), story.field, story.version_field)
    assert story.version_field in data, "the edit form carries the version it was shown with"
    shown_version = data[story.version_field]

    story.first_change()
    data.update(story.typed)
    response = client.post(story.post_url or story.url, data)

    assert response.status_code == 409
    assert story.first_change_kept()
    html = response.content.decode()
    for value in story.typed.values():
        assert value in html, "the stale input is shown back in the form"
    again = form_on_page(html, story.field, story.version_field)
    assert again[story.version_field] != shown_version, "saving again is a deliberate overwrite"


def test_saving_the_refused_form_again_replaces_the_first_change(client, db, request):
    """After the 409 the person has seen both versions; saving again is their decision."""
    load_reference_data()
    story = risk_row(request.getfixturevalue)
    client.force_login(story.user)
    data = form_on_page(client.get(story.url).content.decode(), story.field)
    story.first_change()
    data.update(story.typed)
    refused = client.post(story.url, data)
    assert refused.status_code == 409
    assert "The hazard as someone else saved it meanwhile" in refused.content.decode()
    again = form_on_page(refused.content.decode(), story.field)
    assert client.post(story.url, again).status_code == 302
    assert RiskRow.objects.get(hazard=story.typed["hazard"]).probability == 1


def test_every_edit_form_is_listed_or_explained():
    assert len(EDIT_FORMS) == len({story.__name__ for story in EDIT_FORMS})
    assert all(CANNOT_CONFLICT.values())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_people_save_the_same_hazard_in_the_browser(browser_page, request, line_manager):  # noqa: F811
    """The issue's story in a real browser: the safety rep's tab raises the risk to red; the
    line manager's tab, opened before, saves green. The second sees 409 and both versions."""
    load_reference_data()
    line_manager.set_password("hms-demo")
    line_manager.save()
    story = risk_row(request.getfixturevalue)
    page = browser_page
    log_in(page, line_manager.username)
    page.goto(story.url)
    story.first_change()  # the other tab saved 5 × E: red
    page.fill("textarea[name=hazard]", story.typed["hazard"])
    page.select_option("select[name=probability]", "1")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.click("#row-form button[type=submit]")
    assert posted.value.status == 409
    saved = page.locator("#row-saved")
    expect(saved).to_contain_text("Solvent splash")
    expect(saved.locator("[data-zone=red]").first).to_be_visible()
    expect(page.locator("textarea[name=hazard]")).to_have_value(story.typed["hazard"])
    if folder := os.environ.get("HMS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(folder, "stale-risk-row.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=os.path.join(folder, "stale-risk-row-390.png"), full_page=True)
    assert RiskRow.objects.get(pk=int(story.url.rstrip("/").split("/")[-1])).probability == 5
