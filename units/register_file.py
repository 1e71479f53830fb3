"""Reading a register file (the HR system's people export, a list of role assignments): CSV
or XLSX into rows of text keyed by column name, with the line of each row, plus the value
parsers both imports share (dates, position shares).

CSV is UTF-8 (a BOM is accepted), separated by `,` or `;` (what Excel saves with a Norwegian
locale). XLSX is read from its first sheet; its first row is the header. Line numbers are the
file's own (the header is line 1), so an error report points at the line a user sees.
"""

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from units.limits import validate_date_in_range

MAX_ROWS = 100_000
# The longest value any column may hold; a longer cell is reported, not stored or echoed.
CELL_MAX = 1000
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file. `line` is the file's line (the header is line 1)."""

    line: int | None
    field: str | None
    message: str


@dataclass
class Record:
    line: int
    values: dict[str, object]

    def text(self, name: str) -> str:
        value = self.values.get(name)
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # Excel stores 12345 as 12345.0
        return str(value).strip()


def max_bytes() -> int:
    return settings.UNIT_IMPORT_MAX_BYTES


def _looks_like_xlsx(content: bytes, filename: str) -> bool:
    return content[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def _csv_table(content: bytes) -> tuple[list[list[object]], list[int], Problem | None]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return (
            [],
            [],
            Problem(
                line,
                None,
                _(
                    "The file is neither an Excel workbook (XLSX) nor UTF-8 text (the first "
                    "unreadable character is on line %(line)s). In Excel, choose File → Save As "
                    "→ “CSV UTF-8” or “Excel Workbook”."
                )
                % {"line": line},
            ),
        )
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            # A quoted value may span lines: report the line where the record starts.
            rows.append(record)
            lines.append(start)
            start = reader.line_num + 1
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error as error:
        return (
            [],
            [],
            Problem(
                reader.line_num or None,
                None,
                _("The file cannot be read as CSV: %(error)s") % {"error": error},
            ),
        )
    return rows, lines, None


def _xlsx_table(content: bytes) -> tuple[list[list[object]], list[int], Problem | None]:
    from openpyxl import load_workbook

    rows: list[list[object]] = []
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for cells in sheet.iter_rows():
                row = []
                for cell in cells:
                    value = cell.value
                    # A share formatted as a percentage is stored as a fraction (0.8 = 80 %).
                    if isinstance(value, int | float) and "%" in (cell.number_format or ""):
                        value = Decimal(str(value)) * 100
                    row.append(value)
                rows.append(row)
                if len(rows) > MAX_ROWS + 1:
                    break
        finally:
            workbook.close()
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError, IndexError) as error:
        return [], [], _not_xlsx(error)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        return [], [], _not_xlsx(error)
    return rows, list(range(1, len(rows) + 1)), None


def _not_xlsx(error: Exception) -> Problem:
    return Problem(
        None,
        None,
        _(
            "The file cannot be read as an Excel workbook (XLSX): %(error)s. Save it again "
            "from Excel as “Excel Workbook” or “CSV UTF-8”."
        )
        % {"error": str(error)[:200] or type(error).__name__},
    )


