"""The History button on every record page, for those who may see the record, with field names
and values in words; health details and anonymous reporters never in it."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from deviations import services as deviation_services
from hms.registers.models import Routine
from tests.factories import make_agreement, make_deviation, make_document, make_routine
from units.models import Unit


def _history_url(obj) -> str:
    return reverse("history", args=[ContentType.objects.get_for_model(type(obj)).pk, obj.pk])


@pytest.fixture
def deviation(org, employee, line_manager):
    case = make_deviation(org.department, employee, health_details="Kuttskade i hånden")
    return deviation_services.deviation_accept(
        actor=line_manager, deviation=case, version=case.version
    )


def test_the_case_page_links_its_history_in_words(client, deviation, line_manager):
    client.force_login(line_manager)
    page = client.get(deviation.get_absolute_url()).content.decode()
    url = _history_url(deviation)
    assert url in page
    history = client.get(url).content.decode()
    # Values in words: the category's and the unit's names, the status's label, no raw ids.
    assert deviation.category.name in history
    assert deviation.unit.name in history
    assert "Accepted" in history or "Under treatment" in history or "In progress" in history
    assert f"#{deviation.pk}" not in history
    assert line_manager.get_full_name() in history


def test_health_details_are_never_in_the_history(client, deviation, line_manager):
    client.force_login(line_manager)
    assert "Kuttskade" not in client.get(_history_url(deviation)).content.decode()


def test_an_anonymous_reporter_is_not_in_the_history(client, org, employee, line_manager):
    client.force_login(employee)
    case = make_deviation(org.department, None, anonymous=True)
    client.force_login(line_manager)
    history = client.get(_history_url(case)).content.decode()
    assert employee.username not in history and employee.get_full_name() not in history


def test_those_who_may_not_see_the_record_get_404(client, deviation, outsider, org):
    client.force_login(outsider)
    assert client.get(_history_url(deviation)).status_code == 404
    client.logout()
    assert "/accounts/login/" in client.get(_history_url(deviation))["Location"]


def test_the_unit_history_stays_for_administrators(client, org, line_manager, administrator):
    client.force_login(line_manager)
    assert client.get(_history_url(org.department)).status_code == 404
    client.force_login(administrator)
    assert client.get(_history_url(org.department)).status_code == 200


@pytest.mark.parametrize("kind", ["document", "routine", "agreement"])
def test_every_register_record_page_has_its_history(client, org, line_manager, employee, kind):
    make = {"document": make_document, "routine": make_routine, "agreement": make_agreement}
    record = make[kind](org.department, line_manager)
    if isinstance(record, Routine):
        from hms.registers import services

        record = services.routine_approve(actor=line_manager, routine=record, version=1)
    reader = line_manager if kind == "agreement" else employee
    client.force_login(reader)
    page = client.get(record.get_absolute_url()).content.decode()
    assert _history_url(record) in page
    assert client.get(_history_url(record)).status_code == 200


def test_the_history_costs_the_same_however_many_changes(client, deviation, line_manager):
    client.force_login(line_manager)
    url = _history_url(deviation)
    # One query per kind of record in the history (here: the case and its comments), not per
    # change.
    deviation_services.comment_add(author=line_manager, deviation=deviation, text="Første")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for index in range(6):
        deviation_services.comment_add(
            author=line_manager, deviation=deviation, text=f"Kommentar {index}"
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert "Kommentar 5" in response.content.decode()
    assert len(many) == len(few)


def test_a_unit_record_of_a_model_without_visible_to_is_for_administrators(client, org, employee):
    client.force_login(employee)
    assert client.get(_history_url(Unit.objects.get(pk=org.root.pk))).status_code == 404
