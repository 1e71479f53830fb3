"""Every PDF is made for the archive in the language it was asked for (hms.pdf).

Each PDF kind's own test checks it with `assert_archive_pdf`; here, the language: the text, the
`/Lang` and the title follow the reader's language, and a report follows the language it was
ordered in, whoever's worker produces it.
"""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from indicators.reports import services
from indicators.reports.models import ReportKind
from tests.archive_pdf import assert_archive_pdf
from tests.factories import make_routine
from tests.test_reports import LAST_YEAR, small_dataset  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(("language", "approved"), [("nb", "Godkjent"), ("en", "Approved")])
def test_routine_pdf_is_in_the_readers_language(
    client, org, line_manager, employee, language, approved
):
    routine = make_routine(org.department, line_manager, approve_by=line_manager)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    client.force_login(employee)
    response = client.get(reverse("registers:routine_pdf", args=[routine.pk]))
    reader = assert_archive_pdf(response.content, language=language, title=routine.title)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert approved in text


@pytest.mark.parametrize(
    ("language", "title"), [("nb", "Tertialrapport til AMU"), ("en", "Tertial report to AMU")]
)
def test_report_pdf_is_in_the_language_it_was_ordered_in(
    small_dataset,  # noqa: F811
    hms_department,
    private_media,
    language,
    title,
):
    with translation.override(language):
        report = services.report_order(
            actor=hms_department,
            kind=ReportKind.TERTIAL,
            year=LAST_YEAR,
            tertial=2,
            unit=small_dataset.root,
        )
    with translation.override("en" if language == "nb" else "nb"):
        services.report_produce(report.pk)  # a worker whose own language is the other one
    report.refresh_from_db()
    with report.pdf.open("rb") as handle:
        reader = assert_archive_pdf(handle.read(), language=language, title=title)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert title in text
