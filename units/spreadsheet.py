"""Text written into a CSV or XLSX cell that a spreadsheet must read as text, never as a formula.

Every export (units, deviations, measures, training) goes through `neutralise`, so the rule
has one definition. A cell starting with one of FORMULA_START is a formula to Excel and
LibreOffice (OWASP: CSV injection); tab and carriage return too, as some programs strip them
first. Such a cell gets a leading apostrophe, which both programs show as plain text.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

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
