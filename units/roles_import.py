"""Role assignments from a file: preview, then apply all or nothing.

One assignment a line with the columns `unit_code, role, person, valid_from, valid_to`
(valid_to may be empty or left out). `person` is an employee number, a Feide id, a username or
an e-mail address, tried in that order. `role` is the role's code (`line_manager`) or its name
in any of the site's languages (bokmål, nynorsk, English). See `units.register_file` for
CSV/XLSX, separators and dates.

An assignment is the same one when person, unit, role and start match; its end is then
updated. The file adds and ends roles; roles that are not in it are left alone (they are also
assigned by hand on the unit's page). Running the same file twice changes nothing.
"""

import hashlib
import hmac
from dataclasses import dataclass, field

import pghistory
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from units.models import Role, RoleAssignment, Unit, User
from units.people_import import PREVIEW_ROWS, Change, ImportChanged, ImportRejected, Section
from units.people_import import lock_register as lock_register
from units.register_file import Problem, parse_date, read

REQUIRED = ("unit_code", "role", "person", "valid_from")
OPTIONAL = ("valid_to",)
COLUMNS = (*REQUIRED, *OPTIONAL)
BATCH_SIZE = 1000

__all__ = ["COLUMNS", "ImportChanged", "ImportRejected", "Plan", "plan_roles", "roles_import"]


@dataclass
class Plan:
    problems: list[Problem] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    _new: list[tuple] = field(default_factory=list)
    _updates: dict[int, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed)

    @property
    def digest(self) -> str:
        lines = [f"n:{row}" for row in self._new]
        lines += [f"u:{pk}:{end}" for pk, end in self._updates.items()]
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()

    @property
    def sections(self) -> list[Section]:
        return [
            Section("new", _("New role assignments"), len(self.new), self.new[:PREVIEW_ROWS]),
            Section("changed", _("Changed end"), len(self.changed), self.changed[:PREVIEW_ROWS]),
        ]

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "changed": len(self.changed), "unchanged": self.unchanged}


def _role_names() -> dict[str, str]:
    names = {value: value for value in Role.values}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            names.update({str(label).lower(): value for value, label in Role.choices})
    return names


class _People:
    """Who a `person` cell names, looked up in one query."""

    def __init__(self):
        self.users = {}
        self.keys: list[dict[str, set[int]]] = [{}, {}, {}, {}]
        for row in User.objects.values(
            "pk", "username", "employee_number", "feide_id", "email", "is_active",
            "first_name", "last_name",
        ):  # fmt: skip
            self.users[row["pk"]] = row
            for index, name in enumerate(("employee_number", "feide_id", "username", "email")):
                if row[name]:
                    value = row[name] if index == 0 else row[name].lower()
                    self.keys[index].setdefault(value, set()).add(row["pk"])

    def find(self, text: str) -> tuple[int | None, str | None]:
        """The person's pk, or why the text names no one (or several)."""
        for index, found in enumerate(self.keys):
            pks = found.get(text if index == 0 else text.lower())
            if pks and len(pks) == 1:
                return next(iter(pks)), None
            if pks:
                return None, _("Several people have the e-mail address “%(value)s”.") % {
                    "value": text
                }
        return None, _(
            "No one has the employee number, Feide id, username or e-mail address “%(value)s”."
        ) % {"value": text[:80]}

    def label(self, pk: int) -> str:
        user = self.users[pk]
        return f"{user['first_name']} {user['last_name']}".strip() or user["username"]