def read(
    content: bytes, filename: str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> tuple[list[Record], list[Problem]]:
    """The file's rows as records keyed by column name, or the problems that stop reading it.

    Blank rows are skipped. Every value is checked for its length here, so nothing huge goes
    further."""
    if len(content) > max_bytes():
        return [], [
            Problem(
                None,
                None,
                _("The file is %(size)s; the largest file accepted is %(limit)s.")
                % {"size": filesizeformat(len(content)), "limit": filesizeformat(max_bytes())},
            )
        ]
    if not content.strip():
        return [], [Problem(None, None, _("The file is empty."))]
    if _looks_like_xlsx(content, filename):
        table, lines, problem = _xlsx_table(content)
    else:
        table, lines, problem = _csv_table(content)
    if problem:
        return [], [problem]
    while table and all(_blank(value) for value in table[0]):
        table.pop(0)
        lines.pop(0)
    if not table:
        return [], [Problem(None, None, _("The file is empty."))]
    if len(table) > MAX_ROWS + 1:
        return [], [
            Problem(None, None, _("The file has more than %(limit)s rows.") % {"limit": MAX_ROWS})
        ]
    names = [_column_name(value) for value in table[0]]
    while names and not names[-1]:
        names.pop()  # Excel's empty trailing columns
    problems = _header_problems(names, lines[0], required, optional)
    if problems:
        return [], problems
    records: list[Record] = []
    for line, row in zip(lines[1:], table[1:], strict=True):
        if all(_blank(value) for value in row):
            continue  # blank lines and Excel's trailing ",,,," lines
        extra = row[len(names) :]
        if any(not _blank(value) for value in extra):
            problems.append(
                Problem(
                    line,
                    None,
                    _("This line has %(found)s fields; the header has %(expected)s.")
                    % {"found": len(row), "expected": len(names)},
                )
            )
            continue
        values = dict(zip(names, row, strict=False))
        too_long = [
            name
            for name, value in values.items()
            if isinstance(value, str) and len(value) > CELL_MAX
        ]
        for name in too_long:
            problems.append(
                Problem(
                    line,
                    name,
                    _("At most %(limit)s characters are allowed (this has %(length)s).")
                    % {"limit": CELL_MAX, "length": len(values[name])},
                )
            )
            values[name] = ""
        records.append(Record(line, values))
    if not records and not problems:
        problems.append(Problem(None, None, _("The file has a header but no rows.")))
    return records, problems


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _column_name(value: object) -> str:
    return str(value or "").strip().lower().replace(" ", "_")[:100]


def _header_problems(
    names: list[str], line: int, required: tuple[str, ...], optional: tuple[str, ...]
) -> list[Problem]:
    problems = []
    seen: set[str] = set()
    known = (*required, *optional)
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(
                Problem(line, None, _("Column %(number)s has no name.") % {"number": position})
            )
        elif name in seen:
            problems.append(
                Problem(line, name, _("The column “%(name)s” appears twice.") % {"name": name})
            )
        elif name not in known:
            problems.append(
                Problem(
                    line,
                    name,
                    _("Unknown column “%(name)s”. The columns are: %(columns)s.")
                    % {"name": name, "columns": ", ".join(known)},
                )
            )
        seen.add(name)
    for name in required:
        if name not in seen:
            problems.append(
                Problem(line, name, _("The column “%(name)s” is missing.") % {"name": name})
            )
    return problems


def parse_date(record: Record, name: str, problems: list[Problem]) -> datetime.date | None:
    """A date from an Excel date cell or from text as 2025-08-01, 01.08.2025 or 01/08/2025,
    within the range every date of the app keeps."""
    day = _read_date(record, name, problems)
    if day is None:
        return None
    try:
        validate_date_in_range(day)
    except ValidationError as error:
        problems.append(Problem(record.line, name, error.messages[0]))
        return None
    return day


def _read_date(record: Record, name: str, problems: list[Problem]) -> datetime.date | None:
    value = record.values.get(name)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = record.text(name)
    if not text:
        return None
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    problems.append(
        Problem(
            record.line,
            name,
            _("“%(value)s” is not a date. Write it as 2025-08-01 or 01.08.2025.")
            % {"value": text[:40]},
        )
    )
    return None


SHARE_PATTERN = re.compile(r"^(\d{1,3}(?:[.,]\d{1,2})?)\s*%?$")


def parse_share(record: Record, name: str, problems: list[Problem]) -> Decimal | None:
    """A position share in per cent, 0 < share ≤ 100: 100, 50,5, 80 % or an Excel number."""
    value = record.values.get(name)
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        try:
            share = Decimal(str(value)).quantize(Decimal("0.01"))
        except InvalidOperation:
            share = None
    else:
        match = SHARE_PATTERN.match(record.text(name))
        share = Decimal(match.group(1).replace(",", ".")) if match else None
    if share is None or not (0 < share <= 100):
        problems.append(
            Problem(
                record.line,
                name,
                _(
                    "“%(value)s” is not a position share. Give a percentage above 0 and at "
                    "most 100, e.g. 100 or 50,5."
                )
                % {"value": record.text(name)[:40]},
            )
        )
        return None
    return share
