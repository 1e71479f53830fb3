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
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from actionplans import services as plan_services
from actionplans.models import Measure
from hms.registers import services as register_services
from hms.registers.models import Requirement, RequirementKind, UnitRequirement
from risk import services as risk_services
from risk.models import RiskAssessment, RiskRow, WorkActivity
from tests.browser import browser_page, log_in  # noqa: F401 (fixture)
from tests.factories import load_reference_data


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


def form_on_page(html: str, field: str) -> dict[str, str]:
    """The data of the form on the page that has `field`, as a browser would post it."""
    parser = _FormFields()
    parser.feed(html)
    for form in parser.forms:
        names = [name for name, _value in form["fields"]]
        if field in names:
            return {name: value for name, value in form["fields"] if name != "csrfmiddlewaretoken"}
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


def risk_row(org, line_manager, hms_department):
    """The issue's story: a red risk turned green by a second person who never saw it red."""
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


def risk_activities(org, line_manager, hms_department):
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


def risk_assessment_heading(org, line_manager, hms_department):
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


def requirements_register(org, line_manager, hms_department):
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


def requirement_catalogue(org, line_manager, hms_department):
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


def measure_edit(org, line_manager, hms_department):
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


EDIT_FORMS = [
    risk_row,
    risk_activities,
    risk_assessment_heading,
    requirements_register,
    requirement_catalogue,
    measure_edit,
]

# Forms that change an existing record but cannot lose anyone's work to a stale save.
CANNOT_CONFLICT = {
    "risk:row_measure": "adds a new measure for the hazard; nothing existing is replaced",
    "risk:round_finding": "adds a new finding to the round; append-only",
    "risk:participants (invite)": "adds a participant; inviting twice is refused as a duplicate",
    "registers document, routine and agreement new-forms": "create rows; nothing to overwrite",
}


@pytest.mark.parametrize("story", EDIT_FORMS, ids=lambda story: story.__name__)
def test_a_stale_save_is_refused_with_both_versions_and_the_input_kept(
    client, org, line_manager, hms_department, story
):
    story = story(org, line_manager, hms_department)
    client.force_login(story.user)
    page = client.get(story.url)
    assert page.status_code == 200
    data = form_on_page(page.content.decode(), story.field)
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
    again = form_on_page(html, story.field)
    assert again[story.version_field] != shown_version, "saving again is a deliberate overwrite"


def test_saving_the_refused_form_again_replaces_the_first_change(
    client, org, line_manager, hms_department
):
    """After the 409 the person has seen both versions; saving again is their decision."""
    story = risk_row(org, line_manager, hms_department)
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
    assert all(reason for reason in CANNOT_CONFLICT.values())


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_two_people_save_the_same_hazard_in_the_browser(browser_page, org, line_manager):  # noqa: F811
    """The issue's story in a real browser: the safety rep's tab raises the risk to red; the
    line manager's tab, opened before, saves green. The second sees 409 and both versions."""
    load_reference_data()
    line_manager.set_password("hms-demo")
    line_manager.save()
    story = risk_row(org, line_manager, None)
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
