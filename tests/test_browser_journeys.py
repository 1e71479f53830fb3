import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import browser_page, log_in  # noqa: F401 (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    settings.LANGUAGE_CODE = "nb"  # the project's default; the test suite otherwise reads English


def test_line_manager_opens_the_unit_page_and_switches_language(browser_page, demo):  # noqa: F811
    page = browser_page
    log_in(page, "leder")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    # From the home page, the line manager's own department.
    page.get_by_role("link", name=re.compile("Institutt for kjemi")).first.click()
    expect(page.locator("h1")).to_contain_text("Institutt for kjemi")
    roles = page.locator("#roles")
    expect(roles).to_contain_text("Lars Hansen")  # leder, the line manager
    expect(roles).to_contain_text("Sofie Johansen")  # verneombud, the safety rep
    expect(roles).to_contain_text("Hilde Berg")  # hms, inherited from NTNU
    expect(roles).to_contain_text("Linjeleder")

    page.locator("#language-switch button[value=en]").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Department of Chemistry")
    expect(roles).to_contain_text("Line manager")
    expect(roles).to_contain_text("Responsibility, tasks and authority")

    page.locator("#language-switch button[value=nb]").click()
    expect(page.locator("h1")).to_contain_text("Institutt for kjemi")


def test_anyone_browses_and_searches_the_tree(browser_page, demo):  # noqa: F811
    page = browser_page
    log_in(page, "ansatt")
    page.goto("/units/")
    expect(page.locator(".unit-tree")).to_contain_text("NTNU")
    # Open a faculty: its departments load into the tree without a page reload.
    faculty = page.locator("xpath=//details[summary[contains(., 'Fakultet for naturvitenskap')]]")
    faculty.locator("summary").first.click()
    expect(faculty).to_contain_text("Institutt for kjemi")
    page.fill("input[name=q]", "kjemi")
    expect(page.locator("#tree-body")).to_contain_text("Institutt for kjemisk prosessteknologi")
