"""Headless Chromium for the browser journeys: Debian's chromium driven by Playwright.

Playwright's own browser download does not work offline, so the journeys use the system's
Chromium (`/usr/bin/chromium`, or HMS_BROWSER). Without one they are skipped, loudly; with
HMS_REQUIRE_BROWSER=1 (CI) a missing browser is an error instead.
"""

import os
import shutil

import pytest
from django.db import connections

from tests import axe
from tests.waits import WAIT_MS

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return (
        os.environ.get("HMS_BROWSER")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for a module's tests; each test gets a fresh context (cookies, storage)."""
    path = chromium_path()
    if path is None:
        message = "BROWSER JOURNEY SKIPPED: no Chromium found (apt-get install chromium)"
        if os.environ.get("HMS_REQUIRE_BROWSER"):
            pytest.fail(message.replace("SKIPPED", "REQUIRED"))
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; the tests still touch the
    # database directly, which Django would otherwise refuse inside a running loop.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        from playwright.sync_api import expect, sync_playwright

        # Playwright's assertions give up after 5 s by default: far too soon on a busy machine.
        expect.set_options(timeout=WAIT_MS)

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=path, args=CHROMIUM_FLAGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()


@pytest.fixture
def browser_page(chromium, live_server):
    """A page whose every load on our origin is checked by axe (tests/axe.py)."""
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 900}
    )
    watcher = axe.watch(context, live_server.url)
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    try:
        yield page
        watcher.assert_clean(page)
    finally:
        # Playwright runs the test in a greenlet with a context of its own, and Django's
        # connections are context-local: one opened here would outlive the test unseen
        # by the usual clean-up (and be dead after a later test's database outage).
        connections.close_all()
        artifacts = os.environ.get("HMS_SCREENSHOTS")
        if artifacts:
            page.screenshot(path=os.path.join(artifacts, "last-page.png"), full_page=True)
        context.close()


def log_in(page, username: str, password: str = "hms-demo") -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_selector("#current-user", state="attached")  # in the closed menu on a phone
