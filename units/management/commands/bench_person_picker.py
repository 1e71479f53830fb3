"""`manage.py bench_person_picker`: how fast the person picker answers at an institution's size.

Builds, inside one transaction that is rolled back afterwards, a tree of --units units and
--people active people (plus a tenth as many inactive ones), each with an employee role on a
unit, then asks the picker's endpoint through django.test.Client as a logged-in user for the
kinds of text people type (a first-name prefix, a surname, a part of an e-mail, a unit code,
a first name and a unit). Prints median and p95 per query, the SQL of the search alone, the
query count, and whether the target (< 100 ms) holds. Not a test: it prints figures.
"""

import random
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from units.management.commands.bench_tree import build_tree
from units.models import Role, RoleAssignment, Unit

TARGET_MS = 100.0
BATCH = 5000
FIRST_NAMES = [
    "Ola",
    "Kari",
    "Per",
    "Anne",
    "Lars",
    "Ingrid",
    "Nils",
    "Marit",
    "Jon",
    "Silje",
    "Erik",
    "Hanne",
    "Knut",
    "Tone",
    "Arne",
    "Liv",
    "Bjørn",
    "Sigrid",
    "Geir",
    "Randi",
    "Tor",
    "Eva",
    "Øystein",
    "Åse",
    "Håkon",
    "Mari",
    "Sindre",
    "Ida",
    "Vegard",
    "Nora",
    "Magnus",
    "Thea",
    "Espen",
    "Hilde",
    "Trond",
    "Berit",
    "Jørgen",
    "Solveig",
    "Even",
    "Ragnhild",
]
LAST_NAMES = [
    "Hansen",
    "Johansen",
    "Olsen",
    "Larsen",
    "Andersen",
    "Pedersen",
    "Nilsen",
    "Kristiansen",
    "Jensen",
    "Karlsen",
    "Johnsen",
    "Pettersen",
    "Eriksen",
    "Berg",
    "Haugen",
    "Hagen",
    "Johannessen",
    "Andreassen",
    "Jacobsen",
    "Dahl",
    "Jørgensen",
    "Halvorsen",
    "Henriksen",
    "Lund",
    "Sørensen",
    "Jakobsen",
    "Moen",
    "Gundersen",
    "Iversen",
    "Strand",
    "Solberg",
    "Svendsen",
    "Eide",
    "Knutsen",
    "Martinsen",
    "Paulsen",
    "Bakken",
    "Kristoffersen",
    "Mathisen",
    "Lie",
    "Amundsen",
    "Nguyen",
    "Rasmussen",
    "Ali",
    "Lunde",
    "Solheim",
    "Berge",
    "Moe",
    "Nygård",
    "Bakke",
]


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the person picker's search at --people people (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=50_000)
        parser.add_argument("--units", type=int, default=2_000)
        parser.add_argument("--repeat", type=int, default=25)
        parser.add_argument("--force", action="store_true", help="run even with DEBUG off")

    def handle(self, *args, people: int, units: int, repeat: int, force: bool, **kwargs):
        if not settings.DEBUG and not force:
            raise CommandError("This creates (and rolls back) test people; use --force.")
        try:
            with transaction.atomic():
                self._run(people, units, repeat)
                raise Rollback
        except Rollback:
            self.stdout.write("Rolled back: nothing was left in the database.")

    def _run(self, people: int, units: int, repeat: int) -> None:
        started = time.perf_counter()
        tree = build_tree(units, 5, 0)
        unit_list = list(Unit.objects.filter(path__startswith=tree.root.path))
        User = get_user_model()
        rng = random.Random(7)
        password = make_password(None)
        rows = []
        for number in range(people + people // 10):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            rows.append(
                User(
                    username=f"bench-picker-{number}",
                    first_name=first,
                    last_name=last,
                    email=f"{first}.{last}{number}@bench.example".lower(),
                    password=password,
                    is_active=number < people,
                )
            )
        users = User.objects.bulk_create(rows, batch_size=BATCH)
        today = timezone.localdate()
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(
                    user=user, unit=rng.choice(unit_list), role=Role.EMPLOYEE, valid_from=today
                )
                for user in users
            ],
            batch_size=BATCH,
        )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE units_user; ANALYZE units_roleassignment; ANALYZE units_unit")
        built = time.perf_counter() - started
        self.stdout.write(
            f"Built {len(unit_list):,} units, {people:,} active and {people // 10:,} inactive "
            f"people with roles in {built:.1f} s."
        )
        sample_unit = unit_list[len(unit_list) // 2]
        queries = {
            "first-name prefix 'ing'": "ing",
            "surname 'Solberg'": "Solberg",
            "e-mail part 'kari.hansen1'": "kari.hansen1",
            f"unit code '{sample_unit.code}'": sample_unit.code,
            f"name and unit 'Kari {sample_unit.code}'": f"Kari {sample_unit.code}",
            "no match 'zzqx'": "zzqx",
        }
        viewer = users[0]
        client = Client()
        client.force_login(viewer)
        url = reverse("units:person_pick")
        self.stdout.write(
            f"\n{'query':42} {'median ms':>10} {'p95 ms':>8} {'SQL ms':>8} {'queries':>8}"
        )
        worst = 0.0
        with override_settings(DEBUG=False, ALLOWED_HOSTS=["testserver"]):
            for label, text in queries.items():
                client.get(url, {"q": text})  # warm the plan and the cache of the session
                times = []
                for _ in range(repeat):
                    begin = time.perf_counter()
                    response = client.get(url, {"q": text})
                    times.append((time.perf_counter() - begin) * 1000)
                    assert response.status_code == 200
                with CaptureQueriesContext(connection) as captured:
                    client.get(url, {"q": text})
                search_sql = max(captured.captured_queries, key=lambda q: float(q["time"]))
                sql_times = []
                with connection.cursor() as cursor:
                    for _ in range(5):
                        begin = time.perf_counter()
                        cursor.execute(search_sql["sql"])
                        cursor.fetchall()
                        sql_times.append((time.perf_counter() - begin) * 1000)
                median = statistics.median(times)
                p95 = sorted(times)[max(0, int(len(times) * 0.95) - 1)]
                worst = max(worst, p95)
                self.stdout.write(
                    f"{label:42} {median:10.1f} {p95:8.1f} {statistics.median(sql_times):8.1f}"
                    f" {len(captured.captured_queries):8}"
                )
        verdict = "holds" if worst < TARGET_MS else "MISSED"
        self.stdout.write(
            f"\nTarget: every p95 under {TARGET_MS:.0f} ms: {verdict} (worst {worst:.1f} ms)."
        )
