"""Schemathesis over every operation of the API's own schema (whatever resources it holds),
with a token of a line manager and of the HSE department: no server error, and no response
that breaks the schema. The examples are few and deterministic, so the suite stays quick."""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.config import SchemathesisConfig

from api.tokens import token_create
from tests.factories import load_reference_data, make_deviation, make_measure

CONFIG = {
    # The coverage phase would send every edge case of every parameter: thousands of requests.
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "generation": {"max-examples": 12, "deterministic": True},
}


# Loaded when the tests are collected, through the app itself (no server, no database: the
# schema view reads none). Schemathesis's lazy loader (`from_fixture`) does not run on
# pytest 9.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/", get_wsgi_application(), config=SchemathesisConfig.from_dict(CONFIG)
)


@pytest.fixture
def keep_test_connection():
    """The WSGI app sends Django's request signals, which close a connection that is not in
    autocommit: the test's transaction. Django's test client unhooks them likewise."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(org, line_manager, hms_department, employee, keep_test_connection):
    # A browser test before this one (live_server) empties every table, the migrations'
    # reference data included.
    load_reference_data()
    # Something in each list, so the examples reach rows and not only empty pages.
    make_deviation(org.department, reporter=employee, health_details="Sensitivt")
    make_deviation(org.section, reporter=None, anonymous=True)
    make_measure(org.department, line_manager)
    return {
        user.username: token_create(user=user, name="schemathesis")[1]
        for user in (line_manager, hms_department)
    }


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_to_the_schema(case, tokens):
    """One test per operation of the schema, whatever it holds."""
    for token in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
