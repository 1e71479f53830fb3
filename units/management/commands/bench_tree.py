"""`manage.py bench_tree`: how the unit tree and its pages scale, in figures.

Builds a synthetic organisation (one root, about --units units, --depth levels, a few hundred
role assignments) inside one transaction, measures, and rolls everything back: nothing is left
in the database. It measures

- the subtree query of the materialised path (treebeard, `Unit.objects.subtree_of`) against the
  recursive CTE over an adjacency list that django-tree-queries relies on (a TEMP table
  `bench_adjacency(id, parent_id)` built from the paths), both seeded at the unit and in the
  exact shape `TreeQuerySet.descendants()` issues (recursion from every root, filtered on the
  path array);
- the record scope `access.units_covered(user).count()` of a faculty's line manager;
- the unit pages through django.test.Client, with their query counts on a 100-unit tree and on
  the full tree side by side: a page whose count grows with the tree is flagged with the
  queries that grew.

Not a test: it prints figures. It creates users, so it refuses to run with DEBUG off unless
--force is given.
"""

import datetime
import math
import random
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from units import access
from units.models import Role, RoleAssignment, Unit, UnitType

SMALL_TREE = 100
FACULTIES = 10  # the root's fan-out: a faculty's subtree is about a tenth of the tree
BATCH = 1000
TREE_PAGE_TARGET_MS = 200.0

# (name_nb, name_en, unit type) by depth; deeper levels reuse the last entry.
LEVELS = [
    ("Universitetet", "The University", UnitType.INSTITUTION),
    ("Fakultet", "Faculty", UnitType.FACULTY),
    ("Institutt", "Department", UnitType.DEPARTMENT),
    ("Seksjon", "Section", UnitType.SECTION),
    ("Gruppe", "Group", UnitType.RESEARCH_GROUP),
    ("Laboratorium", "Laboratory", UnitType.LABORATORY),
    ("Enhet", "Unit", UnitType.OTHER),
]
SEARCH_TEXT = "Gruppe 1"  # matches at both tree sizes; at 10,000 units more than the 100 shown

CODE_PREFIX = "BENCH-"


# The adjacency list django-tree-queries works on, derived from the materialised paths.
ADJACENCY_SQL = """
CREATE TEMP TABLE bench_adjacency ON COMMIT DROP AS
SELECT child.id, parent.id AS parent_id
FROM units_unit child LEFT JOIN units_unit parent ON parent.path = left(child.path, -%s)
"""

MP_COUNT = "SELECT count(*) FROM units_unit WHERE path LIKE %s"
MP_IDS = "SELECT id FROM units_unit WHERE path LIKE %s"

# A recursive CTE seeded at the unit itself: the best an adjacency list can do.
CTE_COUNT = """
WITH RECURSIVE subtree(id) AS (
    SELECT id FROM bench_adjacency WHERE id = %s
    UNION ALL
    SELECT a.id FROM bench_adjacency a JOIN subtree ON a.parent_id = subtree.id
)
SELECT count(*) FROM subtree
"""
CTE_IDS = CTE_COUNT.replace("SELECT count(*) FROM subtree", "SELECT id FROM subtree")

# What django-tree-queries issues for `descendants(of, include_self=True)` on PostgreSQL (its
# compiler's CTE, integer sibling ordering): the recursion starts at every root and carries
# the path as an array, and the subtree is then filtered out of the whole tree.
TREE_QUERIES_COUNT = """
WITH RECURSIVE __tree ("tree_depth", "tree_path", "tree_ordering", "tree_pk") AS (
    SELECT 0, array[T.id], array[T.id], T.id
    FROM bench_adjacency T WHERE T.parent_id IS NULL
    UNION ALL
    SELECT __tree.tree_depth + 1, __tree.tree_path || T.id, __tree.tree_ordering || T.id, T.id
    FROM bench_adjacency T JOIN __tree ON T.parent_id = __tree.tree_pk
)
SELECT count(*) FROM units_unit, __tree
WHERE __tree.tree_pk = units_unit.id AND %s = ANY(__tree.tree_path)
"""
TREE_QUERIES_IDS = TREE_QUERIES_COUNT.replace(
    "SELECT count(*) FROM units_unit, __tree",
    "SELECT units_unit.id FROM units_unit, __tree",
).replace("ANY(__tree.tree_path)", "ANY(__tree.tree_path) ORDER BY __tree.tree_ordering")


