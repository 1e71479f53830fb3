"""WCAG 2.1 AA: axe-core over one page of each view kind, at desktop and phone size, in nb and en.

The journeys (tests/test_browser_journeys.py and every other test on `browser_page`) are
checked page by page by tests/axe.py; this module covers the kinds of page they do not pass
through, and the page furniture that is the same everywhere (skip link, menu, footer).
"""

import datetime
import os
import re

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from tests import axe
from tests.browser import browser_page, chromium, log_in  # noqa: F401 (fixtures)
from tests.factories import load_reference_data, make_deviation
from tests.waits import WAIT_MS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 390, "height": 844}}


@pytest.fixture
def records(settings):
    """The demo organisation, and one record of each kind the demo does not make."""
    from django.contrib.auth import get_user_model

    from risk import services as risk
    from risk.models import ChecklistTemplate, ParticipantRole
    from units.models import Unit

    settings.DEBUG = True
    load_reference_data()
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    settings.LANGUAGE_CODE = "nb"
    users = {u.username: u for u in get_user_model().objects.all()}
    unit = Unit.objects.get(code="IKJ")
    deviation = make_deviation(
        Unit.objects.get(code="IKJ-ORG"), users["ansatt"], title="Lekkasje i avtrekksskap 3"
    )
    assessment = risk.assessment_create(
        actor=users["leder"], unit=unit, title="Arbeid i kjemilab", activity="Syntese"
    )
    for hazard, probability, consequence in [("Søl av etsende væske", 4, 4), ("Kutt", 2, 2)]:
        row = risk.row_save(
            actor=users["leder"],
            assessment=assessment,
            hazard=hazard,
            probability=probability,
            consequence_people=consequence,
            consequence_environment=1,
            consequence_material=1,
            consequence_reputation=1,
        )
    measure = risk.row_propose_measure(
        actor=users["leder"],
        row=row,
        title="Kuttsikre hansker ved benk 2",
        responsible=users["leder"],
        deadline=datetime.date(2070, 6, 30),
    )
    round_ = risk.round_plan(
        actor=users["leder"],
        unit=unit,
        planned_for=timezone.localdate(),
        participants=[
            (users["leder"], ParticipantRole.LINE_MANAGER),
            (users["verneombud"], ParticipantRole.SAFETY_REP),
        ],
        checklists=list(ChecklistTemplate.objects.all()[:1]),
    )
    return {
        "deviation": deviation,
        "assessment": assessment,
        "measure": measure,
        "round": round_,
        "hms": users["hms"],
    }


def pages_of_the_hse_department(records) -> list[str]:
    from hms.training.models import Course
    from risk.models import HazardTemplate

    year = timezone.localdate().year
    return [
        "/",
        "/accessibility/",
        "/deviations/",
        records["deviation"].get_absolute_url(),
        "/deviations/trends/",
        "/deviations/new/",
        "/actionplans/",
        "/actionplans/IKJ/",
        records["measure"].get_absolute_url(),
        "/risk/",
        records["assessment"].get_absolute_url(),
        "/risk/red/",
        "/risk/matrix/",
        "/risk/rounds/",
        records["round"].get_absolute_url(),
        "/risk/templates/",
        HazardTemplate.objects.first().get_absolute_url(),
        "/risk/rounds/checklists/",
        f"/cycle/IKJ/{year}/",
        "/cycle/overview/",
        "/cycle/steps/",
        "/indicators/",
        "/indicators/IKJ/",
        "/reports/",
        "/review/",
        "/registers/IKJ/",
        "/registers/documents/",
        "/registers/routines/",
        "/registers/agreements/",
        "/registers/requirements/",
        "/training/",
        "/training/IKJ/?below=1&q=kurs&sort=-person",
        "/training/courses/",
        f"/training/courses/{Course.objects.first().pk}/",
        "/surveys/",
        "/units/",
        "/units/IKJ/",
        "/people/",
        f"/people/{records['hms'].pk}/",
        "/deviations/D-0000-0000/",  # the 404 page
    ]


def check(page, found: list[str]) -> None:
    shots = os.environ.get("HMS_SCREENSHOTS")  # to look at the pages, as they were checked
    if shots:
        name = re.sub(r"[^a-z0-9]+", "-", page.url.split("//", 1)[1].split("/", 1)[1].lower())
        width = page.viewport_size["width"]
        language = page.locator("html").get_attribute("lang")
        page.screenshot(path=os.path.join(shots, f"{language}-{width}-{name or 'start'}.png"))
    violations = axe.violations_of(page)
    if violations:
        found.append(axe.describe(page.url, violations))


