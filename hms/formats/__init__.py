"""How figures and dates are written, one way for pages and PDFs.

The date and number formats of each language are the modules beside this file
(`hms/formats/<language>/formats.py`, found through FORMAT_MODULE_PATH); a new language needs
only a copy of one of them. `number()` is the one function that writes a figure: pages use it
through the `number` template filter (hms/templatetags/numbers.py), the PDFs call it or the
same filter, so a figure never reads "5,6" in a PDF and "5,7" on the screen.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.formats import number_format

MISSING = "–"


def rounded(value, places: int = 0) -> Decimal | None:
    """`value` rounded half up (5.65 → 5.7, 2.5 → 3, −2.5 → −3) to `places` decimals."""
    if value is None or value == "":
        return None
    try:
        exact = value if isinstance(value, Decimal) else Decimal(str(value))
        return exact.quantize(Decimal(1).scaleb(-int(places)), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError, TypeError):
        return None


def number(value, places: int = 0) -> str:
    """A figure as the reader sees it, in the active language: rounded half up to `places`
    decimals and grouped by thousands ("2 148", "5,7"); "–" when there is none."""
    found = rounded(value, places)
    if found is None:
        return MISSING
    if found == 0:
        found = abs(found)  # never "−0,0"
    return number_format(found, decimal_pos=int(places), use_l10n=True, force_grouping=True)
