"""`manage.py bench_cycle`: the server time and query count of the cycle page, as the HSE
department (`hms`) and a line manager (`leder`) see it, on the demo organisation
(`seed_demo`; this command seeds nothing). Run it with DEBUG off for figures that mean
something: DEBUG keeps every query and renders templates without their cache.

Each user's page is rendered once to warm up, then N times (--runs, default 20) through the
test client in this process, so the time is the server's alone: the view, its queries and the
templates, no network. Prints median and p95 (ms), the median CPU time of this process (what
the page costs in Python, the part a busy machine disturbs least) and the query count per
user. Not a test: it prints figures, and writes nothing but what opening the page writes (the
year's cycle)."""

import statistics
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone

from units.models import RoleAssignment

TARGET_MS = 150
USERS = ("hms", "leder")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Median and p95 server time and query count of the cycle page for hms and leder."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument(
            "--unit", default="", help="Unit code; default: the unit leder manages."
        )
        parser.add_argument("--year", type=int, default=0, help="Default: this year.")
        parser.add_argument(
            "--collectstatic",
            action="store_true",
            dest="collect",
            help="Collect the static files again (done anyway when there is no manifest).",
        )

    def handle(self, *args, runs: int, unit: str, year: int, collect: bool, **options):
        if runs < 1:
            raise CommandError("--runs must be at least 1.")
        users = {
            user.username: user for user in get_user_model().objects.filter(username__in=USERS)
        }
        missing = [name for name in USERS if name not in users]
        if missing:
            raise CommandError(f"No user {', '.join(missing)}: run `manage.py seed_demo` first.")
        code = unit or self._unit_of(users["leder"])
        url = reverse("cycle:cycle", args=[code, year or timezone.localdate().year])
        if settings.DEBUG:
            self.stderr.write("DEBUG is on: the figures are slower than production's.")
        manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
        if not settings.DEBUG and (collect or not manifest.exists()):
            # DEBUG off serves static files through the manifest: collect them first.
            call_command("collectstatic", interactive=False, verbosity=0)
        self.stdout.write(f"{url}, {runs} runs each")
        failed = False
        # The sessions made here carry no second factor; its check is one flag on the request.
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts, HMS_REQUIRE_2FA=False):
            for name in USERS:
                median, p95, cpu, queries = self._bench(users[name], url, runs)
                slow = median >= TARGET_MS
                failed |= slow
                self.stdout.write(
                    f"{name:8} median {median:7.1f} ms  p95 {p95:7.1f} ms  "
                    f"(Python's CPU {cpu:5.1f} ms)  {queries:3} queries"
                    + ("  (over the target)" if slow else "")
                )
        self.stdout.write(f"target: median under {TARGET_MS} ms for each user")
        if failed:
            raise CommandError("The cycle page is over the target.")

    def _unit_of(self, user) -> str:
        role = (
            RoleAssignment.objects.current()
            .filter(user=user, role="line_manager")
            .select_related("unit")
            .order_by("unit__path")
            .first()
        )
        if role is None:
            raise CommandError("leder manages no unit: give --unit.")
        return role.unit.code

    def _bench(self, user, url: str, runs: int) -> tuple[float, float, float, int]:
        client = Client()
        client.force_login(user)
        response = client.get(url, secure=True)  # warm up; opens the year's cycle if it is not yet
        if response.status_code != 200:
            raise CommandError(f"{user.username} got {response.status_code} on {url}.")
        times, cpu = [], []
        for _run in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            client.get(url, secure=True)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, secure=True)
        return (
            statistics.median(times),
            percentile(times, 0.95),
            statistics.median(cpu),
            len(queries.captured_queries),
        )
