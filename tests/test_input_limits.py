"""Input a page can send but no person would: a formset claiming 100,000 rows. Each is a clear
form error on the page, never a 500 or a huge allocation, and nothing is saved."""

import dataclasses
import re
from collections.abc import Callable

import pytest
from django.urls import reverse
from django.utils import timezone

from hms.registers.forms import MAX_PARTIES
from hms.registers.models import CoordinationAgreement
from risk import services as risk_services
from risk.models import WorkActivity
from tests.factories import make_agreement
from units.limits import MAX_FORMSET_ROWS


@dataclasses.dataclass
class FormsetPost:
    """A formset view: who posts where, a valid first row, and what a save would change."""

    user: object
    url: str
    prefix: str
    max_rows: int
    data: dict[str, str]
    saved: Callable[[], object]  # a snapshot of what the post could change


def risk_activities(fx) -> FormsetPost:
    line_manager = fx("line_manager")
    assessment = risk_services.assessment_create(
        actor=line_manager,
        unit=fx("org").department,
        title="Synthesis lab",
        activity="Room D2-104",
        assessed_on=timezone.localdate(),
    )
    return FormsetPost(
        user=line_manager,
        url=reverse("risk:activities", args=[assessment.pk]),
        prefix="activities",
        max_rows=MAX_FORMSET_ROWS,
        data={"activities-INITIAL_FORMS": "0", "activities-0-name": "Distillation"},
        saved=lambda: list(WorkActivity.objects.values_list("name", flat=True)),
    )


def _parties() -> dict[str, str]:
    return {
        "title": "Samordningsavtale Kjemiblokkene",
        "premises": "Kjemiblokk 5",
        "activities": "Forskning",
        "valid_from": "2025-01-01",
        "party-INITIAL_FORMS": "0",
        "party-0-name": "NTNU",
        "party-0-is_main": "on",
        "party-1-name": "SINTEF",
    }


def agreement_create(fx) -> FormsetPost:
    return FormsetPost(
        user=fx("line_manager"),
        url=reverse("registers:agreement_create", args=[fx("org").department.code]),
        prefix="party",
        max_rows=MAX_PARTIES,
        data=_parties(),
        saved=lambda: CoordinationAgreement.objects.count(),
    )


def agreement_edit(fx) -> FormsetPost:
    user = fx("line_manager")
    agreement = make_agreement(fx("org").department, user)
    return FormsetPost(
        user=user,
        url=reverse("registers:agreement_edit", args=[agreement.pk]),
        prefix="party",
        max_rows=MAX_PARTIES,
        data={
            **_parties(),
            "version": str(agreement.version),
            "party-INITIAL_FORMS": "2",
            "party-1-name": "Statsbygg",
        },
        saved=lambda: list(agreement.parties.values_list("name", flat=True)),
    )


FORMSETS = [risk_activities, agreement_create, agreement_edit]


@pytest.mark.parametrize("total", ["max + 1", "100000"])
@pytest.mark.parametrize("case", FORMSETS, ids=lambda case: case.__name__)
def test_a_formset_claiming_too_many_rows_is_a_form_error(client, db, request, case, total):
    case = case(request.getfixturevalue)
    client.force_login(case.user)
    before = case.saved()
    total = str(case.max_rows + 1) if total == "max + 1" else total

    response = client.post(case.url, {**case.data, f"{case.prefix}-TOTAL_FORMS": total})

    assert response.status_code in (200, 400)
    html = response.content.decode()
    assert f"At most {case.max_rows} rows can be saved at once." in html
    rows = {int(n) for n in re.findall(rf'name="{case.prefix}-(\d+)-', html)}
    assert max(rows) < case.max_rows, "no more rows were built than the formset takes"
    assert case.saved() == before


@pytest.mark.parametrize("case", FORMSETS, ids=lambda case: case.__name__)
def test_a_formset_of_the_largest_size_is_taken(client, db, request, case):
    """The cap refuses only what no page sends: as many rows as the formset takes is fine."""
    case = case(request.getfixturevalue)
    client.force_login(case.user)
    total = str(case.max_rows)
    response = client.post(case.url, {**case.data, f"{case.prefix}-TOTAL_FORMS": total})
    assert response.status_code == 302
