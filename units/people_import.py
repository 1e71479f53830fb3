"""The people register from the HR system's export: preview, then apply all or nothing.

One line per person (their main position) with the columns `employee_number, feide_id,
first_name, last_name, email, unit_code, position_share, start_date, end_date` (feide_id and
end_date may be left out); see `units.register_file` for CSV/XLSX, separators and dates.

People are matched by employee number, then by Feide id. Each line gives the person an
`Employment` in the unit and the employee role there for the same period, so the unit's roles
and access work as for a role assigned by hand. The file is a full extract by default: a person
of the register (one with an employee number) who is absent from it, or whose end date has
passed, is leaving: deactivated, with every role ending on the end date (yesterday for one who
is absent). Nothing is deleted. A person who comes back is reactivated. With `partial`, absent
people are left alone.

Only what differs is written, so running the same file twice changes nothing and leaves no
audit events the second time.
"""

import datetime
import hashlib
import hmac
from dataclasses import dataclass, field
from decimal import Decimal

import pghistory
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from units.models import Employment, Role, RoleAssignment, Unit, User
from units.register_file import Problem, Record, parse_date, parse_share, read

REQUIRED = (
    "employee_number",
    "first_name",
    "last_name",
    "email",
    "unit_code",
    "position_share",
    "start_date",
)
OPTIONAL = ("feide_id", "end_date")
COLUMNS = REQUIRED[:4] + ("feide_id",) + REQUIRED[4:] + ("end_date",)
PREVIEW_ROWS = 10
BATCH_SIZE = 1000
LIMITS = {
    "employee_number": User._meta.get_field("employee_number").max_length,
    "feide_id": User._meta.get_field("feide_id").max_length,
    "first_name": User._meta.get_field("first_name").max_length,
    "last_name": User._meta.get_field("last_name").max_length,
    "email": User._meta.get_field("email").max_length,
    "unit_code": Unit._meta.get_field("code").max_length,
}
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class PersonRow:
    line: int
    employee_number: str
    feide_id: str
    first_name: str
    last_name: str
    email: str
    unit_code: str
    share: Decimal | None
    start: datetime.date | None
    end: datetime.date | None

    @property
    def label(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.employee_number})"


@dataclass
class Change:
    """A row of the preview: who, and what would change for them."""

    line: int | None
    person: str
    details: list[str]


@dataclass
class Section:
    kind: str
    title: str
    count: int
    first: list[Change]


@dataclass
class Plan:
    """What a file would do to the register, or why it cannot be imported."""

    problems: list[Problem] = field(default_factory=list)
    new: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    leaving: list[Change] = field(default_factory=list)
    unchanged: int = 0
    # For apply. Rows to write, keyed by person: an existing pk, or ("new", employee number).
    _new_users: list[dict] = field(default_factory=list)
    _user_updates: dict[int, dict] = field(default_factory=dict)
    _new_employments: list[tuple] = field(default_factory=list)
    _employment_updates: dict[int, tuple] = field(default_factory=dict)
    _new_roles: list[tuple] = field(default_factory=list)
    _role_updates: dict[int, tuple] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def has_changes(self) -> bool:
        return bool(self.new or self.changed or self.leaving)

    @property
    def digest(self) -> str:
        """A fingerprint of the writes, so apply can tell the register changed since the
        preview."""
        lines = [f"nu:{sorted(u.items())}" for u in self._new_users]
        lines += [f"uu:{pk}:{sorted(v.items())}" for pk, v in self._user_updates.items()]
        lines += [f"ne:{row}" for row in self._new_employments]
        lines += [f"ue:{pk}:{v}" for pk, v in self._employment_updates.items()]
        lines += [f"nr:{row}" for row in self._new_roles]
        lines += [f"ur:{pk}:{v}" for pk, v in self._role_updates.items()]
        return hashlib.sha256("\n".join(sorted(lines)).encode()).hexdigest()

    @property
    def sections(self) -> list[Section]:
        return [
            Section("new", _("New people"), len(self.new), self.new[:PREVIEW_ROWS]),
            Section("changed", _("Changed"), len(self.changed), self.changed[:PREVIEW_ROWS]),
            Section("leaving", _("Leaving"), len(self.leaving), self.leaving[:PREVIEW_ROWS]),
        ]

    def counts(self) -> dict[str, int]:
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "leaving": len(self.leaving),
            "unchanged": self.unchanged,
        }


