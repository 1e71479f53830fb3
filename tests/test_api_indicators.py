"""The API's indicators: the catalogue; the values, scoped to the units the user's roles cover
and filtered by indicator, unit, year and tertial; and the bulk upsert: checked row by row as
the CSV import checks a line, all or nothing, only for the user's own units, and never
overwriting a value changed meanwhile (428 without its version, 412 with an old one)."""

from decimal import Decimal

import pytest

from indicators import services
from indicators.models import Indicator, IndicatorValue, Source
from tests.api_support import (
    all_rows,
    api_client,
    count_queries,
    denied_anonymous,
    token_client,
)
from tests.factories import make_unit

DEFINITIONS = "/api/v1/indicators/"
VALUES = "/api/v1/indicator-values/"
BULK = "/api/v1/indicator-values/bulk/"


def value_of(indicator_code: str, unit, year=2025, tertial=1, value="10"):
    return IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code=indicator_code),
        unit=unit,
        year=year,
        tertial=tertial,
        value=Decimal(value),
    )


def post(client, rows):
    return client.post(BULK, rows, format="json")


# --- the catalogue -----------------------------------------------------------------------------


def test_every_signed_in_user_reads_the_catalogue(employee):
    client = api_client(employee)
    rows = all_rows(client, DEFINITIONS)
    codes = [row["code"] for row in rows]
    assert "fte" in codes and "h1" in codes
    assert codes == list(Indicator.objects.order_by("order", "code").values_list("code", flat=True))
    fte = client.get(f"{DEFINITIONS}fte/").json()
    assert (fte["name"], fte["period"], fte["source"]) == (
        "Full-time equivalents (FTE)",
        "tertial",
        "entered",
    )
    yearly = {row["code"] for row in all_rows(client, DEFINITIONS, period="year")}
    assert "electricity_kwh" in yearly and "fte" not in yearly
    computed = {row["code"] for row in all_rows(client, DEFINITIONS, source="computed")}
    assert "h1" in computed and "fte" not in computed
    assert client.get(f"{DEFINITIONS}no_such_indicator/").status_code == 404
    assert client.get(DEFINITIONS, {"period": "weekly"}).status_code == 400


def test_anonymous_is_refused_everywhere(org):
    client = api_client()
    for url in (DEFINITIONS, f"{DEFINITIONS}fte/", VALUES):
        assert denied_anonymous(client.get(url).status_code)
    assert denied_anonymous(post(client, []).status_code)


# --- the values --------------------------------------------------------------------------------


def test_outsider_gets_404_for_a_value_of_another_unit(org, outsider):
    value = value_of("fte", org.department)
    for client in (api_client(outsider), token_client(outsider)):
        assert client.get(f"{VALUES}{value.pk}/").status_code == 404
        assert client.get(VALUES).json()["results"] == []


def test_values_are_filtered_by_indicator_unit_year_and_tertial(org, safety_rep):
    department = value_of("fte", org.department, tertial=1)
    section = value_of("fte", org.section, tertial=2)
    yearly = value_of("electricity_kwh", org.department, tertial=0, value="1066667.5")
    older = value_of("fte", org.department, year=2024, tertial=3)
    value_of("fte", org.other_department)  # outside the safety rep's department
    client = api_client(safety_rep)

    def ids(**params):
        return {row["id"] for row in all_rows(client, VALUES, **params)}

    assert ids() == {department.pk, section.pk, yearly.pk, older.pk}
    assert ids(indicator="fte") == {department.pk, section.pk, older.pk}
    assert ids(unit="SEC") == {section.pk}
    assert ids(unit="DEP", subtree="false") == {department.pk, yearly.pk, older.pk}
    assert ids(year=2024) == {older.pk}
    assert ids(tertial=0) == {yearly.pk}
    assert ids(year=2025, tertial=2) == {section.pk}
    response = client.get(f"{VALUES}{yearly.pk}/")
    row = response.json()
    assert response["ETag"] == f'"{row["version"]}"'
    assert (row["indicator"], row["unit_code"], row["year"], row["tertial"]) == (
        "electricity_kwh",
        "DEP",
        2025,
        None,
    )
    assert Decimal(row["value"]) == Decimal("1066667.5")
    for params in ({"year": "last"}, {"tertial": 7}, {"unit": "NOPE"}, {"indicator": "a b"}):
        response = client.get(VALUES, params)
        assert response.status_code == 400
        assert list(params)[0] in response.json()["errors"]


def test_values_list_query_count_does_not_grow_with_the_rows(org, hms_department):
    client = api_client(hms_department)
    value_of("fte", org.department)
    small, _response = count_queries(client, VALUES)
    for index in range(10):
        value_of("fte", make_unit(org.department, code=f"S{index}"))
    large, response = count_queries(client, VALUES)
    assert len(response.json()["results"]) == 11
    assert small == large


# --- the bulk upsert ---------------------------------------------------------------------------