def plan_roles(content: bytes, filename: str = "") -> Plan:
    """Check the file against the units, people and roles; work out what it would change.
    Writes nothing."""
    records, problems = read(content, filename, required=REQUIRED, optional=OPTIONAL)
    plan = Plan(problems=problems)
    if not records:
        return plan
    units = {
        code.lower(): (pk, code, active)
        for pk, code, active in Unit.objects.values_list("pk", "code", "is_active")
    }
    people = _People()
    role_names = _role_names()
    existing: dict[tuple, dict] = {}
    open_ones: dict[tuple, dict] = {}
    for row in RoleAssignment.objects.order_by().values(
        "pk", "user_id", "unit_id", "role", "valid_from", "valid_to"
    ):
        key = (row["user_id"], row["unit_id"], row["role"])
        existing[(*key, row["valid_from"])] = row
        if row["valid_to"] is None:
            open_ones[key] = row

    wanted = []
    seen: dict[tuple, int] = {}
    seen_open: dict[tuple, int] = {}
    for record in records:
        line = record.line
        unit_code, role_text, person_text = (
            record.text("unit_code"),
            record.text("role"),
            record.text("person"),
        )
        unit = units.get(unit_code.lower()) if unit_code else None
        if not unit_code:
            plan.problems.append(Problem(line, "unit_code", _("The unit code is required.")))
        elif unit is None:
            plan.problems.append(
                Problem(
                    line,
                    "unit_code",
                    _("No unit has the code “%(code)s”.") % {"code": unit_code[:40]},
                )
            )
        role = role_names.get(role_text.lower())
        if role is None:
            plan.problems.append(
                Problem(
                    line,
                    "role",
                    _("Unknown role “%(value)s”. The roles are: %(roles)s.")
                    % {"value": role_text[:40], "roles": ", ".join(Role.values)},
                )
            )
        person, why = (
            (None, _("The person is required.")) if not person_text else people.find(person_text)
        )
        if why:
            plan.problems.append(Problem(line, "person", why))
        start = parse_date(record, "valid_from", plan.problems)
        if start is None and not record.text("valid_from"):
            plan.problems.append(Problem(line, "valid_from", _("The start date is required.")))
        end = parse_date(record, "valid_to", plan.problems)
        if start and end and end < start:
            plan.problems.append(
                Problem(line, "valid_to", _("The end date is before the start date."))
            )
        if unit is None or role is None or person is None or start is None:
            continue
        if end is None and unit[2] is False:
            plan.problems.append(
                Problem(
                    line, "unit_code", _("The unit “%(code)s” is inactive.") % {"code": unit[1]}
                )
            )
        if end is None and not people.users[person]["is_active"]:
            plan.problems.append(
                Problem(
                    line,
                    "person",
                    _("%(person)s is no longer active; give the role an end date.")
                    % {"person": people.label(person)},
                )
            )
        key = (person, unit[0], role)
        if (*key, start) in seen:
            plan.problems.append(
                Problem(
                    line,
                    None,
                    _("The same assignment is also on line %(line)s.")
                    % {"line": seen[(*key, start)]},
                )
            )
            continue
        seen[(*key, start)] = line
        if end is None:
            if key in seen_open:
                plan.problems.append(
                    Problem(
                        line,
                        "valid_to",
                        _(
                            "Line %(line)s gives the same person the same open-ended role "
                            "in this unit."
                        )
                        % {"line": seen_open[key]},
                    )
                )
                continue
            seen_open[key] = line
            current = open_ones.get(key)
            if current is not None and current["valid_from"] != start:
                plan.problems.append(
                    Problem(
                        line,
                        "valid_from",
                        _(
                            "%(person)s has held this role in %(unit)s since %(date)s; use "
                            "that start date, or end that assignment first."
                        )
                        % {
                            "person": people.label(person),
                            "unit": unit[1],
                            "date": current["valid_from"],
                        },
                    )
                )
                continue
        wanted.append((line, key, start, end, unit[1], people.label(person)))
    if plan.problems:
        plan.problems.sort(key=lambda problem: problem.line or 0)
        return plan

    for line, key, start, end, code, label in wanted:
        role_label = Role(key[2]).label
        before = existing.get((*key, start))
        if before is None:
            plan._new.append((*key, start, end))
            plan.new.append(
                Change(
                    line,
                    label,
                    [
                        _("%(role)s in %(unit)s, %(start)s – %(end)s")
                        % {"role": role_label, "unit": code, "start": start, "end": end or ""}
                    ],
                )
            )
        elif before["valid_to"] != end:
            plan._updates[before["pk"]] = end
            plan.changed.append(
                Change(
                    line,
                    label,
                    [
                        _("%(role)s in %(unit)s: end %(old)s → %(new)s")
                        % {
                            "role": role_label,
                            "unit": code,
                            "old": before["valid_to"] or "–",
                            "new": end or "–",
                        }
                    ],
                )
            )
        else:
            plan.unchanged += 1
    return plan


@transaction.atomic
def roles_import(*, content: bytes, filename: str, expected_digest: str = "") -> Plan:
    """Apply a role assignment file, all or nothing (raises ImportRejected / ImportChanged
    like the people import)."""
    lock_register()
    plan = plan_roles(content, filename)
    if plan.problems:
        raise ImportRejected(plan)
    if expected_digest and not hmac.compare_digest(expected_digest, plan.digest):
        raise ImportChanged(plan)
    with pghistory.context(import_file=filename):
        if plan._updates:
            RoleAssignment.objects.bulk_update(
                [RoleAssignment(pk=pk, valid_to=end) for pk, end in plan._updates.items()],
                ["valid_to"],
                batch_size=BATCH_SIZE,
            )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user_id=user, unit_id=unit, role=role, valid_from=start, valid_to=end
                )
                for user, unit, role, start, end in plan._new
            ],
            batch_size=BATCH_SIZE,
        )
    return plan
