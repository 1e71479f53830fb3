"""`manage.py bench_export`: time and peak memory of the export of the whole demo
organisation (hms/transfer/export.py).

Run `seed_demo` first; `--fill 100000` tops the deviations up to that many with
`fill_deviations` (`make bench-export` does all of it). The export is written to a temporary
file that is removed afterwards. Memory is the process's peak resident set (ru_maxrss), with
`--traced` also tracemalloc's peak of Python allocations (a second, untimed run: tracemalloc
slows the code). Target: under 2 minutes and under 500 MB.

Not a test: it prints figures.
"""

import os
import resource
import sys
import tempfile
import time
import tracemalloc

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deviations.models import Deviation
from hms.transfer.export import export_unit
from units.models import Unit

TARGET_SECONDS = 120.0
TARGET_MB = 500.0


def _maxrss_mb() -> float:
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


class Command(BaseCommand):
    help = "Time and peak memory of exporting the whole organisation."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--fill", type=int, default=0, help="top deviations up to this many")
        parser.add_argument("--unit", default="", help="unit code (default: the root)")
        parser.add_argument("--traced", action="store_true", help="also measure with tracemalloc")

    def handle(self, *args, fill: int, unit: str, traced: bool, **options) -> None:
        existing = Deviation.objects.count()
        if fill > existing:
            self.stdout.write(f"{existing} deviations; filling up to {fill} ...")
            call_command("fill_deviations", count=fill - existing, stdout=self.stdout)
        root = (
            Unit.objects.filter(code__iexact=unit).first()
            if unit
            else Unit.objects.filter(depth=1).order_by("path").first()
        )
        if root is None:
            raise CommandError("No such unit (run seed_demo first).")
        self.stdout.write(
            f"{Deviation.objects.count():,} deviations, "
            f"{Unit.objects.filter(path__startswith=root.path).count()} units under {root.code}"
        )
        rss_before = _maxrss_mb()
        with tempfile.TemporaryDirectory() as folder:
            target = os.path.join(folder, "export.zip")
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                manifest = export_unit(root, target, progress=lambda percent: None)
                seconds = time.perf_counter() - started
            size_mb = os.path.getsize(target) / 2**20
            rss = _maxrss_mb()
            peak = None
            if traced:
                tracemalloc.start()
                export_unit(root, target)
                peak = tracemalloc.get_traced_memory()[1] / 2**20
                tracemalloc.stop()
        rows = sum(entry["count"] for entry in manifest["models"])
        self.stdout.write(
            f"  {rows:,} rows of {len(manifest['models'])} kinds, "
            f"{len(manifest['files'])} files, ZIP {size_mb:.1f} MB, {len(queries)} queries"
        )
        self.stdout.write(f"  seconds: {seconds:.1f}")
        self.stdout.write(
            f"  peak resident memory (maxrss): {rss:.0f} MB "
            f"(+{rss - rss_before:.0f} MB during the export)"
        )
        if peak is not None:
            self.stdout.write(f"  tracemalloc peak of Python allocations: {peak:.0f} MB")
        checks = [
            (seconds < TARGET_SECONDS, f"{seconds:.1f} s < {TARGET_SECONDS:.0f} s"),
            (rss < TARGET_MB, f"maxrss {rss:.0f} MB < {TARGET_MB:.0f} MB"),
        ]
        failed = False
        for ok, text in checks:
            style = self.style.SUCCESS if ok else self.style.ERROR
            self.stdout.write("  " + style(("OK   " if ok else "MISS ") + text))
            failed |= not ok
        if failed:
            raise CommandError("A target was missed (see above).")
