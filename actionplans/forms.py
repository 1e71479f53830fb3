from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.models import Effectiveness, MeasureStatus, Priority
from units.forms import PersonField
from units.limits import LONG_TEXT, SHORT_TEXT, BoundedDateField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class CostField(forms.DecimalField):
    """The estimated cost of a measure, as the action plan's own form asks for it."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Estimated cost (NOK)"))
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "widget", forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})
        )
        super().__init__(**kwargs)


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("Measure"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = PersonField(label=_("Responsible"))
    deadline = BoundedDateField(label=_("Deadline"), widget=DateInput())
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM
    )
    estimated_cost = CostField()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, new: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.new = new
        if new:
            del self.fields["version"]

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        # A deadline already past is kept on edit (it is the record), but a new one is a typo.
        if self.new and deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline is in the past."))
        return deadline


class ProgressForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (MeasureStatus.PLANNED, _("Planned")),
            (MeasureStatus.IN_PROGRESS, _("In progress")),
        ],
    )
    progress = forms.CharField(
        label=_("Progress"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What has been done so far, and what remains."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CloseForm(forms.Form):
    effectiveness = forms.ChoiceField(
        label=_("Did the measure work?"),
        choices=Effectiveness.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Record whether the measure worked.")},
    )
    effectiveness_comment = forms.CharField(
        label=_("Comment on the effect"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    cancel_reason = forms.CharField(
        label=_("Why is the measure cancelled?"),
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
