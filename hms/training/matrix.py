"""The role × course matrix: who holds which role, which courses those roles require, and
the state of each person's training. Built in three queries whatever the number of units and
people (role assignments, requirements, records), so the matrix and the unit-page partial
cost the same for one unit or a thousand; the cycle evidence asks the same question of plain
rows (`units_without_gaps`).

A record expires on its `expires_on` day: from that day on it no longer counts.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hms.training.models import Course, RoleRequirement, TrainingRecord
from units import listing
from units.models import Role, RoleAssignment, Unit


class Status:
    VALID = "valid"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    MISSING = "missing"
    NOT_REQUIRED = "not_required"


GAPS = frozenset({Status.EXPIRED, Status.MISSING})
STATUS_LABELS = {
    Status.VALID: _("Valid"),
    Status.EXPIRING: _("Expires soon"),
    Status.EXPIRED: _("Expired"),
    Status.MISSING: _("Missing"),
    Status.NOT_REQUIRED: _("Not required"),
}


def warning_days() -> int:
    return settings.TRAINING_EXPIRY_WARNING_DAYS


def status_of(record, required: bool, on: datetime.date, warn_days: int) -> str:
    """One cell. `record` is the person's best record of the course, (completed, expires).
    A course no role of the person requires is never a gap, whatever its state."""
    if not required:
        return Status.NOT_REQUIRED
    if record is None:
        return Status.MISSING
    expires_on = record[1]
    if expires_on is None:
        return Status.VALID
    if expires_on <= on:
        return Status.EXPIRED
    if expires_on <= on + datetime.timedelta(days=warn_days):
        return Status.EXPIRING
    return Status.VALID


@dataclass
class Cell:
    course: Course
    status: str
    completed_on: datetime.date | None = None
    expires_on: datetime.date | None = None
    record_id: int | None = None

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class Row:
    person: object
    roles: list = field(default_factory=list)  # (role label, unit) pairs
    paths: set = field(default_factory=set)
    cells: list = field(default_factory=list)

    @property
    def required(self) -> int:
        return sum(cell.status != Status.NOT_REQUIRED for cell in self.cells)

    @property
    def gaps(self) -> int:
        return sum(cell.status in GAPS for cell in self.cells)

    @property
    def expiring(self) -> int:
        return sum(cell.status == Status.EXPIRING for cell in self.cells)


def requirements() -> dict[str, list[Course]]:
    """The active courses each role requires. One query."""
    found: dict[str, list[Course]] = defaultdict(list)
    for requirement in RoleRequirement.objects.filter(course__is_active=True).select_related(
        "course"
    ):
        found[requirement.role].append(requirement.course)
    return found


def best_records(person_ids, course_ids, on: datetime.date) -> dict[tuple[int, int], tuple]:
    """(person, course) → (completed_on, expires_on, pk) of the record that counts longest: one
    that never expires, else the latest expiry. Records completed after `on` do not count yet.
    One query."""
    best: dict[tuple[int, int], tuple] = {}
    rows = TrainingRecord.objects.filter(
        person_id__in=person_ids, course_id__in=course_ids, completed_on__lte=on
    ).values_list("person_id", "course_id", "completed_on", "expires_on", "pk")
    for person_id, course_id, completed_on, expires_on, pk in rows:
        key = (person_id, course_id)
        held = best.get(key)
        if held is None or _lasts_longer((completed_on, expires_on), held):
            best[key] = (completed_on, expires_on, pk)
    return best


def _lasts_longer(record, other) -> bool:
    if other[1] is None:
        return record[1] is None and record[0] > other[0]
    return record[1] is None or record[1] > other[1]


def build_rows(assignments, on: datetime.date, required_by_role=None) -> tuple[list, list[Row]]:
    """(columns, rows) for role assignments already fetched with their user and unit: one row
    per person, one column per course any of their roles requires."""
    required_by_role = required_by_role if required_by_role is not None else requirements()
    rows: dict[int, Row] = {}
    required: dict[int, set[int]] = defaultdict(set)
    columns: dict[int, Course] = {}
    for assignment in assignments:
        row = rows.setdefault(assignment.user_id, Row(person=assignment.user))
        row.roles.append((Role(assignment.role).label, assignment.unit))
        row.paths.add(assignment.unit.path)
        for course in required_by_role.get(assignment.role, ()):
            required[assignment.user_id].add(course.pk)
            columns[course.pk] = course
    ordered = sorted(columns.values(), key=lambda course: (course.order, course.code))
    best = best_records(list(rows), list(columns), on) if columns else {}
    warn = warning_days()
    for person_id, row in rows.items():
        for course in ordered:
            record = best.get((person_id, course.pk))
            status = status_of(record, course.pk in required[person_id], on, warn)
            row.cells.append(
                Cell(
                    course=course,
                    status=status,
                    completed_on=record[0] if record else None,
                    expires_on=record[1] if record else None,
                    record_id=record[2] if record else None,
                )
            )
    people = sorted(
        rows.values(),
        key=lambda row: (
            row.person.last_name.lower(),
            row.person.first_name.lower(),
            row.person.pk,
        ),
    )
    return ordered, people


def assignments_in(paths, *, below: bool, on: datetime.date):
    """Current role assignments on the units with these paths (and their subtrees)."""
    queryset = RoleAssignment.objects.current(on).filter(user__is_active=True)
    if below:
        condition = Q()
        for path in paths:
            condition |= Q(unit__path__startswith=path)
        queryset = queryset.filter(condition)
    else:
        queryset = queryset.filter(unit__path__in=list(paths))
    return queryset.exclude(role=Role.HMS_DEPARTMENT).select_related("user", "unit")


def unit_matrix(unit, *, below: bool, on: datetime.date | None = None) -> dict:
    """The matrix of a unit (its own role holders, or its whole subtree), the gap counts, and
    a roll-up over the subtree by child unit. Always reads the subtree (one query) so the
    roll-up is there whether or not the rows show it."""
    on = on or timezone.localdate()
    everyone = list(assignments_in([unit.path], below=True, on=on))
    required_by_role = requirements()
    columns, all_rows = build_rows(everyone, on, required_by_role)
    if below:
        shown = all_rows
    else:
        # Only the roles held on this unit itself, and the courses those roles require.
        own = [assignment for assignment in everyone if assignment.unit_id == unit.pk]
        columns, shown = build_rows(own, on, required_by_role)
    return {
        "columns": columns,
        "rows": shown,
        "counts": _counts(shown),
        "rollup": _rollup(unit, all_rows),
    }


def _counts(rows) -> dict:
    cells = [cell for row in rows for cell in row.cells]
    return {
        "people": len(rows),
        "people_with_gaps": sum(1 for row in rows if row.gaps),
        "missing": sum(cell.status == Status.MISSING for cell in cells),
        "expired": sum(cell.status == Status.EXPIRED for cell in cells),
        "expiring": sum(cell.status == Status.EXPIRING for cell in cells),
    }


def _rollup(unit, rows) -> list[dict]:
    """Per child unit (its whole subtree) and for the unit itself: people, and people lacking
    a required course (missing or expired)."""
    step = unit.steplen
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        for path in row.paths:
            key = path[: len(unit.path) + step] if len(path) > len(unit.path) else unit.path
            if row not in groups[key]:
                groups[key].append(row)
    units = {item.path: item for item in Unit.objects.filter(path__in=list(groups))}
    summary = []
    for path in sorted(groups):
        people = groups[path]
        summary.append(
            {
                "unit": units.get(path),
                "is_self": path == unit.path,
                "people": len(people),
                "with_gaps": sum(1 for row in people if row.gaps),
                "expiring": sum(1 for row in people if row.expiring),
            }
        )
    return summary


def units_without_gaps(units, on: datetime.date) -> set[int]:
    """Ids of the units among `units` whose role holders (on the unit itself) all hold every
    course their roles require, valid on `on`, and where at least one such requirement
    applies. Three queries for any number of units, reading plain rows: the cycle overview
    asks it of every unit of the tree, whose role holders are far too many to build the
    matrix's rows for."""
    if not units:
        return set()
    required: dict[str, set[int]] = defaultdict(set)
    for role, course_id in RoleRequirement.objects.filter(course__is_active=True).values_list(
        "role", "course_id"
    ):
        required[role].add(course_id)
    required.pop(Role.HMS_DEPARTMENT, None)  # the matrix leaves the HSE department out
    if not required:
        return set()
    holders = (
        RoleAssignment.objects.current(on)
        .filter(unit__in=units, role__in=list(required), user__is_active=True)
        .order_by()
    )
    # A record that counts on `on`, as `status_of` reads it: completed by then, not expired.
    valid = set(
        TrainingRecord.objects.filter(
            Q(expires_on__isnull=True) | Q(expires_on__gt=on),
            person__in=holders.values("user_id"),
            course__in={course for courses in required.values() for course in courses},
            completed_on__lte=on,
        ).values_list("person_id", "course_id")
    )
    requiring, gaps = set(), set()
    for unit_id, user_id, role in holders.values_list("unit_id", "user_id", "role"):
        requiring.add(unit_id)
        if unit_id not in gaps and any((user_id, course) not in valid for course in required[role]):
            gaps.add(unit_id)
    return requiring - gaps


