"""The formulas of DOMAIN.md ("Indicators and formulas"), as plain functions on numbers.

Kept free of the database so each can be tested against the worked examples, and so a report
can recompute a figure from the parts it froze. Ratios roll up the unit tree by adding their
parts and dividing again, never by averaging (see `Ratio`).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

PER_MILLION_HOURS = 1_000_000
HOURS_PER_FTE = 1_700  # default hours worked per full-time equivalent (årsverk); configurable
BASE_TEMPERATURE_C = 17.0  # degree days count below 17 °C
DEFAULT_TEMPERATURE_SHARE = 0.6  # share of a building's energy that depends on the weather


def hours_worked(
    *,
    recorded_hours: float | None = None,
    fte: float | None = None,
    hours_per_fte: float = HOURS_PER_FTE,
) -> float:
    """Recorded hours if given, else FTE × hours per FTE (1,700 by default)."""
    if recorded_hours is not None:
        return float(recorded_hours)
    if fte is None:
        raise ValueError("Give recorded hours or FTEs.")
    return float(fte) * hours_per_fte


def _per_million_hours(count: float, hours: float) -> float | None:
    return count * PER_MILLION_HOURS / hours if hours else None


def h1(*, injuries_with_absence: int, hours: float) -> float | None:
    """H1: injuries with absence per million hours worked."""
    return _per_million_hours(injuries_with_absence, hours)


def h2(*, injuries_with_absence: int, injuries_without_absence: int, hours: float) -> float | None:
    """H2: all injuries, with and without absence (first aid only not counted), per million
    hours worked."""
    return _per_million_hours(injuries_with_absence + injuries_without_absence, hours)


def f_value(*, absence_days: float, hours: float) -> float | None:
    """F: days of absence caused by injuries per million hours worked."""
    return _per_million_hours(absence_days, hours)


def easter_sunday(year: int) -> datetime.date:
    """Gregorian Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return datetime.date(year, month, day + 1)


def norwegian_public_holidays(year: int) -> set[datetime.date]:
    """The public holidays (helligdager and 1 and 17 May) of a year in Norway."""
    easter = easter_sunday(year)
    moving = [-3, -2, 0, 1, 39, 49, 50]  # Maundy Thursday … Whit Monday
    fixed = [(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)]
    return {easter + datetime.timedelta(days=offset) for offset in moving} | {
        datetime.date(year, month, day) for month, day in fixed
    }


def agreed_working_days(
    start: datetime.date, end: datetime.date, *, position_share: float = 1.0
) -> float:
    """Weekdays from start to end inclusive, less public holidays, times the position share."""
    holidays: set[datetime.date] = set()
    for year in range(start.year, end.year + 1):
        holidays |= norwegian_public_holidays(year)
    days = 0
    current = start
    while current <= end:
        if current.weekday() < 5 and current not in holidays:
            days += 1
        current += datetime.timedelta(days=1)
    return days * position_share


@dataclass(frozen=True)
class Absence:
    """One sick-leave spell: the working days it covers, its grade (1.0 = full sick leave; a
    self-certified absence counts at grade 1) and the person's position share."""

    days: float
    grade: float = 1.0
    position_share: float = 1.0
    self_certified: bool = False

    @property
    def weighted_days(self) -> float:
        grade = 1.0 if self.self_certified else self.grade
        return self.days * grade * self.position_share


def sick_leave_percent(absences: Iterable[Absence], agreed_days: float) -> float | None:
    """Sick-leave % = weighted sick-leave days × 100 / agreed working days."""
    if not agreed_days:
        return None
    return sum(absence.weighted_days for absence in absences) * 100 / agreed_days


def degree_days(
    daily_mean_temperatures: Iterable[float], base: float = BASE_TEMPERATURE_C
) -> float:
    """Σ max(0, 17 °C − daily mean)."""
    return sum(max(0.0, base - temperature) for temperature in daily_mean_temperatures)


def corrected_energy(
    *,
    kwh: float,
    degree_days_actual: float,
    degree_days_normal: float,
    temperature_share: float = DEFAULT_TEMPERATURE_SHARE,
) -> float:
    """E_corr = E × (1 − a) + E × a × (DD_normal / DD_actual)."""
    if not degree_days_actual:
        raise ValueError("The actual degree days must be above zero.")
    a = temperature_share
    return kwh * (1 - a) + kwh * a * (degree_days_normal / degree_days_actual)


def specific_energy(*, corrected_kwh: float, heated_area_m2: float) -> float | None:
    """Corrected kWh per m² of heated floor area."""
    return corrected_kwh / heated_area_m2 if heated_area_m2 else None


def co2_tonnes(*, kwh: float, grams_per_kwh: float) -> float:
    """Tonnes of CO2 = kWh × emission factor (g/kWh) / 10⁶."""
    return kwh * grams_per_kwh / 1_000_000


def waste_sorting_percent(*, sorted_kg: float, total_kg: float) -> float | None:
    return sorted_kg * 100 / total_kg if total_kg else None


@dataclass(frozen=True)
class Ratio:
    """A ratio kept as its parts, so it rolls up by adding parts (never averaging ratios):
    two departments with H1 of 10 and 0 make a faculty whose H1 depends on their hours."""

    numerator: Decimal | float
    denominator: Decimal | float
    scale: float = 1.0

    def __add__(self, other: "Ratio") -> "Ratio":
        if self.scale != other.scale:
            raise ValueError("Only ratios of the same kind add up.")
        return Ratio(
            self.numerator + other.numerator, self.denominator + other.denominator, self.scale
        )

    @property
    def value(self) -> float | None:
        if not self.denominator:
            return None
        return float(self.numerator) * self.scale / float(self.denominator)


def roll_up(ratios: Iterable[Ratio]) -> Ratio:
    ratios = list(ratios)
    if not ratios:
        raise ValueError("Nothing to roll up.")
    total = ratios[0]
    for ratio in ratios[1:]:
        total = total + ratio
    return total
