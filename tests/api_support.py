"""Helpers for the API tests: a JSON client signed in as someone, the query count of one
request, and every row of a list followed through its cursor links."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def count_queries(client: APIClient, url: str, **params) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(queries), response


def all_rows(client: APIClient, url: str, **params) -> list[dict]:
    """Every row of a list, page after page, through the next links as given."""
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    rows = list(response.json()["results"])
    while response.json()["next"]:
        response = client.get(response.json()["next"])
        assert response.status_code == 200, response.content
        rows.extend(response.json()["results"])
    return rows


def denied_anonymous(status: int) -> bool:
    """Anonymous requests: 401 where a token could be sent, 403 with only the session."""
    return status in (401, 403)


def token_client(user, *, read_only: bool = False) -> APIClient:
    """A client that sends a fresh personal API token of the user, as an integration does."""
    from api.tokens import token_create

    _row, token = token_create(user=user, name="test", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
