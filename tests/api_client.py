"""A DRF test client that sends a fresh personal API token of a user."""

from rest_framework.test import APIClient

from api.tokens import token_create


def token_client(user, *, read_only: bool = False) -> APIClient:
    _row, token = token_create(user=user, name="test", read_only=read_only)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def queries_of(call) -> int:
    """How many queries `call()` makes."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)