class _Rollback(Exception):
    """Raised to leave the benchmark's transaction without committing anything."""


@dataclass
class Sample:
    median: float
    p95: float

    def __str__(self) -> str:
        return f"{self.median:7.2f} /{self.p95:7.2f}"


@dataclass
class BenchTree:
    size: int
    root: Unit
    faculty: Unit  # depth 2
    deep: Unit  # depth 5 (or the deepest level if the tree is shallower)
    administrator: object
    plain: object
    line_manager: object
    role_count: int
    level_sizes: list[int] = field(default_factory=list)


@dataclass
class PageResult:
    queries: int
    timing: Sample
    sql: list[str]


def measure(run: Callable[[], object], repeat: int) -> Sample:
    run()  # warm-up: caches, prepared plans, the first session load
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return Sample(statistics.median(samples), samples[math.ceil(0.95 * len(samples)) - 1])


def level_sizes(units: int, depth: int) -> list[int]:
    """Units per depth: one root, up to FACULTIES faculties, then geometric growth so the tree
    reaches `depth` with exactly `units` units."""
    if depth == 1:
        return [1]
    top = max(1, min(FACULTIES, units - 1 - (depth - 2)))
    rest = units - 1 - top
    if depth == 2:
        return [1, units - 1]
    levels = depth - 2  # levels below the faculties

    def total(ratio: float) -> float:
        return sum(top * ratio**k for k in range(1, levels + 1))

    low, high = 0.0, float(units)
    for _ in range(100):
        middle = (low + high) / 2
        low, high = (middle, high) if total(middle) < rest else (low, middle)
    sizes = [1, top] + [max(1, round(top * low**k)) for k in range(1, levels)]
    sizes.append(units - sum(sizes))
    if sizes[-1] < 1:
        raise CommandError(f"Cannot build {units} units with depth {depth}.")
    return sizes


