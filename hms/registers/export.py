"""The registers as files (CSV and XLSX through units.spreadsheet.respond, which guards every
cell against formulas). Each takes the list's own filtered, sorted queryset, so the file holds
exactly the rows on screen, on every page of them. Dates stay dates."""

from collections.abc import Iterator

from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hms.registers.models import UnitRequirement
from units.spreadsheet import respond

CHUNK = 2000
FORMATS = ("csv", "xlsx")


def person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _date(moment):
    return timezone.localtime(moment).date() if moment else None


def download(rows, columns, name: str, fmt: str, *, sheet_title: str):
    """The file named `name`-<today>.<fmt>."""
    filename = f"{slugify(name)}-{timezone.localdate().isoformat()}.{fmt}"
    return respond(rows, columns, filename, fmt, sheet_title=sheet_title)


# --- Requirements -------------------------------------------------------------------------------

CATALOGUE_COLUMNS = [
    (gettext_lazy("Requirement"), 30),
    (gettext_lazy("Title"), 50),
    (gettext_lazy("Kind"), 20),
    (gettext_lazy("Reference"), 45),
    (gettext_lazy("Active"), 8),
]


def catalogue_rows(requirements) -> Iterator[list]:
    yes, no = _("yes"), _("no")
    for requirement in requirements.iterator(chunk_size=CHUNK):
        yield [
            requirement.short_name,
            requirement.title,
            requirement.get_kind_display(),
            requirement.reference,
            yes if requirement.is_active else no,
        ]


REGISTER_COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Requirement"), 30),
    (gettext_lazy("Title"), 50),
    (gettext_lazy("Kind"), 20),
    (gettext_lazy("Reference"), 45),
    (gettext_lazy("Local requirement of"), 14),
    (gettext_lazy("Applies"), 16),
    (gettext_lazy("Comment"), 50),
    (gettext_lazy("Last reviewed"), 12),
    (gettext_lazy("Reviewed by"), 24),
]


def register_rows(unit, requirements) -> Iterator[list]:
    """The unit's register: each requirement with the unit's entry. Two queries."""
    entries = {
        entry.requirement_id: entry
        for entry in UnitRequirement.objects.filter(unit=unit).select_related("reviewed_by")
    }
    states = {True: _("yes"), False: _("no"), None: _("not reviewed yet")}
    for requirement in requirements.select_related("unit").iterator(chunk_size=CHUNK):
        entry = entries.get(requirement.pk)
        state = states[entry.applies if entry else None]
        yield [
            unit.code,
            requirement.short_name,
            requirement.title,
            requirement.get_kind_display(),
            requirement.reference,
            requirement.unit.code if requirement.unit_id else "",
            state,
            entry.comment if entry else "",
            entry.reviewed_on if entry else None,
            person(entry.reviewed_by) if entry else "",
        ]


# --- Documents ----------------------------------------------------------------------------------

DOCUMENT_COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 30),
    (gettext_lazy("Document"), 40),
    (gettext_lazy("Kind"), 26),
    (gettext_lazy("Version"), 10),
    (gettext_lazy("Approved by"), 24),
    (gettext_lazy("Approved on"), 12),
    (gettext_lazy("Review date"), 12),
    (gettext_lazy("Archive case number"), 18),
    (gettext_lazy("File"), 30),
]


def document_rows(documents) -> Iterator[list]:
    documents = documents.select_related("unit", "approved_by")
    for document in documents.iterator(chunk_size=CHUNK):
        if document.approved_by_id:
            approver, approved = person(document.approved_by), _date(document.approved_at)
        else:
            approver, approved = document.recorded_approver, document.recorded_approved_on
        yield [
            document.unit.code,
            document.unit.name,
            document.title,
            document.get_kind_display(),
            document.edition,
            approver,
            approved,
            document.review_due,
            document.archive_ref,
            document.file_name,
        ]


# --- Routines -----------------------------------------------------------------------------------

ROUTINE_COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 30),
    (gettext_lazy("Routine"), 40),
    (gettext_lazy("Status"), 12),
    (gettext_lazy("Version"), 8),
    (gettext_lazy("Responsibility"), 40),
    (gettext_lazy("Approved by"), 24),
    (gettext_lazy("Approved on"), 12),
    (gettext_lazy("Review date"), 12),
]


def routine_rows(routines) -> Iterator[list]:
    for routine in routines.select_related("unit", "approved_by").iterator(chunk_size=CHUNK):
        yield [
            routine.unit.code,
            routine.unit.name,
            routine.title,
            routine.get_status_display(),
            routine.edition,
            routine.responsibility,
            person(routine.approved_by),
            _date(routine.approved_at),
            routine.review_due,
        ]


# --- Coordination agreements --------------------------------------------------------------------

AGREEMENT_COLUMNS = [
    (gettext_lazy("Unit code"), 11),
    (gettext_lazy("Unit"), 30),
    (gettext_lazy("Agreement"), 40),
    (gettext_lazy("Main enterprise"), 24),
    (gettext_lazy("Other parties"), 40),
    (gettext_lazy("Premises"), 40),
    (gettext_lazy("Valid from"), 12),
    (gettext_lazy("Valid to"), 12),
    (gettext_lazy("Archive case number"), 18),
]


def agreement_rows(agreements) -> Iterator[list]:
    """One query for the agreements and one per chunk for their parties."""
    agreements = agreements.select_related("unit").prefetch_related("parties")
    for agreement in agreements.iterator(chunk_size=CHUNK):
        parties = list(agreement.parties.all())
        yield [
            agreement.unit.code,
            agreement.unit.name,
            agreement.title,
            ", ".join(p.name for p in parties if p.is_main),
            ", ".join(p.name for p in parties if not p.is_main),
            agreement.premises,
            agreement.valid_from,
            agreement.valid_to,
            agreement.archive_ref,
        ]
