"""The action plan's filters, shared by the page and its exports: the rows on screen are the
rows in the file. Every filter narrows a queryset already scoped to the unit and the user."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Case, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import (
    OPEN_STATUSES,
    Effectiveness,
    MeasureSource,
    MeasureStatus,
    Priority,
)
from units import listing
from units.forms import BootstrapForm
from units.listing import Column, column

OPEN = "open"


class PlanFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title or description")}),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Open")), *MeasureStatus.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    priority = django_filters.ChoiceFilter(
        label=_("Priority"), choices=Priority.choices, empty_label=_("Any priority")
    )
    source = django_filters.ChoiceFilter(
        label=_("Came from"), choices=MeasureSource.choices, empty_label=_("Anywhere")
    )
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible"),
        queryset=get_user_model().objects.none(),
        empty_label=_("Anyone"),
    )
    year = django_filters.NumberFilter(
        label=_("Deadline year"),
        field_name="deadline__year",
        min_value=1900,
        max_value=2999,
        widget=forms.NumberInput(attrs={"placeholder": _("e.g. 2026")}),
    )
    overdue = django_filters.BooleanFilter(
        label=_("Overdue only"), method="filter_overdue", widget=forms.CheckboxInput
    )
    subunits = django_filters.BooleanFilter(
        label=_("Include sub-units"), method="filter_nothing", widget=forms.CheckboxInput
    )

    class Meta:
        form = BootstrapForm

    def __init__(self, data=None, *args, people=None, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Only the people responsible for something in this plan: a select of every user
        # would be unusable.
        if people is not None:
            self.filters["responsible"].queryset = people
            self.form.fields["responsible"].queryset = people

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return listing.text_search(queryset, value, ["title", "description", "origin_label"])

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(status__in=OPEN_STATUSES, deadline__lt=timezone.localdate())

    def filter_nothing(self, queryset, name, value):
        # Sub-units widen the plan's base queryset in the view, before the filters run.
        return queryset


# --- Sorting: the page's column headers and its exports share one order -------------------------


def _rank(field: str, values) -> Case:
    return Case(
        *(When(**{field: value}, then=Value(rank)) for rank, value in enumerate(values)),
        default=Value(len(values)),
        output_field=IntegerField(),
    )


def _open_first():
    return Case(When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1))


def _overdue_first():
    today = timezone.localdate()
    return Case(When(status__in=OPEN_STATUSES, deadline__lt=today, then=Value(0)), default=Value(1))


def _status_rank():
    # Open work first, then what was done, what did not work, and what was cancelled.
    return Case(
        When(status=MeasureStatus.IN_PROGRESS, then=Value(0)),
        When(status=MeasureStatus.PLANNED, then=Value(1)),
        When(status=MeasureStatus.DONE, effectiveness=Effectiveness.NOT_EFFECTIVE, then=Value(3)),
        When(status=MeasureStatus.DONE, then=Value(2)),
        default=Value(4),
        output_field=IntegerField(),
    )


# The plan's sortable columns (units.listing: the one sorting helper every list uses).
SORT_COLUMNS = {
    "title": column(_("Measure"), "title"),
    "priority": Column(_("Priority"), lambda: [_rank("priority", Priority.values)]),
    "responsible": column(
        _("Responsible"),
        "responsible__first_name",
        "responsible__last_name",
        "responsible__username",
    ),
    "deadline": column(_("Deadline"), "deadline"),
    "status": Column(_("Status"), lambda: [_status_rank()]),
    "cost": column(_("Cost (NOK)"), "estimated_cost"),
}


def plan_sort(measures, sort: str | None):
    """The plan in the order asked for (`sort`: a column key, "-" before it for descending).
    Without one, or with one not known: open and overdue work first, then by deadline. Ties
    are broken by the deadline and the id, so the order is the same on every page load."""
    if not listing.sort_key(SORT_COLUMNS, sort):
        return measures.order_by(
            _open_first().asc(), _overdue_first().asc(), F("deadline").asc(), F("pk").asc()
        )
    return listing.sort_queryset(measures, SORT_COLUMNS, sort, tiebreak=("deadline", "pk"))


def sort_links(query, sort: str | None) -> list[dict]:
    """Each sortable column's heading with its link and aria-sort state."""
    return listing.sort_links(query, SORT_COLUMNS, sort)
