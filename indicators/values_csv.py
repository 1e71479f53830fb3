"""Indicator values as CSV: read and check a file, and preview what it would change.

One value a line, columns `unit,indicator,year,tertial,value` in any order (UTF-8, a BOM is
accepted; `;` or `,` between fields, as Excel writes them in Norway or elsewhere). `tertial`
is 1–3 for tertial indicators and empty (or 0) for yearly ones. Values take a decimal comma
or point and spaces between thousands: "1 066 667,5".

The apply step (services.values_import) is all or nothing: a file with one bad line writes
nothing, and the problems are listed by line and column.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import connection
from django.db.models.functions import Upper
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from indicators.models import Indicator, IndicatorValue, PeriodKind
from units import access
from units.models import Unit

HEADER = ("unit", "indicator", "year", "tertial", "value")
REQUIRED = ("unit", "indicator", "year", "value")
PREVIEW_ROWS = 10
MAX_VALUE = Decimal(10) ** 14  # the column holds 18 digits, 4 after the point


def max_bytes() -> int:
    return getattr(settings, "INDICATOR_IMPORT_MAX_BYTES", 2 * 1024 * 1024)


@dataclass(frozen=True)
class Problem:
    line: int | None  # the CSV line; the header is line 1
    field: str | None
    message: str


@dataclass
class Row:
    line: int
    unit_code: str
    indicator_code: str
    year: int
    tertial: int
    value: Decimal
    unit_id: int = 0
    indicator_id: int = 0
    indicator_name: str = ""


@dataclass
class Change:
    row: Row
    before: Decimal | None = None
    before_pk: int | None = None
    before_version: int = 0


@dataclass
class Plan:
    problems: list[Problem] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def digest(self) -> str:
        """A fingerprint of what apply would do, so a change made by someone else between the
        preview and the apply is noticed instead of overwritten."""
        lines = [
            f"{c.row.unit_id}:{c.row.indicator_id}:{c.row.year}:{c.row.tertial}:{c.row.value}:"
            f"{c.before_pk}:{c.before_version}"
            for c in self.new + self.changed
        ]
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": len(self.unchanged),
        }

    @property
    def sections(self) -> list[tuple[str, str, int, list[Change]]]:
        return [
            ("new", _("New values"), len(self.new), self.new[:PREVIEW_ROWS]),
            ("changed", _("Changed values"), len(self.changed), self.changed[:PREVIEW_ROWS]),
        ]


class ImportRejected(Exception):
    def __init__(self, plan: Plan):
        super().__init__(f"{len(plan.problems)} problem(s)")
        self.plan = plan


class ImportChanged(Exception):
    def __init__(self, plan: Plan):
        super().__init__("the values changed since the preview")
        self.plan = plan


# Reading -----------------------------------------------------------------------------------

# Files that are not text at all: say what they are instead of "not UTF-8".
SIGNATURES = [
    (b"PK\x03\x04", "xlsx"),
    (b"\xd0\xcf\x11\xe0", "xls"),
    (b"%PDF", "pdf"),
]


def _decode(content: bytes) -> tuple[str | None, Problem | None]:
    if len(content) > max_bytes():
        return None, Problem(
            None,
            None,
            _("The file is %(size)s; the largest file accepted is %(limit)s.")
            % {"size": filesizeformat(len(content)), "limit": filesizeformat(max_bytes())},
        )
    for signature, kind in SIGNATURES:
        if content.startswith(signature):
            return None, Problem(
                None,
                None,
                _(
                    "This is a %(kind)s file, not CSV. In Excel, choose File → Save As → "
                    "“CSV UTF-8”."
                )
                % {"kind": kind},
            )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return None, Problem(
            line,
            None,
            _(
                "The file is not UTF-8 text (the first unreadable character is on line "
                "%(line)s). In Excel, choose File → Save As → “CSV UTF-8”."
            )
            % {"line": line},
        )
    if "\x00" in text:
        return None, Problem(None, None, _("The file is not a text file."))
    if not text.strip():
        return None, Problem(None, None, _("The file is empty."))
    return text, None


def parse_number(text: str) -> Decimal | None:
    """A number as people write it in Norway or elsewhere: "1 234,5", "1234.5", "1.234,5"."""
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _header_problems(names: list[str]) -> list[Problem]:
    problems = []
    for position, name in enumerate(names, start=1):
        if name not in HEADER:
            problems.append(
                Problem(
                    1,
                    name or None,
                    _(
                        "Unknown column “%(name)s” (column %(number)s). The columns are: "
                        "%(columns)s."
                    )
                    % {"name": name, "number": position, "columns": ", ".join(HEADER)},
                )
            )
        elif names.count(name) > 1 and names.index(name) != position - 1:
            problems.append(
                Problem(1, name, _("The column “%(name)s” appears twice.") % {"name": name})
            )
    for name in REQUIRED:
        if name not in names:
            problems.append(
                Problem(1, name, _("The column “%(name)s” is missing.") % {"name": name})
            )
    return problems


class _Catalogue:
    """The units and indicators a file refers to, read once."""

    def __init__(self, actor):
        self.indicators = {
            indicator.code.lower(): indicator for indicator in Indicator.objects.active().stored()
        }
        self.actor = actor
        self._units: dict[str, Unit | None] = {}

    def load_units(self, codes: set[str]) -> None:
        # Codes are unique whatever their case (an index on UPPER(code)).
        found = {
            unit.code.lower(): unit
            for unit in Unit.objects.annotate(code_upper=Upper("code")).filter(
                code_upper__in=[code.upper() for code in codes]
            )
        }
        for code in codes:
            self._units[code] = found.get(code)

    def unit(self, code: str) -> Unit | None:
        return self._units.get(code.lower())


def _check_row(line: int, values: dict, catalogue: _Catalogue) -> tuple[Row | None, list[Problem]]:
    problems = []
    unit = None
    unit_code = values.get("unit", "")
    if not unit_code:
        problems.append(Problem(line, "unit", _("The unit code is required.")))
    else:
        unit = catalogue.unit(unit_code)
        if unit is None:
            problems.append(
                Problem(line, "unit", _("There is no unit “%(code)s”.") % {"code": unit_code})
            )
        elif not access.can_manage_records(catalogue.actor, unit):
            problems.append(
                Problem(
                    line,
                    "unit",
                    _("You may not enter figures for %(unit)s.") % {"unit": unit.code},
                )
            )
    indicator_code = values.get("indicator", "")
    indicator = catalogue.indicators.get(indicator_code.lower())
    if not indicator_code:
        problems.append(Problem(line, "indicator", _("The indicator code is required.")))
    elif indicator is None:
        problems.append(
            Problem(
                line,
                "indicator",
                _("“%(code)s” is not an indicator whose values are entered.")
                % {"code": indicator_code},
            )
        )
    year_text = values.get("year", "")
    year = int(year_text) if re.fullmatch(r"[0-9]{4}", year_text) else None
    if year is None or not 2000 <= year <= 2100:
        problems.append(Problem(line, "year", _("Write the year with four digits, e.g. 2025.")))
    tertial_text = values.get("tertial", "").upper().removeprefix("T")
    tertial = int(tertial_text) if tertial_text in {"0", "1", "2", "3"} else None
    if tertial_text == "":
        tertial = 0
    if tertial is None:
        problems.append(
            Problem(line, "tertial", _("The tertial is 1, 2 or 3, or empty for a whole year."))
        )
    elif indicator is not None:
        if indicator.period == PeriodKind.TERTIAL and not tertial:
            problems.append(
                Problem(
                    line,
                    "tertial",
                    _("%(code)s is given per tertial: write 1, 2 or 3.") % {"code": indicator.code},
                )
            )
        elif indicator.period == PeriodKind.YEAR and tertial:
            problems.append(
                Problem(
                    line,
                    "tertial",
                    _("%(code)s is given per year: leave the tertial empty.")
                    % {"code": indicator.code},
                )
            )
    value_text = values.get("value", "")
    value = parse_number(value_text) if value_text else None
    if not value_text:
        problems.append(Problem(line, "value", _("The value is required.")))
    elif value is None:
        problems.append(
            Problem(line, "value", _("“%(value)s” is not a number.") % {"value": value_text[:40]})
        )
    elif value < 0:
        problems.append(Problem(line, "value", _("The value cannot be negative.")))
    elif value >= MAX_VALUE or value.as_tuple().exponent < -4:
        problems.append(Problem(line, "value", _("Too large, or more than four decimals.")))
    if problems:
        return None, problems
    row = Row(
        line=line,
        unit_code=unit.code,
        indicator_code=indicator.code,
        year=year,
        tertial=tertial,
        value=value,
        unit_id=unit.pk,
        indicator_id=indicator.pk,
        indicator_name=indicator.name,
    )
    return row, []


def parse(content: bytes, *, actor) -> tuple[list[Row], list[Problem]]:
    text, problem = _decode(content)
    if problem:
        return [], [problem]
    first_line = text.split("\n", 1)[0]
    # Excel with a Norwegian locale separates with semicolons (the comma is the decimal mark).
    delimiter = ";" if ";" in first_line else ","
    # strict: an unclosed quote is an error, not a value running to the end of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[Problem] = []
    try:
        header = next(reader, None) or []
        names = [name.strip().lower() for name in header]
        problems = _header_problems(names)
        if problems:
            return [], problems
        records = []
        start = reader.line_num + 1
        for record in reader:
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in record):
                continue
            if len(record) != len(names):
                problems.append(
                    Problem(
                        line,
                        None,
                        _("This line has %(found)s fields; the header has %(expected)s.")
                        % {"found": len(record), "expected": len(names)},
                    )
                )
                continue
            records.append((line, dict(zip(names, (v.strip() for v in record), strict=True))))
    except csv.Error as error:
        return [], [
            Problem(
                reader.line_num or None,
                None,
                _("The file cannot be read as CSV: %(error)s") % {"error": error},
            )
        ]
    rows, problems = check_records(records, actor=actor, problems=problems)
    if not records and not problems:
        problems.append(Problem(None, None, _("The file has a header but no values.")))
    problems.sort(key=lambda problem: problem.line or 0)
    return rows, problems


def check_records(
    records: list[tuple[int, dict[str, str]]],
    *,
    actor,
    problems: list[Problem] | None = None,
    duplicate_message: str = "",
) -> tuple[list[Row], list[Problem]]:
    """Check values given as text, each with its place (a file's line, a list's index): the
    unit (one the actor enters figures for), the indicator, the period and the value, and
    that no unit, indicator and period comes twice. The CSV import and the API's bulk upsert
    both check through here."""
    problems = problems if problems is not None else []
    duplicate_message = duplicate_message or _(
        "The same unit, indicator and period is also on line %(line)s."
    )
    catalogue = _Catalogue(actor)
    catalogue.load_units({values.get("unit", "").lower() for _line, values in records} - {""})
    rows: list[Row] = []
    seen: dict[tuple, int] = {}
    for line, values in records:
        row, row_problems = _check_row(line, values, catalogue)
        problems.extend(row_problems)
        if row is None:
            continue
        key = (row.unit_id, row.indicator_id, row.year, row.tertial)
        if key in seen:
            problems.append(Problem(line, None, duplicate_message % {"line": seen[key]}))
            continue
        seen[key] = line
        rows.append(row)
    return rows, problems


def lock_values() -> None:
    """Inside a transaction that writes many values: other writers of values (the entry form,
    another import) wait until it ends, so what was checked is what is written."""
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(IndicatorValue._meta.db_table)
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def plan_import(content: bytes, *, actor, lock: bool = False) -> Plan:
    """Check a file and work out what it would change. Writes nothing. With `lock`, inside
    the apply transaction, other writers of values wait until it ends."""
    if lock:
        lock_values()
    rows, problems = parse(content, actor=actor)
    return plan_rows(rows, problems)


def plan_rows(rows: list[Row], problems: list[Problem]) -> Plan:
    """What checked rows would change: new values, changed ones and those already stored."""
    plan = Plan(problems=problems)
    if problems or not rows:
        return plan
    stored = IndicatorValue.objects.filter(
        unit_id__in={row.unit_id for row in rows},
        indicator_id__in={row.indicator_id for row in rows},
        year__in={row.year for row in rows},
    ).values_list("pk", "unit_id", "indicator_id", "year", "tertial", "value", "version")
    existing = {
        (unit_id, indicator_id, year, tertial): (pk, value, version)
        for pk, unit_id, indicator_id, year, tertial, value, version in stored
    }
    for row in rows:
        before = existing.get((row.unit_id, row.indicator_id, row.year, row.tertial))
        if before is None:
            plan.new.append(Change(row))
        else:
            pk, value, version = before
            change = Change(row, before=value, before_pk=pk, before_version=version)
            (plan.unchanged if value == row.value else plan.changed).append(change)
    return plan
