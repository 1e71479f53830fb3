"""Content-Security-Policy: the headers, no inline code left in the served templates, and a real
browser opening the key pages for each kind of user without a single violation, with the
behaviours that used to be inline handlers (confirm, auto-submit, print, back, scroll) working.

Set HMS_SCREENSHOTS to a folder to keep a screenshot of every page opened.
"""

import os
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from indicators.review import services as review_services
from risk import services as risk_services
from risk.models import ChecklistTemplate, ParticipantRole
from tests.browser import browser_page, chromium, log_in  # noqa: F401 (fixtures)
from tests.factories import load_reference_data, make_deviation, make_measure

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
INLINE_CODE = [
    (re.compile(r"\bstyle\s*="), "style= attribute"),
    (re.compile(r"<style\b", re.I), "<style> block"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on*= handler"),
    (re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]

# Records every violation in the page itself: console wording differs between browsers.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push(event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + (event.sourceFile || location.pathname) + ":" + event.lineNumber);
});
"""

INJECT_INLINE_STYLE = (
    """document.body.insertAdjacentHTML("beforeend", '<p style="color: red">x</p>')"""
)


def test_no_inline_script_or_style_in_served_templates():
    """PDF templates (rendered by WeasyPrint, never served) may keep their <style>."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if "pdf" in path.relative_to(TEMPLATES).parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for pattern, what in INLINE_CODE:
                if pattern.search(line):
                    found.append(f"{path.relative_to(TEMPLATES.parent)}:{number}: {what}")
    assert not found, "Inline code the Content-Security-Policy blocks:\n" + "\n".join(found)


