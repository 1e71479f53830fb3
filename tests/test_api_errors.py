"""The API's errors are JSON with a message and the field errors, never an HTML page or a
500; changes need If-Match (428 / 412); each token is throttled (429 with Retry-After)."""

import base64
import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api_client import token_client
from tests.factories import make_deviation


def assert_json_error(response, status: int):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert isinstance(body["message"], str) and body["message"]
    return body


@pytest.fixture
def api(line_manager):
    return token_client(line_manager)


def test_unknown_address_under_api_is_json_404(api):
    assert_json_error(api.get("/api/v1/nothing-here/"), 404)
    assert_json_error(api.get("/api/v2/units/"), 404)


def test_unseen_deviation_is_json_404(api, org):
    deviation = make_deviation(org.other_department, reporter=None, anonymous=True)
    body = assert_json_error(api.get(f"/api/v1/deviations/{deviation.number}/"), 404)
    assert deviation.title not in str(body)


def test_bad_filter_value_names_the_field(api):
    body = assert_json_error(api.get("/api/v1/deviations/", {"occurred_from": "yesterday"}), 400)
    assert "occurred_from" in body["errors"]
    body = assert_json_error(api.get("/api/v1/deviations/", {"unit": "NO-SUCH"}), 400)
    assert body["errors"]["unit"] == ["No unit has the code “NO-SUCH”."]


@pytest.mark.parametrize(
    "params",
    [
        {"q": "a\x00b"},
        {"unit": "\x00"},
        {"status": "\x00"},
        {"occurred_from": "99999-01-01"},
        {"page_size": "99999999999999999999"},
    ],
)
def test_nul_bytes_and_huge_values_in_filters_are_400_or_ignored(api, params):
    response = api.get("/api/v1/deviations/", params)
    assert response.status_code in (200, 400)
    assert response["Content-Type"] == "application/json"


def test_huge_ids_in_paths_are_json_404(api):
    assert_json_error(api.get("/api/v1/units/99999999999999999999/"), 404)
    assert_json_error(api.get("/api/v1/measures/2147483648/"), 404)
    assert_json_error(api.get("/api/v1/people/%00/"), 404)


def test_huge_number_in_a_filter_is_400(api):
    body = assert_json_error(api.get("/api/v1/role-assignments/", {"person": "9" * 30}), 400)
    assert "person" in body["errors"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        base64.b64encode(b"o=1&p=not-a-date").decode(),
        base64.b64encode(b"o=99999999999999999999999&p=2026-01-01").decode(),
        base64.b64encode(b"p=\x00").decode(),
    ],
)
def test_bad_cursor_is_json_404(api, org, cursor):
    make_deviation(org.department, reporter=None, anonymous=True)
    response = api.get("/api/v1/deviations/", {"cursor": cursor})
    assert response.status_code in (200, 404)
    if response.status_code == 404:
        assert_json_error(response, 404)


def test_cursor_walks_every_row_once(api, org):
    numbers = {
        make_deviation(org.department, reporter=None, anonymous=True).number for _ in range(5)
    }
    seen, url = [], "/api/v1/deviations/?page_size=2"
    while url:
        body = api.get(url).json()
        seen += [row["number"] for row in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(numbers)
    assert len(seen) == 5


def test_body_that_is_not_json_is_json_400(api):
    response = api.generic(
        "POST", "/api/v1/deviations/", "{not json", content_type="application/json"
    )
    assert_json_error(response, 400)
    response = api.generic("POST", "/api/v1/deviations/", "a=b", content_type="text/plain")
    assert_json_error(response, 415)


def test_wrong_method_is_json_405(api):
    assert_json_error(api.delete("/api/v1/units/"), 405)


def test_validation_errors_are_listed_by_field(api, org):
    body = assert_json_error(api.post("/api/v1/deviations/", {"title": "x"}, format="json"), 400)
    assert body["message"] == "The input is not valid."
    assert {"description", "unit", "severity", "category"} <= set(body["errors"])
    assert all(isinstance(messages, list) for messages in body["errors"].values())


# --- ETag and If-Match ---------------------------------------------------------------------


def test_retrieve_carries_the_version_as_etag(api, org):
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    response = api.get(f"/api/v1/deviations/{deviation.number}/")
    assert response["ETag"] == f'"{deviation.version}"'


def test_change_without_if_match_is_428(api, org):
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    assert_json_error(api.post(f"/api/v1/deviations/{deviation.number}/accept/", {}), 428)
    deviation.refresh_from_db()
    assert deviation.status == "reported"


def test_change_with_stale_if_match_is_412(api, org):
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    read = api.get(f"/api/v1/deviations/{deviation.number}/")["ETag"]
    first = api.post(
        f"/api/v1/deviations/{deviation.number}/deadline/",
        {"deadline": (timezone.localdate() + datetime.timedelta(days=30)).isoformat()},
        format="json",
        HTTP_IF_MATCH=read,
    )
    assert first.status_code == 200
    assert first["ETag"] != read
    second = api.post(
        f"/api/v1/deviations/{deviation.number}/reject/",
        {"reason": "Duplicate"},
        format="json",
        HTTP_IF_MATCH=read,
    )
    assert_json_error(second, 412)
    deviation.refresh_from_db()
    assert deviation.status == "reported"


def test_malformed_if_match_is_400(api, org):
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    response = api.post(
        f"/api/v1/deviations/{deviation.number}/accept/", {}, format="json", HTTP_IF_MATCH="*"
    )
    assert "If-Match" in assert_json_error(response, 400)["errors"]


# --- Throttling ----------------------------------------------------------------------------


def test_token_is_throttled_with_retry_after(settings, line_manager):
    settings.API_THROTTLE_RATE = "3/minute"
    api = token_client(line_manager)
    for _ in range(3):
        assert api.get("/api/v1/units/").status_code == 200
    response = api.get("/api/v1/units/")
    assert_json_error(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another token of the same user has its own count.
    assert token_client(line_manager).get("/api/v1/units/").status_code == 200


def test_session_is_throttled_per_user(settings, line_manager):
    settings.API_THROTTLE_RATE = "2/minute"
    client = APIClient()
    client.force_login(line_manager)
    assert client.get("/api/v1/units/").status_code == 200
    assert client.get("/api/v1/units/").status_code == 200
    assert_json_error(client.get("/api/v1/units/"), 429)


def test_session_changes_need_csrf(line_manager, org):
    deviation = make_deviation(org.department, reporter=None, anonymous=True)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(line_manager)
    response = client.post(
        f"/api/v1/deviations/{deviation.number}/accept/", {}, format="json", HTTP_IF_MATCH='"1"'
    )
    body = assert_json_error(response, 403)
    assert "CSRF" in body["message"]


def test_too_large_body_is_json_413(api, settings):
    settings.REQUEST_MAX_BYTES = 1000
    response = api.post("/api/v1/deviations/", {"title": "x" * 5000}, format="json")
    assert_json_error(response, 413)


def test_session_owing_the_second_factor_gets_json_403(settings, hms_department):
    settings.HMS_REQUIRE_2FA = True
    client = APIClient()
    client.force_login(hms_department, backend="django.contrib.auth.backends.ModelBackend")
    assert_json_error(client.get("/api/v1/units/"), 403)
    # A token was made by a user who gave it (or by an administrator): it is not asked.
    assert token_client(hms_department).get("/api/v1/units/").status_code == 200
