"""Drawing a report from its frozen figures: HTML from the templates, then the PDF layout.

Nothing here reads the database: the document is a function of `Report.figures`, so drawing
it again gives the same numbers. Charts are deviations' server-side SVG bar charts, drawn at a
fixed width for paper.
"""

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from deviations import counts
from deviations.charts import BarChart, Series
from hms import formats, pdf
from hms.pdf import Pages
from indicators.reports.models import Report, ReportKind

CHART_WIDTH = 640  # pixels; the A4 text column is about 174 mm wide
TEMPLATES = {
    ReportKind.TERTIAL: "reports/pdf/tertial.html",
    ReportKind.ANNUAL: "reports/pdf/annual.html",
}


def comparison_chart(slug: str, title: str, description: str, rows: list[dict], figures: dict):
    """A horizontal bar chart of rows with `now` and `previous` counts."""
    return BarChart(
        slug=slug,
        title=title,
        description=description,
        labels=[row.get("short") or row["label"] for row in rows],
        series=[
            Series(figures["period"]["label"], [row["now"] for row in rows]),
            Series(figures["previous"]["label"], [row["previous"] for row in rows]),
        ],
    )


def charts(figures: dict) -> dict:
    deviations, injuries = figures["deviations"], figures["injuries"]
    where = figures["unit"]["label"]
    found = {
        "branches": comparison_chart(
            "chart-branches",
            _("Deviations per unit"),
            _("Deviations in %(where)s per unit below it, each counting its whole subtree.")
            % {"where": where},
            deviations["by_branch"],
            figures,
        ),
        "categories": comparison_chart(
            "chart-categories",
            _("Deviations per category"),
            _("Deviations in %(where)s per category.") % {"where": where},
            deviations["by_category"],
            figures,
        ),
        "injuries": comparison_chart(
            "chart-injuries",
            _("Personal injuries per unit"),
            _("Reported personal injuries in %(where)s per unit below it.") % {"where": where},
            injuries["by_branch"],
            figures,
        ),
    }
    return {key: chart.ledger_svg(width=CHART_WIDTH) for key, chart in found.items()}


def number(value: str | None, places: int) -> str:
    """A frozen decimal as the reader sees it, written as the pages write it (hms.formats)."""
    return formats.number(value, places)


def indicator_context(figures: dict) -> dict:
    """The indicator tables with their numbers written out for the page."""
    found = figures.get("indicators") or {}
    tables = {}
    for key, table in found.get("tables", {}).items():
        places = [column["places"] for column in table["columns"]]
        tables[key] = {
            "columns": table["columns"],
            "rows": [
                {
                    **row,
                    "shown": [number(v, p) for v, p in zip(row["values"], places, strict=True)],
                }
                for row in table["rows"]
            ],
        }
    environment = [
        {**item, "shown": number(item["value"], item["places"])}
        for item in found.get("environment", [])
    ]
    return {"tables": tables, "environment": environment}


def render_html(report: Report, figures: dict, *, produced_at=None) -> str:
    """The report as HTML for WeasyPrint. Call it in the report's language."""
    context = {
        "report": report,
        "figures": figures,
        "charts": charts(figures),
        "indicators": indicator_context(figures),
        "period_start": parse_date(figures["period"]["start"]),
        "period_last_day": parse_date(figures["period"]["last_day"]),
        "frozen_at": parse_datetime(figures["frozen_at"]),
        "produced_at": produced_at or timezone.now(),
        # The same definitions as the trends page, the indicators and the review show.
        "deviations_definition": counts.DEVIATIONS_DEFINITION,
        "injuries_definition": counts.PERSONAL_INJURIES_DEFINITION,
    }
    return render_to_string(TEMPLATES[report.kind], context)


def layout(html: str) -> Pages:
    """Lay the HTML out in pages as an archive PDF (hms.pdf)."""
    return pdf.layout(html)


def layout_pdf(html: str) -> bytes:
    return layout(html).write_pdf()
