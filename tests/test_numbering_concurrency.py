"""Reporters submitting at the same moment each get their own number, in one unbroken run."""

import pytest
from django.utils import timezone

from deviations.concurrent_reports import report_concurrently
from deviations.models import Category, Deviation, YearCounter, deviation_number


def _category() -> Category:
    # A transaction=True test empties the tables after it, the migrations' categories too.
    category, _ = Category.objects.get_or_create(
        code="psychosocial", defaults={"name_nb": "Psykososialt", "name_en": "Psychosocial"}
    )
    return category


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_distinct_consecutive_numbers(org):
    category = _category()
    year = timezone.localtime().year

    outcome = report_concurrently(unit=org.section, category=category, reporters=12, each=3)

    assert outcome.errors == []
    expected = {deviation_number(year, n) for n in range(1, 37)}
    assert sorted(outcome.numbers) == sorted(expected)
    stored = set(Deviation.objects.values_list("number", flat=True))
    assert stored == expected  # none lost, none twice
    assert YearCounter.objects.get(year=year).last == 36


@pytest.mark.django_db(transaction=True)
def test_numbering_continues_an_existing_counter(org):
    category = _category()
    year = timezone.localtime().year
    YearCounter.objects.create(year=year, last=41)

    outcome = report_concurrently(unit=org.section, category=category, reporters=4)

    assert outcome.errors == []
    assert sorted(outcome.numbers) == [deviation_number(year, n) for n in range(42, 46)]