# --- Searching and sorting the matrix ----------------------------------------------------------
# The matrix is built in memory (three queries), so it is searched and sorted there, the way
# units/listing.py does it for querysets: each word typed must match (case-insensitive), the
# sort is one of the list's columns (`person`, or `c<course id>` for a course), `-` before it
# for the other way, and an unknown sort leaves the list as it was. The page and its exports
# go through `listed`, so a file holds exactly the rows the page shows.

# A course column sorts gaps first: missing, expired, expiring, valid; "not required" is last
# whichever way (as listing.sort_queryset puts nulls last).
STATUS_RANK = {Status.MISSING: 0, Status.EXPIRED: 1, Status.EXPIRING: 2, Status.VALID: 3}


def _person_text(person) -> str:
    return " ".join(
        [person.first_name, person.last_name, person.get_full_name(), person.username, person.email]
    ).lower()


def _course_text(course: Course) -> str:
    return " ".join([course.code, course.name_nb, course.name_en]).lower()


def search(columns: list[Course], rows: list[Row], query: str | None) -> tuple[list, list]:
    """(columns, rows) matching `query`. A word found in a course's name or code narrows the
    columns to the courses matching the words; a person is listed when each word is found in
    their name, user name or e-mail, or in a course shown that their roles require. So
    "hansen" finds Hansen with all his courses, "first aid" everyone first aid is required of,
    and "hansen first" Hansen's first aid."""
    words = [word.lower() for word in (query or "").split()[: listing.MAX_WORDS]]
    if not words:
        return columns, rows
    texts = {course.pk: _course_text(course) for course in columns}
    shown = [course for course in columns if any(word in texts[course.pk] for word in words)]
    if shown:
        keep = {course.pk for course in shown}
        rows = [replace(row, cells=[c for c in row.cells if c.course.pk in keep]) for row in rows]
        columns = shown
    found = []
    for row in rows:
        person = _person_text(row.person)
        required = [
            texts[cell.course.pk] for cell in row.cells if cell.status != Status.NOT_REQUIRED
        ]
        if all(word in person or any(word in text for text in required) for word in words):
            found.append(row)
    return columns, found


