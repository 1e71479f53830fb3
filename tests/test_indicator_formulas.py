"""The formulas of DOMAIN.md, checked against its worked examples."""

import datetime

import pytest

from indicators import formulas


def test_h1_worked_example():
    # 3 injuries with absence, 250 FTE × 1,700 h = 425,000 h → H1 ≈ 7.1
    hours = formulas.hours_worked(fte=250)
    assert hours == 425_000
    assert formulas.h1(injuries_with_absence=3, hours=hours) == pytest.approx(7.0588, abs=1e-4)
    assert round(formulas.h1(injuries_with_absence=3, hours=hours), 1) == 7.1


def test_recorded_hours_win_over_fte_and_hours_per_fte_is_configurable():
    assert formulas.hours_worked(recorded_hours=400_000, fte=250) == 400_000
    assert formulas.hours_worked(fte=10, hours_per_fte=1_650) == 16_500
    with pytest.raises(ValueError):
        formulas.hours_worked()


def test_h2_counts_injuries_with_and_without_absence_and_f_counts_days():
    assert formulas.h2(injuries_with_absence=3, injuries_without_absence=2, hours=500_000) == 10
    assert formulas.f_value(absence_days=25, hours=500_000) == 50
    assert formulas.h1(injuries_with_absence=1, hours=0) is None


def test_degree_day_corrected_energy_worked_example():
    # E = 1,000,000 kWh, a = 0.6, DD_actual = 3,600, DD_normal = 4,000 → 1,066,667 kWh
    corrected = formulas.corrected_energy(
        kwh=1_000_000, degree_days_actual=3_600, degree_days_normal=4_000, temperature_share=0.6
    )
    assert round(corrected) == 1_066_667
    assert formulas.specific_energy(corrected_kwh=corrected, heated_area_m2=10_000) == (
        pytest.approx(106.6667, abs=1e-4)
    )


def test_degree_days_count_only_below_seventeen():
    assert formulas.degree_days([20.0, 17.0, 10.0, -3.0]) == 0 + 0 + 7 + 20


def test_co2_from_the_stored_emission_factor():
    # Norwegian location-based electricity, 2023: 15 g/kWh
    assert formulas.co2_tonnes(kwh=1_000_000, grams_per_kwh=15) == 15


def test_waste_sorting_percent():
    assert formulas.waste_sorting_percent(sorted_kg=600, total_kg=800) == 75
    assert formulas.waste_sorting_percent(sorted_kg=0, total_kg=0) is None


def test_norwegian_public_holidays_2026():
    holidays = formulas.norwegian_public_holidays(2026)
    assert formulas.easter_sunday(2026) == datetime.date(2026, 4, 5)
    for day in [
        "2026-04-02",
        "2026-04-03",
        "2026-04-06",
        "2026-05-14",
        "2026-05-25",
        "2026-05-17",
        "2026-12-25",
    ]:
        assert datetime.date.fromisoformat(day) in holidays
    assert len(holidays) == 12


def test_sick_leave_percent_weights_by_grade_and_position_share():
    # January 2026: 22 weekdays, New Year's Day among them → 21 agreed days at 100 %.
    agreed = formulas.agreed_working_days(datetime.date(2026, 1, 1), datetime.date(2026, 1, 31))
    assert agreed == 21
    absences = [
        formulas.Absence(days=10, grade=0.5),  # 50 % sick leave for 10 days → 5
        formulas.Absence(days=2, grade=0.2, self_certified=True),  # self-certified counts at 1
        formulas.Absence(days=4, position_share=0.5),  # half position → 2
    ]
    assert formulas.sick_leave_percent(absences, agreed * 3) == pytest.approx(9 * 100 / 63)


def test_ratios_roll_up_by_their_parts_never_by_averaging():
    small = formulas.Ratio(numerator=1, denominator=10_000, scale=1_000_000)  # H1 = 100
    large = formulas.Ratio(numerator=0, denominator=990_000, scale=1_000_000)  # H1 = 0
    faculty = formulas.roll_up([small, large])
    assert faculty.value == pytest.approx(1.0)  # not the average 50
    with pytest.raises(ValueError):
        small + formulas.Ratio(1, 2)
