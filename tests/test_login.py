"""Local login that holds: password reset and change, and login throttling (django-axes)."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db.models import F

from tests.factories import UserFactory

PASSWORD = "hms-test-password"
LOGIN = "/accounts/login/"


@pytest.fixture
def person(db):
    return UserFactory(username="kari", email="kari@example.org")


def log_in(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def logged_in_as(client) -> str | None:
    response = client.get("/")
    return response.context["user"].username if response.status_code == 200 else None


# --- Password reset ----------------------------------------------------------------------------


def test_login_page_links_to_password_reset(client, db):
    response = client.get(LOGIN)
    assert 'href="/accounts/password_reset/"' in response.content.decode()


@pytest.mark.parametrize(
    ("language", "subject", "page_words"),
    [
        ("en", "Reset your password for HSE", "Choose a new password"),
        ("nb", "Tilbakestill passordet ditt i HMS", "Velg nytt passord"),
        ("nn", "Tilbakestill passordet ditt i HMS", "Vel nytt passord"),
    ],
)
def test_password_reset_email_link_sets_a_new_password(
    client, person, settings, language, subject, page_words
):
    settings.SITE_URL = "https://hms.example.org"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language

    response = client.post("/accounts/password_reset/", {"email": "kari@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password_reset/done/"

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["kari@example.org"]
    assert message.subject == subject
    assert "kari" in message.body
    link = re.search(r"https://hms\.example\.org(/accounts/reset/\S+/)", message.body).group(1)

    # Django swaps the token in the link for a session token and redirects.
    form_page = client.get(link, follow=True)
    assert page_words in form_page.content.decode()
    new_password = "a-new-and-long-password-7"
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"

    client.cookies.pop("sessionid", None)
    assert log_in(client, "kari", new_password).status_code == 302
    assert logged_in_as(client) == "kari"
    # The link works once.
    client.logout()
    again = client.get(link, follow=True)
    assert 'name="new_password1"' not in again.content.decode()


def test_password_reset_does_not_say_whether_an_address_exists(client, person):
    known = client.post("/accounts/password_reset/", {"email": "kari@example.org"})
    unknown = client.post("/accounts/password_reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    done = client.get(known["Location"]).content.decode()
    assert "If an account with a password has this address" in done


def test_password_reset_pages_are_open_to_anonymous_users(client, db):
    for url in ("/accounts/password_reset/", "/accounts/password_reset/done/"):
        assert client.get(url).status_code == 200
    broken = client.get("/accounts/reset/MQ/set-password/")
    assert "This link does not work" in broken.content.decode()


# --- Password change ---------------------------------------------------------------------------


def test_outsider_cannot_open_password_change(client, db):
    response = client.get("/accounts/password_change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_user_changes_own_password_from_the_menu(client, person):
    client.force_login(person)
    assert 'href="/accounts/password_change/"' in client.get("/").content.decode()

    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "wrong", "new_password1": "x", "new_password2": "x"},
    )
    assert wrong.status_code == 200
    assert "old password was entered incorrectly" in wrong.content.decode()

    new_password = "another-long-password-42"
    response = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response["Location"] == "/accounts/password_change/done/"
    assert logged_in_as(client) == "kari"  # the session stays valid
    client.logout()
    assert log_in(client, "kari", PASSWORD).status_code == 200  # refused, form again
    assert log_in(client, "kari", new_password).status_code == 302


# --- Login throttling --------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_out_the_right_one(client, person):
    for _ in range(30):
        log_in(client, "kari", "wrong")
    response = log_in(client, "kari", PASSWORD)
    assert response.status_code == 429
    assert logged_in_as(client) is None
    page = response.content.decode()
    assert "Too many attempts" in page
    assert "Try again in 15 minutes" in page


def test_lockout_page_speaks_bokmal(client, person):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "kari", "wrong")
    response = log_in(client, "kari", PASSWORD)
    assert response.status_code == 429
    assert "Prøv igjen om 15 minutter" in response.content.decode()


def test_fewer_failures_than_the_limit_do_not_lock(client, person):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(client, "kari", "wrong").status_code == 200
    assert log_in(client, "kari", PASSWORD).status_code == 302


def test_lockout_ends_after_the_cool_off(client, person):
    for _ in range(30):
        log_in(client, "kari", "wrong")
    assert log_in(client, "kari", PASSWORD).status_code == 429
    # The cool-off counts from the last failure: move it into the past.
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert log_in(client, "kari", PASSWORD).status_code == 302
    assert logged_in_as(client) == "kari"


def test_administrator_lifts_a_lockout(client, person):
    for _ in range(30):
        log_in(client, "kari", "wrong")
    assert log_in(client, "kari", PASSWORD).status_code == 429
    call_command("axes_reset_username", "kari")
    assert log_in(client, "kari", PASSWORD).status_code == 302


def test_lockout_of_one_user_does_not_lock_another_from_the_same_address(client, person):
    UserFactory(username="ola")
    for _ in range(30):
        log_in(client, "kari", "wrong")
    assert log_in(client, "kari", PASSWORD).status_code == 429
    assert log_in(client, "ola", PASSWORD).status_code == 302


def test_forwarded_for_is_ignored_without_a_proxy(client, person, settings):
    settings.BEHIND_PROXY = False
    for number in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "kari", "wrong", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")
    # A forged header does not make the guesser a new client.
    response = log_in(client, "kari", PASSWORD, HTTP_X_FORWARDED_FOR="10.0.1.1")
    assert response.status_code == 429


def test_behind_a_proxy_the_forwarded_client_is_counted(client, person, settings):
    settings.BEHIND_PROXY = True
    for _ in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, "kari", "wrong", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert log_in(client, "kari", PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.7").status_code == 429
    # Everyone comes from the proxy's address: another client is not locked with the guesser.
    other = log_in(client, "kari", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.2")
    assert other.status_code == 302
