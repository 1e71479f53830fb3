"""The filters and sort orders of the risk app's lists: the risk assessments, the red risks and
the inspection rounds. Each list's page and its exports share them, so the rows on screen are
the rows in the file. Every filter narrows a queryset already scoped with `visible_to(user)`.

The text search matches related rows (an assessment's activities and hazards, a round's
participants and findings) through EXISTS subqueries (units.listing.text_search): a row
matching twice is still listed once, and the list's counts stay right.
"""

import django_filters
from django import forms
from django.db.models import Case, F, IntegerField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from risk.models import (
    AssessmentStatus,
    Finding,
    RiskRow,
    RoundParticipant,
    RoundStatus,
    WorkActivity,
)
from units import listing
from units.forms import UnitCodeField
from units.listing import Column, Related, column

DUE = "due"
ASSESSMENT_STATUS_CHOICES = [
    (AssessmentStatus.DRAFT, _("Draft")),
    (AssessmentStatus.APPROVED, _("Approved")),
    (DUE, _("Due for review")),
]
SEARCH_MAX_LENGTH = 200


def search_field(placeholder) -> django_filters.CharFilter:
    return django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=SEARCH_MAX_LENGTH,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": placeholder}),
    )


class UnitSubtreeFilter(django_filters.Filter):
    """The unit given by its code and every unit below it: one prefix match on the path."""

    field_class = UnitCodeField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(unit__path__startswith=value.path)


def in_subtree(assessments, unit):
    return assessments if unit is None else assessments.filter(unit__path__startswith=unit.path)


def with_status(assessments, status: str, today=None):
    """Assessments of a status as the list shows it: "approved" leaves out those due for
    review, which are their own choice."""
    today = today or timezone.localdate()
    if status == DUE:
        return assessments.due_for_review(today)
    if status == AssessmentStatus.APPROVED:
        return assessments.filter(status=AssessmentStatus.APPROVED).exclude(review_date__lte=today)
    if status == AssessmentStatus.DRAFT:
        return assessments.filter(status=AssessmentStatus.DRAFT)
    return assessments


def search_assessments(assessments, value: str):
    """Assessments whose title or activity, or one of whose work activities or hazards,
    holds every word typed."""
    return listing.text_search(
        assessments,
        value,
        ["title", "activity"],
        [
            Related(WorkActivity.objects.all(), "assessment", ("name",)),
            Related(RiskRow.objects.all(), "assessment", ("hazard",)),
        ],
    )


class AssessmentFilter(django_filters.FilterSet):
    q = search_field(_("Title, activity or hazard"))
    unit = UnitSubtreeFilter(
        label=_("Unit"),
        help_text=_("Sub-units are included."),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. IKJ"), "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=ASSESSMENT_STATUS_CHOICES,
        method="filter_status",
        empty_label=_("Any status"),
    )

    def filter_text(self, queryset, name, value):
        return search_assessments(queryset, value)

    def filter_status(self, queryset, name, value):
        return with_status(queryset, value)


class RedRiskFilter(django_filters.FilterSet):
    """The red list's own filters; its unit (a subtree, by default the user's own) is chosen
    by the view, which answers 404 for a unit the user may not see."""

    q = search_field(_("Hazard, activity or assessment"))
    missing = django_filters.BooleanFilter(
        label=_("Only those without measures"),
        method="filter_missing",
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )

    def filter_text(self, queryset, name, value):
        return listing.text_search(
            queryset, value, ["hazard", "activity__name", "assessment__title"]
        )

    def filter_missing(self, queryset, name, value):
        return queryset.filter(has_measures=False) if value else queryset


def search_rounds(rounds, value: str):
    """Rounds whose unit (code or name) or notes, or one of whose participants (name or user
    name) or findings, hold every word typed."""
    return listing.text_search(
        rounds,
        value,
        [
            "unit__code",
            "unit__name_nb",
            "unit__name_en",
            "pre_meeting_notes",
            "post_meeting_notes",
        ],
        [
            Related(
                RoundParticipant.objects.all(),
                "round",
                ("user__first_name", "user__last_name", "user__username"),
            ),
            Related(Finding.objects.all(), "round", ("text", "location")),
        ],
    )


class RoundFilter(django_filters.FilterSet):
    q = search_field(_("Unit, participant or finding"))
    unit = UnitSubtreeFilter(
        label=_("Unit (with the units below it)"),
        widget=forms.TextInput(attrs={"placeholder": _("e.g. IKJ"), "autocomplete": "off"}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=RoundStatus.choices, empty_label=_("All")
    )

    def filter_text(self, queryset, name, value):
        return search_rounds(queryset, value)


# --- Sorting: each list's column headers, and the order of its exports -------------------------


def unit_name(prefix: str = "unit__"):
    """The unit's name as the page shows it: English where there is one and the page is in
    English, else bokmål."""
    if (get_language() or "nb").startswith("en"):
        return Coalesce(NullIf(F(f"{prefix}name_en"), Value("")), F(f"{prefix}name_nb"))
    return F(f"{prefix}name_nb")


def unit_column(prefix: str = "unit__") -> Column:
    return Column(_("Unit"), lambda: [unit_name(prefix), F(f"{prefix}code")])


def _assessment_status_rank():
    # As the badges read: drafts, then those due for review, then those in order.
    today = timezone.localdate()
    return Case(
        When(status=AssessmentStatus.DRAFT, then=Value(0)),
        When(review_date__lte=today, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )


def _round_status_rank():
    return Case(
        When(status=RoundStatus.PLANNED, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )


ASSESSMENT_COLUMNS = {
    "title": column(_("Assessment"), "title"),
    "unit": unit_column(),
    "date": column(_("Date"), "assessed_on"),
    "status": Column(_("Status"), lambda: [_assessment_status_rank()]),
    "hazards": column(_("Hazards"), "row_count", "red_count"),
    "review": column(_("Review by"), "review_date"),
}
# The list's own order, newest first; the API pages through the same.
ASSESSMENT_ORDERING = ("-assessed_on", "-pk")

RED_COLUMNS = {
    "risk": column(_("Risk"), "value"),
    "hazard": column(_("Hazard"), "hazard"),
    "assessment": column(_("Assessment"), "assessment__title"),
    "unit": unit_column("assessment__unit__"),
    "measures": column(_("Measures"), "has_measures"),
}
# The worst first, then by unit and by the assessment's own order of its hazards.
RED_ORDERING = ("-value", "assessment__unit__path", "assessment_id", "order", "pk")

ROUND_COLUMNS = {
    "date": column(_("Date"), "planned_for"),
    "unit": unit_column(),
    "status": Column(_("Status"), lambda: [_round_status_rank()]),
    "not_ok": column(_("Not OK"), "not_ok_count"),
    "findings": column(_("Findings"), "findings_count"),
}
# The next round first; the API pages through the same.
ROUND_ORDERING = ("-planned_for", "-pk")

FLAGGED_COLUMNS = {
    "unit": Column(_("Unit"), lambda: [unit_name(""), F("code")]),
    "last": column(_("Last round"), "last_completed"),
}
FLAGGED_ORDERING = ("path",)


def sort(queryset, columns: dict[str, Column], ordering: tuple, value: str | None):
    """The list in the order asked for (a column key, "-" before it for descending), ties
    broken by the list's own order; without a known key, the list's own order."""
    key = listing.sort_key(columns, value)
    if not key:
        return queryset.order_by(*ordering)
    # The list's own order breaks ties; it may hold descending fields ("-assessed_on").
    ordered = listing.sort_queryset(queryset, columns, key, tiebreak=())
    return ordered.order_by(*ordered.query.order_by, *ordering)
