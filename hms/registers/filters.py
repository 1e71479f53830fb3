"""The registers' list filters and sortable columns, shared by each page and its exports: the
rows on screen are the rows in the file. Every filter narrows a queryset already scoped to
what the user may read (visible_to, or the unit's register)."""

import django_filters
from django import forms
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hms.registers.models import (
    AgreementParty,
    DocumentKind,
    RequirementKind,
    RoutineStatus,
    UnitRequirement,
)
from units import listing
from units.listing import Column, Related, column

SEARCH_MAX = 200
PERSON = ("first_name", "last_name", "username")


def _search_field(placeholder):
    return django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=SEARCH_MAX,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder}),
    )


def _unit_field():
    return django_filters.CharFilter(
        label=_("Unit code"),
        field_name="unit__code",
        lookup_expr="iexact",
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. IKJ")}),
    )


def _unit_name():
    """The unit's name in the page's language (English falls back to bokmål when empty)."""
    if (get_language() or "nb").startswith("en"):
        return Coalesce(NullIf(F("unit__name_en"), Value("")), F("unit__name_nb"))
    return F("unit__name_nb")


def _people(prefix: str) -> list[str]:
    return [f"{prefix}__{name}" for name in PERSON]


def _person_order(prefix: str):
    return lambda: [F(f"{prefix}__last_name"), F(f"{prefix}__first_name")]


UNIT_COLUMN = Column(_("Unit"), lambda: [_unit_name(), F("unit__code")])


# --- Requirements: the catalogue and a unit's register ------------------------------------------


class CatalogueFilter(django_filters.FilterSet):
    q = _search_field(_("Name, title or reference"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=RequirementKind.choices, empty_label=_("All")
    )

    def filter_text(self, queryset, name, value):
        return listing.text_search(queryset, value, ["short_name", "title", "reference"])


CATALOGUE_COLUMNS = {
    "requirement": column(_("Requirement"), "short_name"),
    "kind": column(_("Kind"), "kind"),
    "reference": column(_("Reference"), "reference"),
}

APPLIES, NOT_APPLYING, UNREVIEWED = "yes", "no", "unreviewed"


class RegisterFilter(django_filters.FilterSet):
    """The unit's requirements register. Whether a requirement applies, the comment and who
    reviewed it live on the unit's entry (UnitRequirement), matched through EXISTS."""

    q = _search_field(_("Name, title, reference, comment or reviewer"))
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=RequirementKind.choices, empty_label=_("All")
    )
    applies = django_filters.ChoiceFilter(
        label=_("Applies"),
        choices=[
            (APPLIES, _("Applies")),
            (NOT_APPLYING, _("Does not apply")),
            (UNREVIEWED, _("Not reviewed yet")),
        ],
        method="filter_applies",
        empty_label=_("All"),
    )

    def __init__(self, data=None, *args, unit, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.entries = UnitRequirement.objects.filter(unit=unit)

    def filter_text(self, queryset, name, value):
        related = Related(self.entries, "requirement", ("comment", *_people("reviewed_by")))
        return listing.text_search(
            queryset, value, ["short_name", "title", "reference"], related=[related]
        )

    def filter_applies(self, queryset, name, value):
        entry = self.entries.filter(requirement=OuterRef("pk"))
        if value == UNREVIEWED:
            return queryset.exclude(Exists(entry))
        return queryset.filter(Exists(entry.filter(applies=value == APPLIES)))


def with_entry(requirements, unit):
    """The requirements annotated with the unit's entry (whether it applies, when and by whom
    it was reviewed), for the register's sortable columns: subqueries, one query in all."""
    entry = UnitRequirement.objects.filter(unit=unit, requirement=OuterRef("pk"))
    return requirements.annotate(
        entry_applies=Subquery(entry.values("applies")[:1]),
        entry_reviewed_on=Subquery(entry.values("reviewed_on")[:1]),
    )


def _applies_rank():
    # Applying first when ascending, then not applying; not reviewed last either way (null).
    return Case(
        When(entry_applies=True, then=Value(0)),
        When(entry_applies=False, then=Value(1)),
        default=None,
        output_field=IntegerField(),
    )


REGISTER_COLUMNS = {
    "applies": Column(_("Applies"), lambda: [_applies_rank()]),
    "requirement": column(_("Requirement"), "short_name"),
    "kind": column(_("Kind"), "kind"),
    "reviewed": column(_("Last reviewed"), "entry_reviewed_on"),
}


def register_sort(requirements, sort: str | None):
    """The register in the order asked for; without one: the catalogue first in its own
    order, then the local requirements."""
    if not listing.sort_key(REGISTER_COLUMNS, sort):
        return requirements.order_by(
            F("unit__path").asc(nulls_first=True), "order", "short_name", "pk"
        )
    return listing.sort_queryset(
        requirements, REGISTER_COLUMNS, sort, tiebreak=("short_name", "pk")
    )


# --- Documents ----------------------------------------------------------------------------------


class DocumentFilter(django_filters.FilterSet):
    q = _search_field(_("Title, version, archive number or approver"))
    unit = _unit_field()
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=DocumentKind.choices, empty_label=_("All")
    )
    due = django_filters.BooleanFilter(
        label=_("With a review date, the next first"),
        method="filter_due",
        widget=forms.CheckboxInput,
    )

    def filter_text(self, queryset, name, value):
        fields = ["title", "edition", "archive_ref", "file_name", "recorded_approver"]
        return listing.text_search(queryset, value, [*fields, *_people("approved_by")])

    def filter_due(self, queryset, name, value):
        return queryset.exclude(review_due__isnull=True) if value else queryset


