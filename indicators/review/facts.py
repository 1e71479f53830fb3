"""The year's facts a management review discusses, taken from every app at once and frozen
into the review (`ManagementReview.facts`), so the document shows the figures the meeting saw.

Each block belongs to one agenda item. Every block costs a fixed number of grouped queries,
whatever the number of deviations, measures or units: faculties are found by the prefix of a
unit's path one step below the root (as the deviation trends page does).

The facts are stored language-neutral (codes and both names); `for_display` picks the names
of the language in use.
"""

import datetime
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import ExtractYear, Substr
from django.utils import timezone
from django.utils.translation import get_language

from actionplans.models import Measure, MeasureStatus, Priority
from deviations import counts
from deviations.models import Category, Deviation, InjuryKind, Severity
from hms import formats
from hms.cycle.models import Goal
from indicators import figures
from indicators.models import Indicator
from indicators.models import Measure as UnitOfMeasure
from indicators.review.models import Decision, ManagementReview, ReviewStatus
from risk.models import AssessmentStatus, InspectionRound, RiskAssessment, RiskRow, RoundStatus
from risk.services import red_rows
from units.models import Unit

LISTED = 30  # rows of a list kept in the facts; the totals are always complete


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        timezone.make_aware(datetime.datetime(year, 1, 1)),
        timezone.make_aware(datetime.datetime(year + 1, 1, 1)),
    )


def _faculty_branch(field: str):
    """The path prefix of the faculty (the root's child) a record's unit lies under."""
    return Substr(field, 1, 2 * Unit.steplen)


def _faculties(root: Unit) -> list[dict]:
    faculties = Unit.objects.filter(depth=root.depth + 1, path__startswith=root.path)
    return [
        {"path": unit.path, "code": unit.code, "name_nb": unit.name_nb, "name_en": unit.name_en}
        for unit in faculties.order_by("name_nb")
    ]


def _per_faculty(faculties: list[dict], counts: dict[str, dict], root: Unit, keys) -> list[dict]:
    """One row per faculty, plus one for records of the root unit itself when it has any."""
    rows = []
    own = counts.get(root.path[: 2 * Unit.steplen] if root.depth > 1 else root.path, {})
    if any(own.get(key) for key in keys):
        rows.append(
            {"code": root.code, "name_nb": root.name_nb, "name_en": root.name_en}
            | {key: own.get(key, 0) for key in keys}
        )
    for faculty in faculties:
        found = counts.get(faculty["path"], {})
        rows.append(
            {k: faculty[k] for k in ("code", "name_nb", "name_en")}
            | {key: found.get(key, 0) for key in keys}
        )
    return rows


