"""Sign-in through the institution's OpenID Connect provider, against a real provider (npm's
oidc-provider, see tests/oidc_provider.py): linking, updating, refusals, logout, failures."""

import logging
import socket
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from tests.factories import RoleAssignmentFactory, UserFactory
from tests.waits import WAIT
from units.models import Role, RoleAssignment
from units.oidc import forget_provider_configuration
from units.services import oidc_sign_in

User = get_user_model()

pytestmark = pytest.mark.django_db


def start_sign_in(client) -> str:
    response = client.get("/accounts/oidc/authenticate/")
    assert response.status_code == 302
    return response["Location"]


def finish_sign_in(client, callback_url: str):
    parts = urlsplit(callback_url)
    return client.get(parts.path, data=parse_qs(parts.query))


def sign_in(client, provider, sub: str):
    return finish_sign_in(client, provider.log_in(start_sign_in(client), sub))


def signed_in_user(client):
    user_id = client.session.get("_auth_user_id")
    return User.objects.get(pk=user_id) if user_id else None


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def test_first_sign_in_creates_the_person_without_roles(client, oidc_provider, org):
    oidc_provider.add_account(
        "sub-kari",
        given_name="Kari",
        family_name="Nordmann",
        email="kari.nordmann@ntnu.no",
        email_verified=True,
        feide_id="kari.nordmann@ntnu.no",
    )
    authorize = start_sign_in(client)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]

    response = finish_sign_in(client, oidc_provider.log_in(authorize, "sub-kari"))

    assert response.status_code == 302 and response["Location"] == "/"
    user = signed_in_user(client)
    assert (user.username, user.first_name, user.last_name) == ("kari.nordmann", "Kari", "Nordmann")
    assert user.email == "kari.nordmann@ntnu.no"
    assert (user.oidc_subject, user.feide_id) == ("sub-kari", "kari.nordmann@ntnu.no")
    assert not user.has_usable_password()
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert client.get("/").status_code == 200


def test_first_sign_in_links_the_imported_person_by_feide_id(client, oidc_provider, org):
    imported = UserFactory(username="ola", feide_id="ola.nordmann@ntnu.no", email="")
    RoleAssignmentFactory(user=imported, unit=org.department, role=Role.LINE_MANAGER)
    oidc_provider.add_account(
        "sub-ola", name="Ola Nordmann", email="ola@ntnu.no", feide_id="Ola.Nordmann@ntnu.no"
    )

    sign_in(client, oidc_provider, "sub-ola")

    assert signed_in_user(client) == imported
    imported.refresh_from_db()
    assert imported.oidc_subject == "sub-ola"
    assert (imported.first_name, imported.last_name, imported.email) == (
        "Ola",
        "Nordmann",
        "ola@ntnu.no",
    )
    # Roles come from the tree only: the sign-in neither adds nor changes any.
    assert list(RoleAssignment.objects.filter(user=imported).values_list("role", flat=True)) == [
        Role.LINE_MANAGER
    ]
    assert User.objects.count() == 1


def test_first_sign_in_links_an_account_with_the_same_verified_email(client, oidc_provider, org):
    existing = UserFactory(username="per", email="Per.Hansen@ntnu.no")
    oidc_provider.add_account("sub-per", email="per.hansen@ntnu.no", email_verified=True)

    sign_in(client, oidc_provider, "sub-per")

    assert signed_in_user(client) == existing
    existing.refresh_from_db()
    assert existing.oidc_subject == "sub-per"


def test_an_unverified_email_links_nobody(client, oidc_provider, org):
    existing = UserFactory(username="per.hansen", email="per.hansen@ntnu.no")
    oidc_provider.add_account("sub-per", email="per.hansen@ntnu.no", email_verified=False)

    sign_in(client, oidc_provider, "sub-per")

    user = signed_in_user(client)
    assert user != existing and user.username == "per.hansen2"
    existing.refresh_from_db()
    assert existing.oidc_subject is None


