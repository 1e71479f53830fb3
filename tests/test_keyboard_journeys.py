"""Keyboard only (WCAG 2.1.1): report a deviation, triage it, add a measure — Tab, Enter, Space,
arrows and typing, no mouse. Every page on the way is checked by axe too (tests/browser.py)."""

import pytest
from playwright.sync_api import expect

from tests.browser import browser_page, chromium  # noqa: F401 (fixtures)
from tests.factories import load_reference_data, make_deviation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def focused_matches(page, selector: str) -> bool:
    return page.evaluate(
        "s => !!document.activeElement && document.activeElement.matches(s)", selector
    )


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Presses Tab until the focus is on `selector`, as a keyboard user moves through a page."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_matches(page, selector):
            return
    where = page.evaluate("document.activeElement && document.activeElement.outerHTML")
    pytest.fail(f"Tab never reached {selector} on {page.url} (focus is on {where[:200]})")


def type_into(page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def choose_radio(page, name: str, value: str) -> None:
    """Into the group with Tab, then the arrows move and choose (Space picks the first)."""
    tab_to(page, f"input[name={name}]")
    page.keyboard.press("Space")
    for _ in range(12):
        if focused_matches(page, f"input[name={name}][value={value}]:checked"):
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"the arrows never reached {name}={value}")


def choose_option(page, selector: str, value: str) -> None:
    """Into the list with Tab; the arrows go through its options (the list stays closed)."""
    tab_to(page, selector)
    for _ in range(40):
        if page.locator(selector).evaluate("s => s.value") == value:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"option {value!r} not reached in {selector}")


def type_date(page, selector: str, day: str, month: str, year: str) -> None:
    """A date field takes its parts as typed, in the order of the browser's locale (en-US)."""
    tab_to(page, selector)
    page.keyboard.type(month + day + year)


def log_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    type_into(page, "input[name=username]", username)
    page.keyboard.press("Tab")
    page.keyboard.type("hms-demo")
    page.keyboard.press("Enter")
    page.wait_for_selector("#current-user")


@pytest.fixture
def keyboard_users(org, employee, line_manager):
    load_reference_data()  # the categories (a transaction test starts with empty tables)
    for user in (employee, line_manager):
        user.set_password("hms-demo")
        user.save()
    return employee, line_manager


def test_employee_reports_a_deviation_with_the_keyboard(browser_page, keyboard_users):  # noqa: F811
    from deviations.models import Category, Deviation

    employee, _line_manager = keyboard_users
    page = browser_page
    log_in(page, employee.username)
    # The skip link first, then straight into the page.
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    page.goto("/deviations/new/")
    type_into(page, "#id_title", "Glatt gulv i korridoren")
    type_into(page, "#id_description", "Vann fra taket, ingen skilt.")
    choose_radio(page, "deviation_type", "hazard")
    choose_option(page, "#id_category", str(Category.objects.get(code="building").pk))
    choose_radio(page, "severity", "minor")
    tab_to(page, "#report-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#report-received")).to_be_visible()
    deviation = Deviation.objects.get(title="Glatt gulv i korridoren")
    assert deviation.reporter == employee
    assert deviation.deviation_type == "hazard" and deviation.severity == "minor"


def test_line_manager_triages_and_adds_a_measure_with_the_keyboard(
    browser_page,  # noqa: F811
    org,
    keyboard_users,
):
    from deviations.models import Status

    employee, line_manager = keyboard_users
    deviation = make_deviation(org.section, employee)
    page = browser_page
    log_in(page, line_manager.username)
    page.goto("/deviations/")
    # From the list to the case by its link, with Tab and Enter.
    tab_to(page, f"main a[href='{deviation.get_absolute_url()}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{deviation.get_absolute_url()}")

    # Triage: take the case, with a deadline.
    type_date(page, "#accept-form input[name=deadline]", "31", "01", "2070")
    tab_to(page, "#accept-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#add-measure summary")).to_be_visible()
    deviation.refresh_from_db()
    assert deviation.status == Status.UNDER_TREATMENT
    assert str(deviation.deadline) == "2070-01-31"

    # A measure: open the form with Enter on its summary, pick the person with the arrows.
    tab_to(page, "#add-measure summary")
    page.keyboard.press("Enter")
    measure_form = page.locator("#add-measure form")
    expect(measure_form).to_be_visible()
    type_into(page, "#add-measure input[name=title]", "Sett opp skilt og tørk gulvet")
    type_into(page, "#add-measure input[name=responsible_text]", line_manager.get_full_name()[:5])
    expect(measure_form.locator("[role=option]").first).to_be_visible()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(measure_form.locator("input[name=responsible]")).to_have_value(line_manager.username)
    type_date(page, "#add-measure input[name=deadline]", "28", "02", "2070")
    tab_to(page, "#add-measure button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#measures")).to_contain_text("Sett opp skilt og tørk gulvet")
    measure = deviation.measures.get()
    assert measure.responsible == line_manager and str(measure.deadline) == "2070-02-28"
    deviation.refresh_from_db()
    assert deviation.status == Status.MEASURES
