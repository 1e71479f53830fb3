"""`manage.py bench_reports`: time and peak memory of the whole-organisation tertial report
and annual report, split into collecting the figures, rendering the HTML and laying out the
PDF.

Run `seed_demo` first; `--fill 100000` tops the deviations up to that many with
`fill_deviations` (`make bench-reports` does all of it). The reports are produced in this
process exactly as the Celery job does it (indicators.reports.collect and .document), for the
last ended tertial and last year, without storing anything.

Each report runs twice: once for the times and the process's resident memory (the rise of
ru_maxrss, which only shows if the report needs more than the process ever held before), and
once under tracemalloc for the peak of Python allocations per stage (tracemalloc slows the
code, so its run is not timed). Target: each report under 30 s and 500 MB, with the figure
collection under 10 % of the time.

Not a test: it prints figures. It writes nothing.
"""

import resource
import sys
import time
import tracemalloc

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from deviations.models import Deviation
from indicators.reports import collect, document
from indicators.reports.models import Report, ReportKind, last_ended_tertial
from units.models import Unit

TARGET_SECONDS = 30.0
TARGET_MB = 500.0
TARGET_COLLECT_SHARE = 0.10
STAGES = ("collect", "render", "layout")


def _maxrss_mb() -> float:
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


class Command(BaseCommand):
    help = "Time and peak memory of the tertial and annual report of the whole organisation."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fill",
            type=int,
            default=0,
            help="first top the deviations up to this many with fill_deviations",
        )
        parser.add_argument("--unit", default="", help="unit code (default: the root)")

    def handle(self, *args, fill: int, unit: str, **options) -> None:
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
        today = timezone.localdate()
        year, tertial = last_ended_tertial(today)
        reports = [
            Report(kind=ReportKind.TERTIAL, year=year, tertial=tertial, unit=root),
            Report(kind=ReportKind.ANNUAL, year=today.year - 1, tertial=None, unit=root),
        ]
        self.stdout.write(
            f"{Deviation.objects.count():,} deviations, "
            f"{Unit.objects.filter(path__startswith=root.path).count()} units under {root.code}"
        )
        failed = False
        with translation.override("nb"):
            # Fonts, templates and the first database connection are loaded once by any
            # worker; a warm-up keeps them out of the figures.
            self._run(Report(kind=ReportKind.TERTIAL, year=year, tertial=tertial, unit=root))
            for report in reports:
                failed |= self._report(report)
        if failed:
            raise CommandError("A target was missed (see above).")

    def _run(self, report: Report, traced: bool = False) -> dict:
        """One production of the report, stage by stage: seconds, and with `traced` the
        tracemalloc peak in MB of each stage."""
        found = {}
        with CaptureQueriesContext(connection) as queries:
            for stage in STAGES:
                if traced:
                    tracemalloc.start()
                started = time.perf_counter()
                if stage == "collect":
                    figures = collect.collect_figures(report)
                elif stage == "render":
                    html = document.render_html(report, figures)
                else:
                    pages = document.layout(html)
                    pdf = pages.write_pdf()
                found[stage] = time.perf_counter() - started
                if traced:
                    found[f"{stage}_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
                    tracemalloc.stop()
                if stage == "collect":
                    found["queries"] = len(queries)
        found["html_kb"] = len(html) / 1024
        found["pdf_kb"] = len(pdf) / 1024
        found["pages"] = len(pages.pages)
        return found

    def _report(self, report: Report) -> bool:
        rss_before = _maxrss_mb()
        timed = self._run(report)
        rss_after = _maxrss_mb()
        traced = self._run(report, traced=True)
        total = sum(timed[stage] for stage in STAGES)
        peak = max(traced[f"{stage}_mb"] for stage in STAGES)
        share = timed["collect"] / total
        self.stdout.write("")
        self.stdout.write(
            self.style.MIGRATE_HEADING(
                f"{report.get_kind_display()} {report.period_label}, {report.unit.code}"
            )
        )
        self.stdout.write(f"  {'stage':<22}{'seconds':>9}{'share':>8}{'peak MB':>10}")
        for stage, label in zip(
            STAGES, ("collecting figures", "rendering HTML", "PDF layout"), strict=True
        ):
            self.stdout.write(
                f"  {label:<22}{timed[stage]:>9.2f}{timed[stage] / total:>8.1%}"
                f"{traced[f'{stage}_mb']:>10.1f}"
            )
        self.stdout.write(f"  {'total':<22}{total:>9.2f}{1:>8.0%}{peak:>10.1f}")
        self.stdout.write(
            f"  queries to collect: {timed['queries']}; HTML {timed['html_kb']:.0f} kB; "
            f"PDF {timed['pdf_kb']:.0f} kB, {timed['pages']} pages"
        )
        self.stdout.write(
            f"  process resident memory (maxrss): {rss_after:.0f} MB "
            f"(+{rss_after - rss_before:.0f} MB during this report)"
        )
        checks = [
            (total < TARGET_SECONDS, f"total {total:.1f} s < {TARGET_SECONDS:.0f} s"),
            (
                peak < TARGET_MB and rss_after < TARGET_MB,
                f"memory (traced peak {peak:.0f} MB, maxrss {rss_after:.0f} MB) "
                f"< {TARGET_MB:.0f} MB",
            ),
            (share < TARGET_COLLECT_SHARE, f"collecting {share:.1%} of the time < 10 %"),
        ]
        failed = False
        for ok, text in checks:
            style = self.style.SUCCESS if ok else self.style.ERROR
            self.stdout.write("  " + style(("OK   " if ok else "MISS ") + text))
            failed |= not ok
        return failed
