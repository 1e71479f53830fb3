"""The cycle overview as a file: every active unit of the subtree with its completion, in the
page's order and with the page's figures (hms/cycle/progress.py)."""

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from units.spreadsheet import respond

# (header, width in characters)
COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 36),
    (gettext_lazy("Unit type"), 16),
    (gettext_lazy("Cycle opened"), 12),
    (gettext_lazy("Steps done"), 11),
    (gettext_lazy("Steps that apply"), 14),
    (gettext_lazy("Completion (%)"), 13),
    (gettext_lazy("Steps past due"), 13),
]


def rows(units):
    yes, no = _("yes"), _("no")
    for unit in units:
        progress = unit.progress
        yield [
            unit.code,
            unit.name,
            str(unit.get_unit_type_display()),
            yes if progress.opened else no,
            progress.done,
            progress.applicable,
            progress.percent,
            progress.behind,
        ]


def response(units: list, unit, year: int, fmt: str):
    name = _("cycle-overview")
    filename = f"{name}-{unit.code}-{year}"
    if fmt not in ("csv", "xlsx"):
        raise Http404
    # The rows are few (one per unit) and made now, in the request's language.
    table = list(rows(units))
    return respond(table, COLUMNS, f"{filename}.{fmt}", fmt, sheet_title=_("Cycle overview"))
