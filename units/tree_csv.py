"""The unit tree as CSV: validate a file, preview what it would change, apply it, export it.

The format is one unit a line with the columns `code,parent_code,name_nb,name_en,unit_type`
(any order; UTF-8, a BOM is accepted). An empty parent_code makes a top unit. Export writes
the same five columns with parents before children, so an exported file imports back with no
change.

Import is all-or-nothing: the file is checked against the database before anything is written,
and checked again under a table lock inside the writing transaction. New units get their
materialised paths computed here and are inserted with `bulk_create`, because treebeard's
`add_child` costs several queries per unit and 10,000 units would take minutes.
"""

import csv
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Unit, UnitType, code_validator
from units.services import RESERVED_CODES
from units.spreadsheet import neutralise, read_back

HEADER = ("code", "parent_code", "name_nb", "name_en", "unit_type")
PREVIEW_ROWS = 10
BATCH_SIZE = 1000
CODE_MAX = Unit._meta.get_field("code").max_length
NAME_MAX = Unit._meta.get_field("name_nb").max_length
NAME_EN_MAX = Unit._meta.get_field("name_en").max_length
STEPLEN = Unit.steplen
ALPHABET = Unit.alphabet
MAX_STEP = len(ALPHABET) ** STEPLEN - 1
MAX_DEPTH = Unit._meta.get_field("path").max_length // STEPLEN


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file. `line` is the CSV line (the header is line 1)."""

    line: int | None
    field: str | None
    message: str


@dataclass
class Row:
    line: int
    code: str
    parent_code: str
    name_nb: str
    name_en: str
    unit_type: str

    @property
    def key(self) -> str:
        # Codes are unique regardless of case (services._check_code), so match them that way.
        return self.code.lower()

    @property
    def parent_key(self) -> str | None:
        return self.parent_code.lower() or None


class _Existing(NamedTuple):
    pk: int
    code: str
    path: str
    name_nb: str
    name_en: str
    unit_type: str
    is_active: bool
    version: int


@dataclass
class Change:
    """A row of the preview: the row, and for an existing unit what it was before."""

    row: Row
    before: _Existing | None = None
    old_parent_code: str = ""
    new_parent_code: str = ""


@dataclass
class _NewUnit:
    row: Row
    path: str
    numchild: int = 0


class Section(NamedTuple):
    kind: str
    title: str
    count: int
    first: list[Change]


@dataclass
class Plan:
    """What a file would do to the tree, or why it cannot be imported."""

    problems: list[Problem] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    moved: list[Change] = field(default_factory=list)
    unchanged: list[Change] = field(default_factory=list)
    # For apply: new units in insertion order (parents first), moves in final-depth order, and
    # the existing parents that receive new children.
    _new_units: list[_NewUnit] = field(default_factory=list)
    _grown_parents: set[int] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def digest(self) -> str:
        """A fingerprint of the changes, so that apply can tell whether the tree changed since
        the preview was shown."""
        lines = [f"new:{c.row.key}:{c.row.parent_key}" for c in self.new]
        # The version of an updated unit and the old parent of a moved one are part of it, so
        # an edit made by someone else after the preview is not silently overwritten.
        lines += [
            f"updated:{c.row.key}:{c.before.version}:{c.row.name_nb}:{c.row.name_en}:"
            f"{c.row.unit_type}"
            for c in self.updated
        ]
        lines += [
            f"moved:{c.row.key}:{c.old_parent_code.lower()}:{c.row.parent_key}" for c in self.moved
        ]
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()

    @property
    def sections(self) -> list["Section"]:
        """The preview: each kind of change with its first rows."""
        return [
            Section("new", _("New units"), len(self.new), self.new[:PREVIEW_ROWS]),
            Section(
                "updated", _("Renamed or re-typed"), len(self.updated), self.updated[:PREVIEW_ROWS]
            ),
            Section("moved", _("Moved"), len(self.moved), self.moved[:PREVIEW_ROWS]),
        ]

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "updated": len(self.updated),
            "moved": len(self.moved),
            "unchanged": len(self.unchanged),
        }


class ImportRejected(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, plan: Plan):
        super().__init__(f"{len(plan.problems)} problem(s)")
        self.plan = plan


class ImportChanged(Exception):
    """The tree changed after the preview, so the file would now do something else."""

    def __init__(self, plan: Plan):
        super().__init__("the import plan changed since the preview")
        self.plan = plan


# Reading and checking the file on its own ------------------------------------------------


def _allowed_types() -> str:
    return ", ".join(UnitType.values)


def _decode(content: bytes) -> tuple[str | None, Problem | None]:
    limit = settings.UNIT_IMPORT_MAX_BYTES
    if len(content) > limit:
        return None, Problem(
            None,
            None,
            _("The file is %(size)s; the largest file accepted is %(limit)s.")
            % {"size": filesizeformat(len(content)), "limit": filesizeformat(limit)},
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
                "%(line)s). In Excel, choose File → Save As → “CSV UTF-8 (Comma delimited)”."
            )
            % {"line": line},
        )
    if not text.strip():
        return None, Problem(None, None, _("The file is empty."))
    return text, None


def _header_problems(names: list[str]) -> list[Problem]:
    problems = []
    seen = set()
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(
                Problem(1, None, _("Column %(number)s has no name.") % {"number": position})
            )
        elif name in seen:
            problems.append(
                Problem(1, name, _("The column “%(name)s” appears twice.") % {"name": name})
            )
        elif name not in HEADER:
            problems.append(
                Problem(
                    1,
                    name,
                    _("Unknown column “%(name)s”. The columns are: %(columns)s.")
                    % {"name": name, "columns": ", ".join(HEADER)},
                )
            )
        seen.add(name)
    for name in HEADER:
        if name not in seen:
            problems.append(
                Problem(1, name, _("The column “%(name)s” is missing.") % {"name": name})
            )
    return problems


def _too_long(row: Row, name: str, limit: int) -> Problem | None:
    value = getattr(row, name)
    if len(value) > limit:
        return Problem(
            row.line,
            name,
            _("At most %(limit)s characters are allowed (this has %(length)s).")
            % {"limit": limit, "length": len(value)},
        )
    return None


def _row_problems(row: Row) -> list[Problem]:
    problems = []
    if not row.code:
        problems.append(Problem(row.line, "code", _("The code is required.")))
    elif len(row.code) > CODE_MAX:
        problems.append(_too_long(row, "code", CODE_MAX))
    else:
        try:
            code_validator(row.code)
        except ValidationError as error:
            problems.append(Problem(row.line, "code", " ".join(error.messages)))
        else:
            if row.key in RESERVED_CODES:
                problems.append(
                    Problem(
                        row.line,
                        "code",
                        _("The code “%(code)s” is reserved; choose another.") % {"code": row.code},
                    )
                )
    if row.parent_code and row.parent_key == row.key:
        problems.append(Problem(row.line, "parent_code", _("A unit cannot be its own parent.")))
    if not row.name_nb:
        problems.append(Problem(row.line, "name_nb", _("The name (bokmål) is required.")))
    else:
        problems.append(_too_long(row, "name_nb", NAME_MAX))
    problems.append(_too_long(row, "name_en", NAME_EN_MAX))
    if not row.unit_type:
        problems.append(
            Problem(
                row.line,
                "unit_type",
                _("The unit type is required. Allowed values: %(values)s.")
                % {"values": _allowed_types()},
            )
        )
    elif row.unit_type not in UnitType.values:
        problems.append(
            Problem(
                row.line,
                "unit_type",
                _("Unknown unit type “%(value)s”. Allowed values: %(values)s.")
                % {"value": row.unit_type, "values": _allowed_types()},
            )
        )
    return [problem for problem in problems if problem is not None]


def parse(content: bytes) -> tuple[list[Row], list[Problem]]:
    """Read the file and check each row on its own (no database)."""
    text, problem = _decode(content)
    if problem:
        return [], [problem]
    first_line = text.split("\n", 1)[0]
    # Excel with a Norwegian locale saves "CSV" with semicolons; accept that too.
    delimiter = ";" if ";" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    problems: list[Problem] = []
    try:
        header = next(reader, None)
        names = [name.strip().lower() for name in header or []]
        problems = _header_problems(names)
        if problems:
            return [], problems
        first_seen: dict[str, int] = {}
        start = reader.line_num + 1
        for record in reader:
            # A quoted value may span lines: report the line where the record starts.
            line, start = start, reader.line_num + 1
            if not any(value.strip() for value in record):
                continue  # blank lines and Excel's trailing ",,,," lines
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
            values = {
                name: read_back(value.strip()) for name, value in zip(names, record, strict=True)
            }
            values["unit_type"] = values["unit_type"].lower()
            row = Row(line=line, **values)
            problems.extend(_row_problems(row))
            if row.code:
                if row.key in first_seen:
                    problems.append(
                        Problem(
                            line,
                            "code",
                            _("The code “%(code)s” is also on line %(line)s.")
                            % {"code": row.code, "line": first_seen[row.key]},
                        )
                    )
                    continue
                first_seen[row.key] = line
            rows.append(row)
    except csv.Error as error:
        problems.append(
            Problem(
                reader.line_num or None,
                None,
                _("The file cannot be read as CSV: %(error)s") % {"error": error},
            )
        )
        return rows, problems
    if not rows and not problems:
        problems.append(Problem(None, None, _("The file has a header but no units.")))
    return rows, problems


# Checking the file against the tree ------------------------------------------------------


def _step(number: int) -> str:
    key = Unit._int2str(number)
    return ALPHABET[0] * (STEPLEN - len(key)) + key


def _final_depths(parent_of: dict[str, str | None]) -> tuple[dict[str, int | None], list]:
    """Depth of every unit in the tree the import would make, and the loops it would make.

    A unit whose parent chain loops gets depth None, as does everything below it.
    """
    depth: dict[str, int | None] = {}
    cycles: list[list[str]] = []
    for start in parent_of:
        chain: list[str] = []
        position: dict[str, int] = {}
        node: str | None = start
        while node is not None and node not in depth:
            if node in position:
                cycle = chain[position[node] :]
                cycles.append(cycle)
                for looped in cycle:
                    depth[looped] = None
                chain = chain[: position[node]]
                break
            position[node] = len(chain)
            chain.append(node)
            # An unknown parent is reported elsewhere; treat the unit as a top unit here.
            node = parent_of.get(node) if parent_of.get(node) in parent_of else None
        for node in reversed(chain):
            parent = parent_of.get(node)
            if parent is None or parent not in parent_of:
                depth[node] = 1
            else:
                above = depth[parent]
                depth[node] = None if above is None else above + 1
    return depth, cycles


def plan_import(content: bytes) -> Plan:
    """Check the file against the tree and work out what it would change. Writes nothing."""
    rows, problems = parse(content)
    plan = Plan(problems=problems)
    if not rows:
        return plan  # unreadable, or nothing to check against the tree

    existing = [
        _Existing(*values)
        for values in Unit.objects.order_by("path").values_list(
            "pk", "code", "path", "name_nb", "name_en", "unit_type", "is_active", "version"
        )
    ]
    by_path = {unit.path: unit for unit in existing}
    by_key: dict[str, _Existing] = {}
    for unit in existing:
        by_key.setdefault(unit.code.lower(), unit)

    def db_parent_key(unit: _Existing) -> str | None:
        parent_path = unit.path[:-STEPLEN]
        return by_path[parent_path].code.lower() if parent_path in by_path else None

    parent_of: dict[str, str | None] = {key: db_parent_key(unit) for key, unit in by_key.items()}
    file_rows = [row for row in rows if row.code]
    for row in file_rows:
        parent_of[row.key] = row.parent_key
    for row in file_rows:
        if row.parent_key and row.parent_key not in parent_of:
            plan.problems.append(
                Problem(
                    row.line,
                    "parent_code",
                    _("No unit has the code “%(code)s”, in the file or in the tree.")
                    % {"code": row.parent_code},
                )
            )

    depth, cycles = _final_depths(parent_of)
    line_of = {row.key: row.line for row in file_rows}
    code_of = {row.key: row.code for row in file_rows}
    # The materialised path holds MAX_DEPTH levels; a deeper unit would fail at the insert.
    for row in file_rows:
        if (depth.get(row.key) or 0) > MAX_DEPTH:
            plan.problems.append(
                Problem(
                    row.line,
                    "parent_code",
                    _(
                        "This unit would be %(depth)s levels down; the tree holds at most "
                        "%(max)s levels. Attach it higher up."
                    )
                    % {"depth": depth[row.key], "max": MAX_DEPTH},
                )
            )
    for cycle in cycles:
        if len(cycle) == 1:
            continue  # "its own parent" is reported with the row
        for index, key in enumerate(cycle):
            if key not in line_of:
                continue
            # The chain as it would be, from this row up: A is under B, which is under ... A.
            around = [*cycle[index:], *cycle[:index], key]
            chain = " → ".join(code_of.get(other) or by_key[other].code for other in around)
            plan.problems.append(
                Problem(
                    line_of[key],
                    "parent_code",
                    _(
                        "The parent chain loops back to this unit: %(chain)s "
                        "(each unit would be under the next one)."
                    )
                    % {"chain": chain},
                )
            )
    if plan.problems:
        plan.problems.sort(key=lambda problem: problem.line or 0)
        return plan

    def code_for(key: str | None) -> str:
        if key is None:
            return ""
        return code_of.get(key) or by_key[key].code

    # Classify each row.
    new_rows: list[Row] = []
    for row in file_rows:
        unit = by_key.get(row.key)
        parent = by_key.get(row.parent_key) if row.parent_key else None
        if unit is None:
            new_rows.append(row)
            plan.new.append(Change(row))
            if parent is not None and not parent.is_active:
                plan.problems.append(_inactive_parent(row, parent))
            continue
        old_parent_key = db_parent_key(unit)
        changed = (row.name_nb, row.name_en, row.unit_type) != (
            unit.name_nb,
            unit.name_en,
            unit.unit_type,
        )
        change = Change(
            row,
            before=unit,
            old_parent_code=code_for(old_parent_key),
            new_parent_code=code_for(row.parent_key),
        )
        if changed:
            plan.updated.append(change)
        if row.parent_key != old_parent_key:
            plan.moved.append(change)
            if parent is not None and not parent.is_active:
                plan.problems.append(_inactive_parent(row, parent))
        elif not changed:
            plan.unchanged.append(change)
    # Moves top-down: by the time a unit moves, every unit above its new place is already
    # where it belongs, so the new parent is never inside the unit being moved.
    plan.moved.sort(key=lambda change: (depth[change.row.key], change.row.line))

    # Paths for the new units, parents first. A new child's step continues after the highest
    # step among its parent's current children (treebeard's layout: base 36, 4 characters).
    last_step: dict[str, int] = {}
    for unit in existing:
        parent_path = unit.path[:-STEPLEN]
        step = Unit._str2int(unit.path[-STEPLEN:])
        if step > last_step.get(parent_path, -1):
            last_step[parent_path] = step
    new_by_key: dict[str, _NewUnit] = {}
    for row in sorted(new_rows, key=lambda row: (depth[row.key], row.line)):
        if row.parent_key is None:
            parent_path = ""
        elif row.parent_key in new_by_key:
            parent_path = new_by_key[row.parent_key].path
            new_by_key[row.parent_key].numchild += 1
        else:
            parent_path = by_key[row.parent_key].path
            plan._grown_parents.add(by_key[row.parent_key].pk)
        step = last_step.get(parent_path, 0) + 1
        if step > MAX_STEP:
            plan.problems.append(
                Problem(
                    row.line,
                    "parent_code",
                    _("There is no room for more units under “%(code)s”.")
                    % {"code": row.parent_code or "—"},
                )
            )
            continue
        last_step[parent_path] = step
        new_unit = _NewUnit(row=row, path=parent_path + _step(step))
        new_by_key[row.key] = new_unit
        plan._new_units.append(new_unit)
    plan.problems.sort(key=lambda problem: problem.line or 0)
    return plan


def _inactive_parent(row: Row, parent: _Existing) -> Problem:
    return Problem(
        row.line,
        "parent_code",
        _("The unit “%(code)s” is inactive; reactivate it before placing units under it.")
        % {"code": parent.code},
    )


# Writing -------------------------------------------------------------------------------


def _fix_numchild(pks: set[int]) -> None:
    if not pks:
        return
    table = connection.ops.quote_name(Unit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {table} AS parent SET numchild = counted.n
            FROM (
                SELECT p.id, (
                    SELECT COUNT(*) FROM {table} AS child
                    WHERE child.path LIKE p.path || '%%' AND child.depth = p.depth + 1
                ) AS n
                FROM {table} AS p WHERE p.id = ANY(%s)
            ) AS counted
            WHERE parent.id = counted.id AND parent.numchild <> counted.n
            """,  # noqa: S608 - only the table name is interpolated, values are parameters
            [list(pks)],
        )


