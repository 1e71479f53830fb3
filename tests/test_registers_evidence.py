"""The registers' evidence for the yearly cycle: constant queries for any number of units."""

import datetime

import pytest
from django.utils import timezone

from hms.cycle import evidence
from hms.registers import services
from hms.registers.models import Requirement
from tests.factories import make_agreement, make_document, make_routine, make_unit


@pytest.fixture
def year():
    return timezone.localdate().year


def test_providers_are_registered_for_the_four_steps():
    for step in ("requirements", "documentation", "local_routines", "coordination_agreement"):
        assert evidence._providers.get(step), step


def test_a_reviewed_register_with_an_applying_requirement_counts(org, line_manager, year):
    law = Requirement.objects.first()
    services.requirements_register_save(
        actor=line_manager, unit=org.department, entries={law.pk: (True, "")}
    )
    services.requirements_register_save(
        actor=line_manager, unit=org.section, entries={law.pk: (False, "")}
    )
    found = evidence.collect([org.department, org.section], year)["requirements"]
    assert set(found) == {org.department.pk}
    assert found[org.department.pk].endswith("/registers/DEP/requirements/")
    assert evidence.collect([org.department], year - 1)["requirements"] == {}


def test_documents_count_only_when_none_is_past_review(org, line_manager, year):
    today = timezone.localdate()
    make_document(org.department, line_manager, review_due=today + datetime.timedelta(days=90))
    make_document(org.section, line_manager, review_due=today + datetime.timedelta(days=90))
    make_document(org.section, line_manager, review_due=today - datetime.timedelta(days=1))
    found = evidence.collect([org.department, org.section, org.faculty], year)["documentation"]
    assert set(found) == {org.department.pk}


def test_only_an_approved_routine_in_force_counts(org, line_manager, year):
    make_routine(org.department, line_manager, approve_by=line_manager)
    make_routine(org.section, line_manager)  # a draft
    found = evidence.collect([org.department, org.section], year)["local_routines"]
    assert set(found) == {org.department.pk}


def test_an_agreement_valid_in_the_year_counts(org, line_manager, year):
    make_agreement(org.department, line_manager)
    make_agreement(
        org.section,
        line_manager,
        valid_from=datetime.date(year - 3, 1, 1),
        valid_to=datetime.date(year - 2, 12, 31),
    )
    found = evidence.collect([org.department, org.section], year)["coordination_agreement"]
    assert set(found) == {org.department.pk}


def _queries_for(units, year, django_assert_max_num_queries, limit):
    providers = [
        provider
        for step in ("requirements", "documentation", "local_routines", "coordination_agreement")
        for provider in evidence._providers[step]
    ]
    with django_assert_max_num_queries(limit) as captured:
        for provider in providers:
            provider(units, year)
    return len(captured.captured_queries)


def test_providers_run_constant_queries_for_many_units(
    org, line_manager, hms_department, year, django_assert_max_num_queries
):
    small = [org.department, org.section]
    many = [make_unit(org.department) for _ in range(30)]
    for unit in many:
        make_routine(unit, line_manager, approve_by=line_manager)
        make_document(unit, hms_department)
        make_agreement(unit, hms_department)
    few = _queries_for(small, year, django_assert_max_num_queries, 4)
    lots = _queries_for(small + many, year, django_assert_max_num_queries, 4)
    assert few == lots
