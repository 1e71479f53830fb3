"""One whole institution sign-in in a real browser, through the real provider's own login and
consent pages (npm's oidc-provider, tests/oidc_provider.py)."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser import browser_page, chromium  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screenshot(page, name: str) -> None:
    """With HMS_SCREENSHOTS=folder, the page at desktop and phone width, for a look."""
    folder = os.environ.get("HMS_SCREENSHOTS")
    if not folder:
        return
    for width, suffix in ((1280, "desktop"), (390, "phone")):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=os.path.join(folder, f"{name}-{suffix}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def test_sign_in_with_the_institution_from_the_login_page(
    browser_page,  # noqa: F811
    live_server,
    oidc_provider_factory,
    settings,
    org,
):
    provider = oidc_provider_factory(live_server.url)
    provider.add_account(
        "sub-kari", name="Kari Nordmann", email="kari@ntnu.no", feide_id="kari@ntnu.no"
    )
    page = browser_page
    page.goto("/accounts/login/")
    screenshot(page, "login-with-provider")

    page.click("#oidc-login")  # one click, and the provider's own pages
    page.fill("input[name=login]", "sub-kari")
    page.fill("input[name=password]", "any-password")
    page.click("button[type=submit]")
    expect(page.locator("button[type=submit]")).to_contain_text("Continue")  # consent
    page.click("button[type=submit]")

    expect(page.locator("#current-user")).to_contain_text("Kari Nordmann")
    assert page.url == f"{live_server.url}/"

    page.goto("/accounts/oidc/callback/?error=access_denied&state=none")
    expect(page.locator("#oidc-error")).to_contain_text("cancelled")
    screenshot(page, "oidc-error")


def test_the_login_page_without_a_provider(browser_page, settings, org):  # noqa: F811
    settings.OIDC_ISSUER = ""
    page = browser_page
    page.goto("/accounts/login/")
    expect(page.locator("#oidc-login")).to_have_count(0)
    expect(page.locator("input[name=password]")).to_be_visible()
    screenshot(page, "login-without-provider")
