"""`manage.py bench_scale`: the list pages, deep pages, query counts, concurrent reporters and
reports on the big sector (hms/sector.py, `build_sector`), over HTTP on gunicorn with DEBUG
off. `make bench-scale` builds or reuses the sector first.

For the HSE department, a dean and a line manager (sector.BENCH_USERS) it starts gunicorn
against this database with DEBUG off, logs in by a session made here, and prints per page:

- median and p95 over HTTP (ms);
- the SQL floor: the page's own SELECTs, captured in this process and run again directly on
  the database (median, ms), and the ratio page / floor (target <= 2);
- for the list pages, a default admin changelist (a plain ModelAdmin over the same rows the
  user may see: its ChangeList and the cells of its page, built in this process) and how
  many times faster the page is (target >= 5);
- the query count here and, with --small-database, on the small sector (target: equal).

Then page 1,000 and the last page of the deviation list against page 1 (target <= 1.2), the
health check's p95 while 20 reporters submit the report form at once against its p95 alone
(target <= 2, no errors, no lost report), and `bench_reports` (cold and warm, real peak RSS,
against WeasyPrint's own layout).

Not a test: it prints figures. It writes login sessions and the reporters' deviations."""

import json
import math
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from http.client import HTTPConnection
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from actionplans.models import Measure
from deviations.management.commands.bench_deviations import DEEP_PAGE, page_cursor
from deviations.models import Category, Deviation
from deviations.views.lists import PAGE_SIZE
from hms import sector
from risk.models import RiskAssessment
from units.keyset import LAST
from units.models import Role, Unit

