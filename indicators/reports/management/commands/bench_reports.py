"""`manage.py bench_reports`: time and real peak memory of the whole-organisation tertial
report and annual report, split into collecting the figures, rendering the HTML and laying out
the PDF, against WeasyPrint's own layout of the same HTML.

Run `seed_demo` first; `--fill 100000` tops the deviations up to that many with
`fill_deviations` (`make bench-reports` does all of it). The reports are produced exactly as
the Celery job does it (indicators.reports.collect and .document), for the last ended tertial
and last year, without storing anything.

Each report runs in a fresh child process (`--child`), twice: the first run is cold (fonts,
templates, the database connection, as a new worker meets them), the second warm. Memory is
the child's real peak resident memory (VmHWM in /proc/self/status, the kernel's high-water
mark; ru_maxrss where there is no /proc), not Python's allocations. "WeasyPrint" is
weasyprint.HTML(string=html).write_pdf() of the same HTML to the same archive PDF (PDF/A-3u,
tagged for screen readers: hms.pdf.ARCHIVE_OPTIONS), cold and warm in a fresh process of its
own, so a cold report meets a cold WeasyPrint; the report's total should stay within 1.3 times
it. "untagged" is the same without the archive options (warm), to show what they cost.
Targets: each report under 30 s and 500 MB, collecting the figures under 10 % of the time.

Not a test: it prints figures. It writes nothing.
"""

import argparse
import json
import resource
import subprocess
import sys
import time

from django.conf import settings
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
TARGET_WEASYPRINT_RATIO = 1.3
STAGES = ("collect", "render", "layout")


