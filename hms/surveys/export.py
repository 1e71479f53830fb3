"""A unit's survey results of one year as CSV or XLSX, through the shared helper
(units.spreadsheet.respond, which guards every cell against formulas). The file holds what the
results page shows for that year, in its order, and nothing the page leaves out: one row per
topic with its score (the topic's mean on its scale), the scale, the number of respondents, the
comment and the follow-up measures. Who typed the result in is not on the page, so not here."""

from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.spreadsheet import respond

FORMATS = ("csv", "xlsx")

# (header, width in characters)
COLUMNS = [
    (gettext_lazy("Survey"), 30),
    (gettext_lazy("Year"), 6),
    (gettext_lazy("Topic"), 40),
    (gettext_lazy("Score"), 8),
    (gettext_lazy("Lowest on the scale"), 10),
    (gettext_lazy("Highest on the scale"), 10),
    (gettext_lazy("Respondents"), 12),
    (gettext_lazy("Comment"), 50),
    (gettext_lazy("Follow-up measures"), 50),
]


def figure(value: Decimal) -> Decimal:
    """A score as the page prints it (floatformat "-2"): 4.00 is 4, 3.5 is 3.50."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.quantize(Decimal("0.01"))


def rows(results) -> Iterator[list]:
    """One list per result, in the order of COLUMNS. `results` are the page's own, with their
    measures prefetched, so this makes no query."""
    for result in results:
        yield [
            result.survey,
            result.year,
            result.topic,
            figure(result.score),
            figure(result.scale_min),
            figure(result.scale_max),
            result.respondents,
            result.comment,
            "; ".join(measure.title for measure in result.measures.all()),
        ]


def download(unit, year: int, results, fmt: str):
    name = "-".join([_("survey-results"), slugify(unit.code), str(year)])
    filename = f"{name}-{timezone.localdate().isoformat()}.{fmt}"
    return respond(rows(results), COLUMNS, filename, fmt, sheet_title=_("Survey results"))
