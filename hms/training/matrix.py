"""The role × course matrix: who holds which role, which courses those roles require, and
the state of each person's training. Built in three queries whatever the number of units and
people (role assignments, requirements, records), so the matrix, the unit-page partial and the
cycle evidence cost the same for one unit or a thousand.

A record expires on its `expires_on` day: from that day on it no longer counts.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hms.training.models import Course, RoleRequirement, TrainingRecord
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
    applies. Three queries for any number of units."""
    by_path = {unit.path: unit for unit in units}
    if not by_path:
        return set()
    assignments = list(assignments_in(list(by_path), below=False, on=on))
    required_by_role = requirements()
    _columns, rows = build_rows(assignments, on, required_by_role)
    by_person = {row.person.pk: row for row in rows}
    gaps: set[str] = set()
    requiring: set[str] = set()
    for assignment in assignments:
        needed = {course.pk for course in required_by_role.get(assignment.role, ())}
        if not needed:
            continue
        requiring.add(assignment.unit.path)
        row = by_person[assignment.user_id]
        if any(cell.course.pk in needed and cell.status in GAPS for cell in row.cells):
            gaps.add(assignment.unit.path)
    return {by_path[path].pk for path in requiring - gaps}
