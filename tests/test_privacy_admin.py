"""Administrators (superusers) see every record: on each list, the detail page and the export."""

import pytest
from django.urls import reverse

from tests.factories import load_reference_data, make_deviation, make_measure


@pytest.fixture
def records(org, employee):
    load_reference_data()
    deviation = make_deviation(org.other_department, employee, title="Stige uten fot")
    measure = make_measure(org.other_department, employee, title="Kjøp nye stiger")
    return deviation, measure


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/deviations/", "Stige uten fot"),
        ("/deviations/export.csv", "Stige uten fot"),
        ("/actionplans/OTHERDEP/", "Kjøp nye stiger"),
    ],
)
def test_superuser_sees_the_records_of_every_unit_on_each_list(
    client, administrator, records, url, expected
):
    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert expected in body.decode()


def test_superuser_opens_a_case_reported_by_someone_else(client, administrator, records):
    deviation, _measure = records
    client.force_login(administrator)
    response = client.get(reverse("deviations:detail", args=[deviation.number]))
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/risk/",
        "/risk/rounds/",
        "/registers/documents/",
        "/registers/routines/",
        "/registers/agreements/",
        "/training/units/",
        "/surveys/",
        "/indicators/",
        "/reports/",
        "/cycle/",
    ],
)
def test_superuser_opens_every_list(client, administrator, records, url):
    client.force_login(administrator)
    assert client.get(url, follow=True).status_code == 200