def test_the_second_sign_in_follows_a_changed_name(client, oidc_provider, org):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann", email="kari@ntnu.no")
    sign_in(client, oidc_provider, "sub-kari")
    first = signed_in_user(client)
    client.post("/accounts/logout/")

    oidc_provider.add_account("sub-kari", name="Kari Nordmann Berg", email="kari.berg@ntnu.no")
    sign_in(client, oidc_provider, "sub-kari")

    second = signed_in_user(client)
    assert second == first
    assert (second.first_name, second.last_name, second.email) == (
        "Kari Nordmann",
        "Berg",
        "kari.berg@ntnu.no",
    )
    assert User.objects.count() == 1


def assert_refused(response, status: int, text: str) -> None:
    assert response.status_code == status
    page = response.content.decode()
    assert text in page
    assert 'href="/accounts/login/"' in page


def test_a_tampered_state_is_refused(client, oidc_provider, org):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann")
    callback = oidc_provider.log_in(start_sign_in(client), "sub-kari")

    response = finish_sign_in(client, with_query(callback, state="forged-state"))

    assert_refused(response, 400, "could not be completed safely")
    assert signed_in_user(client) is None
    assert not User.objects.exists()


def test_a_tampered_nonce_is_refused(client, oidc_provider, org):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann")
    authorize = with_query(start_sign_in(client), nonce="a-nonce-the-app-never-sent")

    response = finish_sign_in(client, oidc_provider.log_in(authorize, "sub-kari"))

    assert_refused(response, 400, "could not be completed safely")
    assert signed_in_user(client) is None


def test_an_id_token_for_another_client_is_refused(client, oidc_provider, org, caplog):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann", email="kari@ntnu.no")
    oidc_provider.change_id_token(aud="another-client")

    with caplog.at_level(logging.WARNING, logger="units.oidc"):
        response = sign_in(client, oidc_provider, "sub-kari")

    assert_refused(response, 400, "could not be completed safely")
    assert signed_in_user(client) is None
    assert "InvalidAudienceError" in caplog.text
    assert "kari" not in caplog.text.lower()


def test_an_expired_id_token_is_refused(client, oidc_provider, org, caplog):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann")
    oidc_provider.change_id_token(exp_offset=-120)

    with caplog.at_level(logging.WARNING, logger="units.oidc"):
        response = sign_in(client, oidc_provider, "sub-kari")

    assert_refused(response, 400, "could not be completed safely")
    assert signed_in_user(client) is None
    assert "ExpiredSignatureError" in caplog.text


def test_a_deactivated_person_cannot_sign_in(client, oidc_provider, org):
    person = UserFactory(username="ola", feide_id="ola@ntnu.no", is_active=False)
    oidc_provider.add_account("sub-ola", name="Ola Nordmann", feide_id="ola@ntnu.no")

    response = sign_in(client, oidc_provider, "sub-ola")

    assert_refused(response, 403, "deactivated")
    assert signed_in_user(client) is None
    person.refresh_from_db()
    assert person.oidc_subject is None  # nothing changed


def test_cancelling_at_the_provider_shows_a_page_with_the_way_back(client, oidc_provider, org):
    authorize = start_sign_in(client)
    browser = requests.Session()
    login_page = browser.get(authorize, timeout=WAIT)
    abort = login_page.text.split('href="')[1].split('"')[0]
    assert "/abort" in abort
    back = browser.get(abort, allow_redirects=False, timeout=WAIT)
    while not back.headers["Location"].startswith("http://testserver"):
        back = browser.get(back.headers["Location"], allow_redirects=False, timeout=WAIT)
    assert "error=access_denied" in back.headers["Location"]

    response = finish_sign_in(client, back.headers["Location"])

    assert_refused(response, 403, "cancelled")


