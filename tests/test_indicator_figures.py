"""indicators.figures: the worked examples of DOMAIN.md through collect(), the roll-up rules,
and the cost of collecting (constant in units, deviations and values)."""

import datetime
import itertools
import json
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from deviations.models import Category, Deviation, DeviationType, InjuryKind, Severity, Status
from indicators.figures import Figure, collect, collect_many, collect_series, rolling_window
from indicators.models import DegreeDays, EmissionFactor, EnergyProfile, Indicator, IndicatorValue
from tests.factories import make_unit

YEAR_2025 = (datetime.date(2025, 1, 1), datetime.date(2025, 12, 31))
T2_2026 = (datetime.date(2026, 5, 1), datetime.date(2026, 8, 31))
_numbers = itertools.count(1)


def by_code(figures: list[Figure]) -> dict[str, Figure]:
    return {figure.code: figure for figure in figures}


def put(code: str, unit, value, year: int, tertial: int = 0) -> IndicatorValue:
    return IndicatorValue.objects.create(
        indicator=Indicator.objects.get(code=code),
        unit=unit,
        year=year,
        tertial=tertial,
        value=Decimal(str(value)),
    )


def put_year_of_tertials(code: str, unit, value, year: int) -> None:
    for tertial in (1, 2, 3):
        put(code, unit, value, year, tertial)


def deviations(unit, count: int, when: datetime.datetime, **fields) -> None:
    """Deviations written straight to the table: the figures read the table, and a thousand
    through the report service would make the test slow."""
    fields.setdefault("category", Category.objects.get(code="building"))
    fields.setdefault("severity", Severity.MINOR)
    rows = []
    for _ in range(count):
        number = next(_numbers)
        rows.append(
            Deviation(
                number=f"T-{number}",
                year=when.year,
                sequence=number,
                unit=unit,
                submission_token=uuid.uuid4(),
                title="Test",
                description="Test",
                occurred_at=when,
                deviation_type=DeviationType.ACCIDENT,
                **fields,
            )
        )
    Deviation.objects.bulk_create(rows)


def moment(year, month, day) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, 12))


def test_catalogue_holds_every_indicator_of_the_seed(db):
    codes = set(Indicator.objects.values_list("code", flat=True))
    for code in [
        "deviations",
        "personal_injuries",
        "h1",
        "h2",
        "f_value",
        "sick_leave_pct",
        "fte",
        "hours_worked",
        "electricity_kwh",
        "district_heating_kwh",
        "energy_total_kwh",
        "energy_corrected_kwh",
        "specific_energy",
        "co2_energy_tonnes",
        "floor_area_m2",
        "waste_total_t",
        "waste_sorting_pct",
        "tenders_env_pct",
        "env_weight_pct",
        "invoices_digital_pct",
        "flights_total",
        "flights_trd_osl",
        "flight_destinations",
    ]:
        assert code in codes
    assert (
        EmissionFactor.objects.get(year=2023, carrier__code="electricity_kwh").grams_per_kwh == 15
    )


def test_h1_worked_example_through_collect(org):
    # 3 injuries with absence, 250 FTE × 1,700 h = 425,000 h → H1 ≈ 7.1
    deviations(
        org.department, 3, moment(2025, 3, 10), injury_kind=InjuryKind.ABSENCE, absence_days=5
    )
    deviations(org.department, 2, moment(2025, 6, 10), injury_kind=InjuryKind.NO_ABSENCE)
    deviations(org.department, 1, moment(2025, 6, 11), injury_kind=InjuryKind.FIRST_AID)
    put_year_of_tertials("fte", org.department, 250, 2025)

    figures = by_code(collect(org.department, *YEAR_2025))

    h1 = figures["h1"]
    assert h1.value.quantize(Decimal("0.1")) == Decimal("7.1")
    assert Decimal(h1.parts["hours_worked"]) == 425_000
    assert h1.parts["injuries_with_absence"] == "3"
    assert h1.parts["window_start"] == "2025-01-01"
    # H2 counts the five injuries, not the first-aid one; F counts 15 days.
    assert figures["h2"].value.quantize(Decimal("0.01")) == Decimal("11.76")
    assert figures["f_value"].value.quantize(Decimal("0.01")) == Decimal("35.29")
    assert figures["personal_injuries"].value == 6
    assert figures["deviations"].value == 6
    assert figures["fte"].value == 250  # averaged over the tertials, not tripled
    assert figures["fte"].unit_of_measure == "FTE"
    json.dumps(h1.parts)  # the reports store the parts as JSON


