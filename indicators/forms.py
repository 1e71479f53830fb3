from decimal import Decimal

from django import forms
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from indicators import values_csv
from indicators.models import tertial_of


class FigureField(forms.CharField):
    """A number as people type it: "1 066 667,5" or "1066667.5". Empty means no figure."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 40)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "autocomplete": "off"})

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        number = values_csv.parse_number(text)
        if number is None:
            raise forms.ValidationError(_("Write a number, e.g. 1234,5."))
        if number < 0:
            raise forms.ValidationError(_("The value cannot be negative."))
        if number >= values_csv.MAX_VALUE or number.as_tuple().exponent < -4:
            raise forms.ValidationError(_("Too large, or more than four decimals."))
        return number


def show_number(value: Decimal | None) -> str:
    if value is None:
        return ""
    # Without grouping: the field reads it back as typed (a non-breaking space is accepted too).
    return number_format(value.normalize())


class ValuesForm(forms.Form):
    """One field per indicator entered for the period, with the version each was shown at."""

    def __init__(self, *args, indicators, existing: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.indicators = list(indicators)
        self.existing = existing
        for indicator in self.indicators:
            current = existing.get(indicator.pk)
            self.fields[f"value_{indicator.pk}"] = FigureField(
                label=indicator.name,
                initial=show_number(current.value) if current else "",
                help_text=indicator.get_unit_of_measure_display(),
            )
            self.fields[f"version_{indicator.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput,
                min_value=0,
                required=False,
                initial=current.version if current else 0,
            )

    def rows(self):
        """(indicator, value field, version field, current value) for the template, by
        category."""
        for indicator in self.indicators:
            yield (
                indicator,
                self[f"value_{indicator.pk}"],
                self[f"version_{indicator.pk}"],
                self.existing.get(indicator.pk),
            )

    def posted(self):
        from indicators.services import Posted

        return {
            indicator.pk: Posted(
                value=self.cleaned_data.get(f"value_{indicator.pk}"),
                version=self.cleaned_data.get(f"version_{indicator.pk}") or 0,
            )
            for indicator in self.indicators
        }


TERTIAL_CHOICES = [
    (1, _("T1 (January–April)")),
    (2, _("T2 (May–August)")),
    (3, _("T3 (September–December)")),
    (0, _("Whole year")),
]


class PeriodForm(forms.Form):
    """Which period to enter: read from the query string; bad values fall back to now."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    tertial = forms.TypedChoiceField(
        label=_("Period"), choices=TERTIAL_CHOICES, coerce=int, required=False
    )

    @classmethod
    def from_query(cls, query) -> "PeriodForm":
        today = timezone.localdate()
        data = {"year": query.get("year") or today.year, "tertial": query.get("tertial", "")}
        if data["tertial"] == "":
            data["tertial"] = tertial_of(today)
        return cls(data)

    def period(self) -> tuple[int, int]:
        today = timezone.localdate()
        self.is_valid()
        year = self.cleaned_data.get("year") or today.year
        tertial = self.cleaned_data.get("tertial")
        if tertial in (None, ""):
            tertial = tertial_of(today)
        return year, tertial


class ValuesImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        allow_empty_file=True,  # reported with the file's other problems
        help_text=_("Columns: unit, indicator, year, tertial, value."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = values_csv.max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("The file is %(size)s; the largest file accepted is %(limit)s."),
                params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            )
        return upload

    def content(self) -> bytes:
        upload = self.cleaned_data["file"]
        upload.seek(0)
        return upload.read()

    def filename(self) -> str:
        return (self.cleaned_data["file"].name or "")[:255]