def test_logout_ends_the_session_here_and_at_the_provider(client, oidc_provider, org):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann")
    browser = requests.Session()  # the person's browser at the provider, session cookie kept
    callback = oidc_provider.log_in(start_sign_in(client), "sub-kari", browser)
    finish_sign_in(client, callback)
    id_token = client.session["oidc_id_token"]

    response = client.post("/accounts/logout/")

    end_session = response["Location"]
    assert end_session.startswith(f"{oidc_provider.issuer}/session/end?")
    query = parse_qs(urlsplit(end_session).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert signed_in_user(client) is None
    assert client.get("/")["Location"].startswith("/accounts/login/")
    # The provider's own confirmation, then back to our login page.
    back = oidc_provider.log_in(end_session, "sub-kari", browser)
    assert back == "http://testserver/accounts/login/"
    # The provider's session is over: signing in again asks for the login.
    again = browser.get(start_sign_in(client), timeout=WAIT)
    assert 'name="login"' in again.text


def test_password_login_still_works_beside_the_provider(client, oidc_provider, org):
    UserFactory(username="admin-local")
    response = client.post(
        "/accounts/login/", {"username": "admin-local", "password": "hms-test-password"}
    )
    assert response.status_code == 302
    assert signed_in_user(client).username == "admin-local"


def test_a_provider_that_is_down_gives_a_page_not_a_500(client, settings, org, caplog):
    settings.OIDC_ISSUER = "http://127.0.0.1:9"  # discard port: nothing listens
    settings.OIDC_RP_CLIENT_ID = "hms"
    forget_provider_configuration()

    with caplog.at_level(logging.WARNING, logger="units.oidc"):
        response = client.get("/accounts/oidc/authenticate/")

    assert_refused(response, 502, "did not answer")
    assert "discovery failed: ConnectionError" in caplog.text


def test_a_provider_that_does_not_answer_times_out_to_the_page(client, settings, org):
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        settings.OIDC_ISSUER = f"http://127.0.0.1:{silent.getsockname()[1]}"
        settings.OIDC_TIMEOUT = 1
        forget_provider_configuration()

        response = client.get("/accounts/oidc/authenticate/")

    assert_refused(response, 502, "did not answer")
    forget_provider_configuration()


def test_a_provider_gone_down_during_sign_in_gives_the_page(client, oidc_provider, org):
    oidc_provider.add_account("sub-kari", name="Kari Nordmann")
    callback = oidc_provider.log_in(start_sign_in(client), "sub-kari")
    oidc_provider.stop()
    oidc_provider.stop = lambda: None  # already stopped for the fixture's teardown

    response = finish_sign_in(client, callback)

    assert_refused(response, 502, "did not answer")


def test_the_error_page_speaks_bokmal(client, settings, org):
    settings.LANGUAGE_CODE = "nb"
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    forget_provider_configuration()
    response = client.get("/accounts/oidc/authenticate/", HTTP_ACCEPT_LANGUAGE="nb")
    assert response.status_code == 502
    assert "Innloggingen lyktes ikke" in response.content.decode()


def test_the_login_page_puts_the_institution_first(client, oidc_provider, settings, org):
    page = client.get("/accounts/login/?next=/units/").content.decode()
    assert 'href="/accounts/oidc/authenticate/?next=/units/"' in page
    assert page.index('id="oidc-login"') < page.index('name="password"')
    assert "Log in with Feide" in page

    settings.OIDC_LOGIN_LABEL = "Logg inn med NTNU-bruker"
    assert "Logg inn med NTNU-bruker" in client.get("/accounts/login/").content.decode()


def test_without_a_provider_nothing_of_it_shows(client, settings, org):
    settings.OIDC_ISSUER = ""
    page = client.get("/accounts/login/").content.decode()
    assert "oidc" not in page and 'name="password"' in page
    assert client.get("/accounts/oidc/authenticate/").status_code == 404
    assert client.get("/accounts/oidc/callback/?code=x&state=y").status_code == 404


def test_a_sign_in_matching_two_accounts_is_refused(db):
    UserFactory(username="a", email="same@ntnu.no")
    UserFactory(username="b", email="SAME@ntnu.no")
    with pytest.raises(Exception, match="ambiguous"):
        oidc_sign_in(subject="s", claims={"email": "same@ntnu.no", "email_verified": True})


def test_usernames_are_derived_safely_and_unique(db):
    UserFactory(username="ola")
    user = oidc_sign_in(subject="s1", claims={"name": "Ola", "email": "Ola@ntnu.no"})
    assert user.username == "ola2"
    odd = oidc_sign_in(subject="s2", claims={"name": "Å <b>' ;"})
    assert odd.username == "å.b" and odd.first_name == "Å <b>'"
    nameless = oidc_sign_in(subject="s3", claims={})
    assert nameless.username == "user"


def test_logout_after_a_password_login_goes_to_the_login_page(client, oidc_provider, org):
    client.force_login(UserFactory(username="admin-local"))
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert signed_in_user(client) is None
    assert client.get("/accounts/logout/").status_code == 405  # a link cannot log you out
