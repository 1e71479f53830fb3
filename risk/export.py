"""The risk assessment list and the red risks as files (CSV and XLSX through the one shared
helper, units.spreadsheet.respond). Each takes its list's filtered and sorted queryset, so the
file holds exactly the rows on screen, on every page; one query, read in chunks."""

from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from risk.models import AssessmentStatus

CHUNK = 2000

# (header, width in characters)
ASSESSMENT_COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 30),
    (gettext_lazy("Assessment"), 40),
    (gettext_lazy("Activity or area"), 40),
    (gettext_lazy("Date"), 12),
    (gettext_lazy("Status"), 16),
    (gettext_lazy("Hazards"), 9),
    (gettext_lazy("Red"), 7),
    (gettext_lazy("Not scored"), 10),
    (gettext_lazy("Review by"), 12),
]

RED_COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 30),
    (gettext_lazy("Assessment"), 40),
    (gettext_lazy("Assessment status"), 16),
    (gettext_lazy("Activity"), 30),
    (gettext_lazy("Hazard"), 45),
    (gettext_lazy("Risk"), 7),
    (gettext_lazy("Risk value"), 10),
    (gettext_lazy("Existing measures"), 40),
    (gettext_lazy("Proposed measures"), 40),
    (gettext_lazy("Has measures"), 12),
]


def status_label(assessment, today) -> str:
    """As the list's badge reads it: draft, due for review, or approved."""
    if assessment.status == AssessmentStatus.DRAFT:
        return _("Draft")
    if assessment.is_due_for_review(today):
        return _("Due for review")
    return _("Approved")


def assessment_rows(assessments) -> Iterator[list]:
    """One list of plain values per assessment, in the order of ASSESSMENT_COLUMNS.
    `assessments` carries the list's counts (views.assessments.with_row_counts)."""
    today = timezone.localdate()
    for assessment in assessments.iterator(chunk_size=CHUNK):
        yield [
            assessment.unit.code,
            assessment.unit.name,
            assessment.title,
            assessment.activity,
            assessment.assessed_on,
            status_label(assessment, today),
            assessment.row_count,
            assessment.red_count,
            assessment.unscored_count,
            assessment.review_date,
        ]


def red_rows(rows) -> Iterator[list]:
    """One list of plain values per red hazard, in the order of RED_COLUMNS. `rows` carries
    the red list's annotations (value, has_measures) and its assessment, unit and activity."""
    today = timezone.localdate()
    yes, no = _("yes"), _("no")
    for row in rows.iterator(chunk_size=CHUNK):
        assessment = row.assessment
        yield [
            assessment.unit.code,
            assessment.unit.name,
            assessment.title,
            status_label(assessment, today),
            row.activity.name if row.activity else "",
            row.hazard,
            row.code,
            row.value,
            row.existing_measures,
            row.proposed_measures,
            yes if row.has_measures else no,
        ]
