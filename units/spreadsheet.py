"""Text written into a CSV or XLSX cell that a spreadsheet must read as text, never as a formula.

Every export (units, deviations, measures, training) goes through `neutralise`, so the rule
has one definition. A cell starting with one of FORMULA_START is a formula to Excel and
LibreOffice (OWASP: CSV injection); tab and carriage return too, as some programs strip them
first. Such a cell gets a leading apostrophe, which both programs show as plain text.
"""

import csv
import datetime
import tempfile

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from units.downloads import file_response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The value made safe for a cell: control characters the XLSX format refuses are
    dropped, and text a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        if value.startswith(FORMULA_START):
            return "'" + value
    return value


def read_back(value: str) -> str:
    """A cell written by `neutralise`, read back from an imported file: the apostrophe goes."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value


class Echo:
    """A file that hands back what is written to it: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def _csv_text(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return neutralise(value)


def respond(rows, columns, filename: str, fmt: str, *, sheet_title: str = ""):
    """A download of `rows` (iterables of plain values) under `columns` ((header, width)
    pairs): CSV streamed with a BOM so Excel reads UTF-8, or XLSX from openpyxl's write-only
    workbook. Every cell goes through `neutralise`. `fmt` is "csv" or "xlsx"."""
    headers = [str(title) for title, _width in columns]
    if fmt == "csv":

        def lines():
            writer = csv.writer(Echo())
            yield "\ufeff" + writer.writerow(headers)
            for row in rows:
                yield writer.writerow([_csv_text(value) for value in row])

        return file_response(lines(), filename, content_type="text/csv")
    if fmt != "xlsx":
        raise ValueError(fmt)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(sheet_title or "Sheet")[:31])
    for index, (_title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    cells = []
    for title in headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cells.append(cell)
    sheet.append(cells)
    count = 0
    for row in rows:
        sheet.append([neutralise(value) for value in row])
        count += 1
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned
    workbook.save(output)
    output.seek(0)
    return file_response(output, filename)