class ImportRejected(Exception):
    """The file has problems; nothing was written."""

    def __init__(self, plan):
        super().__init__(f"{len(plan.problems)} problem(s)")
        self.plan = plan


class ImportChanged(Exception):
    """The register changed after the preview, so the file would now do something else."""

    def __init__(self, plan):
        super().__init__("the import plan changed since the preview")
        self.plan = plan


# Reading the rows on their own -----------------------------------------------------------


def _row(record: Record, problems: list[Problem]) -> PersonRow:
    text = {name: record.text(name) for name in LIMITS}
    for name, limit in LIMITS.items():
        if len(text[name]) > limit:
            problems.append(
                Problem(
                    record.line,
                    name,
                    _("At most %(limit)s characters are allowed (this has %(length)s).")
                    % {"limit": limit, "length": len(text[name])},
                )
            )
            text[name] = ""
    for name, message in (
        ("employee_number", _("The employee number is required.")),
        ("first_name", _("The first name is required.")),
        ("last_name", _("The last name is required.")),
        ("unit_code", _("The unit code is required.")),
    ):
        if not text[name] and not any(p.line == record.line and p.field == name for p in problems):
            problems.append(Problem(record.line, name, message))
    if text["email"]:
        try:
            validate_email(text["email"])
        except ValidationError:
            problems.append(
                Problem(
                    record.line,
                    "email",
                    _("“%(value)s” is not an e-mail address.") % {"value": text["email"][:80]},
                )
            )
    if text["feide_id"] and "@" not in text["feide_id"]:
        problems.append(
            Problem(
                record.line,
                "feide_id",
                _("A Feide id looks like name@institution.no (eduPersonPrincipalName)."),
            )
        )
    start = parse_date(record, "start_date", problems)
    if start is None and record.text("start_date") == "":
        problems.append(Problem(record.line, "start_date", _("The start date is required.")))
    end = parse_date(record, "end_date", problems)
    if start and end and end < start:
        problems.append(
            Problem(record.line, "end_date", _("The end date is before the start date."))
        )
    share = None
    if record.text("position_share") == "":
        problems.append(
            Problem(record.line, "position_share", _("The position share is required."))
        )
    else:
        share = parse_share(record, "position_share", problems)
    return PersonRow(
        line=record.line,
        employee_number=text["employee_number"],
        feide_id=text["feide_id"],
        first_name=text["first_name"],
        last_name=text["last_name"],
        email=text["email"],
        unit_code=text["unit_code"],
        share=share,
        start=start,
        end=end,
    )


def _duplicates(rows: list[PersonRow], problems: list[Problem]) -> None:
    for name, label in (
        ("employee_number", _("employee number")),
        ("feide_id", _("Feide id")),
        ("email", _("e-mail address")),
    ):
        first: dict[str, int] = {}
        for row in rows:
            value = getattr(row, name).lower()
            if not value:
                continue
            if value in first:
                problems.append(
                    Problem(
                        row.line,
                        name,
                        _("The %(what)s “%(value)s” is also on line %(line)s.")
                        % {"what": label, "value": getattr(row, name), "line": first[value]},
                    )
                )
            else:
                first[value] = row.line


# Checking against the register ----------------------------------------------------------


@dataclass
class _Register:
    """The register as it is, read in a handful of queries."""

    users: dict[int, dict]
    by_number: dict[str, int]
    by_feide: dict[str, int]
    by_email: dict[str, list[int]]
    by_username: dict[str, int]
    units: dict[str, tuple[int, str, bool]]
    unit_codes: dict[int, str]
    employments: dict[int, list[dict]]
    roles: dict[int, list[dict]]

    @classmethod
    def load(cls) -> "_Register":
        users = {
            row["pk"]: row
            for row in User.objects.values(
                "pk",
                "username",
                "employee_number",
                "feide_id",
                "first_name",
                "last_name",
                "email",
                "is_active",
            )
        }
        by_email: dict[str, list[int]] = {}
        for user in users.values():
            if user["email"]:
                by_email.setdefault(user["email"].lower(), []).append(user["pk"])
        units = {
            code.lower(): (pk, code, active)
            for pk, code, active in Unit.objects.values_list("pk", "code", "is_active")
        }
        employments: dict[int, list[dict]] = {}
        for row in Employment.objects.values(
            "pk", "person_id", "unit_id", "position_share", "start", "end"
        ):
            employments.setdefault(row["person_id"], []).append(row)
        roles: dict[int, list[dict]] = {}
        for row in RoleAssignment.objects.order_by().values(
            "pk", "user_id", "unit_id", "role", "valid_from", "valid_to"
        ):
            roles.setdefault(row["user_id"], []).append(row)
        return cls(
            users=users,
            by_number={u["employee_number"]: pk for pk, u in users.items() if u["employee_number"]},
            by_feide={u["feide_id"].lower(): pk for pk, u in users.items() if u["feide_id"]},
            by_email=by_email,
            by_username={u["username"].lower(): pk for pk, u in users.items()},
            units=units,
            unit_codes={pk: code for pk, code, _active in units.values()},
            employments=employments,
            roles=roles,
        )


