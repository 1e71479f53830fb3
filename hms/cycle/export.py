"""The cycle overview as a file: every active unit of the subtree with its completion, in the
page's order and with the page's figures (hms/cycle/progress.py)."""

import csv
import tempfile

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from units.downloads import file_response
from units.spreadsheet import neutralise

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
            neutralise(value)
            for value in (
                unit.code,
                unit.name,
                str(unit.get_unit_type_display()),
                yes if progress.opened else no,
                progress.done,
                progress.applicable,
                progress.percent,
                progress.behind,
            )
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(units):
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([str(title) for title, _width in COLUMNS])
    for row in rows(units):
        yield writer.writerow(row)


def _xlsx(units, sheet_title: str):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for index, (_title, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for title, _width in COLUMNS:
        cell = WriteOnlyCell(sheet, value=str(title))
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    for row in rows(units):
        sheet.append(row)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(units) + 1}"
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return output


def response(units: list, unit, year: int, fmt: str):
    name = _("cycle-overview")
    filename = f"{name}-{unit.code}-{year}"
    if fmt == "csv":
        # The rows are few (one per unit) and made now, in the request's language.
        return file_response("".join(_csv(units)), filename + ".csv", content_type="text/csv")
    if fmt == "xlsx":
        return file_response(_xlsx(units, _("Cycle overview")), filename + ".xlsx")
    raise Http404
