"""The action plan's filters, shared by the page and its exports: the rows on screen are the
rows in the file. Every filter narrows a queryset already scoped to the unit and the user."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import OPEN_STATUSES, MeasureSource, MeasureStatus, Priority

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
        return queryset.filter(Q(title__icontains=value) | Q(description__icontains=value))

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
