"""The deviation list as a file: CSV (streamed) or Excel (openpyxl's write-only workbook).

Privacy by design: the columns are chosen here, one by one, from `values_list`, so health
details and the reporter can never slip into a file, whoever downloads it. Text that a
spreadsheet would run as a formula gets a leading apostrophe.
"""

import csv
import datetime
from collections.abc import Iterator

from django.utils import timezone, translation
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from deviations.models import OPEN_STATUSES, DeviationType, Severity, Status
from units.spreadsheet import Echo, neutralise

CHUNK = 2000

FIELDS = [
    "number",
    "created_at",
    "occurred_at",
    "unit__code",
    "unit__name_nb",
    "unit__name_en",
    "deviation_type",
    "category__name_nb",
    "category__name_en",
    "severity",
    "status",
    "deadline",
    "closed_at",
    "handler__first_name",
    "handler__last_name",
    "handler__username",
    "is_anonymous",
    "title",
    "description",
    "location",
]
# (header, width in characters for Excel)
COLUMNS = [
    (gettext_lazy("Number"), 14),
    (gettext_lazy("Reported"), 17),
    (gettext_lazy("Happened"), 17),
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 34),
    (gettext_lazy("Type"), 24),
    (gettext_lazy("Category"), 28),
    (gettext_lazy("Severity"), 14),
    (gettext_lazy("Status"), 16),
    (gettext_lazy("Deadline"), 12),
    (gettext_lazy("Overdue"), 9),
    (gettext_lazy("Closed"), 17),
    (gettext_lazy("Handler"), 22),
    (gettext_lazy("Anonymous"), 11),
    (gettext_lazy("Title"), 40),
    (gettext_lazy("Description"), 60),
    (gettext_lazy("Where"), 28),
]


def header() -> list[str]:
    return [str(title) for title, _width in COLUMNS]


def rows(queryset) -> Iterator[list]:
    """One list of plain values per deviation, in the order of `header()`; datetimes in local
    time without a zone (spreadsheets have none). One query, read in chunks."""
    english = (get_language() or "nb").startswith("en")
    types = {key: str(label) for key, label in DeviationType.choices}
    severities = {key: str(label) for key, label in Severity.choices}
    statuses = {key: str(label) for key, label in Status.choices}
    yes, no = _("yes"), _("no")
    today = timezone.localdate()
    local = timezone.get_current_timezone()

    def naive(moment):
        return timezone.localtime(moment, local).replace(tzinfo=None) if moment else None

    # In the queryset's order: the list's sort (by default the model's, newest first).
    values = queryset.values_list(*FIELDS)
    for (
        number,
        created_at,
        occurred_at,
        unit_code,
        unit_nb,
        unit_en,
        deviation_type,
        category_nb,
        category_en,
        severity,
        status,
        deadline,
        closed_at,
        handler_first,
        handler_last,
        handler_username,
        is_anonymous,
        title,
        description,
        location,
    ) in values.iterator(chunk_size=CHUNK):
        # A case nobody has taken yet has no handler: its cell is empty, not "None None".
        full_name = " ".join(name for name in (handler_first, handler_last) if name)
        handler = full_name or handler_username or ""
        overdue = status in OPEN_STATUSES and deadline is not None and deadline < today
        yield [
            neutralise(value)
            for value in (
                number,
                naive(created_at),
                naive(occurred_at),
                unit_code,
                (unit_en or unit_nb) if english else unit_nb,
                types.get(deviation_type, deviation_type),
                category_en if english else category_nb,
                severities.get(severity, severity),
                statuses.get(status, status),
                deadline,
                yes if overdue else no,
                naive(closed_at),
                handler,
                yes if is_anonymous else no,
                title,
                description,
                location,
            )
        ]


def csv_lines(queryset, language: str) -> Iterator[str]:
    """The CSV text line by line. Starts with a BOM so Excel reads it as UTF-8. The lines are
    made while the response streams, after the view has returned: in the request's language,
    given here, whatever the thread has active by then."""
    with translation.override(language):
        writer = csv.writer(Echo())
        yield "\ufeff" + writer.writerow(header())
        for row in rows(queryset):
            yield writer.writerow([_text(value) for value in row])


def _text(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value
