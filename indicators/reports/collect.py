"""Collecting a report's figures: every number the PDF prints, as plain JSON.

The result is frozen on the report (`Report.figures`) and the document is drawn from it alone,
so a report can be drawn again years later and print the same numbers. Labels (unit and
category names) are frozen too, in the report's language.

Each table is one grouped query whatever the number of deviations: the unit of a deviation
is grouped by the prefix of its materialised path one level below the report's unit (its
"branch": a faculty, or the joint administration, for the whole institution), as the trends
page of deviations does. Statistics are counts only: no names, no text from a case
(DOMAIN.md, privacy).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db.models import Case, Count, Q, Sum, Value, When
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from deviations import counts as rules
from deviations.models import Category, Deviation, InjuryKind, Severity
from indicators.reports.models import Period, Report, ReportKind
from risk.models import InspectionRound, RoundStatus
from units.models import Unit

FIGURES_VERSION = 1
SELF = "self"  # the branch key of records on the report's unit itself


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _period_json(period: Period, label: str) -> dict:
    return {
        "start": period.start.isoformat(),
        "last_day": period.last_day.isoformat(),
        "label": label,
    }


def _unit_label(unit: Unit) -> str:
    return f"{unit.name} ({unit.code})"


@dataclass
class Subtree:
    """The report's unit and every unit below it, read once. Each unit belongs to a branch:
    the unit one level below the report's unit whose subtree holds it (its path prefix), or
    SELF for the report's unit itself."""

    unit: Unit
    units: list  # rows (id, path, depth, code, names, is_active): the unit and all below it

    @classmethod
    def of(cls, unit: Unit) -> "Subtree":
        # Rows, not model instances: the whole organisation is 10,000 units, and building
        # each as a Unit took a fifth of the report's collecting.
        units = Unit.objects.filter(path__startswith=unit.path).values_list(
            "id", "path", "depth", "code", "name_nb", "name_en", "is_active", named=True
        )
        return cls(unit, list(units.order_by("path")))

    @cached_property
    def branches(self) -> list[Unit]:
        fields = ("id", "path", "depth", "code", "name_nb", "name_en", "is_active")
        return [
            Unit(**{name: getattr(other, name) for name in fields})
            for other in self.units
            if other.depth == self.unit.depth + 1
        ]

    @cached_property
    def branch_by_id(self) -> dict[int, str]:
        width = (self.unit.depth + 1) * Unit.steplen
        return {
            other.id: SELF if other.id == self.unit.pk else other.path[:width]
            for other in self.units
        }


def _rows(items: list[tuple], now: dict, previous: dict) -> list[dict]:
    """Rows of a comparison table; an item is (key, label) or (key, label, short label)."""
    return [
        {
            "key": key,
            "label": label,
            "short": short[0] if short else label,
            "now": now.get(key, 0),
            "previous": previous.get(key, 0),
            "change": now.get(key, 0) - previous.get(key, 0),
        }
        for key, label, *short in items
    ]


def _branch_items(unit: Unit, branches: list[Unit], *counters: dict) -> list[tuple[str, str]]:
    items = [
        (branch.path, _unit_label(branch), f"{branch.code} – {branch.name}") for branch in branches
    ]
    # Records on the unit itself (not on any unit below it) get a row of their own, if any.
    if any(counter.get(SELF) for counter in counters):
        items.append(
            (
                SELF,
                _("%(unit)s itself") % {"unit": _unit_label(unit)},
                _("%(code)s itself") % {"code": unit.code},
            )
        )
    return items


def _total(now: int, previous: int) -> dict:
    return {"now": now, "previous": previous, "change": now - previous}


def collect_figures(report: Report) -> dict:
    """Every figure of the report, as JSON. The caller sets the language of the labels."""
    unit = report.unit
    period, previous = report.period(), report.previous_period()
    subtree = Subtree.of(unit)
    figures = {
        "version": FIGURES_VERSION,
        "kind": report.kind,
        "year": report.year,
        "tertial": report.tertial,
        "unit": {"code": unit.code, "label": _unit_label(unit)},
        "period": _period_json(period, report.period_label),
        "previous": _period_json(
            previous,
            f"T{report.tertial} {report.year - 1}" if report.tertial else str(report.year - 1),
        ),
        "frozen_at": timezone.now().isoformat(timespec="seconds"),
    }
    figures.update(deviation_tables(subtree, period, previous))
    annual = report.kind == ReportKind.ANNUAL
    figures["indicators"] = indicator_tables(subtree, period, annual)
    if annual:
        figures["goals"] = goal_tables(subtree, report.year)
        figures["rounds"] = round_tables(subtree, period)
    return figures


