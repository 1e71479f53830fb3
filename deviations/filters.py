"""The filters of the deviation list, shared by its exports (the same rows on screen and in a
file), and the trends page's choice of unit and year. Every filter narrows a queryset that is
already scoped with `visible_to(user)`."""

import datetime

import django_filters
from django import forms
from django.db.models import BooleanField, Case, F, Func, IntegerField, Value, When
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from deviations.models import OPEN_STATUSES, Category, DeviationType, Severity, Status
from units import access
from units.forms import BootstrapForm
from units.listing import Column, column
from units.models import Unit

OPEN = "open"
MINE_REPORTED = "reported"
MINE_HANDLED = "handled"


class ILike(Func):
    """`column ILIKE pattern`. The trigram indexes on these columns answer it; `icontains`
    compares UPPER(column) instead, which only an expression index could serve."""

    arg_joiner = " ILIKE "
    template = "(%(expressions)s)"
    output_field = BooleanField()


class UnitCodeField(forms.CharField):
    """A unit given by its code (any case); cleans to the Unit, or says the code is unknown."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)  # the longest code a unit has
        super().__init__(**kwargs)

    def clean(self, value):
        code = super().clean(value)
        if not code:
            return None
        unit = Unit.objects.filter(code__iexact=code.strip()).first()
        if unit is None:
            raise forms.ValidationError(
                _("No unit has the code “%(code)s”."), code="unknown", params={"code": code}
            )
        return unit


class UnitSubtreeFilter(django_filters.Filter):
    """The unit and every unit below it: one prefix match on the materialised path."""

    field_class = UnitCodeField

    def filter(self, qs, value):
        if value is None:
            return qs
        return qs.filter(access.subtree_q(value))


class PeriodDateField(forms.DateField):
    """A date within reason: 9999-12-31 plus a day would be out of Python's range."""

    first, last = datetime.date(1900, 1, 1), datetime.date(2999, 12, 31)

    def clean(self, value):
        day = super().clean(value)
        if day is not None and not self.first <= day <= self.last:
            raise forms.ValidationError(
                _("Give a date between %(first)s and %(last)s."),
                code="out_of_range",
                params={"first": self.first.year, "last": self.last.year},
            )
        return day


class PeriodDateFilter(django_filters.DateFilter):
    field_class = PeriodDateField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


def start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DeviationFilterForm(BootstrapForm):
    def clean(self):
        data = super().clean()
        start, end = data.get("occurred_from"), data.get("occurred_to")
        if start and end and end < start:
            self.add_error("occurred_to", _("The end date is before the start date."))
        return data


class DeviationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_text",
        max_length=200,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Number, title, description, place")}
        ),
    )
    unit = UnitSubtreeFilter(
        label=_("Unit (with sub-units)"),
        widget=forms.TextInput(
            attrs={"list": "unit-codes", "placeholder": _("Unit code"), "autocomplete": "off"}
        ),
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        choices=[(OPEN, _("Open")), *Status.choices],
        method="filter_status",
        empty_label=_("Any status"),
    )
    deviation_type = django_filters.ChoiceFilter(
        label=_("Type"), choices=DeviationType.choices, empty_label=_("Any type")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("Category"),
        queryset=Category.objects.all(),
        to_field_name="code",
        empty_label=_("Any category"),
    )
    severity = django_filters.ChoiceFilter(
        label=_("Severity"), choices=Severity.choices, empty_label=_("Any severity")
    )
    occurred_from = PeriodDateFilter(
        label=_("Happened from"), method="filter_occurred_from", widget=DateInput()
    )
    occurred_to = PeriodDateFilter(
        label=_("Happened to"), method="filter_occurred_to", widget=DateInput()
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only overdue"), method="filter_overdue", widget=forms.CheckboxInput()
    )
    mine = django_filters.ChoiceFilter(
        label=_("Mine"),
        choices=[(MINE_REPORTED, _("Reported by me")), (MINE_HANDLED, _("Handled by me"))],
        method="filter_mine",
        empty_label=_("Everyone's"),
    )

    class Meta:
        form = DeviationFilterForm

    def filter_text(self, queryset, name, value):
        text = value.strip()
        if not text:
            return queryset
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return queryset.filter(
            ILike(F("number"), Value(pattern))
            | ILike(F("title"), Value(pattern))
            | ILike(F("description"), Value(pattern))
            | ILike(F("location"), Value(pattern))
        )

    def filter_status(self, queryset, name, value):
        if value == OPEN:
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset.filter(status=value)

    def filter_occurred_from(self, queryset, name, value):
        # A range on the column itself (not __date) so the index on occurred_at serves it.
        return queryset.filter(occurred_at__gte=start_of_day(value))

    def filter_occurred_to(self, queryset, name, value):
        return queryset.filter(occurred_at__lt=start_of_day(value + datetime.timedelta(days=1)))

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset

    def filter_mine(self, queryset, name, value):
        user = self.request.user
        if value == MINE_REPORTED:
            return queryset.filter(reporter=user)
        return queryset.filter(handler=user)

    @property
    def active(self) -> bool:
        """Does any valid filter narrow the list?"""
        if not self.is_bound or not self.form.is_valid():
            return False
        return any(value not in (None, "", False) for value in self.form.cleaned_data.values())


# --- Sorting: the list's column headings, its pages and the order of its files ----------------


def _in_language(prefix: str):
    """A name as the page shows it: English where there is one and the page is in English,
    else bokmål."""
    if (get_language() or "nb").startswith("en"):
        return Coalesce(NullIf(F(f"{prefix}name_en"), Value("")), F(f"{prefix}name_nb"))
    return F(f"{prefix}name_nb")


def _rank(field: str, choices) -> Case:
    """The choices in the order they are declared (minor before serious, reported before
    closed), not alphabetically by their stored value."""
    return Case(
        *(When(**{field: value}, then=Value(index)) for index, value in enumerate(choices)),
        default=Value(len(choices)),
        output_field=IntegerField(),
    )


SORT_COLUMNS = {
    "number": column(_("Number"), "number"),
    "title": column(_("Title"), "title"),
    "unit": Column(_("Unit"), lambda: [_in_language("unit__"), F("unit__code")]),
    "category": Column(_("Category"), lambda: [_in_language("category__")]),
    "severity": Column(_("Severity"), lambda: [_rank("severity", Severity.values)]),
    "status": Column(_("Status"), lambda: [_rank("status", Status.values)]),
    "reported": column(_("Reported"), "created_at"),
    "deadline": column(_("Deadline"), "deadline"),
}


TREND_YEARS = 12  # the years offered, this one and those before it


class TrendsForm(forms.Form):
    """The trends page's choice of unit (with its subtree) and year."""

    unit = UnitCodeField(
        label=_("Unit (with sub-units)"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "unit-codes",
                "placeholder": _("Unit code"),
                "autocomplete": "off",
            }
        ),
    )
    year = forms.TypedChoiceField(label=_("Year"), coerce=int, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [
            (year, str(year)) for year in range(this_year, this_year - TREND_YEARS, -1)
        ]