def build_tree(units: int, depth: int, role_count: int) -> BenchTree:
    """Bulk-insert a tree with materialised paths computed here, as treebeard would store them,
    plus users and role assignments: a handful of queries per thousand units."""
    User = get_user_model()
    last_root = Unit.objects.filter(depth=1).order_by("-path").first()
    root_step = Unit._str2int(last_root.path[-Unit.steplen :]) + 1 if last_root else 1
    sizes = level_sizes(units, depth)
    serial = Unit.objects.filter(code__startswith=CODE_PREFIX).count()

    def new_unit(path: str, level: int, number: int) -> Unit:
        nonlocal serial
        serial += 1
        name_nb, name_en, unit_type = LEVELS[min(level, len(LEVELS)) - 1]
        suffix = f" {number}" if level > 1 else ""
        return Unit(
            path=path,
            depth=level,
            numchild=0,
            code=f"{CODE_PREFIX}{serial}",
            name_nb=name_nb + suffix,
            name_en=name_en + suffix,
            unit_type=unit_type,
        )

    # Plan the whole tree first, so each parent's numchild is known before it is inserted.
    parents = [new_unit(Unit._get_path("", 1, root_step), 1, 1)]
    planned = list(parents)
    for level, count in enumerate(sizes[1:], start=2):
        share, extra = divmod(count, len(parents))
        made: list[Unit] = []
        for index, parent in enumerate(parents):
            parent.numchild = share + (1 if index < extra else 0)
            for step in range(1, parent.numchild + 1):
                made.append(
                    new_unit(Unit._get_path(parent.path, level, step), level, len(made) + 1)
                )
        planned += made
        parents = made
    Unit.objects.bulk_create(planned, batch_size=BATCH)

    root = planned[0]
    faculty = planned[1]
    deep = next(
        unit
        for unit in planned
        if unit.depth == min(5, depth) and unit.path.startswith(faculty.path)
    )

    # Roles: line manager and safety rep on the deep unit's ancestors and on every unit down to
    # depth 3, the rest spread at random; five ended ones on the deep unit (the administrator's
    # "earlier role holders" list).
    on_path = {*deep.ancestor_paths(), deep.path}
    heads = [u.pk for u in planned if u.path in on_path]
    heads += [u.pk for u in planned if u.depth <= 3 and u.path not in on_path]
    role_count = max(role_count, 2 * len(heads) + 10)

    # Users: bulk-created, unusable passwords (nobody can log in with them).
    password = make_password(None)
    stamp = f"{units}-{root_step}"
    users = User.objects.bulk_create(
        [
            User(
                username=f"bench-{stamp}-{number}",
                first_name=f"Person{number}",
                last_name=f"Etternavn{number % 97}",
                email=f"bench-{stamp}-{number}@example.org",
                password=password,
                is_staff=number == role_count,
                is_superuser=number == role_count,
            )
            for number in range(role_count + 3)
        ],
        batch_size=BATCH,
    )
    administrator, plain, line_manager = users[role_count:]

    rng = random.Random(units)
    targets = [(pk, role) for pk in heads for role in (Role.LINE_MANAGER, Role.SAFETY_REP)]
    while len(targets) < role_count - 5:
        targets.append((rng.choice(planned).pk, rng.choice(Role.values)))
    today = timezone.localdate()
    assignments = [
        RoleAssignment(user=user, unit_id=unit_pk, role=role, valid_from=today)
        for user, (unit_pk, role) in zip(users[: role_count - 5], targets, strict=False)
    ]
    assignments += [
        RoleAssignment(
            user=user,
            unit=deep,
            role=rng.choice(Role.values),
            valid_from=today - datetime.timedelta(days=700),
            valid_to=today - datetime.timedelta(days=300),
        )
        for user in users[role_count - 5 : role_count]
    ]
    assignments += [
        RoleAssignment(user=plain, unit=deep, role=Role.EMPLOYEE, valid_from=today),
        RoleAssignment(user=line_manager, unit=faculty, role=Role.LINE_MANAGER, valid_from=today),
    ]
    RoleAssignment.objects.bulk_create(assignments, batch_size=BATCH)

    with connection.cursor() as cursor:
        # Fresh statistics, as autovacuum would have them in a running system. ANALYZE sees
        # this transaction's own rows. The column statistics roll back with everything else;
        # only the row estimate in pg_class stays (written in place) until the next ANALYZE.
        for model in (Unit, RoleAssignment, User):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return BenchTree(
        size=units,
        root=root,
        faculty=faculty,
        deep=deep,
        administrator=administrator,
        plain=plain,
        line_manager=line_manager,
        role_count=len(assignments),
        level_sizes=sizes,
    )