def test_h1_for_a_tertial_is_over_the_rolling_twelve_months(org):
    deviations(org.department, 2, moment(2025, 10, 1), injury_kind=InjuryKind.ABSENCE)
    deviations(org.department, 1, moment(2026, 6, 1), injury_kind=InjuryKind.ABSENCE)
    deviations(org.department, 4, moment(2025, 3, 1), injury_kind=InjuryKind.ABSENCE)  # too old
    put("fte", org.department, 100, 2025, 3)
    put("fte", org.department, 100, 2026, 1)
    put("fte", org.department, 100, 2026, 2)

    figures = by_code(collect(org.department, *T2_2026))

    assert rolling_window(*T2_2026) == (datetime.date(2025, 9, 1), datetime.date(2026, 8, 31))
    assert figures["h1"].parts["window_start"] == "2025-09-01"
    # 3 injuries / (100 FTE × 1,700 h) = 17.6
    assert figures["h1"].value.quantize(Decimal("0.1")) == Decimal("17.6")
    assert figures["personal_injuries"].value == 1  # counts are for the tertial itself


def test_h1_is_missing_when_a_tertial_of_the_window_has_no_hours(org):
    deviations(org.department, 1, moment(2026, 6, 1), injury_kind=InjuryKind.ABSENCE)
    put("fte", org.department, 100, 2026, 2)

    h1 = by_code(collect(org.department, *T2_2026))["h1"]

    assert h1.value is None
    assert h1.parts["missing_hours"] == "2025 T3, 2026 T1"


def test_recorded_hours_win_over_fte(org):
    deviations(org.department, 2, moment(2025, 3, 1), injury_kind=InjuryKind.ABSENCE)
    put_year_of_tertials("fte", org.department, 250, 2025)
    put_year_of_tertials("hours_worked", org.department, 100_000, 2025)

    h1 = by_code(collect(org.department, *YEAR_2025))["h1"]

    assert Decimal(h1.parts["hours_worked"]) == 300_000
    assert h1.value.quantize(Decimal("0.01")) == Decimal("6.67")


def test_degree_day_corrected_energy_worked_example_through_collect(org):
    # E = 1,000,000 kWh, a = 0.6, DD_actual = 3,600, DD_normal = 4,000 → 1,066,667 kWh
    DegreeDays.objects.create(municipality="Trondheim", year=2025, actual=3600, normal=4000)
    EnergyProfile.objects.create(unit=org.department, temperature_share=Decimal("0.6"))
    put("electricity_kwh", org.department, 600_000, 2025)
    put("district_heating_kwh", org.department, 400_000, 2025)
    put("floor_area_m2", org.department, 10_000, 2025)
    EmissionFactor.objects.create(
        year=2024,
        carrier=Indicator.objects.get(code="district_heating_kwh"),
        grams_per_kwh=50,
    )

    figures = by_code(collect(org.department, *YEAR_2025))

    assert figures["energy_total_kwh"].value == 1_000_000
    assert round(figures["energy_corrected_kwh"].value) == 1_066_667
    assert figures["energy_corrected_kwh"].parts["normal_period"] == "1991–2020"
    assert figures["specific_energy"].value.quantize(Decimal("0.1")) == Decimal("106.7")
    # 600,000 kWh × 15 g (2023, the latest before 2025) + 400,000 kWh × 50 g (2024) = 29 t
    assert figures["co2_energy_tonnes"].value == 29
    assert figures["co2_energy_tonnes"].parts["electricity_kwh_2025_g_per_kwh"] == "15 (2023)"


def test_corrected_energy_is_missing_without_degree_days(org):
    put("electricity_kwh", org.department, 1_000, 2025)

    corrected = by_code(collect(org.department, *YEAR_2025))["energy_corrected_kwh"]

    assert corrected.value is None
    assert corrected.parts["missing_degree_days"] == "Trondheim 2025"


def test_a_yearly_indicator_has_no_value_for_a_tertial(org):
    put("electricity_kwh", org.department, 1_000, 2026)

    figures = by_code(collect(org.department, *T2_2026))

    assert figures["electricity_kwh"].value is None
    assert figures["energy_total_kwh"].value is None


def test_ratios_roll_up_from_summed_parts_never_averaged(org):
    # DEP: 1 injury over 100,000 h (H1 = 10); OTHERDEP: 0 over 900,000 h (H1 = 0).
    # The average would be 5; the ratio of the sums is 1 / 1,000,000 h = 1.
    deviations(org.department, 1, moment(2025, 2, 1), injury_kind=InjuryKind.ABSENCE)
    put_year_of_tertials("hours_worked", org.department, Decimal(100_000) / 3, 2025)
    put_year_of_tertials("hours_worked", org.other_department, 300_000, 2025)
    put_year_of_tertials("sick_leave_days", org.department, 10, 2025)
    put_year_of_tertials("agreed_days", org.department, 100, 2025)
    put_year_of_tertials("sick_leave_days", org.other_department, 10, 2025)
    put_year_of_tertials("agreed_days", org.other_department, 900, 2025)
    put("waste_residual_t", org.department, 1, 2025)
    put("waste_paper_t", org.department, 3, 2025)
    put("waste_residual_t", org.other_department, 9, 2025)
    put("waste_plastic_t", org.other_department, 7, 2025)

    root = by_code(collect(org.root, *YEAR_2025))
    department = by_code(collect(org.department, *YEAR_2025))

    assert department["h1"].value.quantize(Decimal("0.1")) == 10
    assert root["h1"].value.quantize(Decimal("0.01")) == 1
    assert department["sick_leave_pct"].value == 10
    assert root["sick_leave_pct"].value == 2  # 60 / 3,000 days, not (10 % + 1.11 %) / 2
    assert root["waste_total_t"].value == 20
    assert root["waste_sorting_pct"].value == 50  # 10 / 20 t, not (75 % + 43.75 %) / 2


