from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hms.surveys.models import FIRST_YEAR, LAST_YEAR
from units.limits import SHORT_TEXT


def _year_field(**kwargs):
    return forms.IntegerField(label=_("Year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, **kwargs)


def _number(label, **kwargs):
    return forms.DecimalField(
        label=label,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        **kwargs,
    )


class SurveyResultForm(forms.Form):
    survey = forms.CharField(
        label=_("Survey"),
        max_length=200,
        help_text=_("E.g. the work environment survey (ARK)."),
    )
    year = _year_field()
    topic = forms.CharField(label=_("Topic"), max_length=200)
    score = _number(_("Score"))
    scale_min = _number(_("Lowest on the scale"), initial=1)
    scale_max = _number(_("Highest on the scale"), initial=5)
    respondents = forms.IntegerField(label=_("Respondents"), min_value=0, max_value=10**6)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        low, high, score = data.get("scale_min"), data.get("scale_max"), data.get("score")
        if low is not None and high is not None:
            if low >= high:
                self.add_error("scale_max", _("The highest value must be above the lowest."))
            elif score is not None and not low <= score <= high:
                self.add_error(
                    "score",
                    _("The score must lie on the scale, %(low)s to %(high)s.")
                    % {"low": low, "high": high},
                )
        return data


class AppraisalForm(forms.Form):
    year = _year_field(widget=forms.HiddenInput)
    held = forms.IntegerField(label=_("Held"), min_value=0, max_value=10**6)
    eligible = forms.IntegerField(
        label=_("Eligible"),
        min_value=0,
        max_value=10**6,
        help_text=_("Employees who should have one"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        data = super().clean()
        held, eligible = data.get("held"), data.get("eligible")
        if held is not None and eligible is not None and held > eligible:
            self.add_error("held", _("More appraisals held than employees who should have one."))
        return data


class YearForm(forms.Form):
    year = _year_field(required=False)

    def year_or_this(self) -> int:
        if self.is_valid() and self.cleaned_data.get("year"):
            return self.cleaned_data["year"]
        return timezone.localdate().year