def test_bulk_adds_values_and_answers_them_with_their_versions(org, line_manager):
    response = post(
        api_client(line_manager),
        [
            {"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 1, "value": 12.5},
            {"indicator": "FTE", "unit": "sec", "year": 2025, "tertial": 1, "value": "3,5"},
            {
                "indicator": "electricity_kwh",
                "unit": "DEP",
                "year": 2025,
                "tertial": None,
                "value": 1066667,
            },
        ],
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["new"], body["changed"], body["unchanged"]) == (3, 0, 0)
    assert [(v["indicator"], v["unit_code"], v["tertial"]) for v in body["values"]] == [
        ("fte", "DEP", 1),
        ("fte", "SEC", 1),
        ("electricity_kwh", "DEP", None),
    ]
    assert all(v["version"] == 1 for v in body["values"])
    stored = IndicatorValue.objects.get(unit=org.section)
    assert stored.value == Decimal("3.5")
    assert stored.source == Source.IMPORTED
    assert stored.entered_by == line_manager


def test_bulk_is_all_or_nothing_with_each_rows_problems(org, line_manager):
    response = post(
        api_client(line_manager),
        [
            {"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 1, "value": 12},
            {"indicator": "fte", "unit": "NOPE", "year": 2025, "tertial": 1, "value": 1},
            {"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": None, "value": 1},
            {"indicator": "h1", "unit": "DEP", "year": 2025, "tertial": 1, "value": 1},
            {"indicator": "fte", "unit": "DEP", "year": 1999, "tertial": 2, "value": -1},
            {"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 1, "value": 13},
        ],
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"1.unit", "2.tertial", "3.indicator", "4.year", "4.value", "5"}
    assert "NOPE" in errors["1.unit"][0]
    assert "index 0" in errors["5"][0]
    assert response.json()["message"]
    assert not IndicatorValue.objects.exists()


@pytest.mark.parametrize("who", ["outsider", "safety_rep"])
def test_bulk_is_refused_whole_for_a_unit_the_user_does_not_enter_for(org, who, request):
    user = request.getfixturevalue(who)
    own = "OTHERDEP" if who == "outsider" else "DEP"
    response = post(
        api_client(user),
        [
            {"indicator": "fte", "unit": own, "year": 2025, "tertial": 1, "value": 1},
            {"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 2, "value": 1},
        ],
    )
    assert response.status_code == 400
    assert "may not enter figures" in response.json()["errors"]["1.unit"][0]
    assert not IndicatorValue.objects.exists()


def test_a_read_only_token_cannot_upsert(org, line_manager):
    rows = [{"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 1, "value": 1}]
    assert post(token_client(line_manager, read_only=True), rows).status_code == 403
    assert post(token_client(line_manager), rows).status_code == 200


def test_a_stored_value_changes_only_with_its_current_version(org, line_manager):
    stored = value_of("fte", org.department, value="10")
    client = api_client(line_manager)
    row = {"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 1, "value": 11}

    response = post(client, [row])
    assert response.status_code == 428
    assert "version" in response.json()["errors"]["0.version"][0]

    services.values_save(
        actor=line_manager,
        unit=org.department,
        year=2025,
        tertial=1,
        posted={stored.indicator_id: services.Posted(Decimal("10.5"), stored.version)},
    )
    response = post(client, [{**row, "version": 1}])
    assert response.status_code == 412
    stored.refresh_from_db()
    assert (stored.value, stored.version) == (Decimal("10.5"), 2)

    response = post(client, [{**row, "version": 2}])
    assert response.status_code == 200
    assert response.json()["changed"] == 1
    assert response.json()["values"][0]["version"] == 3
    stored.refresh_from_db()
    assert stored.value == Decimal("11")

    # The same value again changes nothing and needs no version.
    response = post(client, [row])
    assert response.status_code == 200
    assert response.json()["unchanged"] == 1


@pytest.mark.parametrize(
    "payload, key",
    [
        ({"indicator": "fte"}, "non_field_errors"),
        ("fte", "non_field_errors"),
        ([1], "0"),
        ([[]], "0"),
        ([{"indicator": ["fte"], "unit": "DEP", "year": 2025, "value": 1}], "0.indicator"),
        ([{"indicator": "fte", "unit": "DEP", "year": True, "value": 1}], "0.year"),
        ([{"indicator": "fte", "unit": "DEP\x00", "year": 2025, "value": 1}], "0.unit"),
        ([{"indicator": "fte", "unit": "D" * 5000, "year": 2025, "value": 1}], "0.unit"),
        ([{"indicator": "fte", "unit": "DEP", "year": 2025, "value": 1e300}], "0.value"),
        ([{"indicator": "fte", "unit": "DEP", "year": 2025, "value": 0.00001}], "0.value"),
        ([{"indicator": "fte", "unit": "DEP", "year": 2025, "tertial": 1, "valeu": 1}], "0.valeu"),
        (
            [{"indicator": "fte", "unit": "DEP", "year": 2025, "value": 1, "version": -1}],
            "0.version",
        ),
        (
            [{"indicator": "fte", "unit": "DEP", "year": 2025, "value": 1, "version": 2**40}],
            "0.version",
        ),
    ],
)
def test_bad_bodies_are_a_400_naming_the_row_and_field(org, line_manager, payload, key):
    response = post(api_client(line_manager), payload)
    assert response.status_code == 400
    assert key in response.json()["errors"]
    assert not IndicatorValue.objects.exists()


def test_bad_json_is_a_json_400(org, line_manager):
    client = api_client(line_manager)
    response = client.post(BULK, data="[{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["message"]


def test_an_empty_list_writes_nothing(org, line_manager):
    response = post(api_client(line_manager), [])
    assert response.status_code == 200
    assert response.json() == {"new": 0, "changed": 0, "unchanged": 0, "values": []}