def _fmt(value) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, Decimal):
        return f"{value.normalize():f} %"
    return str(value)


def plan_people(content: bytes, filename: str = "", *, partial: bool = False, today=None) -> Plan:
    """Check the file against the register and work out what it would change. Writes
    nothing."""
    today = today or timezone.localdate()
    records, problems = read(content, filename, required=REQUIRED, optional=OPTIONAL)
    plan = Plan(problems=problems)
    if not records:
        return plan
    rows = [_row(record, plan.problems) for record in records]
    _duplicates(rows, plan.problems)
    register = _Register.load()

    matched: dict[int, int] = {}  # line → existing user pk
    for row in rows:
        if row.unit_code:
            unit = register.units.get(row.unit_code.lower())
            if unit is None:
                plan.problems.append(
                    Problem(
                        row.line,
                        "unit_code",
                        _("No unit has the code “%(code)s”.") % {"code": row.unit_code},
                    )
                )
            elif not unit[2]:
                plan.problems.append(
                    Problem(
                        row.line,
                        "unit_code",
                        _("The unit “%(code)s” is inactive.") % {"code": unit[1]},
                    )
                )
        pk = register.by_number.get(row.employee_number) if row.employee_number else None
        by_feide = register.by_feide.get(row.feide_id.lower()) if row.feide_id else None
        if pk is None and by_feide is not None:
            other_number = register.users[by_feide]["employee_number"]
            if other_number:
                plan.problems.append(
                    Problem(
                        row.line,
                        "feide_id",
                        _(
                            "The Feide id “%(feide)s” belongs to the person with employee "
                            "number %(number)s."
                        )
                        % {"feide": row.feide_id, "number": other_number},
                    )
                )
                continue
            pk = by_feide
        elif pk is not None and by_feide is not None and by_feide != pk:
            plan.problems.append(
                Problem(
                    row.line,
                    "feide_id",
                    _("The Feide id “%(feide)s” belongs to another person, %(person)s.")
                    % {"feide": row.feide_id, "person": _name(register.users[by_feide])},
                )
            )
            continue
        if row.email:
            others = [o for o in register.by_email.get(row.email.lower(), []) if o != pk]
            if others:
                plan.problems.append(
                    Problem(
                        row.line,
                        "email",
                        _("The e-mail address “%(email)s” belongs to another person, %(person)s.")
                        % {"email": row.email, "person": _name(register.users[others[0]])},
                    )
                )
        if pk is None and row.employee_number:
            username = _username(row)
            if username.lower() in register.by_username:
                plan.problems.append(
                    Problem(
                        row.line,
                        "feide_id" if row.feide_id else "employee_number",
                        _("The username “%(username)s” is taken by another person.")
                        % {"username": username},
                    )
                )
        if pk is not None:
            matched[row.line] = pk
    if plan.problems:
        plan.problems.sort(key=lambda problem: problem.line or 0)
        return plan

    for row in rows:
        pk = matched.get(row.line)
        unit_pk = register.units[row.unit_code.lower()][0]
        _plan_row(plan, register, row, pk, unit_pk, today)
    if not partial:
        seen = set(matched.values())
        for pk, user in register.users.items():
            if user["employee_number"] and user["is_active"] and pk not in seen:
                _plan_leaver(plan, register, pk, today - ONE_DAY)
    return plan


def _name(user: dict) -> str:
    full = f"{user['first_name']} {user['last_name']}".strip()
    return f"{full or user['username']} ({user['employee_number'] or user['username']})"


def _username(row: PersonRow) -> str:
    return (row.feide_id or row.employee_number)[:150]


