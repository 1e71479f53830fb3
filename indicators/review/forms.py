from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from actionplans.forms import CostField
from actionplans.models import Priority
from indicators.review.models import ParticipantFunction
from units.forms import PersonField
from units.limits import LONG_TEXT, NOTES_TEXT, BoundedDateField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionForm(forms.Form):
    """A change made from the review page carries the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            # A missing or mangled hidden field: the page itself is broken, not the input.
            del self._errors["version"]
            self.add_error(None, _("This page is out of date. Reload it and try again."))
        return cleaned


class ReviewCreateForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.localdate().year + 1:
            raise forms.ValidationError(_("A review can be created at most for next year."))
        return year


class ReviewHeaderForm(VersionForm):
    meeting_date = BoundedDateField(label=_("Meeting date"), required=False, widget=DATE)
    archive_case_number = forms.CharField(
        label=_("Archive case number"),
        max_length=50,
        required=False,
        help_text=_("The case number in the archive system, e.g. 2026/1234."),
    )


class ParticipantAddForm(forms.Form):
    function = forms.ChoiceField(label=_("Function"), choices=ParticipantFunction.choices)
    person = PersonField(
        label=_("Person"),
        required=False,
        help_text=_("User name or e-mail address; or leave empty and give a name."),
    )
    name = forms.CharField(
        label=_("Name (without a user)"),
        max_length=200,
        required=False,
        help_text=_("For someone without a user here, e.g. from the occupational health service."),
    )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("person") and not cleaned.get("name", "").strip():
            self.add_error("person", _("Give a user or a name."))
        return cleaned


class TookPartForm(forms.Form):
    took_part = forms.TypedMultipleChoiceField(coerce=int, required=False)

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["took_part"].choices = [(p.pk, p.display_name) for p in participants]


class NotesForm(VersionForm):
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=NOTES_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("Decision"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 2})
    )
    responsible = PersonField(label=_("Responsible"), required=False)
    deadline = BoundedDateField(label=_("Deadline"), required=False, widget=DATE)


class MeasureForm(forms.Form):
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices)
    estimated_cost = CostField()