def test_a_units_own_value_stands_for_its_subtree(org):
    put("fte", org.faculty, 500, 2025, 1)
    put("fte", org.department, 200, 2025, 1)  # inside the faculty's 500
    put("fte", org.other_faculty, 50, 2025, 1)
    t1 = (datetime.date(2025, 1, 1), datetime.date(2025, 4, 30))

    assert by_code(collect(org.root, *t1))["fte"].value == 550
    assert by_code(collect(org.department, *t1))["fte"].value == 200


def test_values_that_do_not_add_up_are_the_units_own(org):
    put("flight_destinations", org.department, 40, 2025)
    put("flight_destinations", org.other_department, 30, 2025)

    assert by_code(collect(org.root, *YEAR_2025))["flight_destinations"].value is None
    assert by_code(collect(org.department, *YEAR_2025))["flight_destinations"].value == 40


def test_sick_leave_percent_from_ftes_and_working_days(org):
    # 2026 T1 has 82 working days (86 weekdays less New Year's Day and three Easter
    # holidays); 10 FTE → 820 agreed days.
    put("fte", org.department, 10, 2026, 1)
    put("sick_leave_days", org.department, 41, 2026, 1)
    t1 = (datetime.date(2026, 1, 1), datetime.date(2026, 4, 30))

    sick = by_code(collect(org.department, *t1))["sick_leave_pct"]

    assert Decimal(sick.parts["agreed_days"]) == 820
    assert sick.value == 5


def test_deviations_are_counted_over_the_subtree_without_rejected_ones(org):
    deviations(org.section, 2, moment(2025, 5, 1))
    deviations(org.department, 1, moment(2025, 5, 1))
    deviations(org.department, 1, moment(2025, 5, 1), status=Status.REJECTED, rejection_reason="x")
    deviations(org.other_department, 5, moment(2025, 5, 1))
    deviations(org.department, 1, moment(2024, 5, 1))
    deviations(
        org.department, 1, moment(2025, 5, 1), category=Category.objects.get(code="personal_injury")
    )

    figures = by_code(collect(org.faculty, *YEAR_2025))

    assert figures["deviations"].value == 4
    assert figures["personal_injuries"].value == 1


def test_collect_lists_every_active_indicator_in_catalogue_order(org):
    Indicator.objects.filter(code="flight_km").update(is_active=False)

    figures = collect(org.department, *YEAR_2025)

    expected = list(
        Indicator.objects.filter(is_active=True)
        .order_by("order", "code")
        .values_list("code", flat=True)
    )
    assert [figure.code for figure in figures] == expected
    assert all(figure.value is None for figure in figures if figure.code == "h1")
    assert {figure.category for figure in figures} == {
        "health",
        "energy",
        "waste",
        "procurement",
        "travel",
    }


def test_collect_many_gives_each_unit_its_own_subtree(org):
    deviations(org.department, 2, moment(2025, 5, 1))
    deviations(org.other_department, 3, moment(2025, 5, 1))

    found = collect_many([org.faculty, org.other_faculty, org.root], *YEAR_2025)

    assert by_code(found[org.faculty.pk])["deviations"].value == 2
    assert by_code(found[org.other_faculty.pk])["deviations"].value == 3
    assert by_code(found[org.root.pk])["deviations"].value == 5
    assert collect_many([], *YEAR_2025) == {}


def test_collect_series_gives_one_list_per_range(org):
    deviations(org.department, 2, moment(2025, 5, 1))
    deviations(org.department, 3, moment(2026, 5, 1))

    series = collect_series(org.department, [YEAR_2025, T2_2026])

    assert [by_code(figures)["deviations"].value for figures in series] == [2, 3]


def _grow(org, size: int) -> list:
    faculties = []
    for number in range(size):
        faculty = make_unit(org.root, code=f"F{size}X{number}")
        department = make_unit(faculty, code=f"D{size}X{number}")
        deviations(department, size * 5, moment(2025, 5, 1), injury_kind=InjuryKind.ABSENCE)
        put_year_of_tertials("fte", department, 100, 2025)
        put("electricity_kwh", department, 1000, 2025)
        faculties.append(faculty)
    return faculties


@pytest.mark.parametrize("size", [2, 8])
def test_collect_many_costs_the_same_queries_whatever_the_size(
    org, size, django_assert_max_num_queries
):
    faculties = _grow(org, size)

    with django_assert_max_num_queries(7):
        found = collect_many(faculties, *YEAR_2025)

    assert len(found) == size
    assert by_code(found[faculties[0].pk])["deviations"].value == size * 5
