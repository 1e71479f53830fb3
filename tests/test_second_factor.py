"""The second factor (TOTP with recovery codes) for superusers and the HSE department who sign
in with a local password."""

import re

import pytest
from django.contrib.auth.backends import ModelBackend
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from hms.accounts import services
from tests.factories import UserFactory

PASSWORD = "hms-test-password"


class InstitutionBackend(ModelBackend):
    """Stands in for the OpenID Connect backend: a session opened by another backend."""


@pytest.fixture(autouse=True)
def second_factor_required(settings):
    settings.HMS_REQUIRE_2FA = True


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return str(code).zfill(device.digits)


def log_in(client, username):
    response = client.post("/accounts/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def confirmed_device(user) -> tuple[TOTPDevice, list[str]]:
    device = services.totp_device_start(user=user)
    codes = services.totp_device_confirm(user=user, device=device)
    return device, codes


def test_superuser_with_only_a_password_cannot_open_anything(client, superuser):
    confirmed_device(superuser)
    log_in(client, "root")
    for url in ("/", "/admin/", "/units/", "/accounts/password_change/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/second-factor/?next="), url
    page = client.get("/accounts/second-factor/").content.decode()
    # No menu to pages that would not open, but the way out.
    assert 'href="/admin/"' not in page and 'action="/accounts/logout/"' in page


def test_wrong_code_is_refused(client, superuser):
    confirmed_device(superuser)
    log_in(client, "root")
    response = client.post("/accounts/second-factor/", {"code": "00000", "next": "/admin/"})
    assert response.status_code == 200
    assert "That code is not valid" in response.content.decode()
    assert client.get("/admin/").status_code == 302


def test_valid_code_lets_the_superuser_in(client, superuser):
    device, _ = confirmed_device(superuser)
    log_in(client, "root")
    response = client.post(
        "/accounts/second-factor/", {"code": current_code(device), "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/").status_code == 200


def test_code_with_a_space_as_the_app_shows_it(client, superuser):
    device, _ = confirmed_device(superuser)
    log_in(client, "root")
    code = current_code(device)
    response = client.post("/accounts/second-factor/", {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_recovery_code_works_once(client, superuser):
    _, codes = confirmed_device(superuser)
    log_in(client, "root")
    assert client.post("/accounts/second-factor/", {"code": codes[0].upper()}).status_code == 302
    assert client.get("/").status_code == 200

    client.post("/accounts/logout/")
    log_in(client, "root")
    again = client.post("/accounts/second-factor/", {"code": codes[0]})
    assert again.status_code == 200
    assert client.get("/").status_code == 302


def test_first_login_sets_up_the_authenticator_and_shows_recovery_codes(client, hms_department):
    log_in(client, "hms_department")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/second-factor/setup/")
    page = response.content.decode()
    assert "<svg" in page and "<img" not in page
    device = TOTPDevice.objects.get(user=hms_department, confirmed=False)
    # The key for typing by hand, in groups of four.
    shown = re.search(r'id="totp-key">([A-Z2-7 ]+)<', page).group(1)
    assert shown.replace(" ", "") in device.config_url

    done = client.post(
        "/accounts/second-factor/setup/", {"code": current_code(device), "next": "/"}
    )
    assert done.status_code == 200
    codes = re.findall(r"<li class=\"col\"><code>([a-z2-7]+)</code>", done.content.decode())
    assert len(codes) == 10
    assert client.get("/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # The setup page is not offered again: a new login asks for the code.
    client.post("/accounts/logout/")
    log_in(client, "hms_department")
    assert client.get("/accounts/second-factor/setup/")["Location"] == "/accounts/second-factor/"


def test_setup_refuses_a_wrong_code(client, hms_department):
    log_in(client, "hms_department")
    client.get("/accounts/second-factor/setup/")
    wrong = client.post("/accounts/second-factor/setup/", {"code": "12345", "next": "/"})
    assert "That code is not valid" in wrong.content.decode()
    assert 'value="12345"' in wrong.content.decode()  # the input is kept
    assert client.get("/").status_code == 302
    assert not TOTPDevice.objects.filter(user=hms_department, confirmed=True).exists()


def test_institution_sign_in_is_not_asked(client, superuser, settings):
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        "tests.test_second_factor.InstitutionBackend",
    ]
    confirmed_device(superuser)
    client.force_login(superuser, backend="tests.test_second_factor.InstitutionBackend")
    assert client.get("/admin/").status_code == 200


def test_password_session_of_a_superuser_is_asked_however_it_was_opened(client, superuser):
    client.force_login(superuser, backend="django.contrib.auth.backends.ModelBackend")
    assert client.get("/admin/").status_code == 302


def test_line_manager_is_not_asked(client, line_manager):
    log_in(client, "line_manager")
    assert client.get("/").status_code == 200


def test_not_asked_when_switched_off(client, superuser, settings):
    settings.HMS_REQUIRE_2FA = False
    log_in(client, "root")
    assert client.get("/admin/").status_code == 200


def test_outsider_cannot_open_second_factor_pages(client, db):
    for url in ("/accounts/second-factor/", "/accounts/second-factor/setup/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_line_manager_has_no_authenticator_setup(client, line_manager):
    client.force_login(line_manager)
    assert client.get("/accounts/second-factor/setup/").status_code == 404
    assert client.get("/accounts/second-factor/")["Location"] == "/"


def test_unsafe_next_is_not_followed(client, superuser):
    device, _ = confirmed_device(superuser)
    log_in(client, "root")
    response = client.post(
        "/accounts/second-factor/", {"code": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