def peak_rss_mb() -> float:
    """The process's real peak resident memory so far, in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale


def weasyprint_alone(html: str, **options) -> float:
    """Seconds WeasyPrint itself takes to lay out and write the HTML."""
    from weasyprint import HTML

    from hms.pdf import STATIC_SCHEME, LocalFetcher

    started = time.perf_counter()
    HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=LocalFetcher()).write_pdf(**options)
    return time.perf_counter() - started


def run_child(kind: str, unit: str, mode: str = "--child") -> list[dict]:
    """Both runs of one report (or of WeasyPrint alone on its HTML, with --child-baseline)
    in a fresh process: [cold, warm]."""
    command = [
        sys.executable,
        str(settings.BASE_DIR / "manage.py"),
        "bench_reports",
        mode,
        kind,
    ]
    if unit:
        command += ["--unit", unit]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        raise CommandError(f"the {kind} report failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


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
        parser.add_argument("--child", default="", help=argparse.SUPPRESS)
        parser.add_argument("--child-baseline", default="", help=argparse.SUPPRESS)

    def handle(
        self, *args, fill: int, unit: str, child: str, child_baseline: str, **options
    ) -> None:
        if child:
            self.stdout.write(json.dumps(self._child(child, unit)))
            return
        if child_baseline:
            self.stdout.write(json.dumps(self._baseline(child_baseline, unit)))
            return
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
        failed = False
        for kind in (ReportKind.TERTIAL, ReportKind.ANNUAL):
            runs = run_child(kind, unit)
            for run, alone in zip(runs, run_child(kind, unit, "--child-baseline"), strict=True):
                run.update(alone)
            failed |= self._report(kind, runs)
        if failed:
            raise CommandError("A target was missed (see above).")

    def _report_for(self, kind: str, unit: str) -> Report:
        root = (
            Unit.objects.filter(code__iexact=unit).first()
            if unit
            else Unit.objects.filter(depth=1).order_by("path").first()
        )
        today = timezone.localdate()
        year, tertial = last_ended_tertial(today)
        if kind == ReportKind.TERTIAL:
            return Report(kind=kind, year=year, tertial=tertial, unit=root)
        return Report(kind=kind, year=today.year - 1, tertial=None, unit=root)

    def _baseline(self, kind: str, unit: str) -> list[dict]:
        """WeasyPrint alone on the report's HTML (made first, untimed): cold, then warm."""
        from hms.pdf import ARCHIVE_OPTIONS

        report = self._report_for(kind, unit)
        with translation.override("nb"):
            html = document.render_html(report, collect.collect_figures(report))
            runs = [{"weasyprint": weasyprint_alone(html, **ARCHIVE_OPTIONS)} for _ in range(2)]
            runs[1]["untagged"] = weasyprint_alone(html)
        runs[0]["untagged"] = runs[1]["untagged"]
        return runs

    def _child(self, kind: str, unit: str) -> list[dict]:
        report = self._report_for(kind, unit)
        root = report.unit
        runs = []
        with translation.override("nb"):
            for _ in ("cold", "warm"):
                found = self._run(report)
                found["rss_mb"] = peak_rss_mb()
                runs.append(found)
        runs[0]["label"] = f"{report.get_kind_display()} {report.period_label}, {root.code}"
        return runs

    def _run(self, report: Report) -> dict:
        """One production of the report, stage by stage, in seconds."""
        found = {}
        with CaptureQueriesContext(connection) as queries:
            for stage in STAGES:
                started = time.perf_counter()
                if stage == "collect":
                    figures = collect.collect_figures(report)
                elif stage == "render":
                    html = document.render_html(report, figures)
                else:
                    pages = document.layout(html)
                    pdf = pages.write_pdf()
                found[stage] = time.perf_counter() - started
                if stage == "collect":
                    found["queries"] = len(queries)
        found["html_kb"] = len(html) / 1024
        found["pdf_kb"] = len(pdf) / 1024
        found["pages"] = len(pages.pages)
        return found

    def _report(self, kind: str, runs: list[dict]) -> bool:
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(runs[0]["label"]))
        self.stdout.write(
            f"  {'run':<6}{'collect':>9}{'render':>8}{'layout':>8}{'total':>8}"
            f"{'WeasyPrint':>12}{'ratio':>7}{'untagged':>10}{'peak RSS MB':>13}"
        )
        failed = False
        for name, run in zip(("cold", "warm"), runs, strict=True):
            total = sum(run[stage] for stage in STAGES)
            run["total"], run["ratio"] = total, total / run["weasyprint"]
            self.stdout.write(
                f"  {name:<6}{run['collect']:>9.2f}{run['render']:>8.2f}{run['layout']:>8.2f}"
                f"{total:>8.2f}{run['weasyprint']:>12.2f}{run['ratio']:>7.2f}"
                f"{run['untagged']:>10.2f}{run['rss_mb']:>13.0f}"
            )
        cold, warm = runs
        self.stdout.write(
            f"  queries to collect: {cold['queries']}; HTML {cold['html_kb']:.0f} kB; "
            f"PDF {cold['pdf_kb']:.0f} kB, {cold['pages']} pages"
        )
        share = warm["collect"] / warm["total"]
        checks = [
            (cold["total"] < TARGET_SECONDS, f"cold total {cold['total']:.1f} s < 30 s"),
            (
                warm["rss_mb"] < TARGET_MB,
                f"real peak RSS {warm['rss_mb']:.0f} MB < {TARGET_MB:.0f} MB",
            ),
            (share < TARGET_COLLECT_SHARE, f"collecting {share:.1%} of the time < 10 %"),
            (
                max(cold["ratio"], warm["ratio"]) <= TARGET_WEASYPRINT_RATIO,
                f"at most {TARGET_WEASYPRINT_RATIO}x WeasyPrint's layout "
                f"(cold {cold['ratio']:.2f}x, warm {warm['ratio']:.2f}x)",
            ),
        ]
        for ok, text in checks:
            style = self.style.SUCCESS if ok else self.style.ERROR
            self.stdout.write("  " + style(("OK   " if ok else "MISS ") + text))
            failed |= not ok
        return failed