def deviation_tables(subtree: Subtree, period: Period, previous: Period) -> dict:
    """Deviations and personal injuries per branch, category, severity and kind of injury,
    in the period and the same period a year earlier: one grouped query for all tables.

    Counted by when the deviation happened. Rejected reports are left out: the handler found
    them not to be deviations.

    The query groups by branch, the prefix of the unit's path one level below the report's
    unit: grouped by unit id it returned 61,000 rows for the organisation at a million
    deviations, which took Python 0.9 s to read (bench_reports)."""
    unit, branches = subtree.unit, subtree.branches
    start, end = _moment(period.start), _moment(period.end)
    prev_start, prev_end = _moment(previous.start), _moment(previous.end)
    groups = (
        Deviation.objects.filter(unit__path__startswith=subtree.unit.path)
        .filter(
            Q(occurred_at__gte=start, occurred_at__lt=end)
            | Q(occurred_at__gte=prev_start, occurred_at__lt=prev_end)
        )
        .counted()
        .annotate(
            current=Case(When(occurred_at__gte=start, then=Value(True)), default=Value(False))
        )
        .annotate(branch=Substr("unit__path", 1, (unit.depth + 1) * Unit.steplen))
        .values("current", "branch", "category_id", "severity", "injury_kind")
        .annotate(n=Count("pk"), days=Sum("absence_days"))
        .order_by()
    )
    categories = list(Category.objects.all())
    injury_categories = {category.pk for category in categories if category.is_personal_injury}

    def counter():
        return defaultdict(int)

    per = {flag: defaultdict(counter) for flag in (True, False)}
    for row in groups:
        tables = per[row["current"]]
        branch = SELF if row["branch"] == unit.path else row["branch"]
        n = row["n"]
        tables["branch"][branch] += n
        tables["category"][row["category_id"]] += n
        tables["severity"][row["severity"]] += n
        tables["branch_severity"][branch, row["severity"]] += n
        # A personal injury as every statistic counts it (deviations.counts).
        if rules.is_personal_injury(row["category_id"] in injury_categories, row["injury_kind"]):
            tables["injury_branch"][branch] += n
            tables["injury_kind"][row["injury_kind"] or ""] += n
            if rules.is_with_absence(row["injury_kind"]):
                tables["absence_branch"][branch] += n
            tables["absence_days"][branch] += row["days"] or 0
    now, last = per[True], per[False]

    branch_items = _branch_items(unit, branches, now["branch"], last["branch"])
    category_items = [
        (str(category.pk), category.name)
        for category in categories
        if category.is_active or now["category"][category.pk] or last["category"][category.pk]
    ]
    by_category = _rows(
        category_items,
        {str(key): n for key, n in now["category"].items()},
        {str(key): n for key, n in last["category"].items()},
    )
    injury_kinds = [(kind.value, str(kind.label)) for kind in InjuryKind if kind.value]
    injury_kinds.append(("", _("Kind of injury not recorded")))
    severity_rows = []
    for key, label, *_short in branch_items:
        counts = {
            severity.value: now["branch_severity"][key, severity.value] for severity in Severity
        }
        severity_rows.append({"key": key, "label": label, **counts, "total": sum(counts.values())})
    injury_rows = _rows(branch_items, now["injury_branch"], last["injury_branch"])
    for row in injury_rows:
        row["with_absence"] = now["absence_branch"][row["key"]]
        row["absence_days"] = now["absence_days"][row["key"]]
    return {
        "deviations": {
            "total": _total(sum(now["branch"].values()), sum(last["branch"].values())),
            "by_branch": _rows(branch_items, now["branch"], last["branch"]),
            "by_category": by_category,
            "by_severity": _rows(
                [(severity.value, str(severity.label)) for severity in Severity],
                now["severity"],
                last["severity"],
            ),
            "branch_severity": severity_rows,
            "severities": [[severity.value, str(severity.label)] for severity in Severity],
        },
        "injuries": {
            "total": _total(
                sum(now["injury_branch"].values()), sum(last["injury_branch"].values())
            ),
            "with_absence": _total(
                sum(now["absence_branch"].values()), sum(last["absence_branch"].values())
            ),
            "absence_days": _total(
                sum(now["absence_days"].values()), sum(last["absence_days"].values())
            ),
            "by_branch": injury_rows,
            "by_kind": [
                row
                for row in _rows(injury_kinds, now["injury_kind"], last["injury_kind"])
                if row["key"] or row["now"] or row["previous"]
            ],
        },
    }


