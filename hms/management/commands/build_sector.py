"""`manage.py build_sector`: the big sector of the scale benchmark (hms/sector.py).

Run seed_demo first. Reuses what exists and tops people and deviations up to the numbers
asked for; prints each part's rows per second."""

import time

from django.core.management.base import BaseCommand
from django.db import connection

from hms.sector import Sector


class Command(BaseCommand):
    help = "Build (or top up) a sector of units, people and deviations for the scale benchmark."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=10_000)
        parser.add_argument("--people", type=int, default=50_000)
        parser.add_argument("--deviations", type=int, default=1_000_000)

    def handle(self, *args, **options):
        sector = Sector(
            options["units"], options["people"], options["deviations"], out=self.stdout.write
        )
        parts = [
            ("units", sector.build_units),
            ("people and roles", sector.build_people),
            ("deviations, steps, measures", sector.build_deviations),
            ("risk assessments and rows", sector.build_risk),
            ("indicator values", sector.build_indicator_values),
        ]
        for label, build in parts:
            start = time.perf_counter()
            made = build()
            seconds = time.perf_counter() - start
            figures = made.values() if isinstance(made, dict) else made
            figures = list(figures) if isinstance(figures, tuple | type({}.values())) else [figures]
            rate = figures[0] / seconds if seconds and figures[0] else 0
            self.stdout.write(
                f"{label}: {' + '.join(str(n) for n in figures)} new in {seconds:.1f} s"
                + (f" ({rate:,.0f} rows/s)" if rate else " (reused)")
            )
        # Rows loaded by COPY have no planner statistics until autovacuum gets round to them;
        # until then PostgreSQL guesses a handful of rows per table and picks nested loops
        # over a million deviations (the HSE department's trends page: 109 s before, 1.2 s
        # after). A bulk load analyzes what it loaded, as pg_restore's advice says.
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"statistics (ANALYZE): {time.perf_counter() - start:.1f} s")
