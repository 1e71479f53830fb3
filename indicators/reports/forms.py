from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from indicators.reports.models import ReportKind, last_ended_tertial
from units.forms import UnitCodeField

TERTIALS = [
    ("1", _("T1 Jan–Apr")),
    ("2", _("T2 May–Aug")),
    ("3", _("T3 Sep–Dec")),
]


class ReportOrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"), choices=ReportKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    tertial = forms.TypedChoiceField(
        label=_("Tertial"),
        choices=[("", "—"), *TERTIALS],
        coerce=int,
        empty_value=None,
        required=False,
        help_text=_("For the tertial report only."),
    )
    unit = UnitCodeField(
        label=_("Unit"),
        required=False,
        help_text=_("The short code of the unit, e.g. IV. Empty: the whole institution."),
    )

    @classmethod
    def initial_values(cls) -> dict:
        year, tertial = last_ended_tertial(timezone.localdate())
        return {"kind": ReportKind.TERTIAL, "year": year, "tertial": str(tertial)}

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == ReportKind.TERTIAL and not cleaned.get("tertial"):
            self.add_error("tertial", _("Choose the tertial."))
        if cleaned.get("kind") == ReportKind.ANNUAL:
            cleaned["tertial"] = None
        return cleaned