def _normalise(sql: str) -> str:
    sql = re.sub(r"'[^']*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    return re.sub(r"IN \(\?(, \?)*\)", "IN (...)", sql)


class Command(BaseCommand):
    help = (
        "Benchmark the unit tree: subtree queries (materialised path vs recursive CTE) and the "
        "unit pages with their query counts. Everything is rolled back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--units", type=int, default=10_000)
        parser.add_argument("--depth", type=int, default=6)
        parser.add_argument("--repeat", type=int, default=50)
        parser.add_argument("--roles", type=int, default=300, help="role assignments")
        parser.add_argument(
            "--force", action="store_true", help="run even with DEBUG off (rolls back anyway)"
        )

    def handle(self, *args, units: int, depth: int, repeat: int, roles: int, force: bool, **kw):
        if not settings.DEBUG and not force:
            raise CommandError(
                "bench_tree creates thousands of rows (rolled back at the end) and users; it "
                "runs only with DEBUG on, or with --force."
            )
        if units < depth or depth < 2 or repeat < 1 or roles < 10:
            raise CommandError("Need --units >= --depth >= 2, --repeat >= 1 and --roles >= 10.")
        self.repeat = repeat
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        try:
            with override_settings(ALLOWED_HOSTS=hosts), transaction.atomic():
                self.run(units, depth, roles)
                raise _Rollback
        except _Rollback:
            pass
        self.stdout.write("Rolled back: nothing was kept.")

    def run(self, units: int, depth: int, roles: int) -> None:
        self.stdout.write(
            f"bench_tree: {units} units, depth {depth}, {roles} role assignments, "
            f"repeat {self.repeat}; PostgreSQL {connection.pg_version // 10000}, "
            f"DEBUG={settings.DEBUG}. Times in ms as median / p95."
        )
        sizes = sorted({min(SMALL_TREE, units), units})
        pages: dict[int, dict[str, PageResult]] = {}
        for size in sizes:
            with transaction.atomic():  # a savepoint: the small tree goes before the big one
                started = time.perf_counter()
                bench = build_tree(size, depth, max(10, roles * size // units))
                built = time.perf_counter() - started
                self.stdout.write(
                    f"\nTree of {size} units built in {built:.1f} s: units per depth "
                    f"{bench.level_sizes}, {bench.role_count} role assignments; "
                    f"faculty {bench.faculty.code} has {bench.faculty.numchild} children."
                )
                if size == units:
                    self.subtree_queries(bench)
                pages[size] = self.page_timings(bench)
                if size != units:
                    transaction.set_rollback(True)
        self.report_pages(pages, sizes)

    # -- subtree queries ---------------------------------------------------------------------

    def subtree_queries(self, bench: BenchTree) -> None:
        if Unit._meta.db_table != "units_unit":
            raise CommandError("The SQL below names the table units_unit.")
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(ADJACENCY_SQL, [Unit.steplen])
            cursor.execute("ALTER TABLE bench_adjacency ADD PRIMARY KEY (id)")
            cursor.execute("CREATE INDEX bench_adjacency_parent ON bench_adjacency (parent_id)")
            cursor.execute("ANALYZE bench_adjacency")
            self.stdout.write(
                f"TEMP table bench_adjacency(id, parent_id) built from the paths in "
                f"{time.perf_counter() - started:.2f} s."
            )

        def sql(query: str, params: list) -> Callable[[], list]:
            def run() -> list:
                with connection.cursor() as cursor:
                    cursor.execute(query, params)
                    return cursor.fetchall()

            return run

        rows = []
        for label, unit in (
            ("faculty (depth 2)", bench.faculty),
            ("root (whole tree)", bench.root),
        ):
            like = [unit.path + "%"]  # paths hold only letters and digits
            subtree = Unit.objects.subtree_of(unit)
            count = subtree.count()
            variants = {
                "count": [
                    lambda subtree=subtree: subtree.count(),
                    sql(MP_COUNT, like),
                    sql(CTE_COUNT, [unit.pk]),
                    sql(TREE_QUERIES_COUNT, [unit.pk]),
                ],
                "ids": [
                    lambda subtree=subtree: list(subtree.order_by().values_list("id", flat=True)),
                    sql(MP_IDS, like),
                    sql(CTE_IDS, [unit.pk]),
                    sql(TREE_QUERIES_IDS, [unit.pk]),
                ],
            }
            for what, runs in variants.items():
                results = [run() for run in runs]
                found = {
                    r if isinstance(r, int) else (r[0][0] if what == "count" else len(r))
                    for r in results
                }
                if found != {count}:
                    raise CommandError(f"Subtree sizes disagree for {label} {what}: {found}")
                rows.append((label, what, count, [measure(run, self.repeat) for run in runs]))

        self.stdout.write("\nSubtree of a unit (ms, median / p95)")
        header = ["MP: ORM subtree_of", "MP: raw LIKE", "CTE from the unit", "tree-queries CTE"]
        self.stdout.write(f"{'':18} {'':5} {'units':>6}  " + "  ".join(f"{h:>18}" for h in header))
        for label, what, count, samples in rows:
            self.stdout.write(
                f"{label:18} {what:5} {count:6}  " + "  ".join(f"{str(s):>18}" for s in samples)
            )

        access.forget_roles(bench.line_manager)
        covered = access.units_covered(bench.line_manager).count()

        def scope() -> int:
            access.forget_roles(bench.line_manager)  # a new request: roles are read again
            return access.units_covered(bench.line_manager).count()

        self.stdout.write(
            f"\nRecord scope: access.units_covered(line manager of a faculty).count() = "
            f"{covered} units, 2 queries (roles + count): {measure(scope, self.repeat)} ms"
        )

    # -- pages -------------------------------------------------------------------------------

    def page_timings(self, bench: BenchTree) -> dict[str, PageResult]:
        pages = {
            "tree": (reverse("units:tree"), {}),
            "search": (reverse("units:tree") + "?q=" + SEARCH_TEXT.replace(" ", "+"), {}),
            "unit (depth 5)": (reverse("units:detail", args=[bench.deep.code]), {}),
            "children (faculty)": (
                reverse("units:children", args=[bench.faculty.code]),
                {"HX-Request": "true"},
            ),
        }
        # Something each page must show, so a fast error page is not timed as a success.
        first_child = Unit.objects.filter(path=Unit._get_path(bench.faculty.path, 3, 1)).get()
        checks = {
            "tree": f"{bench.faculty.name_nb}</a>",
            "search": 'class="trail"',
            "unit (depth 5)": f"{bench.deep.name_nb} <span",
            "children (faculty)": f"{first_child.name_nb}</a>",
        }
        edit_link = reverse("units:edit", args=[bench.deep.code])
        results: dict[str, PageResult] = {}
        for who, user in (("plain", bench.plain), ("admin", bench.administrator)):
            client = Client()
            client.force_login(user)
            for name, (url, headers) in pages.items():

                def get(url=url, headers=headers, client=client, who=who):
                    response = client.get(url, headers=headers)
                    if response.status_code != 200:
                        raise CommandError(f"GET {url} as {who}: {response.status_code}")
                    return response

                get()  # warm-up: per-process caches (content types, translations) fill here
                with CaptureQueriesContext(connection) as captured:
                    content = get().content.decode()
                if checks[name] not in content:
                    raise CommandError(f"GET {url} as {who}: {checks[name]!r} not on the page")
                if name.startswith("unit") and (edit_link in content) != (who == "admin"):
                    raise CommandError(f"GET {url} as {who}: the edit link is wrong")
                results[f"{name} [{who}]"] = PageResult(
                    queries=len(captured.captured_queries),
                    timing=measure(get, self.repeat),
                    sql=[query["sql"] for query in captured.captured_queries],
                )
        return results

    def report_pages(self, pages: dict[int, dict[str, PageResult]], sizes: list[int]) -> None:
        small, big = sizes[0], sizes[-1]
        self.stdout.write("\nPages through django.test.Client (ms, median / p95)")
        self.stdout.write(
            f"{'page [user]':30} {f'queries@{small}':>12} {f'queries@{big}':>14}"
            f"  {f'ms@{small}':>17}  {f'ms@{big}':>17}"
        )
        grown = []
        for name, at_big in pages[big].items():
            at_small = pages[small][name]
            flag = ""
            if at_big.queries != at_small.queries:
                flag = "  GROWS" if at_big.queries > at_small.queries else "  differs"
            if flag:
                grown.append((name, at_small, at_big))
            self.stdout.write(
                f"{name:30} {at_small.queries:12} {at_big.queries:14}"
                f"  {str(at_small.timing):>17}  {str(at_big.timing):>17}{flag}"
            )
        tree_ms = max(pages[big][f"tree [{who}]"].timing.median for who in ("plain", "admin"))
        verdict = "met" if tree_ms < TREE_PAGE_TARGET_MS else "MISSED"
        self.stdout.write(
            f"\nTree page at {big} units: {tree_ms:.1f} ms median, target "
            f"< {TREE_PAGE_TARGET_MS:.0f} ms {verdict}."
        )
        if not grown:
            self.stdout.write(f"No page's query count changes from {small} to {big} units.")
        for name, at_small, at_big in grown:
            before = Counter(map(_normalise, at_small.sql))
            after = Counter(map(_normalise, at_big.sql))
            self.stdout.write(f"\n{name}: queries that differ from {small} to {big} units:")
            for sign, change in (("+", after - before), ("-", before - after)):
                for query, times in change.most_common(5):
                    self.stdout.write(f"  {sign}{times} x {query[:300]}")