@pytest.mark.django_db
def test_every_response_carries_a_strict_policy(client, settings):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    permissions = response["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in permissions


@pytest.mark.django_db
def test_zone_stylesheet_colours_each_matrix_version(client, hms_department):
    """The zone colours are the HSE department's; the stylesheet follows a new version."""
    matrix = risk_services.current_matrix()
    response = client.get(reverse("risk:zone_stylesheet"))
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert f".rm-v{matrix.pk}-red {{ background-color: {matrix.red_colour}; color: #000; }}" in css
    again = client.get(reverse("risk:zone_stylesheet"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    matrix.red_colour = "#000080"
    matrix.save(update_fields=["red_colour"])
    changed = client.get(reverse("risk:zone_stylesheet"), HTTP_IF_NONE_MATCH=response["ETag"])
    assert changed.status_code == 200
    assert f".rm-v{matrix.pk}-red {{ background-color: #000080; color: #fff; }}" in (
        changed.content.decode()
    )


# --- The browser ------------------------------------------------------------------------------


@pytest.fixture
def records(org, line_manager, safety_rep, employee, hms_department):
    """One of each record the key pages show, in DEP."""
    load_reference_data()
    deviation = make_deviation(org.department, employee)
    assessment = risk_services.assessment_create(
        actor=line_manager, unit=org.department, title="Synthesis lab", activity="Room D2-104"
    )
    risk_services.row_save(
        actor=line_manager,
        assessment=assessment,
        hazard="Fire in solvents",
        probability=3,
        consequence_people=4,
        consequence_environment=2,
        consequence_material=4,
        consequence_reputation=2,
    )
    round_ = risk_services.round_plan(
        actor=line_manager,
        unit=org.department,
        planned_for=timezone.localdate(),
        participants=[
            (line_manager, ParticipantRole.LINE_MANAGER),
            (safety_rep, ParticipantRole.SAFETY_REP),
        ],
        checklists=list(ChecklistTemplate.objects.filter(slug__in=("general", "fire"))),
    )
    make_measure(org.department, line_manager)
    review = review_services.review_create(
        actor=hms_department, root=org.root, year=timezone.localdate().year
    )
    return {"deviation": deviation, "assessment": assessment, "round": round_, "review": review}


class Visit:
    """Opens pages in one browser page and collects every CSP violation it sees."""

    def __init__(self, page):
        self.page = page
        self.console = []
        self.violations = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)

    def _console(self, message):
        text = message.text
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.console.append(f"{self.page.url}: {text}")

    def open(self, path: str, name: str):
        response = self.page.goto(path)
        assert response.status < 400, f"{path} answered {response.status}"
        # The parts htmx loads after the page (hx-trigger="load") must be in too.
        self.page.wait_for_load_state("networkidle")
        self.collect(name)

    def collect(self, name: str):
        found = self.page.evaluate("window.__cspViolations || []")
        self.violations.extend(f"{self.page.url}: {entry}" for entry in found)
        folder = os.environ.get("HMS_SCREENSHOTS")
        if folder:
            self.page.screenshot(path=os.path.join(folder, f"csp-{name}.png"), full_page=True)

    def assert_clean(self):
        assert not self.violations, "CSP violations:\n" + "\n".join(self.violations)
        assert not self.console, "CSP console messages:\n" + "\n".join(self.console)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_key_pages_open_without_a_policy_violation(
    browser_page,  # noqa: F811
    records,
    org,
    administrator,
):
    page = browser_page
    visit = Visit(page)
    header = page.goto("/accounts/login/").headers["content-security-policy"]
    assert "unsafe-inline" not in header
    # The listener hears a violation: an inline style put in by hand is one.
    page.evaluate(INJECT_INLINE_STYLE)
    page.wait_for_function("() => window.__cspViolations.length > 0")
    page.evaluate("window.__cspViolations = []")
    page.reload()
    visit.console.clear()
    visit.collect("login")
    visit.open("/deviations/new/?unit=DEP", "deviation-new-visitor")  # the poster's link

    log_in(page, "line_manager", "hms-test-password")
    deviation, assessment = records["deviation"], records["assessment"]
    for path, name in [
        ("/", "start"),
        ("/units/", "unit-tree"),
        ("/units/DEP/", "unit"),
        ("/deviations/", "deviations"),
        ("/deviations/new/?unit=DEP", "deviation-new"),
        (deviation.get_absolute_url(), "deviation-case"),
        ("/deviations/trends/", "deviation-trends"),
        ("/deviations/qr/DEP/", "qr"),
        ("/risk/", "risk-list"),
        (assessment.get_absolute_url(), "assessment"),
        (reverse("risk:row_create", args=[assessment.pk]), "assessment-row"),
        ("/risk/matrix/", "risk-matrix"),
        (records["round"].get_absolute_url(), "round"),
        ("/risk/rounds/", "rounds"),
        ("/actionplans/DEP/", "action-plan"),
        ("/cycle/", "cycle"),
        ("/cycle/overview/", "cycle-overview"),
        ("/registers/requirements/", "requirements"),
        ("/registers/documents/", "documents"),
        ("/training/", "training"),
        ("/training/DEP/", "training-matrix"),
        ("/training/DEP/?below=1&q=lab&sort=-person", "training-matrix-search"),
        ("/indicators/", "indicators"),
        ("/indicators/DEP/", "indicators-unit"),
        ("/reports/", "reports"),
    ]:
        visit.open(path, name)

    # The hazard's cell shows while it is scored: the zone colour is a class of the matrix.
    page.goto(reverse("risk:row_create", args=[assessment.pk]))
    page.select_option("select[name=probability]", "5")
    page.select_option("select[name=consequence_people]", "5")
    badge = page.locator('[data-kind="now"]')
    assert re.search(r"\brm-v\d+-red\b", badge.get_attribute("class"))
    assert "25" in badge.inner_text()

    # The report form names the unit typed in (static/js/deviation-form.js).
    page.goto("/deviations/new/")
    page.fill("#id_unit", "DEP")
    expect(page.locator("#report-unit-name")).to_contain_text("Department of Trials")

    # htmx still swaps in partials: the tree's search.
    page.goto("/units/")
    page.fill("input[name=q]", "Trials")
    expect(page.locator("#tree-body")).to_contain_text("Department of Trials")
    visit.collect("unit-tree-search")

    # The QR poster's print button prints.
    page.goto("/deviations/qr/DEP/")
    page.evaluate("window.print = function () { window.__printed = true; }")
    page.click("[data-print]")
    assert page.evaluate("window.__printed === true")

    page.context.clear_cookies()
    log_in(page, "hms_department", "hms-test-password")
    for path, name in [
        ("/", "start-hms"),
        ("/risk/rounds/overview/", "round-overview"),
        ("/risk/matrix/settings/", "matrix-settings"),
        ("/review/", "reviews"),
        (records["review"].get_absolute_url(), "review"),
    ]:
        visit.open(path, name)

    page.context.clear_cookies()
    log_in(page, "employee", "hms-test-password")
    visit.open("/", "start-employee")
    visit.open("/deviations/new/", "deviation-new-employee")

    page.context.clear_cookies()
    log_in(page, "administrator", "hms-test-password")
    visit.open("/admin/", "admin")
    visit.open("/admin/units/unit/", "admin-units")
    visit.open("/units/SEC/", "unit-admin")

    # A confirm dialog declined leaves the unit as it was; the tree's toggle sends its form.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("form[action$='/delete/'] button")
    page.wait_for_load_state("load")
    assert page.url.endswith("/units/SEC/")
    assert type(org.section).objects.filter(pk=org.section.pk).exists()
    page.goto("/units/")
    with page.expect_navigation():
        page.check("#show-inactive")
    assert "inactive=1" in page.url
    visit.collect("unit-tree-inactive")
    visit.assert_clean()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_confirmed_delete_goes_through(browser_page, org, administrator):  # noqa: F811
    """The confirm is only a question: accepted, the form is sent."""
    page = browser_page
    log_in(page, "administrator", "hms-test-password")
    page.goto("/units/SEC/")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("form[action$='/delete/'] button")
    assert not type(org.section).objects.filter(pk=org.section.pk).exists()
