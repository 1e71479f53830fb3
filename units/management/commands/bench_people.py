"""Time the people and role imports at the institution's size, then put everything back.

Builds an HR export of 5,000 people and a file of 8,000 role assignments against the units
in the database (or a generated tree if there are none), and times the dry run and apply of
each, and the second, no-change run. Everything runs inside one transaction that is rolled
back at the end, so the database is left as it was.
"""

import datetime
import tempfile
import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from units import people_import, roles_import
from units.models import Role, RoleAssignment, Unit, UnitType, User

TARGET_SECONDS = 30.0
ROLES = [Role.LINE_MANAGER, Role.SAFETY_REP, Role.HMS_COORDINATOR, Role.CHEMICAL_CONTACT]


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the people and role imports (5,000 people, 8,000 roles); nothing is kept."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=5000)
        parser.add_argument("--roles", type=int, default=8000)

    def handle(self, *args, people: int, roles: int, **options):
        try:
            with transaction.atomic():
                self._run(people, roles)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write("Rolled back: the database is as it was.")

    def _timed(self, label: str, function):
        started = time.perf_counter()
        result = function()
        seconds = time.perf_counter() - started
        self.stdout.write(f"{label:<38} {seconds:7.2f} s  {result.counts()}")
        return seconds

    def _run(self, people: int, roles: int) -> None:
        codes = list(Unit.objects.active().values_list("code", flat=True)[:500])
        if not codes:
            root = Unit.objects.add_root(
                code="BENCH", name_nb="Bench", unit_type=UnitType.INSTITUTION
            )
            for number in range(200):
                Unit.objects.add_child(
                    root, {"code": f"BENCH{number}", "name_nb": f"Enhet {number}"}
                )
            codes = [f"BENCH{number}" for number in range(200)]
        users_before = User.objects.count()
        roles_before = RoleAssignment.objects.count()
        start = datetime.date(2020, 1, 1)
        people_lines = [
            "employee_number;feide_id;first_name;last_name;email;unit_code;position_share;"
            "start_date;end_date"
        ]
        for number in range(people):
            people_lines.append(
                f"B{number:06d};b{number}@bench.example;Navn{number};Etternavn{number};"
                f"b{number}@bench.example;{codes[number % len(codes)]};"
                f"{50 + number % 51};{start + datetime.timedelta(days=number % 900):%d.%m.%Y};"
            )
        role_lines = ["unit_code,role,person,valid_from,valid_to"]
        for number in range(roles):
            role_lines.append(
                f"{codes[(number * 7) % len(codes)]},{ROLES[number % len(ROLES)]},"
                f"B{number % people:06d},2024-0{1 + number // people % 9}-01,"
            )
        with tempfile.TemporaryDirectory() as folder:
            people_file = Path(folder, "people.csv")
            people_file.write_text("\n".join(people_lines) + "\n", encoding="utf-8")
            roles_file = Path(folder, "roles.csv")
            roles_file.write_text("\n".join(role_lines) + "\n", encoding="utf-8")
            people_bytes, roles_bytes = people_file.read_bytes(), roles_file.read_bytes()
        self.stdout.write(f"{people} people, {roles} role assignments, {len(codes)} units")
        self._timed(
            "people: dry run", lambda: people_import.plan_people(people_bytes, partial=True)
        )
        dry_run_wrote = User.objects.count() != users_before
        people_seconds = total = self._timed(
            "people: apply",
            lambda: people_import.people_import(
                content=people_bytes, filename="bench", partial=True
            ),
        )
        self._timed(
            "people: second run (no change)",
            lambda: people_import.people_import(
                content=people_bytes, filename="bench", partial=True
            ),
        )
        self._timed("roles: dry run", lambda: roles_import.plan_roles(roles_bytes))
        roles_dry_wrote = RoleAssignment.objects.count() != roles_before + people
        total += self._timed(
            "roles: apply", lambda: roles_import.roles_import(content=roles_bytes, filename="bench")
        )
        self._timed(
            "roles: second run (no change)",
            lambda: roles_import.roles_import(content=roles_bytes, filename="bench"),
        )
        held = total < TARGET_SECONDS
        roles_seconds = total - people_seconds
        self.stdout.write(
            f"Each apply on its own: people {people_seconds:.2f} s, roles {roles_seconds:.2f} s: "
            + ("held" if max(people_seconds, roles_seconds) < TARGET_SECONDS else "MISSED")
        )
        self.stdout.write(
            f"Apply of both: {total:.2f} s (target < {TARGET_SECONDS:.0f} s): "
            + ("held" if held else "MISSED")
        )
        self.stdout.write(
            "Dry runs wrote nothing: " + ("yes" if not (dry_run_wrote or roles_dry_wrote) else "NO")
        )
