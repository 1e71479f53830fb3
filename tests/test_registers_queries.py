"""Register pages run the same number of queries whatever the amount of data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hms.registers import services
from hms.registers.models import Requirement
from tests.factories import make_agreement, make_document, make_routine, make_unit

MAX_QUERIES = 14


def _add(org, line_manager, hms_department, count: int) -> None:
    """`count` more of everything: documents and routines on DEP, its sections and the root,
    agreements with plan items, and requirements in the register."""
    for _ in range(count):
        section = make_unit(org.department)
        for unit in (org.department, section):
            make_document(unit, line_manager)
            make_routine(unit, line_manager, approve_by=line_manager)
        make_routine(org.root, hms_department)
        agreement = make_agreement(org.department, line_manager)
        agreement.plan_items.create(date=agreement.valid_from, what="Runde", who="HMS")
        requirement = Requirement.objects.create(
            title="Krav", short_name=f"Krav {Requirement.objects.count()}", kind="law"
        )
        services.requirements_register_save(
            actor=line_manager, unit=org.department, entries={requirement.pk: (True, "")}
        )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


PAGES = [
    lambda org, first: reverse("registers:document_list"),
    lambda org, first: reverse("registers:routine_list"),
    lambda org, first: reverse("registers:agreement_list"),
    lambda org, first: reverse("registers:catalogue"),
    lambda org, first: reverse("registers:unit", args=[org.department.code]),
    lambda org, first: reverse("registers:unit_summary", args=[org.department.code]),
    lambda org, first: reverse("registers:requirements", args=[org.department.code]),
    lambda org, first: first["agreement"].get_absolute_url(),
]


@pytest.mark.parametrize("who", ["line_manager", "employee", "hms_department"])
def test_register_pages_run_constant_queries(
    client, org, line_manager, hms_department, employee, who, request
):
    _add(org, line_manager, hms_department, 2)
    from hms.registers.models import CoordinationAgreement

    first = {"agreement": CoordinationAgreement.objects.first()}
    user = request.getfixturevalue(who)
    client.force_login(user)
    pages = [page(org, first) for page in PAGES]
    if who == "employee":
        # Records are not theirs: the requirements register and agreements are 404.
        pages = [url for url in pages if "requirements/" not in url and "agreements/" not in url]
    small = [_count(client, url) for url in pages]
    _add(org, line_manager, hms_department, 6)
    large = [_count(client, url) for url in pages]
    assert small == large
    assert max(large) <= MAX_QUERIES