DOCUMENT_COLUMNS = {
    "title": column(_("Document"), "title"),
    "kind": column(_("Kind"), "kind"),
    "unit": UNIT_COLUMN,
    "edition": column(_("Version"), "edition"),
    "review": column(_("Review date"), "review_due"),
}


def document_sort(documents, sort: str | None, *, due: bool = False):
    if listing.sort_key(DOCUMENT_COLUMNS, sort):
        return listing.sort_queryset(documents, DOCUMENT_COLUMNS, sort)
    if due:
        return documents.order_by("review_due", "pk")
    return documents.order_by("unit__path", "kind", "title", "pk")


# --- Routines -----------------------------------------------------------------------------------


class RoutineFilter(django_filters.FilterSet):
    q = _search_field(_("Title, text, responsibility or approver"))
    unit = _unit_field()
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=RoutineStatus.choices,
        empty_label=_("In force and drafts"),
    )

    def filter_queryset(self, queryset):
        # Without a status the list shows what is current: replaced versions only on request.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.current()
        return super().filter_queryset(queryset)

    def filter_text(self, queryset, name, value):
        fields = ["title", "purpose", "scope", "responsibility", "procedure", "references"]
        return listing.text_search(queryset, value, [*fields, *_people("approved_by")])


ROUTINE_COLUMNS = {
    "title": column(_("Routine"), "title"),
    "unit": UNIT_COLUMN,
    "status": column(_("Status"), "status", "edition"),
    "review": column(_("Review date"), "review_due"),
}


def routine_sort(routines, sort: str | None):
    if listing.sort_key(ROUTINE_COLUMNS, sort):
        return listing.sort_queryset(routines, ROUTINE_COLUMNS, sort)
    return routines.order_by("unit__path", "title", "pk")


# --- Coordination agreements --------------------------------------------------------------------


class AgreementFilter(django_filters.FilterSet):
    q = _search_field(_("Title, premises, activities, party or contact"))
    unit = _unit_field()
    ended = django_filters.BooleanFilter(
        label=_("Include expired"), method="filter_ended", widget=forms.CheckboxInput
    )

    def filter_text(self, queryset, name, value):
        parties = Related(AgreementParty.objects.all(), "agreement", ("name", "contact"))
        return listing.text_search(
            queryset,
            value,
            ["title", "premises", "activities", "archive_ref"],
            related=[parties],
        )

    def filter_ended(self, queryset, name, value):
        if value:
            return queryset
        return queryset.exclude(valid_to__lt=timezone.localdate())


def _main_party():
    main = AgreementParty.objects.filter(agreement=OuterRef("pk"), is_main=True)
    return Subquery(main.values("name")[:1])


AGREEMENT_COLUMNS = {
    "title": column(_("Agreement"), "title"),
    "unit": UNIT_COLUMN,
    "parties": Column(_("Parties"), lambda: [_main_party()]),
    "valid": column(_("Valid"), "valid_to", "valid_from"),
}


def agreement_sort(agreements, sort: str | None):
    if listing.sort_key(AGREEMENT_COLUMNS, sort):
        return listing.sort_queryset(agreements, AGREEMENT_COLUMNS, sort)
    return agreements.order_by("unit__path", "-valid_from", "pk")
