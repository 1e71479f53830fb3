"""Every catalogue indicator of a unit's subtree over a period, computed ones included.

The contract other apps (the reports, the management review) read:

    collect(unit, start, end) -> list[Figure]            # catalogue order
    collect_many(units, start, end) -> {unit id: [Figure, ...]}
    collect_series(unit, [(start, end), ...]) -> [[Figure, ...], ...]

Each call costs the same few queries whatever the number of units, deviations or values:
deviations are counted by the database, grouped by unit; entered values are read once; the
rest is arithmetic on those rows.

Roll-up rules (DOMAIN.md): sums sum, ratios are recomputed from their summed parts, never
averaged. A value entered for a unit stands for its whole subtree, so where a department and
one of its sections both have a value for the same period, the department's is used and the
section's is not added to it (HR may give a faculty's FTEs as one figure).

Periods: `start` and `end` are meant to be the first and last day of tertials or years.
Entered values count when their period lies wholly inside the range; a yearly indicator over
a tertial has no value. H1, H2 and F are over 12 months: a range shorter than a year uses the
rolling 12 months ending with `end` (the parts say which months).
"""

import bisect
import datetime
import functools
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from indicators import formulas
from indicators.models import (
    DEFAULT_MUNICIPALITY,
    DegreeDays,
    EmissionFactor,
    EnergyProfile,
    Indicator,
    IndicatorValue,
    Method,
    OverTime,
    PeriodKind,
    RollUp,
    period_bounds,
    period_label,
)
from units.models import Unit

FOUR_PLACES = Decimal("0.0001")


@dataclass(frozen=True)
class Figure:
    code: str
    category: str
    category_label: str
    name: str
    unit_of_measure: str
    value: Decimal | None
    parts: dict  # the numerator and denominator, or the summed inputs, as strings
    decimals: int = 0  # as the catalogue gives them: how pages and PDFs write the value


def collect(unit, start: datetime.date, end: datetime.date) -> list[Figure]:
    return collect_many([unit], start, end)[unit.pk]


def collect_many(units, start: datetime.date, end: datetime.date) -> dict[int, list[Figure]]:
    """The figures of each unit's subtree, in a constant number of queries."""
    series = _collect(list(units), [(start, end)])
    return {unit_id: ranges[0] for unit_id, ranges in series.items()}


def collect_series(unit, ranges: list[tuple[datetime.date, datetime.date]]) -> list[list[Figure]]:
    """The figures of one unit's subtree for each of several periods (a page's time axis)."""
    return _collect([unit], ranges)[unit.pk]


# Periods ------------------------------------------------------------------------------------


