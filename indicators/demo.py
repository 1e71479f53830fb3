"""Demo figures for `manage.py seed_demo`: plausible, made-up numbers so the indicator pages
and the reports show something real. Safe to run again: existing values are left alone.

- Health (per department, per tertial): FTEs and weighted sick-leave days, for last year and
  the tertials of this year that have ended.
- Energy, waste and travel (per faculty), procurement (the whole institution): yearly, for
  last year and the year before.
- Reference figures the computations need: Trondheim's degree days for those years and a
  district-heating emission factor (demo values, marked as such).
"""

import random
from decimal import Decimal

from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from indicators.models import (
    DegreeDays,
    EmissionFactor,
    Indicator,
    IndicatorValue,
    Source,
    tertial_of,
)
from units.models import Unit

HMS_DEPARTMENT_GROUP = "HMS-avdelingen"  # as in units' seed_demo
DEMO_DEGREE_DAYS = {"normal": Decimal("4050"), "actual": [Decimal("3720"), Decimal("3935")]}


def _d(number: float, places: int = 1) -> Decimal:
    return Decimal(str(round(number, places)))


def seed() -> int:
    """Add the demo figures; returns the number of values created."""
    today = timezone.localdate()
    this_year, last_year, year_before = today.year, today.year - 1, today.year - 2
    indicators = {indicator.code: indicator for indicator in Indicator.objects.all()}
    root = Unit.objects.filter(depth=1).first()
    if root is None or not indicators:
        return 0
    faculties = list(Unit.objects.filter(depth=2, is_active=True))
    departments = list(Unit.objects.filter(depth=3, is_active=True))
    values: list[IndicatorValue] = []

    def add(code: str, unit: Unit, year: int, tertial: int, value: Decimal) -> None:
        values.append(
            IndicatorValue(
                indicator=indicators[code],
                unit=unit,
                year=year,
                tertial=tertial,
                value=value,
                source=Source.IMPORTED,
            )
        )

    tertials = [(last_year, t) for t in (1, 2, 3)]
    tertials += [(this_year, t) for t in (1, 2, 3) if t < tertial_of(today)]
    for department in departments:
        rng = random.Random(department.code)
        fte = rng.uniform(25, 220)
        sick_share = rng.uniform(0.025, 0.075)
        for year, tertial in tertials:
            staff = fte * rng.uniform(0.96, 1.04)
            add("fte", department, year, tertial, _d(staff))
            # About 81 agreed days per FTE in a tertial.
            add("sick_leave_days", department, year, tertial, _d(staff * 81 * sick_share))

    for faculty in faculties:
        rng = random.Random(f"energy-{faculty.code}")
        area = rng.uniform(15_000, 110_000)
        for year in (year_before, last_year):
            kwh = area * rng.uniform(175, 250)
            electricity = kwh * rng.uniform(0.5, 0.6)
            add("floor_area_m2", faculty, year, 0, _d(area, 0))
            add("electricity_kwh", faculty, year, 0, _d(electricity, 0))
            add("district_heating_kwh", faculty, year, 0, _d(kwh - electricity, 0))
            waste = area * rng.uniform(0.003, 0.005)
            residual = waste * rng.uniform(0.3, 0.45)
            sorted_waste = waste - residual
            add("waste_residual_t", faculty, year, 0, _d(residual))
            shares = {
                "waste_paper_t": 0.42,
                "waste_food_t": 0.18,
                "waste_plastic_t": 0.1,
                "waste_glass_metal_t": 0.08,
                "waste_wood_t": 0.1,
                "waste_electronic_t": 0.07,
                "waste_hazardous_t": 0.05,
            }
            for code, share in shares.items():
                add(code, faculty, year, 0, _d(sorted_waste * share))
            flights = rng.uniform(300, 2_500)
            add("flights_total", faculty, year, 0, _d(flights, 0))
            add("flights_trd_osl", faculty, year, 0, _d(flights * rng.uniform(0.35, 0.5), 0))
            add("flight_km", faculty, year, 0, _d(flights * rng.uniform(1_400, 2_400), 0))
            add("flight_co2_tonnes", faculty, year, 0, _d(flights * rng.uniform(0.18, 0.3)))
            add("flight_destinations", faculty, year, 0, _d(rng.uniform(40, 160), 0))

    rng = random.Random("procurement")
    for year in (year_before, last_year):
        tenders = rng.randint(90, 140)
        add("tenders_count", root, year, 0, Decimal(tenders))
        add("tenders_env_count", root, year, 0, Decimal(int(tenders * rng.uniform(0.6, 0.85))))
        add("env_weight_pct", root, year, 0, _d(rng.uniform(12, 25)))
        invoices = rng.randint(140_000, 170_000)
        add("invoices_count", root, year, 0, Decimal(invoices))
        add(
            "invoices_digital_count", root, year, 0, Decimal(int(invoices * rng.uniform(0.9, 0.97)))
        )
        add("flight_destinations", root, year, 0, _d(rng.uniform(280, 360), 0))

    before = IndicatorValue.objects.count()
    IndicatorValue.objects.bulk_create(values, ignore_conflicts=True, batch_size=1000)

    for year, actual in zip((year_before, last_year), DEMO_DEGREE_DAYS["actual"], strict=True):
        DegreeDays.objects.get_or_create(
            municipality="Trondheim",
            year=year,
            defaults={"actual": actual, "normal": DEMO_DEGREE_DAYS["normal"]},
        )
    if "district_heating_kwh" in indicators:
        EmissionFactor.objects.get_or_create(
            year=year_before,
            carrier=indicators["district_heating_kwh"],
            method="location",
            defaults={"grams_per_kwh": Decimal("40"), "reference": "Demo value"},
        )
    _give_hms_department_the_catalogue()
    return IndicatorValue.objects.count() - before


def _give_hms_department_the_catalogue() -> None:
    """The HSE department keeps the catalogue and reference figures in the admin."""
    group, _created = Group.objects.get_or_create(name=HMS_DEPARTMENT_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="indicators",
        content_type__model__in=["indicator", "emissionfactor", "degreedays", "energyprofile"],
    ) | Permission.objects.filter(
        content_type__app_label="indicators", codename="view_indicatorvalue"
    )
    group.permissions.add(*permissions)
