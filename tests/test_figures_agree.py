"""One figure, one number: the trends page, the indicators, the tertial and annual reports and
the management review count the same deviations and personal injuries for the same unit and
period (deviations.counts), and each says how it counts.

Before, the trends page and the review's deviation item counted rejected reports and the
review counted personal injuries by category only, so one review printed two numbers for
the same year.
"""

import datetime
import types

import pytest
from django.urls import reverse
from django.utils import timezone

from deviations import counts
from deviations.models import Category, Deviation, InjuryKind, Severity, Status
from indicators import figures
from indicators.reports import collect
from indicators.reports.models import Report, ReportKind, tertial_period
from indicators.review import facts
from tests.factories import load_reference_data, make_deviation

YEAR = timezone.localdate().year - 1


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def year_of_cases(org, employee):
    """In T2 of YEAR: three counted cases, one rejected, an injury recorded on a case outside
    the personal-injury category, and a first-aid case in it; one case the year before."""
    load_reference_data()
    building = Category.objects.get(code="building")
    injury = Category.objects.get(code="personal_injury")
    t2 = tertial_period(YEAR, 2)
    make_deviation(org.section, employee, occurred_at=at(t2.start), category=building)
    make_deviation(
        org.department,
        employee,
        occurred_at=at(t2.start + datetime.timedelta(days=10)),
        category=building,
        severity=Severity.SERIOUS,
        injury_kind=InjuryKind.ABSENCE,
        absence_days=3,
    )
    make_deviation(
        org.other_department,
        employee,
        occurred_at=at(t2.start + datetime.timedelta(days=20)),
        category=injury,
        injury_kind=InjuryKind.FIRST_AID,
    )
    rejected = make_deviation(
        org.section, employee, occurred_at=at(t2.start + datetime.timedelta(days=30))
    )
    Deviation.objects.filter(pk=rejected.pk).update(
        status=Status.REJECTED, rejection_reason="Not an HSE matter"
    )
    make_deviation(
        org.section, employee, occurred_at=at(tertial_period(YEAR - 1, 2).start), category=injury
    )
    return org


def _catalogue(unit, start, end) -> dict:
    return {figure.code: figure.value for figure in figures.collect(unit, start, end)}


def test_every_place_counts_the_same_deviations_and_injuries(year_of_cases, hms_department):
    org = year_of_cases
    year_start, year_end = datetime.date(YEAR, 1, 1), datetime.date(YEAR, 12, 31)
    t2 = tertial_period(YEAR, 2)

    indicators_year = _catalogue(org.root, year_start, year_end)
    indicators_t2 = _catalogue(org.root, t2.start, t2.last_day)
    annual = collect.collect_figures(Report(kind=ReportKind.ANNUAL, year=YEAR, unit=org.root))
    tertial = collect.collect_figures(
        Report(kind=ReportKind.TERTIAL, year=YEAR, tertial=2, unit=org.root)
    )
    review = facts.collect(org.root, YEAR)
    review_figures = {row["code"]: row for row in review["figures"]}

    from django.test import Client

    browser = Client()
    browser.force_login(hms_department)
    page = browser.get(reverse("deviations:trends"), {"unit": org.root.code, "year": YEAR})
    assert page.status_code == 200

    # Three counted deviations; the rejected one is in none of them.
    assert indicators_year["deviations"] == indicators_t2["deviations"] == 3
    assert annual["deviations"]["total"]["now"] == 3
    assert tertial["deviations"]["total"]["now"] == 3
    assert review["deviations"]["this"] == 3
    assert review_figures["deviations"]["this"] == "3.0000"
    assert page.context["headline"]["this"] == 3
    assert page.context["month_chart"].totals()[0] == 3
    # The year before, as each of them compares.
    assert review["deviations"]["last"] == page.context["headline"]["last"] == 1
    assert annual["deviations"]["total"]["previous"] == 1

    # Two personal injuries (one by its recorded injury, one by its category), one with absence.
    assert indicators_year["personal_injuries"] == 2
    assert annual["injuries"]["total"]["now"] == tertial["injuries"]["total"]["now"] == 2
    assert review["deviations"]["injuries"]["this"] == 2
    assert indicators_year["injuries_with_absence"] == 1
    assert annual["injuries"]["with_absence"]["now"] == 1
    assert review["deviations"]["injuries"]["absence_this"] == 1


def test_the_count_is_explained_where_it_is_shown(year_of_cases, hms_department, client):
    org = year_of_cases
    client.force_login(hms_department)
    page = client.get(reverse("deviations:trends"), {"unit": org.root.code, "year": YEAR})
    assert str(counts.DEVIATIONS_DEFINITION) in page.content.decode()
    shown = facts.for_display(facts.collect(org.root, YEAR))["deviations"]
    assert shown["definition"] == counts.DEVIATIONS_DEFINITION
    assert "Rejected reports are not counted" in str(counts.DEVIATIONS_DEFINITION)


def test_rejected_cases_are_not_counted_by_the_queryset(year_of_cases):
    assert Deviation.objects.count() == 5
    assert Deviation.objects.counted().count() == 4


def test_trends_headline_compares_the_same_days_of_last_year(
    org, employee, hms_department, client, monkeypatch
):
    load_reference_data()
    this_year = timezone.localdate().year
    for day in (
        datetime.date(this_year, 3, 1),
        datetime.date(this_year - 1, 3, 1),
        datetime.date(this_year - 1, 6, 15),  # the same day last year: counted
        datetime.date(this_year - 1, 6, 16),  # later in the year: not yet comparable
        datetime.date(this_year - 1, 11, 1),
    ):
        make_deviation(org.section, employee, occurred_at=at(day))
    # The trends page's today only: the roles' validity still counts from the real today.
    from deviations.views import lists

    fake_today = datetime.date(this_year, 6, 15)
    monkeypatch.setattr(
        lists,
        "timezone",
        types.SimpleNamespace(localdate=lambda *args: fake_today, make_aware=timezone.make_aware),
    )
    client.force_login(hms_department)
    page = client.get(reverse("deviations:trends"), {"unit": org.root.code})
    headline = page.context["headline"]
    assert (headline["this"], headline["last"], headline["whole_year"]) == (1, 2, False)
    html = page.content.decode()
    assert f"Happened in {this_year} up to and including 15 June" in html
    assert f"Same period of {this_year - 1} (up to and including 15 June): 2" in html

    # An earlier year is compared whole with the whole year before it.
    page = client.get(reverse("deviations:trends"), {"unit": org.root.code, "year": this_year - 1})
    headline = page.context["headline"]
    assert (headline["this"], headline["last"], headline["whole_year"]) == (4, 0, True)
    assert f"The whole of {this_year - 2}: 0" in page.content.decode()