def sort_columns(columns: list[Course]) -> dict[str, listing.Column]:
    """The matrix's sortable columns, for listing.sort_key and sort_links. Sorted in memory
    (`sort_rows`), so their queryset order is never asked for."""
    found = {"person": listing.Column(_("Person and roles"), lambda: [])}
    for course in columns:
        found[f"c{course.pk}"] = listing.Column(course.name, lambda: [])
    return found


def _by_name(row: Row) -> tuple:
    person = row.person
    return (person.last_name.lower(), person.first_name.lower(), person.username, person.pk)


def sort_rows(columns: list[Course], rows: list[Row], sort: str | None) -> list[Row]:
    """The rows in the order asked for (`sort_columns`' keys), ties by name."""
    sort = listing.sort_key(sort_columns(columns), sort)
    if not sort:
        return rows
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    rows = sorted(rows, key=_by_name)
    if key == "person":
        return rows[::-1] if descending else rows
    index = next(i for i, course in enumerate(columns) if f"c{course.pk}" == key)
    required = [row for row in rows if row.cells[index].status != Status.NOT_REQUIRED]
    others = [row for row in rows if row.cells[index].status == Status.NOT_REQUIRED]
    # Python's sort is stable, also reversed: ties stay in name order either way.
    required.sort(
        key=lambda row: (
            STATUS_RANK[row.cells[index].status],
            row.cells[index].expires_on or datetime.date.max,
        ),
        reverse=descending,
    )
    return required + others


def listed(context: dict, query: str | None, sort: str | None) -> dict:
    """The unit matrix (`unit_matrix`) searched and sorted; its counts are of the rows listed,
    the roll-up stays the whole subtree's."""
    columns, rows = search(context["columns"], context["rows"], query)
    rows = sort_rows(columns, rows, sort)
    return {**context, "columns": columns, "rows": rows, "counts": _counts(rows)}
