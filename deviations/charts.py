"""Bar charts as server-side SVG: the same markup for pages and PDFs, and no JavaScript.

A chart is data (labels, and one or two series of counts); `svg()` draws it. Horizontal
positions are percentages by default, so a chart fills its container at any screen width while
its text keeps a readable size; pass `width` (pixels) for a fixed drawing, as a PDF wants.
Every chart carries a <title> and a <desc> for screen readers, a tooltip on each bar, and its
numbers as text; the page shows the same numbers in a table below it (`rows()`).

Statistics show counts only (DOMAIN.md): labels are months, categories and units, never text
from a case.
"""

import math
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
TEXT = "#212529"
MUTED = "#6c757d"
GRID = "#dee2e6"
# (fill, outline): the chosen period in HSE blue, the comparison in light blue. The light
# bar's outline keeps WCAG's 3:1 contrast for graphics against the white background.
COLOURS = [("#00509e", "#00509e"), ("#a9c4e4", "#6f95c4")]
LABEL_CHARS = 52  # longer labels are shortened; the full text stays in the tooltip and table


@dataclass
class Series:
    label: str
    values: list[int | None]  # None: no figure yet (a month still to come), drawn as nothing


@dataclass
class BarChart:
    """Counts per label for one or two series (e.g. this year and last year)."""

    slug: str  # unique on the page: element ids derive from it
    title: str
    description: str
    labels: list[str]
    series: list[Series]
    links: list[str | None] = field(default_factory=list)  # per label, e.g. a drill-down
    # A single series named by the chart's own title needs no legend (indicator charts).
    legend: bool = True

    def rows(self) -> list[dict]:
        """The numbers behind the chart, one row per label, for the table below it."""
        rows = []
        for index, label in enumerate(self.labels):
            values = [series.values[index] for series in self.series]
            comparable = len(values) > 1 and None not in values[:2]
            rows.append(
                {
                    "label": label,
                    "link": self.links[index] if index < len(self.links) else None,
                    "values": values,
                    "change": values[0] - values[1] if comparable else None,
                }
            )
        return rows

    def totals(self) -> list[int]:
        return [sum(value or 0 for value in series.values) for series in self.series]

    def is_empty(self) -> bool:
        return not any(any(series.values) for series in self.series)

    def largest(self) -> int:
        return max((value or 0 for series in self.series for value in series.values), default=0)

    # -- drawing -------------------------------------------------------------------------

    def columns_svg(self, width: int | None = None, height: int = 260) -> SafeString:
        """Vertical grouped bars, one group per label (months)."""
        scale = _Scale(width)
        top, ticks = _axis(self.largest())
        legend_h, label_h = (30 if self.legend else 6), 24
        plot_top, plot_bottom = legend_h + 8, height - label_h
        plot_h = plot_bottom - plot_top
        gutter = 0.065  # room for the tick labels on the left
        parts = [self._open(scale, height), self._legend(scale)]
        for tick in ticks:
            y = plot_bottom - tick / top * plot_h
            parts.append(
                f'<line x1="{scale.x(0)}" x2="{scale.x(1)}" y1="{y:.1f}" y2="{y:.1f}" '
                f'stroke="{GRID if tick else MUTED}" stroke-width="1"/>'
                f'<text x="{scale.x(0)}" y="{y - 3:.1f}" font-size="11" fill="{MUTED}">'
                f"{_number(tick)}</text>"
            )
        group_w = (1 - gutter) / max(1, len(self.labels))
        bar_w = group_w * 0.8 / len(self.series)
        for index, label in enumerate(self.labels):
            left = gutter + index * group_w + group_w * 0.1
            for number, series in enumerate(self.series):
                value = series.values[index]
                if value is None:
                    continue
                bar_h = value / top * plot_h
                x = left + number * bar_w
                fill, stroke = COLOURS[number % len(COLOURS)]
                parts.append(
                    f'<rect x="{scale.x(x)}" y="{plot_bottom - bar_h:.1f}" '
                    f'width="{scale.x(bar_w * 0.92)}" height="{bar_h:.1f}" fill="{fill}" '
                    f'stroke="{stroke}" stroke-width="{0.8 if value else 0}">'
                    f"<title>{escape(label)} {escape(series.label)}: {_number(value)}</title>"
                    "</rect>"
                    f'<text class="hc-value" x="{scale.x(x + bar_w * 0.46)}" '
                    f'y="{plot_bottom - bar_h - 4:.1f}" font-size="10" text-anchor="middle" '
                    f'fill="{TEXT}">{_number(value)}</text>'
                )
            parts.append(
                f'<text class="hc-axis" x="{scale.x(left + bar_w * len(self.series) / 2)}" '
                f'y="{plot_bottom + 16}" font-size="12" text-anchor="middle" fill="{TEXT}">'
                f"{escape(label)}</text>"
            )
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

    def bars_svg(self, width: int | None = None) -> SafeString:
        """Horizontal bars with the label above them: long category and unit names stay
        readable on a phone."""
        scale = _Scale(width)
        top, _ticks = _axis(self.largest())
        legend_h, label_h, bar_h, gap, spacing = (30 if self.legend else 6), 18, 12, 3, 12
        item_h = label_h + len(self.series) * (bar_h + gap) + spacing
        height = legend_h + 6 + item_h * max(1, len(self.labels))
        room = 0.84  # the longest bar; the rest of the width holds its number
        parts = [self._open(scale, height), self._legend(scale)]
        y = legend_h + 6
        for index, label in enumerate(self.labels):
            short = label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"
            # No link inside the picture (an image holds no controls, WCAG 4.1.2): the table
            # of numbers beside it links each row.
            parts.append(
                f'<text x="{scale.x(0)}" y="{y + 13}" font-size="13" fill="{TEXT}">'
                f"<title>{escape(label)}</title>{escape(short)}</text>"
            )
            bar_y = y + label_h
            for number, series in enumerate(self.series):
                value = series.values[index] or 0
                fraction = value / top * room
                fill, stroke = COLOURS[number % len(COLOURS)]
                parts.append(
                    f'<rect x="{scale.x(0)}" y="{bar_y}" width="{scale.x(fraction)}" '
                    f'height="{bar_h}" fill="{fill}" stroke="{stroke}" '
                    f'stroke-width="{0.8 if value else 0}">'
                    f"<title>{escape(label)} {escape(series.label)}: {_number(value)}</title>"
                    "</rect>"
                    f'<text x="{scale.x(fraction + 0.012)}" y="{bar_y + bar_h - 2}" '
                    f'font-size="11" fill="{TEXT}">{_number(value)}</text>'
                )
                bar_y += bar_h + gap
            y += item_h
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

    def ledger_svg(self, width: int, label_share: float = 0.4) -> SafeString:
        """Horizontal bars with the label on their left, at a fixed width: compact enough for
        a printed page to hold a chart of a dozen units and its table (report PDFs)."""
        top, _ticks = _axis(self.largest())
        legend_h, bar_h, gap, spacing = 24, 7, 2, 5
        item_h = len(self.series) * (bar_h + gap) + spacing
        height = legend_h + item_h * max(1, len(self.labels))
        label_w = width * label_share
        room = (width - label_w) * 0.86  # the longest bar; the rest holds its number
        chars = int(label_w / 5.6)
        parts = [self._open(_Scale(width), height), self._legend(_Scale(width))]
        y = legend_h
        for index, label in enumerate(self.labels):
            short = label if len(label) <= chars else label[: chars - 1] + "…"
            bars_h = len(self.series) * (bar_h + gap)
            parts.append(
                f'<text x="0" y="{y + bars_h / 2 + 3:.1f}" font-size="10" fill="{TEXT}">'
                f"<title>{escape(label)}</title>{escape(short)}</text>"
            )
            bar_y = y
            for number, series in enumerate(self.series):
                value = series.values[index] or 0
                length = value / top * room
                fill, stroke = COLOURS[number % len(COLOURS)]
                parts.append(
                    f'<rect x="{label_w:.1f}" y="{bar_y}" width="{length:.1f}" height="{bar_h}" '
                    f'fill="{fill}" stroke="{stroke}" stroke-width="{0.8 if value else 0}">'
                    f"<title>{escape(label)} {escape(series.label)}: {_number(value)}</title>"
                    "</rect>"
                    f'<text x="{label_w + length + 3:.1f}" y="{bar_y + bar_h - 1}" '
                    f'font-size="8.5" fill="{TEXT}">{_number(value)}</text>'
                )
                bar_y += bar_h + gap
            y += item_h
        parts.append("</svg>")
        return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped

    def _open(self, scale: "_Scale", height: int) -> str:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="hms-chart" role="img" '
            f'width="{scale.width_attr()}" height="{height}" font-family="{escape(FONT)}" '
            f'aria-labelledby="{self.slug}-title {self.slug}-desc">'
            f'<title id="{self.slug}-title">{escape(self.title)}</title>'
            f'<desc id="{self.slug}-desc">{escape(self.description)}</desc>'
            # No <style> here: the Content-Security-Policy blocks inline styles. hms.css hides
            # the numbers above the columns on a narrow screen.
        )

    def _legend(self, scale: "_Scale") -> str:
        if not self.legend:
            return ""
        parts = []
        for number, series in enumerate(self.series):
            fill, stroke = COLOURS[number % len(COLOURS)]
            # A translation in pixels: the legend keeps its spacing at any chart width.
            parts.append(
                f'<g transform="translate({number * 90} 0)">'
                f'<rect x="0" y="6" width="14" height="14" rx="2" fill="{fill}" stroke="{stroke}"/>'
                f'<text x="20" y="18" font-size="13" fill="{TEXT}">{escape(series.label)}</text>'
                "</g>"
            )
        return "".join(parts)


class _Scale:
    """Horizontal positions as a share of the width: percentages, or pixels when fixed."""

    def __init__(self, width: int | None):
        self.width = width

    def x(self, fraction: float) -> str:
        if self.width is None:
            return f"{fraction * 100:.3f}%"
        return f"{fraction * self.width:.1f}"

    def width_attr(self) -> str:
        return "100%" if self.width is None else str(self.width)


def _axis(largest: int) -> tuple[int, list[int]]:
    """A round top for the axis and four or five evenly spaced whole-number ticks."""
    if largest <= 0:
        return 1, [0]
    raw = largest / 4
    magnitude = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    step = max(1, math.ceil(step))
    top = step * math.ceil(largest / step)
    return top, list(range(0, top + 1, step))


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)