def rolling_window(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The 12 months H1, H2 and F are taken over: the range itself when it is a year or more,
    else the 12 months ending with its last day."""
    try:
        year_before = end.replace(year=end.year - 1)
    except ValueError:  # 29 February
        year_before = end.replace(year=end.year - 1, day=28)
    window_start = year_before + datetime.timedelta(days=1)
    return (start, end) if start <= window_start else (window_start, end)


@functools.lru_cache(maxsize=256)
def periods_within(
    start: datetime.date, end: datetime.date, kind: str
) -> tuple[tuple[int, int], ...]:
    """(year, tertial) of the tertials, or (year, 0) of the years, lying wholly in the range."""
    found = []
    for year in range(start.year, end.year + 1):
        for tertial in (1, 2, 3) if kind == PeriodKind.TERTIAL else (0,):
            first, last = period_bounds(year, tertial)
            if start <= first and last <= end:
                found.append((year, tertial))
    return tuple(found)


def _months(tertial: int) -> int:
    return 4 if tertial else 12


def _dec(number) -> Decimal:
    return Decimal(str(number)).quantize(FOUR_PLACES)


def _text(number) -> str:
    if number is None:
        return ""
    if isinstance(number, Decimal):
        # Hours from FTEs carry thirds of a year; four places are plenty for a reader.
        number = number.quantize(FOUR_PLACES).normalize()
        # normalize() writes 1E+6; keep plain digits for people and JSON alike.
        return f"{number:f}"
    return str(number)


# Reading ------------------------------------------------------------------------------------


def _covering(paths: Iterable[str]) -> list[str]:
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept


def _path_filter(prefixes: list[str], lookup: str) -> Q:
    condition = Q()
    for prefix in prefixes:
        condition |= Q(**{f"{lookup}__startswith": prefix})
    return condition


def _aware(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


UNIT_ID_LIST_LIMIT = 2000  # beyond this, count the whole organisation and drop the rest
DEVIATION_MEASURES = ("deviations", "personal", "with_absence", "without_absence", "days")


def _deviation_counts(prefixes: list[str], windows: list[tuple]) -> dict[str, list[dict]]:
    """{unit path: [per window {measure: number}]}: one grouped query for all windows.
    What counts is defined once in deviations.counts (the trends page and the review use it)."""
    from deviations import counts as rules

    first = min(window[0] for window in windows)
    last = max(window[1] for window in windows)
    annotations = {}
    for index, (start, end) in enumerate(windows):
        inside = Q(
            occurred_at__gte=_aware(start), occurred_at__lt=_aware(end + datetime.timedelta(days=1))
        )
        injured = inside & Q(
            injury_kind__in=rules.INJURY_WITH_ABSENCE + rules.INJURY_WITHOUT_ABSENCE
        )
        annotations[f"deviations_{index}"] = Count("id", filter=inside)
        annotations[f"personal_{index}"] = Count("id", filter=inside & rules.personal_injury_q())
        annotations[f"with_absence_{index}"] = Count("id", filter=inside & rules.with_absence_q())
        annotations[f"without_absence_{index}"] = Count(
            "id", filter=inside & Q(injury_kind__in=rules.INJURY_WITHOUT_ABSENCE)
        )
        annotations[f"days_{index}"] = Sum("absence_days", filter=injured)
    from deviations.models import Deviation

    # The units first, then the deviations by unit id: a LIKE on the joined unit path makes
    # the planner guess one unit and loop over the date index once per unit.
    path_of = dict(Unit.objects.filter(_path_filter(prefixes, "path")).values_list("id", "path"))
    scope = Deviation.objects.filter(
        occurred_at__gte=_aware(first),
        occurred_at__lt=_aware(last + datetime.timedelta(days=1)),
    ).counted()
    if len(path_of) <= UNIT_ID_LIST_LIMIT:
        scope = scope.filter(unit_id__in=list(path_of))
    rows = scope.order_by().values("unit_id").annotate(**annotations)
    counts = {}
    for row in rows:
        path = path_of.get(row["unit_id"])
        if path is None:
            continue  # outside the subtrees asked for
        counts[path] = [
            {measure: row[f"{measure}_{index}"] or 0 for measure in DEVIATION_MEASURES}
            for index in range(len(windows))
        ]
    return counts


@dataclass
class _Reference:
    factors: dict  # (carrier id, method) -> sorted [(year, grams)]
    degree_days: dict  # (municipality lower, year) -> (actual, normal, normal period)
    profiles: dict  # unit path -> (municipality, share)

    def factor(self, carrier_id: int, year: int, method: str = Method.LOCATION):
        """The year's factor, else the latest earlier one: (grams, year) or None."""
        best = None
        for factor_year, grams in self.factors.get((carrier_id, method), []):
            if factor_year <= year:
                best = (grams, factor_year)
        return best

    def profile(self, path: str, steplen: int = 4) -> tuple[str, Decimal]:
        for length in range(len(path), 0, -steplen):
            found = self.profiles.get(path[:length])
            if found:
                return found
        return DEFAULT_MUNICIPALITY, Decimal(str(formulas.DEFAULT_TEMPERATURE_SHARE))


def _reference(years: set[int]) -> _Reference:
    factors: dict = defaultdict(list)
    for year, carrier_id, method, grams in EmissionFactor.objects.order_by("year").values_list(
        "year", "carrier_id", "method", "grams_per_kwh"
    ):
        factors[(carrier_id, method)].append((year, grams))
    degree_days = {
        (municipality.lower(), year): (actual, normal, normal_period)
        for municipality, year, actual, normal, normal_period in DegreeDays.objects.filter(
            year__in=years
        ).values_list("municipality", "year", "actual", "normal", "normal_period")
    }
    profiles = {
        path: (municipality, share)
        for path, municipality, share in EnergyProfile.objects.values_list(
            "unit__path", "municipality", "temperature_share"
        )
    }
    return _Reference(dict(factors), degree_days, profiles)


# Computing ----------------------------------------------------------------------------------


class _Subtree:
    """The stored values of one unit's subtree, with the subtree rule applied: a value stands
    for the unit's whole subtree, so values below a unit that has one are left out."""

    def __init__(
        self,
        root_path: str,
        by_path: dict[str, dict],
        ordered: list[str],
        steplen: int = 4,
    ):
        self.root_path = root_path
        self.by_path = by_path  # path -> {(key, year, tertial): Decimal}
        # One pass over the subtree's values: then each lookup is a dict access. In the
        # `ordered` paths (sorted(by_path)) the subtree's are one slice, a prefix sorting
        # first among the paths it begins: a branch does not read the organisation's values.
        first = bisect.bisect_left(ordered, root_path)
        paths = ordered[first : bisect.bisect_left(ordered, root_path + "\uffff", first)]
        self.effective: dict[tuple, list[tuple[str, Decimal]]] = defaultdict(list)
        for path in paths:
            values = by_path[path]
            above = [
                by_path[path[:length]]
                for length in range(len(root_path), len(path), steplen)
                if path[:length] in by_path
            ]
            for period_key, value in values.items():
                if not any(period_key in outer for outer in above):
                    self.effective[period_key].append((path, value))

    def contributions(self, key, year: int, tertial: int) -> list[tuple[str, Decimal]]:
        return self.effective.get((key, year, tertial), [])

    def total(self, key, year: int, tertial: int) -> Decimal | None:
        found = self.effective.get((key, year, tertial))
        return sum((value for _path, value in found), Decimal(0)) if found else None

    def own(self, key, year: int, tertial: int) -> Decimal | None:
        return self.by_path.get(self.root_path, {}).get((key, year, tertial))


def _over_time(values: list[Decimal], rule: str) -> Decimal | None:
    if not values:
        return None
    total = sum(values, Decimal(0))
    return total if rule == OverTime.SUM else total / len(values)


def _collect(units: list, ranges: list[tuple]) -> dict[int, list[list[Figure]]]:
    if not units:
        return {}
    indicators = list(Indicator.objects.active())
    by_code = {indicator.code: indicator for indicator in indicators}
    # Translated once per call: looking labels up per figure costs more than the arithmetic.
    labels = {
        indicator.pk: (
            indicator.name,
            str(indicator.get_category_display()),
            str(indicator.get_unit_of_measure_display()),
        )
        for indicator in indicators
    }
    windows = [rolling_window(start, end) for start, end in ranges]
    # A year's rolling window is the year itself: count each distinct window once.
    all_windows = list(dict.fromkeys([*ranges, *windows]))
    position = {window: index for index, window in enumerate(all_windows)}
    prefixes = _covering(unit.path for unit in units)
    first = min(window[0] for window in all_windows)
    last = max(window[1] for window in all_windows)
    years = set(range(first.year, last.year + 1))

    deviation_counts = _deviation_counts(prefixes, all_windows)
    stored = {indicator.pk: indicator for indicator in indicators if indicator.is_stored}
    rows = (
        IndicatorValue.objects.filter(_path_filter(prefixes, "unit__path"))
        .filter(indicator_id__in=list(stored), year__in=years)
        .order_by()
        .values_list("indicator_id", "unit__path", "year", "tertial", "value")
    )
    by_path: dict[str, dict] = defaultdict(dict)
    for indicator_id, path, year, tertial, value in rows:
        by_path[path][(stored[indicator_id].code, year, tertial)] = value
    _derive_hours_and_agreed_days(by_path)
    reference = _reference(years)

    result = {}
    summed = _sum_counts(deviation_counts, [unit.path for unit in units], len(all_windows))
    ordered = sorted(by_path)
    for unit in units:
        subtree = _Subtree(unit.path, by_path, ordered)
        counts = summed[unit.path]
        figures_per_range = []
        for index, (start, end) in enumerate(ranges):
            context = _Context(
                start=start,
                end=end,
                window=windows[index],
                counts=counts[position[(start, end)]],
                window_counts=counts[position[windows[index]]],
                subtree=subtree,
                reference=reference,
                indicators=indicators,
                by_code=by_code,
                labels=labels,
            )
            figures_per_range.append([context.figure(indicator) for indicator in indicators])
        result[unit.pk] = figures_per_range
    return result


def _sum_counts(deviation_counts: dict, root_paths: list[str], size: int) -> dict:
    """{root path: per window {measure: number}}, each root's whole subtree summed, in one pass
    over the counted units: a pass per root took half a second for the 31 units of the
    organisation's report at 10,000 units."""
    totals = {
        path: [dict.fromkeys(DEVIATION_MEASURES, 0) for _ in range(size)] for path in root_paths
    }
    lengths = sorted({len(path) for path in root_paths})
    for path, per_window in deviation_counts.items():
        for length in lengths:
            if length > len(path):
                break
            root = totals.get(path[:length])
            if root is None:
                continue
            for total, counts in zip(root, per_window, strict=True):
                for measure, number in counts.items():
                    total[measure] += number
    return totals


HOURS = "_hours"  # recorded hours, else FTE × hours per FTE, per unit and period
AGREED = "_agreed_days"  # agreed days as given, else FTE × the period's working days


def _derive_hours_and_agreed_days(by_path: dict[str, dict]) -> None:
    hours_per_fte = Decimal(
        str(getattr(settings, "INDICATOR_HOURS_PER_FTE", formulas.HOURS_PER_FTE))
    )
    working_days: dict[tuple[int, int], Decimal] = {}
    for values in by_path.values():
        periods = {
            (year, tertial)
            for (code, year, tertial) in values
            if code in ("fte", "hours_worked", "agreed_days")
        }
        for year, tertial in periods:
            fte = values.get(("fte", year, tertial))
            hours = values.get(("hours_worked", year, tertial))
            if hours is None and fte is not None:
                hours = fte * hours_per_fte * _months(tertial) / 12
            if hours is not None:
                values[(HOURS, year, tertial)] = hours
            agreed = values.get(("agreed_days", year, tertial))
            if agreed is None and fte is not None:
                if (year, tertial) not in working_days:
                    first, last = period_bounds(year, tertial)
                    working_days[(year, tertial)] = Decimal(
                        str(formulas.agreed_working_days(first, last))
                    )
                agreed = fte * working_days[(year, tertial)]
            if agreed is not None:
                values[(AGREED, year, tertial)] = agreed


@dataclass
class _Context:
    """One unit's subtree over one range: works out each catalogue indicator."""

    start: datetime.date
    end: datetime.date
    window: tuple[datetime.date, datetime.date]
    counts: dict
    window_counts: dict
    subtree: _Subtree
    reference: _Reference
    indicators: list
    by_code: dict
    labels: dict  # indicator id -> (name, category label, unit of measure), translated once

    def figure(self, indicator: Indicator) -> Figure:
        if indicator.is_stored:
            value, parts = self.stored(indicator)
        else:
            from indicators.computed import COMPUTED  # the formulas use this module's helpers

            compute = COMPUTED.get(indicator.code)
            value, parts = compute(self) if compute else (None, {})
        name, category_label, measure = self.labels[indicator.pk]
        return Figure(
            code=indicator.code,
            category=indicator.category,
            category_label=category_label,
            name=name,
            unit_of_measure=measure,
            value=None if value is None else value.quantize(FOUR_PLACES),
            parts={key: _text(part) for key, part in parts.items()},
            decimals=indicator.decimals,
        )

    # Stored values, summed over the subtree and the range's periods.

    def periods(self, kind: str) -> tuple[tuple[int, int], ...]:
        return periods_within(self.start, self.end, kind)

    def stored(self, indicator: Indicator) -> tuple[Decimal | None, dict]:
        values, used = [], []
        for year, tertial in self.periods(indicator.period):
            if indicator.roll_up == RollUp.NONE:
                value = self.subtree.own(indicator.code, year, tertial)
            else:
                value = self.subtree.total(indicator.code, year, tertial)
            if value is not None:
                values.append(value)
                used.append(period_label(year, tertial))
        return _over_time(values, indicator.over_time), {"periods": ", ".join(used)}

    def total(self, key: str, kind: str) -> tuple[Decimal | None, list[str]]:
        """A flow summed over the subtree and the periods that have it."""
        total, used = None, []
        for year, tertial in self.periods(kind):
            value = self.subtree.total(key, year, tertial)
            if value is not None:
                total = (total or Decimal(0)) + value
                used.append(period_label(year, tertial))
        return total, used

    def value_of(self, code: str) -> Decimal | None:
        indicator = self.by_code.get(code)
        return self.stored(indicator)[0] if indicator else None

    def fed_by(self, feeds: str) -> list[Indicator]:
        return [indicator for indicator in self.indicators if indicator.feeds == feeds]

    # Deviations and injuries.

    def count(self, measure: str) -> tuple[Decimal, dict]:
        return Decimal(self.counts[measure]), {"from": self.start, "to": self.end}

    def window_hours(self) -> tuple[Decimal | None, list[str]]:
        """Hours worked over the 12-month window; every tertial of it must have them, or a
        rate would be inflated by the months nobody reported."""
        total, missing = Decimal(0), []
        for year, tertial in periods_within(*self.window, PeriodKind.TERTIAL):
            hours = self.subtree.total(HOURS, year, tertial)
            if hours is None:
                missing.append(period_label(year, tertial))
            else:
                total += hours
        return (None if missing or not total else total), missing

    def rate(self, count_name: str, numerator: int, formula) -> tuple[Decimal | None, dict]:
        hours, missing = self.window_hours()
        parts = {
            count_name: numerator,
            "hours_worked": hours,
            "window_start": self.window[0],
            "window_end": self.window[1],
        }
        if missing:
            parts["missing_hours"] = ", ".join(missing)
        if hours is None:
            return None, parts
        return _dec(formula(numerator, float(hours))), parts

    def ratio(self, numerator_key: str, denominator_key: str, kind: str, scale=100):
        numerator, used = self.total(numerator_key, kind)
        denominator, _used = self.total(denominator_key, kind)
        parts = {numerator_key: numerator, denominator_key: denominator, "periods": ", ".join(used)}
        if numerator is None or not denominator:
            return None, parts
        return _dec(formulas.Ratio(numerator, denominator, scale).value), parts
