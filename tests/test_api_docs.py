"""The API docs (/api/docs/) render offline, from our own static files, under the site's
strict Content-Security-Policy, with not a single violation."""

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser import browser_page, chromium, log_in  # noqa: F401 (fixture)
from tests.test_csp import RECORD_VIOLATIONS
from tests.waits import WAIT_MS


def test_docs_page_is_served_from_our_own_origin(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<style" not in page
    assert "cdn" not in page.lower() and "https://" not in page
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]


@pytest.mark.browser
def test_docs_render_with_no_csp_violation(browser_page, live_server, db):  # noqa: F811
    page = browser_page
    console_errors, outside = [], []
    page.on("console", lambda m: m.type == "error" and console_errors.append(m.text))
    ours = urlsplit(live_server.url).port

    def note_request(request):
        if not request.url.startswith("data:") and urlsplit(request.url).port != ours:
            outside.append(request.url)

    page.on("request", note_request)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("HMS API", timeout=WAIT_MS)
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    assert page.locator(".opblock").count() >= 10
    if folder := os.environ.get("HMS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(folder, "api-docs.png"), full_page=False)
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
    assert outside == []


@pytest.mark.browser
def test_user_makes_a_token_from_the_user_menu(browser_page, line_manager):  # noqa: F811
    page = browser_page
    page.add_init_script(RECORD_VIOLATIONS)
    log_in(page, "line_manager", "hms-test-password")
    page.click("#current-user")
    page.get_by_role("link", name="API tokens").click()
    page.fill("#id_name", "Power BI")
    page.click("#token-form button[type=submit]")
    token = page.locator("#new-token code").inner_text()
    assert token.startswith("hms_")
    expect(page.locator("#token-list")).to_contain_text("Power BI")
    expect(page.locator("#token-list")).to_contain_text("Read-only")
    if folder := os.environ.get("HMS_SCREENSHOTS"):
        page.screenshot(path=os.path.join(folder, "api-tokens.png"), full_page=True)
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator("#token-list")).to_contain_text("Revoked")
    assert page.evaluate("window.__cspViolations") == []