def _plan_row(plan: Plan, register: _Register, row: PersonRow, pk, unit_pk, today) -> None:
    leaves = row.end is not None and row.end < today
    wanted = {
        "employee_number": row.employee_number,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "is_active": not leaves,
    }
    if row.feide_id:  # an export without the column keeps the Feide id already known
        wanted["feide_id"] = row.feide_id
    code = register.unit_codes[unit_pk]
    if pk is None:
        key = ("new", row.employee_number)
        plan._new_users.append(
            {"username": _username(row), "feide_id": row.feide_id or None, **wanted}
        )
        plan._new_employments.append((key, unit_pk, row.share, row.start, row.end))
        plan._new_roles.append((key, unit_pk, row.start, row.end))
        details = [
            _("%(unit)s, %(share)s from %(start)s")
            % {"unit": code, "share": _fmt(row.share), "start": row.start}
        ]
        if row.end:
            details.append(_("ends %(date)s") % {"date": row.end})
        (plan.leaving if leaves else plan.new).append(Change(row.line, row.label, details))
        return

    user = register.users[pk]
    writes_before = _write_count(plan)
    details: list[str] = []
    update = {}
    for name, value in wanted.items():
        if name == "is_active":
            continue
        if (user[name] or "") != value:
            update[name] = value or (None if name in ("feide_id", "employee_number") else "")
            details.append(
                f"{User._meta.get_field(name).verbose_name}: {_fmt(user[name])} → {_fmt(value)}"
            )
    if user["is_active"] != wanted["is_active"]:
        update["is_active"] = wanted["is_active"]
        details.append(
            _("comes back") if wanted["is_active"] else _("leaves on %(date)s") % {"date": row.end}
        )
    if update:
        plan._user_updates[pk] = update

    # The employment: the one in this unit with this start, else a new one; any other
    # employment still running then ends the day before.
    employments = register.employments.get(pk, [])
    same = next(
        (e for e in employments if e["unit_id"] == unit_pk and e["start"] == row.start), None
    )
    if same is None:
        plan._new_employments.append((pk, unit_pk, row.share, row.start, row.end))
        details.append(
            _("employment in %(unit)s, %(share)s from %(start)s")
            % {"unit": code, "share": _fmt(row.share), "start": row.start}
        )
    elif (same["position_share"], same["end"]) != (row.share, row.end):
        plan._employment_updates[same["pk"]] = (row.share, row.end)
        if same["position_share"] != row.share:
            details.append(
                _("position share %(old)s → %(new)s")
                % {"old": _fmt(same["position_share"]), "new": _fmt(row.share)}
            )
        if same["end"] != row.end:
            details.append(
                _("end of employment %(old)s → %(new)s")
                % {"old": _fmt(same["end"]), "new": _fmt(row.end)}
            )
    ended_units: set[int] = set()
    for other in employments:
        if other is same:
            continue
        if other["start"] < row.start and (other["end"] is None or other["end"] >= row.start):
            last_day = max(other["start"], row.start - ONE_DAY)
            plan._employment_updates[other["pk"]] = (other["position_share"], last_day)
            ended_units.add(other["unit_id"])
            details.append(
                _("employment in %(unit)s ends %(date)s")
                % {"unit": register.unit_codes[other["unit_id"]], "date": last_day}
            )

    # The employee role follows the employment: same unit, same dates.
    roles = register.roles.get(pk, [])
    employee_roles = [r for r in roles if r["role"] == Role.EMPLOYEE and r["unit_id"] == unit_pk]
    role = next((r for r in employee_roles if r["valid_from"] == row.start), None) or next(
        (r for r in employee_roles if r["valid_to"] is None), None
    )
    if role is None:
        plan._new_roles.append((pk, unit_pk, row.start, row.end))
    elif (role["valid_from"], role["valid_to"]) != (row.start, row.end):
        plan._role_updates[role["pk"]] = (row.start, row.end)
    for other in roles:
        if other is role:
            continue
        follows_ended = other["role"] == Role.EMPLOYEE and other["unit_id"] in ended_units
        if (follows_ended or leaves) and _runs_past(
            other, row.start - ONE_DAY if follows_ended else row.end
        ):
            last_day = row.start - ONE_DAY if follows_ended else row.end
            plan._role_updates[other["pk"]] = (
                other["valid_from"],
                max(other["valid_from"], last_day),
            )
            if leaves:
                details.append(
                    _("role %(role)s in %(unit)s ends %(date)s")
                    % {
                        "role": Role(other["role"]).label,
                        "unit": register.unit_codes[other["unit_id"]],
                        "date": max(other["valid_from"], last_day),
                    }
                )
    if _write_count(plan) == writes_before:
        plan.unchanged += 1
        return
    if not details:
        details.append(
            _("employee role in %(unit)s from %(start)s") % {"unit": code, "start": row.start}
        )
    target = plan.leaving if update.get("is_active") is False else plan.changed
    target.append(Change(row.line, row.label, details))


