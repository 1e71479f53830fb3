"""Personal API tokens: stored hashed, shown once, expiring, revocable, read-only or not,
acting as their user; the user's own page and manage.py api_token."""

import datetime
import hashlib

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import tokens
from api.models import ApiToken
from tests.api_client import bearer, token_client
from tests.factories import make_deviation

UNITS = "/api/v1/units/"


@pytest.fixture
def client_api():
    return APIClient()


def test_token_is_stored_only_as_its_hash(line_manager):
    row, token = tokens.token_create(user=line_manager, name="BI")
    stored = ApiToken.objects.get(pk=row.pk)
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {str(value) for value in ApiToken.objects.values_list().get(pk=row.pk)}
    assert token.startswith(f"hms_{stored.prefix}_")


def test_token_acts_as_its_user(client_api, line_manager, org):
    _row, token = tokens.token_create(user=line_manager, name="BI")
    deviation = make_deviation(org.section, reporter=None, anonymous=True)
    response = client_api.get(f"/api/v1/deviations/{deviation.number}/", **bearer(token))
    assert response.status_code == 200
    assert response.json()["number"] == deviation.number


def test_wrong_token_is_401_json(client_api, line_manager):
    _row, token = tokens.token_create(user=line_manager, name="BI")
    response = client_api.get(UNITS, **bearer(token[:-2] + "xx"))
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"message": "The token is not valid.", "errors": {}}
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("header", ["Bearer", "Bearer a b", "Bearer hms__", "Bearer \u00e6\u00f8"])
def test_malformed_authorization_is_401(client_api, db, header):
    response = client_api.get(UNITS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert set(response.json()) == {"message", "errors"}


def test_expired_token_is_refused(client_api, line_manager):
    row, token = tokens.token_create(user=line_manager, name="BI", expires_in_days=1)
    assert client_api.get(UNITS, **bearer(token)).status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    response = client_api.get(UNITS, **bearer(token))
    assert response.status_code == 401
    assert response.json()["message"] == "The token has expired."


def test_revoked_token_is_refused(client_api, line_manager):
    row, token = tokens.token_create(user=line_manager, name="BI")
    tokens.token_revoke(user=line_manager, token=row)
    response = client_api.get(UNITS, **bearer(token))
    assert response.status_code == 401
    assert response.json()["message"] == "The token has been revoked."


def test_token_of_deactivated_user_is_refused(client_api, line_manager):
    _row, token = tokens.token_create(user=line_manager, name="BI")
    line_manager.is_active = False
    line_manager.save()
    assert client_api.get(UNITS, **bearer(token)).status_code == 401


def test_read_only_token_reads_but_never_writes(line_manager, org):
    client = token_client(line_manager, read_only=True)
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    assert client.get(f"/api/v1/deviations/{deviation.number}/").status_code == 200
    response = client.post(
        f"/api/v1/deviations/{deviation.number}/accept/", {}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert response.status_code == 403
    assert response.json()["message"] == "This token is read-only."
    deviation.refresh_from_db()
    assert deviation.status == "reported"


def test_last_used_is_written_at_most_once_a_minute(client_api, line_manager):
    row, token = tokens.token_create(user=line_manager, name="BI")
    assert row.last_used_at is None
    client_api.get(UNITS, **bearer(token))
    first = ApiToken.objects.get(pk=row.pk).last_used_at
    assert first is not None
    client_api.get(UNITS, **bearer(token))
    assert ApiToken.objects.get(pk=row.pk).last_used_at == first
    earlier = first - datetime.timedelta(minutes=2)
    ApiToken.objects.filter(pk=row.pk).update(last_used_at=earlier)
    client_api.get(UNITS, **bearer(token))
    assert ApiToken.objects.get(pk=row.pk).last_used_at > earlier + datetime.timedelta(minutes=1)


def test_anonymous_is_401(client_api, db):
    response = client_api.get(UNITS)
    assert response.status_code == 401
    assert response.json()["errors"] == {}


# --- The user's own page -------------------------------------------------------------------


def test_token_page_shows_a_new_token_once(client, line_manager):
    client.force_login(line_manager)
    response = client.post(
        reverse("api_tokens"), {"name": "Power BI", "read_only": "on", "expires_in_days": "30"}
    )
    assert response.status_code == 200
    token = response.context["new_token"]
    assert token in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    row = ApiToken.objects.get(user=line_manager)
    assert row.read_only and row.name == "Power BI"
    assert row.expires_at.date() == (timezone.now() + datetime.timedelta(days=30)).date()
    again = client.get(reverse("api_tokens"))
    assert token not in again.content.decode()
    assert row.prefix in again.content.decode()


def test_token_page_lists_only_own_tokens(client, line_manager, safety_rep):
    tokens.token_create(user=safety_rep, name="Someone else's")
    tokens.token_create(user=line_manager, name="Mine")
    client.force_login(line_manager)
    page = client.get(reverse("api_tokens")).content.decode()
    assert "Mine" in page
    assert "Someone else&#x27;s" not in page and "Someone else's" not in page


def test_user_revokes_own_token(client, line_manager):
    row, token = tokens.token_create(user=line_manager, name="BI")
    client.force_login(line_manager)
    response = client.post(reverse("api_token_revoke", args=[row.pk]))
    assert response.status_code == 302
    assert ApiToken.objects.get(pk=row.pk).revoked_at is not None
    assert APIClient().get(UNITS, **bearer(token)).status_code == 401


def test_outsider_cannot_revoke_anothers_token(client, line_manager, outsider):
    row, _token = tokens.token_create(user=line_manager, name="BI")
    client.force_login(outsider)
    assert client.post(reverse("api_token_revoke", args=[row.pk])).status_code == 404
    assert ApiToken.objects.get(pk=row.pk).revoked_at is None


def test_anonymous_is_sent_to_login_from_token_page(client, db):
    response = client.get(reverse("api_tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_token_page_needs_csrf(line_manager):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(line_manager)
    assert client.post(reverse("api_tokens"), {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_token_page_refuses_bad_expiry(client, line_manager):
    client.force_login(line_manager)
    response = client.post(reverse("api_tokens"), {"name": "x", "expires_in_days": "99999999"})
    assert response.status_code == 200
    assert response.context["form"].errors["expires_in_days"]
    assert not ApiToken.objects.exists()


def test_user_menu_links_to_token_page(client, line_manager):
    client.force_login(line_manager)
    assert reverse("api_tokens") in client.get(reverse("home")).content.decode()


# --- manage.py api_token -------------------------------------------------------------------


def test_command_prints_a_working_token(capsys, line_manager):
    call_command("api_token", "line_manager", "--read-only", "--expires", "7", "--name", "cron")
    token = capsys.readouterr().out.strip()
    row = ApiToken.objects.get(user=line_manager)
    assert row.read_only and row.name == "cron"
    assert row.expires_at > timezone.now() + datetime.timedelta(days=6)
    assert APIClient().get(UNITS, **bearer(token)).status_code == 200


def test_command_refuses_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("api_token", "nobody")