def submit_without_browser_checks(page, form: str) -> None:
    """Sends a form as a browser without client-side validation would: the server's errors."""
    page.locator(form).evaluate("f => { f.noValidate = true; }")
    page.locator(f"{form} [type=submit]").first.click()
    page.wait_for_load_state()


def visit_everything(page, records, found: list[str], language: str, origin: str) -> None:
    # Without an account: the login page, the anonymous report (with errors, then sent), and
    # the receipt page its code opens.
    page.goto("/accounts/login/")
    check(page, found)
    page.goto("/deviations/new/?unit=IKJ-ORG")
    submit_without_browser_checks(page, "#report-form")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check(page, found)
    page.fill("#id_title", "Glatt trapp ved inngang B")
    page.fill("#id_description", "Is på trappen, ingen strøing.")
    # A click on the input itself (a clicked point may fall on the label styled as a button).
    page.locator("input[name=deviation_type][value=hazard]").dispatch_event("click")
    page.select_option("#id_category", index=1)
    page.locator("input[name=severity][value=minor]").dispatch_event("click")
    page.locator("#report-form [type=submit]").click()
    expect(page.locator("#report-received")).to_be_visible()
    check(page, found)
    code = page.locator(".receipt-code").inner_text().strip()
    page.goto("/deviations/receipt/")
    page.fill("input[name=code]", code)
    page.locator("main form [type=submit]").click()
    page.wait_for_load_state()
    check(page, found)

    log_in(page, "ansatt")  # the employee's start page
    check(page, found)
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": origin}])

    log_in(page, "hms")
    for url in pages_of_the_hse_department(records):
        page.goto(url)
        check(page, found)
    # A form that comes back with errors: focus is on the summary of what to fix.
    page.goto("/actionplans/IKJ/new/")
    submit_without_browser_checks(page, "main form[method=post]")
    expect(page.locator("[data-error-summary]")).to_be_focused()
    check(page, found)

    # Django's admin, as the administrator uses it: the unit tree (treebeard), a change form
    # with date-time fields and the two-list picker, autocompletes, tabular inlines, and a
    # change list with editable cells.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": origin}])
    log_in(page, "admin")
    for url in admin_pages():
        page.goto(url)
        page.wait_for_load_state("networkidle")
        check(page, found)


def admin_pages() -> list[str]:
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(username="admin")
    return [
        "/admin/",
        "/admin/units/unit/",
        f"/admin/units/user/{admin.pk}/change/",
        "/admin/units/roleassignment/add/",
        "/admin/deviations/category/",
    ]


@pytest.mark.parametrize("language", ["nb", "en"])
def test_every_kind_of_page_passes_axe(chromium, live_server, records, language):  # noqa: F811
    found: list[str] = []
    for size in SIZES.values():
        context = chromium.new_context(base_url=live_server.url, viewport=size)
        context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        try:
            visit_everything(page, records, found, language, live_server.url)
        finally:
            context.close()
            print("\n".join(found))  # shown with a failure of another kind too
    assert not found, "axe found WCAG 2.1 AA violations\n" + "\n".join(found)


def test_skip_link_menu_and_footer(browser_page, live_server, records):  # noqa: F811
    page = browser_page
    page.context.add_cookies([{"name": "django_language", "value": "nb", "url": live_server.url}])
    log_in(page, "leder")
    # The first Tab reaches the skip link, which takes focus past the menu to the content.
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_have_text("Hopp til hovedinnhold")
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    # On the start page the start link is the current page, and no phase ("Initiate") claims it.
    expect(page.locator(".navbar-brand")).to_have_attribute("aria-current", "page")
    expect(page.locator("#main-nav .dropdown-toggle.active")).to_have_count(0)
    page.goto("/deviations/")
    expect(page.locator(".navbar-brand")).not_to_have_attribute("aria-current", "page")
    current = page.locator("#main-nav [aria-current=page]")
    expect(current).to_have_count(1)
    expect(current).to_have_attribute("href", "/deviations/")
    expect(page.locator("#main-nav .dropdown-toggle.active")).to_have_count(1)
    # The statement is linked from every page's footer.
    page.locator("footer").get_by_role("link", name=re.compile("Tilgjengelighetserklæring")).click()
    expect(page.locator("h1")).to_have_text("Tilgjengelighetserklæring")
    expect(page.locator("main")).to_contain_text("WCAG 2.1")
    expect(page.locator("main a[href^='https://www.uutilsynet.no']")).to_have_count(1)
    # The favicon is there and served.
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert page.request.get(icon).ok
