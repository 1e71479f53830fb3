"""The action plan as a file: Excel (openpyxl's write-only workbook) and PDF. Both take the
plan's filtered queryset, so the file holds exactly the rows on screen. Text a spreadsheet
would run as a formula gets a leading apostrophe (OWASP: CSV injection)."""

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actionplans.models import Effectiveness, MeasureSource, Priority
from units.spreadsheet import neutralise

CHUNK = 2000

# (header, width in characters)
COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 30),
    (gettext_lazy("Measure"), 40),
    (gettext_lazy("Description"), 50),
    (gettext_lazy("Came from"), 22),
    (gettext_lazy("Origin"), 32),
    (gettext_lazy("Priority"), 10),
    (gettext_lazy("Responsible"), 22),
    (gettext_lazy("Deadline"), 12),
    (gettext_lazy("Status"), 14),
    (gettext_lazy("Overdue"), 9),
    (gettext_lazy("Estimated cost (NOK)"), 14),
    (gettext_lazy("Effect"), 16),
    (gettext_lazy("Comment on the effect"), 40),
    (gettext_lazy("Completed"), 12),
]


def person(user) -> str:
    return user.get_full_name() or user.username


def rows(measures) -> Iterator[list]:
    """One list of plain values per measure, in the order of COLUMNS. One query, in chunks."""
    sources = dict(MeasureSource.choices)
    priorities = dict(Priority.choices)
    effects = dict(Effectiveness.choices)
    yes, no = _("yes"), _("no")
    today = timezone.localdate()
    for measure in measures.select_related("unit", "responsible").iterator(chunk_size=CHUNK):
        completed = (
            timezone.localtime(measure.completed_at).date() if measure.completed_at else None
        )
        yield [
            neutralise(value)
            for value in (
                measure.unit.code,
                measure.unit.name,
                measure.title,
                measure.description,
                str(sources.get(measure.source, measure.source)),
                measure.origin_label,
                str(priorities.get(measure.priority, measure.priority)),
                person(measure.responsible),
                measure.deadline,
                measure.status_label,
                yes if measure.is_overdue(today) else no,
                measure.estimated_cost,
                str(effects.get(measure.effectiveness, "")),
                measure.effectiveness_comment,
                completed,
            )
        ]