@transaction.atomic
def unit_tree_import(*, content: bytes, filename: str, expected_digest: str = "") -> Plan:
    """Apply a unit tree CSV file: create, update and move units, all or nothing.

    Raises ImportRejected if the file has problems, and ImportChanged if `expected_digest`
    (the preview's `Plan.digest`) no longer matches because the tree changed meanwhile.
    """
    # Block other writers to the unit table (readers go on) until this transaction ends, so
    # the paths computed below stay free and two imports cannot interleave.
    with connection.cursor() as cursor:
        table = connection.ops.quote_name(Unit._meta.db_table)
        cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
    plan = plan_import(content)
    if plan.problems:
        raise ImportRejected(plan)
    if expected_digest and not hmac.compare_digest(expected_digest, plan.digest):
        raise ImportChanged(plan)

    with pghistory.context(import_file=filename):
        if plan.updated:
            Unit.objects.bulk_update(
                [
                    Unit(
                        pk=change.before.pk,
                        name_nb=change.row.name_nb,
                        name_en=change.row.name_en,
                        unit_type=change.row.unit_type,
                        version=change.before.version + 1,
                    )
                    for change in plan.updated
                ],
                ["name_nb", "name_en", "unit_type", "version"],
                batch_size=BATCH_SIZE,
            )
        Unit.objects.bulk_create(
            [
                Unit(
                    code=new.row.code,
                    name_nb=new.row.name_nb,
                    name_en=new.row.name_en,
                    unit_type=new.row.unit_type,
                    path=new.path,
                    depth=len(new.path) // STEPLEN,
                    numchild=new.numchild,
                )
                for new in plan._new_units
            ],
            batch_size=BATCH_SIZE,
        )
        # treebeard's move decides "first child or after the last one" from numchild, so the
        # parents that just got new children must be right before any move.
        _fix_numchild(plan._grown_parents)
        touched: set[int] = set()
        for change in plan.moved:
            unit = Unit.objects.get(pk=change.before.pk)
            old_parent = Unit.objects.filter(path=unit.path[:-STEPLEN]).first()
            if old_parent is not None:
                touched.add(old_parent.pk)
            if not change.new_parent_code:
                root = Unit.objects.get_last_root_node()
                Unit.objects.move(unit, root, pos="last-sibling")
            else:
                parent = Unit.objects.get(code=change.new_parent_code)
                touched.add(parent.pk)
                Unit.objects.move(unit, parent, pos="last-child")
        _fix_numchild(touched)
    return plan


# Export --------------------------------------------------------------------------------


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_rows() -> Iterator[list[str]]:
    """Every unit, active or not, parents before children. One query."""
    yield list(HEADER)
    code_at: dict[str, str] = {}
    units = Unit.objects.order_by("path").values_list(
        "path", "code", "name_nb", "name_en", "unit_type"
    )
    for path, code, name_nb, name_en, unit_type in units.iterator(chunk_size=2000):
        code_at[path] = code
        yield [code, code_at.get(path[:-STEPLEN], ""), name_nb, name_en, unit_type]


def export_filename() -> str:
    return f"units-{timezone.localdate():%Y-%m-%d}.csv"


def export_lines() -> Iterator[str]:
    """The export as CSV text, line by line. Starts with a BOM so Excel reads it as UTF-8."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in export_rows():
        yield writer.writerow([neutralise(value) for value in row])