def deviation_facts(root: Unit, year: int, faculties: list[dict]) -> dict:
    """Deviations that happened this year and last, by category, severity and faculty, and
    the reported personal injuries, counted as every statistic counts them (deviations.counts:
    rejected reports left out). Counts only: statistics never show who or what in detail
    (DOMAIN.md, privacy)."""
    start, _end = _year_bounds(year - 1)
    _start, end = _year_bounds(year)
    rows = (
        Deviation.objects.filter(
            unit__path__startswith=root.path, occurred_at__gte=start, occurred_at__lt=end
        )
        .counted()
        .annotate(y=ExtractYear("occurred_at"), branch=_faculty_branch("unit__path"))
        .values("y", "category_id", "severity", "branch", "injury_kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    categories = {category.pk: category for category in Category.objects.all()}
    which = {year: "this", year - 1: "last"}
    totals = {"this": 0, "last": 0}
    by_category: dict[int, dict] = {}
    by_severity: dict[str, dict] = {}
    by_branch: dict[str, dict] = {}
    injuries = {"this": 0, "last": 0, "absence_this": 0, "absence_last": 0}
    for row in rows:
        when = which.get(row["y"])
        if when is None:  # the year boundary in another time zone than the database's
            continue
        n = row["n"]
        totals[when] += n
        for table, key in (
            (by_category, row["category_id"]),
            (by_severity, row["severity"]),
            (by_branch, row["branch"]),
        ):
            table.setdefault(key, {"this": 0, "last": 0})[when] += n
        category = categories.get(row["category_id"])
        personal = category is not None and category.is_personal_injury
        if counts.is_personal_injury(personal, row["injury_kind"]):
            injuries[when] += n
            if counts.is_with_absence(row["injury_kind"]):
                injuries[f"absence_{when}"] += n
    category_rows = [
        {
            "code": category.code,
            "name_nb": category.name_nb,
            "name_en": category.name_en,
            **by_category.get(category.pk, {"this": 0, "last": 0}),
        }
        for category in categories.values()
        if category.is_active or category.pk in by_category
    ]
    return {
        "this": totals["this"],
        "last": totals["last"],
        "by_category": category_rows,
        "by_severity": [
            {"code": severity.value, **by_severity.get(severity.value, {"this": 0, "last": 0})}
            for severity in Severity
        ],
        "by_faculty": _per_faculty(faculties, by_branch, root, ("this", "last")),
        "injuries": injuries,
    }


def special_incident_facts(root: Unit, year: int) -> dict:
    """The year's very serious deviations and serious personal injuries: number, date, unit,
    category and severity; never the description or the people involved."""
    start, end = _year_bounds(year)
    serious_injury = Q(injury_kind=InjuryKind.DEATH) | (
        Q(injury_kind__in=(InjuryKind.NO_ABSENCE, InjuryKind.ABSENCE))
        & Q(severity__in=(Severity.SERIOUS, Severity.VERY_SERIOUS))
    )
    found = (
        Deviation.objects.filter(
            unit__path__startswith=root.path, occurred_at__gte=start, occurred_at__lt=end
        )
        .counted()
        .filter(Q(severity=Severity.VERY_SERIOUS) | serious_injury)
        .select_related("unit", "category")
        .order_by("occurred_at", "pk")
    )
    listed = list(found[: LISTED + 1])
    return {
        "total": len(listed) if len(listed) <= LISTED else found.count(),
        "listed": [
            {
                "number": deviation.number,
                "date": timezone.localtime(deviation.occurred_at).date().isoformat(),
                "unit_code": deviation.unit.code,
                "category_nb": deviation.category.name_nb,
                "category_en": deviation.category.name_en,
                "severity": deviation.severity,
                "injury_kind": deviation.injury_kind,
            }
            for deviation in listed[:LISTED]
        ],
    }


def measure_facts(root: Unit, faculties: list[dict], today: datetime.date) -> dict:
    """Open measures of the whole institution as of today, per faculty, with the overdue
    ones, and the overdue measures of high priority listed."""
    open_measures = Measure.objects.filter(unit__path__startswith=root.path).open()
    overdue = Q(deadline__lt=today)
    rows = (
        open_measures.annotate(branch=_faculty_branch("unit__path"))
        .values("branch")
        .annotate(
            open=Count("pk"),
            overdue=Count("pk", filter=overdue),
            overdue_high=Count("pk", filter=overdue & Q(priority=Priority.HIGH)),
        )
        .order_by()
    )
    counts = {row["branch"]: row for row in rows}
    listed = (
        open_measures.filter(overdue, priority=Priority.HIGH)
        .select_related("unit", "responsible")
        .order_by("deadline", "pk")[:LISTED]
    )
    return {
        "open": sum(row["open"] for row in counts.values()),
        "overdue": sum(row["overdue"] for row in counts.values()),
        "overdue_high": sum(row["overdue_high"] for row in counts.values()),
        "by_faculty": _per_faculty(faculties, counts, root, ("open", "overdue")),
        "overdue_high_listed": [
            {
                "title": measure.title,
                "unit_code": measure.unit.code,
                "responsible": str(measure.responsible),
                "deadline": measure.deadline.isoformat(),
                "status": measure.status,
            }
            for measure in listed
        ],
    }


def round_facts(root: Unit, year: int, faculties: list[dict]) -> dict:
    """Inspection rounds completed in the year, per faculty, and the active units below the
    root that had none (the seed asks for a round at least yearly in every unit)."""
    start, end = _year_bounds(year)
    held_in_year = InspectionRound.objects.filter(
        status=RoundStatus.COMPLETED, completed_at__gte=start, completed_at__lt=end
    )
    units = (
        Unit.objects.active()
        .filter(path__startswith=root.path, depth__gt=root.depth)
        .annotate(had_round=Exists(held_in_year.filter(unit=OuterRef("pk"))))
    )
    rows = (
        units.annotate(branch=_faculty_branch("path"))
        .values("branch", "had_round")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict] = {}
    for row in rows:
        found = counts.setdefault(row["branch"], {"units": 0, "without": 0})
        found["units"] += row["n"]
        if not row["had_round"]:
            found["without"] += row["n"]
    held = (
        held_in_year.filter(unit__path__startswith=root.path)
        .annotate(branch=_faculty_branch("unit__path"))
        .values("branch")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in held:
        counts.setdefault(row["branch"], {"units": 0, "without": 0})["held"] = row["n"]
    without = units.filter(had_round=False).order_by("path")[:LISTED]
    return {
        "held": sum(found.get("held", 0) for found in counts.values()),
        "units": sum(found["units"] for found in counts.values()),
        "without": sum(found["without"] for found in counts.values()),
        "by_faculty": _per_faculty(faculties, counts, root, ("held", "units", "without")),
        "without_listed": [
            {"code": unit.code, "name_nb": unit.name_nb, "name_en": unit.name_en}
            for unit in without
        ],
    }


def risk_facts(root: Unit, year: int, faculties: list[dict], today: datetime.date) -> dict:
    """Risk assessments per faculty: approved in the year, in force today (risk.models: drafts
    are not) with those past their review date, and the rows in force that lie in the red
    zone of their matrix."""
    start, end = _year_bounds(year)
    assessments = RiskAssessment.objects.filter(unit__path__startswith=root.path)
    approved = Q(status=AssessmentStatus.APPROVED)
    counts: dict[str, dict] = {}

    def add(rows) -> None:
        for row in rows:
            found = counts.setdefault(row.pop("branch"), {})
            found.update(row)

    add(
        assessments.filter(approved, approved_at__gte=start, approved_at__lt=end)
        .annotate(branch=_faculty_branch("unit__path"))
        .values("branch")
        .annotate(approved=Count("pk"))
        .order_by()
    )
    in_force = assessments.in_force()
    add(
        in_force.annotate(branch=_faculty_branch("unit__path"))
        .values("branch")
        .annotate(
            in_force=Count("pk"),
            review_overdue=Count("pk", filter=approved & Q(review_date__lt=today)),
        )
        .order_by()
    )
    add(
        red_rows(RiskRow.objects.filter(assessment__in=in_force))
        .annotate(branch=_faculty_branch("assessment__unit__path"))
        .values("branch")
        .annotate(red=Count("pk"))
        .order_by()
    )
    keys = ("approved", "in_force", "review_overdue", "red")
    return {
        **{key: sum(found.get(key, 0) for found in counts.values()) for key in keys},
        "by_faculty": _per_faculty(faculties, counts, root, keys),
    }


def previous_review_facts(root: Unit, year: int, today: datetime.date) -> dict:
    """Last year's review and what became of its decisions: the status of the measure each
    was turned into, or none when it was not."""
    previous = ManagementReview.objects.filter(root=root, year=year - 1).first()
    if previous is None:
        return {"exists": False, "year": year - 1, "decisions": []}
    decisions = (
        Decision.objects.filter(item__review=previous)
        .select_related("item", "responsible", "measure")
        .order_by("item__order", "pk")
    )
    return {
        "exists": True,
        "year": previous.year,
        "status": previous.status,
        "archive_case_number": previous.archive_case_number,
        "decisions": [
            {
                "item_nb": decision.item.title_nb,
                "item_en": decision.item.title_en,
                "text": decision.text,
                "responsible": str(decision.responsible) if decision.responsible_id else "",
                "deadline": decision.deadline.isoformat() if decision.deadline else "",
                "measure_status": decision.measure.status if decision.measure_id else "",
                "overdue": _decision_overdue(decision, today),
            }
            for decision in decisions
        ],
    }


# Indicators of the catalogue shown beside the IA item (the inclusive working life agreement's
# goal is lower sick leave); the other health and safety ones go with the HSE goals, and the
# environment categories with environmental performance.
IA_CODES = ("sick_leave_pct", "sick_leave_days", "agreed_days")
ENVIRONMENT_CATEGORIES = ("energy", "waste", "procurement", "travel")


def _figure_value(value) -> str | None:
    return None if value is None else str(value)


def figure_facts(root: Unit, year: int) -> list[dict]:
    """Every catalogue indicator of the institution for the year and the year before (the
    indicators app rolls them up the tree), with both names so the block reads in either
    language."""
    last_range = (datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31))
    this_range = (datetime.date(year, 1, 1), datetime.date(year, 12, 31))
    last, this = figures.collect_series(root, [last_range, this_range])
    names = {
        row["code"]: row
        for row in Indicator.objects.values(
            "code", "name_nb", "name_en", "unit_of_measure", "decimals"
        )
    }
    last_by_code = {figure.code: figure for figure in last}
    rows = []
    for figure in this:
        indicator = names.get(figure.code, {})
        before = last_by_code.get(figure.code)
        rows.append(
            {
                "code": figure.code,
                "category": figure.category,
                "name_nb": indicator.get("name_nb", figure.name),
                "name_en": indicator.get("name_en", figure.name),
                "unit_of_measure": indicator.get("unit_of_measure", ""),
                "decimals": indicator.get("decimals", 0),
                "this": _figure_value(figure.value),
                "last": _figure_value(before.value if before else None),
            }
        )
    return rows


def goal_facts(root: Unit, year: int) -> list[dict]:
    """The written HSE goals of the institution and its faculties for the year, with their
    evaluation (made at the start of the next year)."""
    goals = (
        Goal.objects.filter(
            year=year, unit__path__startswith=root.path, unit__depth__lte=root.depth + 1
        )
        .select_related("unit")
        .order_by("unit__depth", "unit__name_nb", "pk")
    )
    return [
        {
            "unit_code": goal.unit.code,
            "unit_nb": goal.unit.name_nb,
            "unit_en": goal.unit.name_en,
            "is_root": goal.unit_id == root.pk,
            "title": goal.title,
            "evaluation": goal.evaluation,
            "evaluation_comment": goal.evaluation_comment,
        }
        for goal in goals
    ]


def _decision_overdue(decision, today: datetime.date) -> bool:
    if decision.measure_id:
        return decision.measure.is_overdue(today)
    return bool(decision.deadline and decision.deadline < today)


def collect(root: Unit, year: int) -> dict:
    """Every fact block of the review of `year` for the institution `root`."""
    today = timezone.localdate()
    faculties = _faculties(root)
    return {
        "year": year,
        "taken_at": timezone.now().isoformat(),
        "previous_review": previous_review_facts(root, year, today),
        "deviations": deviation_facts(root, year, faculties),
        "special_incidents": special_incident_facts(root, year),
        "measures": measure_facts(root, faculties, today),
        "rounds": round_facts(root, year, faculties),
        "risk": risk_facts(root, year, faculties, today),
        "figures": figure_facts(root, year),
        "goals": goal_facts(root, year),
    }


# -- display -----------------------------------------------------------------------------------


def _name(row: dict, nb: str = "name_nb", en: str = "name_en") -> str:
    english = (get_language() or "nb").startswith("en")
    return (row.get(en) or row.get(nb, "")) if english else row.get(nb, "")


def _date(value: str):
    return datetime.date.fromisoformat(value) if value else None


def for_display(facts: dict) -> dict:
    """The frozen facts with names in the language in use and labels for the codes, keyed by
    the agenda item each block belongs to."""
    if not facts:
        return {}
    blocks: dict[str, dict] = {}
    previous = facts.get("previous_review")
    if previous is not None:
        blocks["previous_review"] = {
            **previous,
            "status_label": _label(ReviewStatus, previous.get("status", "")),
            "decisions": [
                {
                    **row,
                    "item": _name(row, "item_nb", "item_en"),
                    "deadline": _date(row["deadline"]),
                    "measure_status_label": _label(MeasureStatus, row["measure_status"]),
                }
                for row in previous["decisions"]
            ],
        }
    deviations = facts.get("deviations")
    if deviations is not None:
        blocks["deviations"] = {
            **deviations,
            "by_category": [{**row, "name": _name(row)} for row in deviations["by_category"]],
            "by_severity": [
                {**row, "name": _label(Severity, row["code"])} for row in deviations["by_severity"]
            ],
            "by_faculty": [{**row, "name": _name(row)} for row in deviations["by_faculty"]],
            "definition": counts.DEVIATIONS_DEFINITION,
            "injuries_definition": counts.PERSONAL_INJURIES_DEFINITION,
        }
    incidents = facts.get("special_incidents")
    if incidents is not None:
        blocks["special_incidents"] = {
            **incidents,
            "listed": [
                {
                    **row,
                    "date": _date(row["date"]),
                    "category": _name(row, "category_nb", "category_en"),
                    "severity_label": _label(Severity, row["severity"]),
                    "injury_label": _label(InjuryKind, row["injury_kind"]),
                }
                for row in incidents["listed"]
            ],
        }
    measures = facts.get("measures")
    if measures is not None:
        blocks["focus_areas"] = {
            **measures,
            "by_faculty": [{**row, "name": _name(row)} for row in measures["by_faculty"]],
            "overdue_high_listed": [
                {
                    **row,
                    "deadline": _date(row["deadline"]),
                    "status_label": _label(MeasureStatus, row["status"]),
                }
                for row in measures["overdue_high_listed"]
            ],
        }
    rounds = facts.get("rounds")
    if rounds is not None:
        blocks["internal_audits"] = {
            **rounds,
            "by_faculty": [{**row, "name": _name(row)} for row in rounds["by_faculty"]],
            "without_listed": [{**row, "name": _name(row)} for row in rounds["without_listed"]],
        }
    risk = facts.get("risk")
    if risk is not None:
        blocks["risk_analyses"] = {
            **risk,
            "by_faculty": [{**row, "name": _name(row)} for row in risk["by_faculty"]],
        }
    figure_rows = facts.get("figures")
    goals = facts.get("goals")
    if figure_rows is not None or goals is not None:
        shown = [_figure_row(row) for row in figure_rows or []]
        goal_rows = [
            {
                **row,
                "unit": _name(row, "unit_nb", "unit_en"),
                "evaluation_label": _label(Goal.Evaluation, row["evaluation"]),
            }
            for row in goals or []
        ]
        evaluations = dict.fromkeys(Goal.Evaluation.values, 0)
        for row in goal_rows:
            if row["evaluation"] in evaluations:
                evaluations[row["evaluation"]] += 1
        blocks["policy_goals"] = {
            "goals": goal_rows,
            "reached": evaluations["reached"],
            "partly": evaluations["partly"],
            "not_reached": evaluations["not_reached"],
            "not_evaluated": sum(1 for row in goal_rows if not row["evaluation"]),
            "figures": [
                row for row in shown if row["category"] == "health" and row["code"] not in IA_CODES
            ],
        }
        blocks["ia_goals"] = {"figures": [row for row in shown if row["code"] in IA_CODES]}
        blocks["environment"] = {
            "figures": [row for row in shown if row["category"] in ENVIRONMENT_CATEGORIES]
        }
    return blocks


def _places(row: dict) -> int:
    """The decimals the catalogue gives the indicator, as its page and the reports write it.
    Facts frozen before the catalogue's decimals were kept: none on whole numbers, else one."""
    if "decimals" in row:
        return row["decimals"]
    value = row.get("this") or row.get("last")
    return 0 if value is None or Decimal(value) == Decimal(value).to_integral_value() else 1


def _figure_row(row: dict) -> dict:
    places = _places(row)
    return {
        **row,
        "name": _name(row),
        "unit_label": _label(UnitOfMeasure, row["unit_of_measure"]),
        "this_shown": formats.number(row["this"], places),
        "last_shown": formats.number(row["last"], places),
    }


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label) if value else ""
    except ValueError:
        return value
