"""The deviation list's unit field suggests the units whose deviations the user sees. The
suggestions come when the field is first focused (htmx), not with every load of the list."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import make_unit

pytestmark = pytest.mark.django_db

LIST = "/deviations/"
SUGGESTIONS = "/deviations/unit-suggestions/"


def suggested(response) -> list[tuple[str, str]]:
    return re.findall(r'<option value="([^"]+)">([^<]+)</option>', response.content.decode())


def test_the_list_asks_for_the_suggestions_when_the_unit_field_is_focused(client, line_manager):
    client.force_login(line_manager)
    html = client.get(LIST).content.decode()
    assert re.search(r'<input type="text" name="unit"[^>]*list="unit-codes"', html)
    assert (
        f'<datalist id="unit-codes" hx-get="{SUGGESTIONS}" '
        'hx-trigger="focus from:#id_unit once" hx-swap="innerHTML"></datalist>'
    ) in html


def test_a_line_manager_is_offered_the_units_of_their_subtree_in_their_language(
    client, org, line_manager
):
    client.force_login(line_manager)
    assert suggested(client.get(SUGGESTIONS)) == [
        ("DEP", "Department of Trials"),
        ("SEC", "Section of Attempts"),
    ]
    client.cookies["django_language"] = "nb"
    assert suggested(client.get(SUGGESTIONS)) == [
        ("DEP", "Institutt for prøving"),
        ("SEC", "Seksjon for forsøk"),
    ]


def test_an_employee_is_offered_no_units_and_a_visitor_must_log_in(client, employee):
    assert client.get(SUGGESTIONS).status_code == 302
    client.force_login(employee)
    response = client.get(SUGGESTIONS)
    assert response.status_code == 200
    assert suggested(response) == []


def test_the_suggestions_cost_the_same_queries_for_a_larger_tree(client, org, hms_department):
    client.force_login(hms_department)
    client.get(SUGGESTIONS)
    with CaptureQueriesContext(connection) as small:
        client.get(SUGGESTIONS)
    for number in range(30):
        make_unit(org.section, code=f"LAB{number}")
    with CaptureQueriesContext(connection) as large:
        response = client.get(SUGGESTIONS)
    assert len(suggested(response)) == 36
    assert len(large) == len(small)