TARGET_FLOOR_RATIO = 2.0
TARGET_ADMIN_SPEEDUP = 5.0
TARGET_DEEP_RATIO = 1.2
TARGET_HEALTH_RATIO = 2.0
REPORTERS = 20


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on this database with DEBUG off, on a free local port."""

    def __init__(self, workers: int):
        self.port = free_port()
        env = dict(os.environ)
        env.update(
            DEBUG="0",
            SECRET_KEY=settings.SECRET_KEY,  # the sessions made here must be valid there
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            HMS_REQUIRE_2FA="0",
            WEB_CONCURRENCY=str(workers),
        )
        # DEBUG off serves static files through the manifest: collect them first.
        subprocess.run(
            [sys.executable, str(settings.BASE_DIR / "manage.py"), "collectstatic", "--noinput"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        self.process = subprocess.Popen(
            [
                str(settings.BASE_DIR / ".venv/bin/gunicorn"),
                "-c",
                str(settings.BASE_DIR / "hms/gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--access-logfile",
                "/dev/null",
                "hms.wsgi:application",
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                status, _ = self.get("/healthz")
                if status == 200:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise CommandError(f"gunicorn failed:\n{self.process.stderr.read().decode()}")
            time.sleep(0.5)
        self.stop()
        raise CommandError("gunicorn did not answer /healthz within 2 minutes")

    def get(self, path, cookie="", conn=None):
        own = conn is None
        conn = conn or HTTPConnection("127.0.0.1", self.port, timeout=300)
        try:
            conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            if own:
                conn.close()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def plain_admin(model, queryset):
    """A default ModelAdmin of the model whose rows are `queryset` (what the user may see)."""

    class PlainAdmin(admin.ModelAdmin):
        def get_queryset(self, request):
            return queryset

        def has_view_permission(self, request, obj=None):
            return True

    return PlainAdmin(model, admin.site)


class Command(BaseCommand):
    help = "Benchmark the list pages, deep pages, reporters and reports on the big sector."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--small-database",
            default="",
            help="database URL of the small sector, for the query counts at two sizes",
        )
        parser.add_argument("--counts", action="store_true", help="print query counts as JSON")
        parser.add_argument("--no-reports", action="store_true")

    def handle(self, *args, repeat, workers, small_database, counts, no_reports, **options):
        self.users = self.bench_users()
        if counts:
            self.stdout.write(json.dumps(self.query_counts()))
            return
        self.repeat = repeat
        total = Deviation.objects.count()
        self.stdout.write(
            f"bench_scale: {Unit.objects.count():,} units, {get_user_model().objects.count():,} "
            f"people, {total:,} deviations, {Measure.objects.count():,} measures, "
            f"{RiskAssessment.objects.count():,} risk assessments; PostgreSQL "
            f"{connection.pg_version // 10000}; {os.cpu_count()} CPUs; gunicorn, "
            f"{workers} workers, DEBUG off; times in ms, repeat {repeat}."
        )
        small = self.small_counts(small_database) if small_database else {}
        large = self.query_counts()
        server = Server(workers)
        try:
            self.pages(server, large, small)
            self.deep_pages(server)
            self.reporters(server)
        finally:
            server.stop()
        if not no_reports:
            self.stdout.write("")
            call_command("bench_reports", stdout=self.stdout, stderr=self.stderr)

    # -- who and what ------------------------------------------------------------------

    def bench_users(self):
        User = get_user_model()
        found = {
            u.username: u for u in User.objects.filter(username__in=sector.BENCH_USERS.values())
        }
        if len(found) != len(sector.BENCH_USERS):
            raise CommandError("No sector here: run `manage.py build_sector` first.")
        return {role: found[name] for role, name in sector.BENCH_USERS.items()}

    def unit_of(self, role):
        if role == "hse":
            return Unit.objects.filter(depth=1).order_by("path").first().code
        return {"dean": "SX01", "leader": "SX01-01"}[role]

    def page_list(self, role):
        year = timezone.localdate().year
        unit = self.unit_of(role)
        category = Category.objects.filter(code="chemical_biological").first()
        filtered = urlencode(
            {
                "category": category.code if category else "",
                "severity": "serious",
                "occurred_from": f"{year - 4}-01-01",
                "occurred_to": f"{year - 1}-12-31",
                "unit": "SX01-01" if role != "hse" else "SX01",
            }
        )
        return [
            ("deviations", "/deviations/", Deviation),
            ("filtered deviations", f"/deviations/?{filtered}", None),
            ("action plan", f"/actionplans/{unit}/", Measure),
            ("risk list", "/risk/", RiskAssessment),
            ("trends", "/deviations/trends/", None),
            ("start page", "/", None),
            ("cycle overview", "/cycle/overview/", None),
            ("people search", "/people/?q=hansen", get_user_model()),
        ]

    def cookie(self, user) -> str:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )

    def in_process(self, user, path):
        """The page's status and SELECTs, rendered in this process."""
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        hosts = [*settings.ALLOWED_HOSTS, "testserver"]
        with override_settings(ALLOWED_HOSTS=hosts, HMS_REQUIRE_2FA=False):
            client.get(path)  # warm-up: the first session load
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path)
        selects = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("SELECT")]
        return response.status_code, len(queries), selects

    def query_counts(self):
        return {
            role: {name: self.in_process(user, path)[1] for name, path, _ in self.page_list(role)}
            for role, user in self.users.items()
        }

    def small_counts(self, url):
        env = dict(os.environ, DATABASE_URL=url, DEBUG="1")
        manage = str(settings.BASE_DIR / "manage.py")
        done = subprocess.run(
            [sys.executable, manage, "bench_scale", "--counts"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise CommandError(f"counting on the small sector failed:\n{done.stderr[-2000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])

    # -- measuring ---------------------------------------------------------------------

    def timed(self, run) -> list[float]:
        run()
        samples = []
        for _ in range(self.repeat):
            started = time.perf_counter()
            run()
            samples.append((time.perf_counter() - started) * 1000)
        return samples

    def http(self, server, path, cookie):
        """Status, body and times of one page (a new connection each time: gunicorn's sync
        workers close it after each response)."""
        status, body = server.get(path, cookie)

        def run():
            got, _ = server.get(path, cookie)
            if got != status:
                raise CommandError(f"{path}: {got} after {status}")

        return status, body, self.timed(run)

    def floor(self, selects) -> float:
        def run():
            with connection.cursor() as cursor:
                for sql in selects:
                    cursor.execute(sql)
                    cursor.fetchall()

        return statistics.median(self.timed(run))

    def admin_time(self, model, user) -> float | None:
        if model is None:
            return None
        if model is get_user_model():
            queryset = model.objects.filter(is_active=True).search("hansen")
        else:
            queryset = model.objects.visible_to(user)
        model_admin = plain_admin(model, queryset)
        request = RequestFactory().get("/admin/")
        request.user = user

        def run():
            # What the changelist view does before its template: the ChangeList (the count of
            # the filtered and of all rows, the page by OFFSET) and every cell of its rows.
            changelist = model_admin.get_changelist_instance(request)
            changelist.formset = None
            for row in admin_list.results(changelist):
                list(row)

        with override_settings(ALLOWED_HOSTS=["*"]):
            return statistics.median(self.timed(run))

    def pages(self, server, large, small):
        self.stdout.write("")
        self.stdout.write(
            f"{'user':<8}{'page':<21}{'status':>6}{'median':>8}{'p95':>8}{'floor':>8}"
            f"{'ratio':>7}{'admin':>8}{'faster':>7}{'queries':>9}{'small':>7}"
        )
        for role, user in self.users.items():
            cookie = self.cookie(user)
            for name, path, model in self.page_list(role):
                status, _, samples = self.http(server, path, cookie)
                _, _, selects = self.in_process(user, path)
                floor = self.floor(selects)
                median = statistics.median(samples)
                admin_ms = self.admin_time(model, user) if status == 200 else None
                count = large[role][name]
                small_count = small.get(role, {}).get(name, "")
                self.stdout.write(
                    f"{role:<8}{name:<21}{status:>6}{median:>8.0f}{p95(samples):>8.0f}"
                    f"{floor:>8.0f}{median / max(floor, 0.01):>7.1f}"
                    + (
                        f"{admin_ms:>8.0f}{admin_ms / median:>7.1f}"
                        if admin_ms is not None
                        else f"{'':>8}{'':>7}"
                    )
                    + f"{count:>9}{small_count!s:>7}"
                    + ("" if small_count in ("", count) else "  MISS counts differ")
                )

    def deep_pages(self, server):
        # Keyset pages (units/keyset.py): "page 1,000" is the page a cursor built at row
        # 24,976 shows, as the list's Next link would give it; the last page is its Last link.
        self.stdout.write("")
        self.stdout.write("Deviation list, page 1 / 1,000 / last (median ms, ratio to page 1)")
        for role, user in self.users.items():
            visible = Deviation.objects.visible_to(user).count()
            deep = min(DEEP_PAGE, max(1, math.ceil(visible / PAGE_SIZE)))
            cursor, _number = page_cursor(Deviation.objects.visible_to(user), deep)
            cookie = self.cookie(user)
            figures = []
            for page, query in ((1, ""), (deep, cursor), ("last", LAST)):
                path = f"/deviations/?{urlencode({'cursor': query})}" if query else "/deviations/"
                status, _, samples = self.http(server, path, cookie)
                figures.append((page, status, statistics.median(samples)))
            first = figures[0][2]
            self.stdout.write(
                f"  {role:<8}{visible:>9,} rows  "
                + "  ".join(
                    f"p{page}: {ms:.0f} ({ms / first:.2f}x){'' if st == 200 else f' [{st}]'}"
                    for page, st, ms in figures
                )
            )

    def reporters(self, server, per_reporter: int = 5):
        """20 signed-in employees submit the report form at once, each on their own session,
        while the health check is timed. Signed in, as nearly every report is: a visitor's
        reports meet the anonymous form's rate limit (429), which is not what is measured."""
        unit = Unit.objects.filter(code="SX01-01").first()
        category = Category.objects.filter(is_active=True).first()
        people = list(
            get_user_model()
            .objects.filter(role_assignments__role=Role.EMPLOYEE, username__regex=r"^sx\.[0-9]+$")
            .distinct()
            .order_by("pk")[:REPORTERS]
        )
        if len(people) < REPORTERS:
            raise CommandError(f"The sector has {len(people)} employees, {REPORTERS} are needed.")
        sessions = iter([self.cookie(person) for person in people])
        sessions_lock = threading.Lock()

        def health_samples(count: int) -> list[float]:
            samples = []
            for _ in range(count):
                started = time.perf_counter()
                status, _ = server.get("/healthz")
                samples.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors.append(f"healthz {status}")
                time.sleep(0.02)
            return samples

        errors: list[str] = []
        idle = health_samples(60)
        before = Deviation.objects.count()
        sent = []

        def reporter():
            with sessions_lock:
                session = next(sessions)
            for _ in range(per_reporter):
                conn = HTTPConnection("127.0.0.1", server.port, timeout=300)
                try:
                    conn.request("GET", "/deviations/new/", headers={"Cookie": session})
                    response = conn.getresponse()
                    body = response.read().decode()
                    cookies = response.headers.get_all("Set-Cookie") or []
                    csrf_cookie = next(
                        (c.split(";")[0] for c in cookies if c.startswith("csrftoken=")), ""
                    )
                    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
                    data = {
                        "csrfmiddlewaretoken": token.group(1) if token else "",
                        "submission_token": str(uuid.uuid4()),
                        "title": "Benchmark: glass on the floor",
                        "description": "Reported by bench_scale.",
                        "deviation_type": "hazard",
                        "category": str(category.pk),
                        "severity": "minor",
                        "unit": unit.code,
                        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
                    }
                    conn.request(
                        "POST",
                        "/deviations/new/",
                        body=urlencode(data),
                        headers={
                            "Content-Type": "application/x-www-form-urlencoded",
                            "Cookie": f"{session}; {csrf_cookie}",
                            "Referer": f"http://127.0.0.1:{server.port}/deviations/new/",
                        },
                    )
                    answer = conn.getresponse()
                    answer.read()
                    # The receipt (a redirect or the page itself); 4xx/5xx are errors, and a
                    # submission answered but not stored is lost.
                    if answer.status < 400:
                        sent.append(1)
                    else:
                        errors.append(f"report {answer.status}")
                except OSError as error:
                    errors.append(str(error))
                finally:
                    conn.close()

        threads = [threading.Thread(target=reporter) for _ in range(REPORTERS)]
        for thread in threads:
            thread.start()
        loaded = health_samples(60)
        for thread in threads:
            thread.join()
        stored = Deviation.objects.count() - before
        ratio = p95(loaded) / p95(idle)
        self.stdout.write("")
        self.stdout.write(
            f"{REPORTERS} reporters x {per_reporter}: health check p95 {p95(idle):.1f} ms alone, "
            f"{p95(loaded):.1f} ms under load ({ratio:.2f}x, target <= {TARGET_HEALTH_RATIO}); "
            f"{len(sent)} accepted, {stored} stored, {len(sent) - stored} lost, "
            f"{len(errors)} errors{': ' + ', '.join(sorted(set(errors))[:5]) if errors else ''}"
        )