def _write_count(plan: Plan) -> int:
    return (
        len(plan._user_updates)
        + len(plan._new_employments)
        + len(plan._employment_updates)
        + len(plan._new_roles)
        + len(plan._role_updates)
    )


def _runs_past(role: dict, last_day: datetime.date) -> bool:
    return role["valid_to"] is None or role["valid_to"] > max(role["valid_from"], last_day)


def _plan_leaver(plan: Plan, register: _Register, pk: int, last_day: datetime.date) -> None:
    """A person of the register absent from a full extract: deactivated, every role and
    employment still running ends on `last_day`."""
    user = register.users[pk]
    plan._user_updates[pk] = {"is_active": False}
    details = [_("absent from the file: leaves, roles end %(date)s") % {"date": last_day}]
    for employment in register.employments.get(pk, []):
        end = employment["end"]
        if end is None or end > max(employment["start"], last_day):
            plan._employment_updates[employment["pk"]] = (
                employment["position_share"],
                max(employment["start"], last_day),
            )
    for role in register.roles.get(pk, []):
        if _runs_past(role, last_day):
            plan._role_updates[role["pk"]] = (role["valid_from"], max(role["valid_from"], last_day))
    plan.leaving.append(Change(None, _name(user), details))


# Writing -------------------------------------------------------------------------------


def lock_register() -> None:
    """Block other writers to people, employments and roles (readers go on) until the
    transaction ends, so the plan checked here is the one written."""
    tables = ", ".join(
        connection.ops.quote_name(model._meta.db_table)
        for model in (User, Employment, RoleAssignment)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")


@transaction.atomic
def people_import(
    *, content: bytes, filename: str, partial: bool = False, expected_digest: str = ""
) -> Plan:
    """Apply an HR people export, all or nothing.

    Raises ImportRejected if the file has problems, and ImportChanged if `expected_digest`
    (the preview's `Plan.digest`) no longer matches because the register changed meanwhile."""
    lock_register()
    plan = plan_people(content, filename, partial=partial)
    if plan.problems:
        raise ImportRejected(plan)
    if expected_digest and not hmac.compare_digest(expected_digest, plan.digest):
        raise ImportChanged(plan)
    with pghistory.context(import_file=filename):
        created = User.objects.bulk_create(
            [User(password=make_password(None), **fields) for fields in plan._new_users],
            batch_size=BATCH_SIZE,
        )
        new_pk = {("new", user.employee_number): user.pk for user in created}
        # bulk_update writes the same columns for every row: group the people by what changes.
        groups: dict[tuple[str, ...], list[User]] = {}
        for pk, fields in plan._user_updates.items():
            groups.setdefault(tuple(sorted(fields)), []).append(User(pk=pk, **fields))
        for names, users in groups.items():
            User.objects.bulk_update(users, list(names), batch_size=BATCH_SIZE)
        if plan._employment_updates:
            Employment.objects.bulk_update(
                [
                    Employment(pk=pk, position_share=share, end=end)
                    for pk, (share, end) in plan._employment_updates.items()
                ],
                ["position_share", "end"],
                batch_size=BATCH_SIZE,
            )
        Employment.objects.bulk_create(
            [
                Employment(
                    person_id=new_pk.get(person, person),
                    unit_id=unit,
                    position_share=share,
                    start=start,
                    end=end,
                )
                for person, unit, share, start, end in plan._new_employments
            ],
            batch_size=BATCH_SIZE,
        )
        # Roles end before new ones open, so "one open role per unit" holds at every step.
        if plan._role_updates:
            RoleAssignment.objects.bulk_update(
                [
                    RoleAssignment(pk=pk, valid_from=start, valid_to=end)
                    for pk, (start, end) in plan._role_updates.items()
                ],
                ["valid_from", "valid_to"],
                batch_size=BATCH_SIZE,
            )
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user_id=new_pk.get(person, person),
                    unit_id=unit,
                    role=Role.EMPLOYEE,
                    valid_from=start,
                    valid_to=end,
                )
                for person, unit, start, end in plan._new_roles
            ],
            batch_size=BATCH_SIZE,
        )
    return plan
