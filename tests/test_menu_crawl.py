"""Every page the menu offers opens for the one it is offered to: as each demo user, the menu's
links and the start page's links are followed (and the links on the menu's pages, one level
further), and none may answer 500; a menu link may not answer 404 or 403 (the employee's
"Red risks" did: the menu showed a page that does not exist for them).

The demo organisation is seeded once, inside the test's transaction.
"""

import re
from collections.abc import Iterable
from html import unescape
from io import StringIO
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

DEMO_USERS = ("admin", "hms", "leder", "verneombud", "ansatt", "leder2")
# Not pages to read: leaving, switching language, the admin (its own app), files.
SKIPPED = re.compile(r"^/(accounts/logout|i18n/|admin/|static/|media/|api/)")
FURTHER_PER_USER = 60  # links followed from the menu's pages, per user (the machine is small)
HREF = re.compile(r'<a\b[^>]*\bhref="([^"#]+)"')


def _links(html: str, section: str | None = None) -> list[str]:
    if section is not None and section in html:
        html = html[html.index(section) :]
    found = []
    for href in HREF.findall(html):
        href = unescape(href)
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not href.startswith("/") or SKIPPED.match(href):
            continue
        found.append(href)
    return list(dict.fromkeys(found))


def _main(html: str) -> str:
    start = html.find("<main")
    end = html.find("</main>")
    return html[start:end] if start >= 0 and end > start else ""


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # seed_demo refuses to run without it
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False


def _visit(client: Client, urls: Iterable[str], seen: dict) -> list[tuple[str, str]]:
    pages = []
    for url in urls:
        if url in seen:
            continue
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            pages.append((url, response.content.decode()))
    return pages


@pytest.mark.django_db
def test_every_menu_page_opens_for_each_demo_user(demo):
    problems = []
    for username in DEMO_USERS:
        client = Client(raise_request_exception=False)
        client.force_login(get_user_model().objects.get(username=username))
        start = client.get("/")
        assert start.status_code == 200, username
        menu = [
            url for phase in start.context["nav_phases"] for _label, url, *_rest in phase["items"]
        ]
        assert menu, username
        seen: dict[str, int] = {"/": 200}
        menu_pages = _visit(client, menu, seen)
        for url in menu:
            if seen[url] in (403, 404) or seen[url] >= 500:
                problems.append(f"{username}: menu link {url} answers {seen[url]}")
        start_links = _links(_main(start.content.decode()))
        _visit(client, start_links, seen)
        further = []
        for _url, html in menu_pages:
            further.extend(link for link in _links(_main(html)) if link not in seen)
        _visit(client, list(dict.fromkeys(further))[:FURTHER_PER_USER], seen)
        problems.extend(
            f"{username}: {url} answers {status}" for url, status in seen.items() if status >= 500
        )
        if username == "ansatt":
            assert "/risk/red/" not in menu
    assert problems == []
