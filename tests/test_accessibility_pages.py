"""The accessibility statement and the page furniture WCAG asks for, read from the HTML."""

import re

from django.urls import reverse

from tests.conftest import user_with_role
from units.models import Role


def test_anyone_reads_the_accessibility_statement_without_logging_in(client, org):
    user_with_role("hms_person", Role.HMS_DEPARTMENT, org.root)

    response = client.get(reverse("accessibility"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "WCAG 2.1" in page and "axe-core" in page
    assert 'href="https://www.uutilsynet.no/"' in page
    # Feedback goes to the HSE department, by name and address.
    assert 'href="mailto:hms_person@example.org"' in page


def test_statement_is_in_bokmal_by_default(client, org, settings):
    settings.LANGUAGE_CODE = "nb"
    client.cookies["django_language"] = "nb"
    page = client.get(reverse("accessibility")).content.decode()
    assert "<h1" in page and "Tilgjengelighetserklæring" in page
    assert "Hopp til hovedinnhold" in page


def test_every_page_has_the_skip_link_footer_link_and_favicon(client, org):
    page = client.get(reverse("login")).content.decode()
    assert re.search(r'<a class="skip-link" href="#main">', page)
    assert 'id="main" tabindex="-1"' in page
    assert f'href="{reverse("accessibility")}"' in page
    assert 'rel="icon"' in page


def test_the_menu_marks_the_current_page_and_not_a_phase_on_the_start_page(client, employee):
    client.force_login(employee)

    start = client.get(reverse("home"))
    phases = start.context["nav_phases"]
    assert not any(phase["active"] for phase in phases)
    assert re.search(
        r'class="navbar-brand[^"]*" href="/" aria-current="page"', start.content.decode()
    )

    listing = client.get(reverse("deviations:list"))
    page = listing.content.decode()
    assert page.count('aria-current="page"') >= 1
    assert re.search(r'href="/deviations/" aria-current="page"', page)
    active = [phase["key"] for phase in listing.context["nav_phases"] if phase["active"]]
    assert active == ["follow_up"]


def test_a_form_with_errors_puts_its_summary_first_for_the_focus(client, org, line_manager):
    client.force_login(line_manager)
    response = client.post(reverse("actionplans:add", args=[org.department.code]), {"title": ""})
    page = response.content.decode()
    assert "data-error-summary" in page and 'tabindex="-1"' in page
    assert page.index("data-error-summary") < page.index('id="measure-form"')