def round_tables(subtree: Subtree, period: Period) -> dict:
    """Inspection rounds completed in the period per branch, and the units without one
    (DOMAIN.md: at least one round a year per unit). One query beside the subtree."""
    unit = subtree.unit
    held = (
        InspectionRound.objects.filter(
            unit__path__startswith=unit.path,
            status=RoundStatus.COMPLETED,
            completed_at__gte=_moment(period.start),
            completed_at__lt=_moment(period.end),
        )
        .values("unit_id")
        .annotate(rounds=Count("pk"))
        .order_by()
    )
    rounds, units_with = defaultdict(int), defaultdict(int)
    with_round = set()
    for row in held:
        key = subtree.branch_by_id[row["unit_id"]]
        rounds[key] += row["rounds"]
        units_with[key] += 1
        with_round.add(row["unit_id"])
    # Every active unit counts; the upper ones (down to departments) without a round are
    # named in the report.
    totals, missing = defaultdict(int), defaultdict(list)
    for other in subtree.units:
        if not other.is_active:
            continue
        key = subtree.branch_by_id[other.id]
        totals[key] += 1
        if other.id not in with_round and other.depth <= unit.depth + 2:
            missing[key].append(other.code)
    rows = []
    for key, label, *_short in _branch_items(unit, subtree.branches, rounds, totals):
        rows.append(
            {
                "key": key,
                "label": label,
                "rounds": rounds[key],
                "units": totals[key],
                "units_with": units_with[key],
                "units_without": totals[key] - units_with[key],
                "missing": missing.get(key, []),
            }
        )
    return {
        "rows": rows,
        "total_rounds": sum(rounds.values()),
        "total_units": sum(totals.values()),
        "total_units_with": sum(units_with.values()),
    }


# --- indicators and goals (indicators.figures, hms.cycle) ----------------------------------

# The columns of the report's indicator tables, per faculty: (table, [figure code]). Each is
# written with the decimals its catalogue entry gives, as the indicator pages write it.
INDICATOR_TABLES = [
    ("health", ["sick_leave_pct", "h1", "h2", "f_value"]),
    (
        "energy",
        [
            "energy_total_kwh",
            "energy_corrected_kwh",
            "specific_energy",
            "co2_energy_tonnes",
        ],
    ),
    (
        "waste_travel",
        [
            "waste_total_t",
            "waste_sorting_pct",
            "flights_total",
            "flight_co2_tonnes",
        ],
    ),
]
# Every indicator of these categories is listed for the whole unit in the annual report.
ENVIRONMENT_CATEGORIES = ("energy", "waste", "procurement", "travel")


def _value(figure) -> str | None:
    return None if figure.value is None else str(figure.value)


def indicator_tables(subtree: Subtree, period: Period, annual: bool) -> dict:
    """The catalogue's figures per branch and for the whole unit, from indicators.figures
    (a constant number of queries). Values are frozen as decimal strings."""
    from indicators import figures as catalogue

    unit = subtree.unit
    units = [*subtree.branches, unit]
    found = catalogue.collect_many(units, period.start, period.last_day)
    by_code = {
        other.pk: {figure.code: figure for figure in found.get(other.pk, [])} for other in units
    }
    whole = by_code[unit.pk]
    tables = {}
    for table, columns in INDICATOR_TABLES:
        heads = []
        for code in columns:
            figure = whole.get(code)
            if figure is not None:
                heads.append(
                    {
                        "code": code,
                        "name": figure.name,
                        "unit_of_measure": str(figure.unit_of_measure),
                        "places": figure.decimals,
                    }
                )
        rows = []
        for other in [*subtree.branches, unit]:
            label = _("Total") if other is unit else _unit_label(other)
            own = by_code[other.pk]
            cells = [_value(own[head["code"]]) if head["code"] in own else None for head in heads]
            rows.append(
                {"key": other.path, "label": label, "values": cells, "total": other is unit}
            )
        tables[table] = {"columns": heads, "rows": rows}
    result = {"tables": tables}
    if annual:
        result["environment"] = [
            {
                "code": figure.code,
                "category": figure.category_label,
                "name": figure.name,
                "unit_of_measure": str(figure.unit_of_measure),
                "value": _value(figure),
                "places": figure.decimals,
                "parts": figure.parts,
            }
            for figure in found.get(unit.pk, [])
            if figure.category in ENVIRONMENT_CATEGORIES
        ]
    return result


def goal_tables(subtree: Subtree, year: int) -> dict:
    """The HSE goals set for the year in each branch, by their evaluation. One query."""
    from hms.cycle.models import Goal

    groups = (
        Goal.objects.filter(unit__path__startswith=subtree.unit.path, year=year)
        .values("unit_id", "evaluation")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = defaultdict(lambda: defaultdict(int))
    units_with_goal = defaultdict(set)
    for row in groups:
        branch = subtree.branch_by_id[row["unit_id"]]
        counts[branch][row["evaluation"] or ""] += row["n"]
        units_with_goal[branch].add(row["unit_id"])
    outcomes = [(value, str(label)) for value, label in Goal.Evaluation.choices]
    outcomes.append(("", str(_("Not evaluated"))))
    rows = []
    for key, label, *_short in _branch_items(subtree.unit, subtree.branches, counts):
        found = counts.get(key, {})
        rows.append(
            {
                "key": key,
                "label": label,
                "counts": [found.get(value, 0) for value, _label in outcomes],
                "total": sum(found.values()),
                "units_with_goal": len(units_with_goal.get(key, ())),
            }
        )
    totals = [sum(row["counts"][index] for row in rows) for index in range(len(outcomes))]
    return {
        "outcomes": outcomes,
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
        "units_with_goal": sum(row["units_with_goal"] for row in rows),
    }
