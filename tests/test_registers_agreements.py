"""Coordination agreements: parties with one main enterprise, validity, and the cooperation
plan of the year."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from hms.registers import services
from hms.registers.models import AgreementParty, CooperationItem, CoordinationAgreement
from tests.factories import make_agreement


def _form(**extra):
    data = {
        "title": "Samordningsavtale St. Olavs",
        "premises": "Kunnskapssenteret",
        "activities": "Undervisning og klinikk",
        "valid_from": "2025-01-01",
        "valid_to": "2027-12-31",
        "party-TOTAL_FORMS": "3",
        "party-INITIAL_FORMS": "0",
        "party-0-name": "St. Olavs hospital",
        "party-0-is_main": "on",
        "party-1-name": "NTNU",
        "party-2-name": "",
    }
    data.update(extra)
    return data


def test_line_manager_makes_an_agreement_with_a_main_enterprise(client, org, line_manager):
    client.force_login(line_manager)
    url = reverse("registers:agreement_create", args=[org.department.code])
    response = client.post(url, _form())
    assert response.status_code == 302
    agreement = CoordinationAgreement.objects.get()
    assert agreement.parties.get(is_main=True).name == "St. Olavs hospital"
    assert agreement.parties.count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"party-0-is_main": ""}, "exactly one party"),
        ({"party-1-is_main": "on"}, "exactly one party"),
        ({"party-1-name": ""}, "at least two parties"),
        ({"party-1-name": "st. olavs HOSPITAL"}, "listed twice"),
        ({"valid_to": "2024-01-01"}, "before the start date"),
    ],
)
def test_bad_parties_or_dates_are_form_errors_with_input_kept(
    client, org, line_manager, change, message
):
    client.force_login(line_manager)
    url = reverse("registers:agreement_create", args=[org.department.code])
    response = client.post(url, _form(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Kunnskapssenteret" in response.content.decode()
    assert not CoordinationAgreement.objects.exists()


def test_database_allows_one_main_enterprise_only(org, line_manager):
    agreement = make_agreement(org.department, line_manager)
    with pytest.raises(IntegrityError):
        AgreementParty.objects.create(agreement=agreement, name="Statsbygg", is_main=True)


def test_service_refuses_two_main_enterprises(org, line_manager):
    with pytest.raises(ValidationError):
        make_agreement(
            org.department,
            line_manager,
            parties=[{"name": "A", "contact": "", "is_main": True}] * 2,
        )


def test_edit_on_an_old_version_gives_409(client, org, line_manager):
    agreement = make_agreement(org.department, line_manager)
    services.agreement_save(
        actor=line_manager,
        unit=org.department,
        agreement=agreement,
        version=agreement.version,
        title="Endret av en annen",
        parties=[
            {"name": "NTNU", "contact": "", "is_main": True},
            {"name": "SINTEF", "contact": "", "is_main": False},
        ],
    )
    client.force_login(line_manager)
    response = client.post(
        reverse("registers:agreement_edit", args=[agreement.pk]),
        _form(version=agreement.version, title="Min tittel"),
    )
    assert response.status_code == 409
    assert "Min tittel" in response.content.decode()


def test_cooperation_plan_items_are_added_and_removed(client, org, line_manager, safety_rep):
    agreement = make_agreement(org.department, line_manager)
    client.force_login(line_manager)
    year = timezone.localdate().year
    response = client.post(
        agreement.get_absolute_url(),
        {"date": f"{year}-05-02", "what": "Felles brannøvelse", "who": "Brannvernlederne"},
    )
    assert response.status_code == 302
    item = CooperationItem.objects.get()
    page = client.get(agreement.get_absolute_url()).content.decode()
    assert "Felles brannøvelse" in page
    client.force_login(safety_rep)
    url = reverse("registers:plan_item_delete", args=[agreement.pk, item.pk])
    assert client.post(url).status_code == 403
    client.force_login(line_manager)
    assert client.post(url).status_code == 302
    assert not CooperationItem.objects.exists()


def test_plan_item_without_what_is_a_form_error(client, org, line_manager):
    agreement = make_agreement(org.department, line_manager)
    client.force_login(line_manager)
    response = client.post(agreement.get_absolute_url(), {"date": "2025-05-02", "who": "x"})
    assert response.status_code == 400
    assert not CooperationItem.objects.exists()


def test_expiring_and_expired_agreements_are_highlighted(client, org, line_manager):
    today = timezone.localdate()
    make_agreement(
        org.department,
        line_manager,
        title="Snart ute",
        valid_from=today - datetime.timedelta(days=300),
        valid_to=today + datetime.timedelta(days=20),
    )
    make_agreement(
        org.department,
        line_manager,
        title="Utgått",
        valid_from=today - datetime.timedelta(days=300),
        valid_to=today - datetime.timedelta(days=1),
    )
    client.force_login(line_manager)
    page = client.get(reverse("registers:agreement_list"), {"ended": "1"}).content.decode()
    assert "expires soon" in page and "expired" in page
    page = client.get(reverse("registers:agreement_list")).content.decode()
    assert "Utgått" not in page  # ended ones only on request
