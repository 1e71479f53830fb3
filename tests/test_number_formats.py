"""One way of writing figures and dates, on pages and in PDFs: rounded half up ("5,7" for
5.6761 %, where the PDFs used to cut it to "5,6"), grouped by thousands ("2 148"), and dates
the Norwegian way ("1. desember 2026"); English pages write "1 December 2026" and "2 148.5"."""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from pypdf import PdfReader

from hms import formats
from indicators.models import Indicator, IndicatorValue
from indicators.reports import services
from indicators.reports.models import Report, ReportKind

LAST_YEAR = timezone.localdate().year - 1
NBSP = "\xa0"


@pytest.mark.parametrize(
    ("value", "places", "nb", "en"),
    [
        (Decimal("5.6761"), 1, "5,7", "5.7"),
        ("5.65", 1, "5,7", "5.7"),  # half up, not to even
        (2.675, 2, "2,68", "2.68"),  # a float is read as written, not as its binary value
        (Decimal("2.5"), 0, "3", "3"),
        (Decimal("-2.5"), 0, "-3", "-3"),
        (2148, 0, f"2{NBSP}148", f"2{NBSP}148"),
        (Decimal("1066666.6667"), 0, f"1{NBSP}066{NBSP}667", f"1{NBSP}066{NBSP}667"),
        (Decimal("-0.04"), 1, "0,0", "0.0"),
        (None, 1, "–", "–"),
        ("not a number", 1, "–", "–"),
    ],
)
def test_a_figure_is_rounded_half_up_and_grouped(value, places, nb, en):
    with translation.override("nb"):
        assert formats.number(value, places) == nb
    with translation.override("en"):
        assert formats.number(value, places) == en


def test_the_template_filter_writes_the_same():
    template = Template("{% load numbers %}{{ a|number:1 }} {{ b|number }}")
    with translation.override("nb"):
        assert template.render(Context({"a": Decimal("5.6761"), "b": 2148})) == f"5,7 2{NBSP}148"


def test_dates_are_written_the_norwegian_way_and_english_day_first():
    day = datetime.date(2026, 12, 1)
    with translation.override("nb"):
        assert date_format(day, "DATE_FORMAT") == "1. desember 2026"
        assert date_format(day, "MONTH_DAY_FORMAT") == "1. desember"
        assert date_format(day, "SHORT_DATE_FORMAT") == "01.12.2026"
    with translation.override("en"):
        assert date_format(day, "DATE_FORMAT") == "1 December 2026"
        assert date_format(day, "SHORT_DATE_FORMAT") == "01.12.2026"


def test_every_language_has_its_own_format_module():
    from importlib import import_module

    for code, _name in settings.LANGUAGES:
        module = import_module(f"hms.formats.{code}.formats")
        assert module.DECIMAL_SEPARATOR and module.THOUSAND_SEPARATOR == NBSP


def _put_tertials(code: str, unit, values) -> None:
    indicator = Indicator.objects.get(code=code)
    for tertial, value in enumerate(values, start=1):
        IndicatorValue.objects.create(
            indicator=indicator, unit=unit, year=LAST_YEAR, tertial=tertial, value=Decimal(value)
        )


def _pdf_text(report: Report) -> str:
    with report.pdf.open("rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.fixture
def sick_leave(org, settings, tmp_path):
    """5.6761 % sick leave in DEP last year: 567.61 days of 10,000."""
    settings.MEDIA_ROOT = tmp_path / "media"
    _put_tertials("sick_leave_days", org.department, ["189.2033", "189.2033", "189.2034"])
    _put_tertials("agreed_days", org.department, ["3333", "3333", "3334"])
    return org


def test_the_annual_report_pdf_prints_the_figure_the_page_shows(sick_leave, hms_department, client):
    org = sick_leave
    with translation.override("nb"):
        report = services.report_order(
            actor=hms_department,
            kind=ReportKind.ANNUAL,
            year=LAST_YEAR,
            tertial=0,
            unit=org.department,
        )
    services.report_produce(report.pk)
    report.refresh_from_db()
    text = _pdf_text(report)

    client.force_login(hms_department)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "nb"
    page = client.get(reverse("indicators:unit", args=[org.department.code]), {"view": "year"})
    html = page.content.decode()
    card = html[html.index('id="indicator-sick_leave_pct"') :]
    card = card[: card.index("</figure>")]

    assert (
        f'<th scope="row" class="fw-normal">{LAST_YEAR}</th><td class="text-end">5,7</td>' in card
    )
    assert "5,7" in text and "5,6" not in text
    # Dates in the PDF the Norwegian way, with the full stop.
    assert f"1. januar {LAST_YEAR} – 31. desember {LAST_YEAR}" in text


def test_breadcrumb_links_only_the_units_the_user_may_open(client, org, line_manager):
    client.force_login(line_manager)
    html = client.get(reverse("indicators:unit", args=[org.section.code])).content.decode()
    crumbs = html[html.index('class="breadcrumb ') : html.index("</ol>")]
    assert reverse("indicators:unit", args=[org.department.code]) in crumbs
    assert reverse("indicators:unit", args=[org.root.code]) not in crumbs
    assert reverse("indicators:unit", args=[org.faculty.code]) not in crumbs
    assert org.faculty.name in crumbs  # shown, as text
    for href in re.findall(r'href="(/indicators/[^"?]+)', crumbs):
        assert client.get(href).status_code == 200


def test_the_parts_of_a_figure_are_written_as_figures():
    from indicators.views import _readable_parts

    with translation.override("nb"):
        parts = dict(_readable_parts({"hours_worked": "141666.6667", "window_start": "2025-01-01"}))
    assert parts["Arbeidede timer"] == f"141{NBSP}666,67"
    assert "2025-01-01" in parts.values()
