import datetime
import hashlib
import re
import uuid

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from actionplans.forms import CostField
from deviations.models import Category, DeviationType, Severity
from risk.filters import ASSESSMENT_STATUS_CHOICES, DUE
from risk.models import (
    CONSEQUENCE_LETTERS,
    Answer,
    ChecklistTemplate,
    HazardTemplate,
    ParticipantRole,
    RiskAssessment,
    RiskMatrix,
)
from units.forms import PeoplePickerWidget, PersonField, UnitCodeField
from units.limits import LONG_TEXT, NOTES_TEXT, BoundedDateField, bounded_formset
from units.versions import VersionField

# --- Risk assessments ------------------------------------------------------------------------

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
CHECKBOX = {"class": "form-check-input"}


def scale_label(prefix: str, label: str) -> str:
    """ "C Moderate" as it is, "Moderate" as "C Moderate": the letter or number always shows."""
    return label if label.split(" ", 1)[0] == prefix else f"{prefix} {label}"


def probability_choices(matrix: RiskMatrix) -> list[tuple]:
    labels = matrix.labels("probability")
    return [("", "–")] + [(i, scale_label(str(i), labels[i - 1])) for i in range(1, 6)]


def consequence_choices(matrix: RiskMatrix) -> list[tuple]:
    labels = matrix.labels("consequence")
    return [("", "–")] + [
        (i, scale_label(CONSEQUENCE_LETTERS[i - 1], labels[i - 1])) for i in range(1, 6)
    ]


def score_field(label, choices) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=choices, coerce=int, empty_value=None, required=False
    )


class AssessmentFilterForm(forms.Form):
    """The API's filters of the list, with the list's own choices (risk.filters)."""

    DUE = DUE
    STATUS_CHOICES = [("", _("Any status")), *ASSESSMENT_STATUS_CHOICES]
    unit = UnitCodeField(
        label=_("Unit"),
        required=False,
        help_text=_("A unit's code; its sub-units are included."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)


class AssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    activity = forms.CharField(
        label=_("Activity or area"),
        max_length=300,
        help_text=_("What is assessed, e.g. “Organic synthesis lab, room D2-104”."),
    )
    assessed_on = BoundedDateField(label=_("Date"), widget=DATE_INPUT)


def source_label(assessment: RiskAssessment) -> str:
    return _("%(title)s (%(unit)s, %(date)s, %(status)s)") % {
        "title": assessment.title,
        "unit": assessment.unit.code,
        "date": date_format(assessment.assessed_on, "SHORT_DATE_FORMAT"),
        "status": assessment.get_status_display().lower(),
    }


class AssessmentCreateForm(AssessmentForm):
    unit = UnitCodeField(label=_("Unit"))
    template = forms.ModelChoiceField(
        label=_("Start from a template"),
        queryset=HazardTemplate.objects.filter(is_active=True),
        required=False,
        empty_label=_("No template: start empty"),
        help_text=_("A template adds its common hazards as rows; you score them."),
    )
    source = forms.ModelChoiceField(
        label=_("Or start from an earlier assessment"),
        queryset=RiskAssessment.objects.none(),
        required=False,
        empty_label=_("No: do not copy an assessment"),
        help_text=_(
            "Copies its work activities and hazards with their scores and existing measures. "
            "Left empty, the title and the activity or area are taken from it too."
        ),
    )
    field_order = ["unit", "title", "activity", "assessed_on", "template", "source"]

    def __init__(self, *args, sources=None, shown_sources=(), **kwargs):
        """`sources` is every assessment the user may start from (it checks the choice);
        `shown_sources` the few the select offers, so the page stays small however many
        assessments the user may see."""
        super().__init__(*args, **kwargs)
        self.fields["title"].required = False
        self.fields["activity"].required = False
        field = self.fields["source"]
        if sources is not None:
            field.queryset = sources
        field.choices = [("", field.empty_label)] + [
            (source.pk, source_label(source)) for source in shown_sources
        ]

    def clean(self):
        data = super().clean()
        source = data.get("source")
        if source is not None and data.get("template") is not None:
            self.add_error(
                "source", _("Start from a template or from an earlier assessment, not both.")
            )
        for name in ("title", "activity"):
            if data.get(name) or name in self.errors:
                continue
            if source is not None:
                data[name] = getattr(source, name)
            else:
                self.add_error(name, self.fields[name].error_messages["required"])
        return data


class AssessmentEditForm(AssessmentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ActivityForm(forms.Form):
    """One work task or activity of the mapping step."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = VersionField()
    name = forms.CharField(
        label=_("Work task or activity"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
    harms_people = forms.BooleanField(
        label=_("Can harm people"), required=False, widget=forms.CheckboxInput(CHECKBOX)
    )
    harms_material = forms.BooleanField(
        label=_("Can harm material or equipment"),
        required=False,
        widget=forms.CheckboxInput(CHECKBOX),
    )
    harms_environment = forms.BooleanField(
        label=_("Can harm the external environment"),
        required=False,
        widget=forms.CheckboxInput(CHECKBOX),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's column headings name the checkboxes; screen readers need them too.
        for name in ("name", "harms_people", "harms_material", "harms_environment"):
            self.fields[name].widget.attrs["aria-label"] = self.fields[name].label


class BaseActivityFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].widget.attrs.update(CHECKBOX, **{"aria-label": _("Remove")})


ActivityFormSet = bounded_formset(
    ActivityForm, formset=BaseActivityFormSet, extra=1, can_delete=True
)


class RowForm(forms.Form):
    """A hazard with its scores: probability 1–5, consequence A–E (stored 1–5) per dimension."""

    activity = forms.ModelChoiceField(
        label=_("Work task or activity"),
        queryset=None,
        required=False,
        empty_label=_("(none)"),
    )
    hazard = forms.CharField(
        label=_("Hazard or unwanted event"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    existing_measures = forms.CharField(
        label=_("Existing measures"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    proposed_measures = forms.CharField(
        label=_("Proposed measures"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = VersionField()

    CONSEQUENCES = (
        ("consequence_people", _("People")),
        ("consequence_environment", _("External environment")),
        ("consequence_material", _("Material and economy")),
        ("consequence_reputation", _("Reputation")),
    )

    def __init__(self, *args, matrix: RiskMatrix, activities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = activities
        probability = probability_choices(matrix)
        consequence = consequence_choices(matrix)
        self.fields["probability"] = score_field(_("Probability"), probability)
        for name, label in self.CONSEQUENCES:
            self.fields[name] = score_field(label, consequence)
        self.fields["residual_probability"] = score_field(
            _("Probability after measures"), probability
        )
        self.fields["residual_consequence"] = score_field(
            _("Worst consequence after measures"), consequence
        )

    def consequence_fields(self):
        return [self[name] for name, _label in self.CONSEQUENCES]


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("Measure"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    responsible = PersonField(label=_("Responsible"))
    deadline = BoundedDateField(label=_("Deadline"), widget=DATE_INPUT)
    estimated_cost = CostField()

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline is in the past."))
        return deadline


class ParticipantForm(forms.Form):
    person = PersonField(label=_("Person"))
    role = forms.ChoiceField(
        label=_("Taking part as"), choices=ParticipantRole.choices, initial=ParticipantRole.OTHER
    )
    took_part = forms.BooleanField(label=_("Took part"), required=False)


class ShownVersionsMixin:
    """One hidden `version_<id>` per participant: the participant as the page showed it."""

    def add_version_fields(self, participants) -> None:
        for participant in participants:
            self.fields[f"version_{participant.pk}"] = VersionField(initial=participant.version)

    def shown_versions(self) -> dict[int, int]:
        """Each participant's version as the page showed it; 0 for one it did not show."""
        return {
            participant.pk: self.cleaned_data.get(f"version_{participant.pk}") or 0
            for participant in self.participants
        }


class TookPartForm(ShownVersionsMixin, forms.Form):
    """Who of the invited took part: one checkbox per participant."""

    took_part = forms.MultipleChoiceField(required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        self.fields["took_part"].choices = [(str(p.pk), str(p)) for p in self.participants]
        self.fields["took_part"].initial = [str(p.pk) for p in self.participants if p.took_part]
        self.add_version_fields(self.participants)

    def rows(self):
        """(participant, ticked, version field) for the template."""
        ticked = {str(value) for value in self["took_part"].value() or ()}
        return [
            (participant, str(participant.pk) in ticked, self[f"version_{participant.pk}"])
            for participant in self.participants
        ]


class ApproveForm(forms.Form):
    review_date = BoundedDateField(
        label=_("Review by"),
        widget=DATE_INPUT,
        help_text=_("When the assessment is to be reviewed again; usually a year from now."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    @staticmethod
    def default_review_date(today: datetime.date | None = None) -> datetime.date:
        today = today or timezone.localdate()
        try:
            return today.replace(year=today.year + 1)
        except ValueError:  # 29 February
            return today.replace(year=today.year + 1, day=28)


# --- The risk matrix (the HSE department) -----------------------------------------------------


class MatrixVersionForm(forms.Form):
    """A new version of the matrix: both scales in both languages, zones and colours."""

    green_max = forms.IntegerField(
        label=_("Green (acceptable) up to risk value"), min_value=1, max_value=24
    )
    red_min = forms.IntegerField(
        label=_("Red (measures required) from risk value"), min_value=2, max_value=25
    )
    green_colour = forms.CharField(
        label=_("Green colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    yellow_colour = forms.CharField(
        label=_("Yellow colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )
    red_colour = forms.CharField(
        label=_("Red colour"), max_length=7, widget=forms.TextInput(attrs={"type": "color"})
    )

    SCALES = (("probability", "12345"), ("consequence", CONSEQUENCE_LETTERS))
    LANGUAGES = (("nb", _("bokmål")), ("en", _("English")))

    def __init__(self, *args, matrix: RiskMatrix | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for scale, marks in self.SCALES:
            for language, language_name in self.LANGUAGES:
                for index, mark in enumerate(marks):
                    name = f"{scale}_{language}_{index + 1}"
                    self.fields[name] = forms.CharField(
                        label=f"{mark} ({language_name})", max_length=100
                    )
                    if matrix is not None:
                        labels = getattr(matrix, f"{scale}_labels")
                        values = labels.get(language) or labels.get("nb") or []
                        if index < len(values):
                            self.fields[name].initial = values[index]
        if matrix is not None:
            for name in ("green_max", "red_min", "green_colour", "yellow_colour", "red_colour"):
                self.fields[name].initial = getattr(matrix, name)

    def scale_rows(self, scale: str) -> list[dict]:
        marks = dict(self.SCALES)[scale]
        return [
            {
                "mark": mark,
                "nb": self[f"{scale}_nb_{index + 1}"],
                "en": self[f"{scale}_en_{index + 1}"],
            }
            for index, mark in enumerate(marks)
        ]

    def probability_rows(self):
        return self.scale_rows("probability")

    def consequence_rows(self):
        return self.scale_rows("consequence")

    def _clean_colour(self, name):
        value = self.cleaned_data[name].strip()
        if not HEX_COLOUR.match(value):
            raise forms.ValidationError(_("Give the colour as #rrggbb, e.g. #e53935."))
        return value.lower()

    def clean_green_colour(self):
        return self._clean_colour("green_colour")

    def clean_yellow_colour(self):
        return self._clean_colour("yellow_colour")

    def clean_red_colour(self):
        return self._clean_colour("red_colour")

    def clean(self):
        cleaned = super().clean()
        green, red = cleaned.get("green_max"), cleaned.get("red_min")
        if green is not None and red is not None and green >= red:
            self.add_error("red_min", _("Red must start above where green ends."))
        return cleaned

    def labels(self, scale: str) -> dict:
        return {
            language: [self.cleaned_data[f"{scale}_{language}_{i}"].strip() for i in range(1, 6)]
            for language, _name in self.LANGUAGES
        }


# --- Inspection rounds ------------------------------------------------------------------------
# The walk-through's answers and the measure checks are many small fields saved at once; their
# forms are built from the round's rows. Each row carries a fingerprint of what the page
# showed, so a change someone else saved meanwhile is noticed instead of overwritten.


def _round_date_input():
    # ISO in the value, whatever the language: that is what <input type="date"> reads.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class RoundPeopleField(forms.CharField):
    """Any number of people, by user name or e-mail, one per line or separated by commas."""

    widget = PeoplePickerWidget(attrs={"rows": 2})

    def clean(self, value):
        value = super().clean(value) or ""
        person_field = PersonField()
        people, errors = [], []
        for item in value.replace(",", "\n").replace(";", "\n").splitlines():
            if not item.strip():
                continue
            try:
                person = person_field.clean(item)
            except forms.ValidationError:
                errors.append(
                    forms.ValidationError(
                        _("No single active user has the user name or e-mail %(value)s."),
                        params={"value": item.strip()},
                    )
                )
            else:
                if person not in people:
                    people.append(person)
        if errors:
            raise forms.ValidationError(errors)
        return people


class RoundUnitForm(forms.Form):
    unit = UnitCodeField(
        label=_("Unit"), help_text=_("The short code of the unit to inspect, e.g. IKJ.")
    )


class RoundPlanForm(forms.Form):
    planned_for = BoundedDateField(label=_("Date of the round"), widget=_round_date_input())
    line_manager = PersonField(label=_("Line manager"))
    safety_rep = PersonField(label=_("Safety representative"))
    others = RoundPeopleField(
        label=_("Other participants"),
        required=False,
        max_length=5000,
        help_text=_(
            "User names or e-mail addresses, one per line or separated by commas, e.g. the "
            "HSE coordinator or an employee representative."
        ),
    )
    checklists = forms.ModelMultipleChoiceField(
        label=_("Checklists for the walk-through"),
        queryset=ChecklistTemplate.objects.filter(is_active=True),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The questions are copied into the round; the HSE department keeps the lists."),
        error_messages={"required": _("Choose at least one checklist.")},
    )
    pre_meeting_notes = forms.CharField(
        label=_("Pre-meeting notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTES_TEXT,
        help_text=_(
            "What to look at: areas, open deviations, last year's findings, sick-leave figures."
        ),
    )

    def clean(self):
        cleaned = super().clean()
        manager, rep = cleaned.get("line_manager"), cleaned.get("safety_rep")
        if manager and rep and manager == rep:
            self.add_error(
                "safety_rep",
                _("The safety representative must be someone other than the line manager."),
            )
        return cleaned


class RoundVersionForm(forms.Form):
    """A change of the round made from its page carries the version the page showed."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            # A missing or mangled hidden field: the page itself is broken, not the input.
            del self._errors["version"]
            self.add_error(None, _("This page is out of date. Reload it and try again."))
        return cleaned


class PreMeetingForm(RoundVersionForm):
    pre_meeting_notes = forms.CharField(
        label=_("Pre-meeting notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTES_TEXT,
    )


class PostMeetingForm(RoundVersionForm):
    post_meeting_notes = forms.CharField(
        label=_("Post-meeting notes"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTES_TEXT,
        help_text=_("What was agreed, priorities, and anything for next year's round."),
    )


class ParticipantsForm(ShownVersionsMixin, forms.Form):
    took_part = forms.TypedMultipleChoiceField(
        label=_("Took part"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    add_person = PersonField(label=_("Add a participant"), required=False)

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        self.fields["took_part"].choices = [(p.pk, str(p.user)) for p in self.participants]
        self.add_version_fields(self.participants)

    def rows(self):
        """(participant, checkbox, version field) for the template."""
        versions = [self[f"version_{p.pk}"] for p in self.participants]
        return list(zip(self.participants, self["took_part"], versions, strict=True))


def _comment_field() -> forms.CharField:
    return forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("Comment")}),
    )


def shown_digest(*values) -> str:
    """A short fingerprint of what the page showed for a row."""
    text = "\x1f".join("" if value is None else str(value) for value in values)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class RowsForm(forms.Form):
    """Fields for many rows of the round, named `<field>_<row id>`, with a hidden `shown_<id>`
    holding the fingerprint of the row as the page showed it."""

    row_fields: tuple[str, ...] = ()

    def __init__(self, *args, rows=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = list(rows)
        for row in self.rows:
            for name, field in self.row_field_set(row).items():
                self.fields[f"{name}_{row.pk}"] = field
                self.initial[f"{name}_{row.pk}"] = self.row_value(row, name)
            self.fields[f"shown_{row.pk}"] = forms.CharField(
                widget=forms.HiddenInput, required=False, max_length=64
            )
            self.initial[f"shown_{row.pk}"] = self.digest(row)

    def row_field_set(self, row) -> dict:
        raise NotImplementedError

    def row_value(self, row, name):
        return getattr(row, name)

    def digest(self, row) -> str:
        return shown_digest(*(self.row_value(row, name) for name in self.row_fields))

    def submitted(self, row) -> dict:
        return {name: self.cleaned_data.get(f"{name}_{row.pk}") for name in self.row_fields}

    def was_shown(self, row) -> str:
        return self.cleaned_data.get(f"shown_{row.pk}") or ""

    def bound_rows(self):
        """(row, {name: bound field}) pairs for the template."""
        return [
            (row, {name: self[f"{name}_{row.pk}"] for name in (*self.row_fields, "shown")})
            for row in self.rows
        ]


class AnswersForm(RowsForm):
    row_fields = ("answer", "comment")

    def row_field_set(self, row) -> dict:
        return {
            "answer": forms.ChoiceField(
                label=row.question_text,
                choices=Answer.choices,
                required=False,
                widget=forms.RadioSelect,
            ),
            "comment": _comment_field(),
        }


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class ChecksForm(RowsForm):
    row_fields = ("implemented", "working", "comment")

    def row_field_set(self, row) -> dict:
        return {
            "implemented": forms.ChoiceField(
                label=_("Implemented?"), choices=YES_NO, required=False, widget=forms.RadioSelect
            ),
            "working": forms.ChoiceField(
                label=_("Working as intended?"),
                choices=YES_NO,
                required=False,
                widget=forms.RadioSelect,
            ),
            "comment": _comment_field(),
        }

    def row_value(self, row, name):
        value = getattr(row, name)
        if name == "comment":
            return value
        return "" if value is None else ("yes" if value else "no")

    def submitted(self, row) -> dict:
        values = super().submitted(row)
        for name in ("implemented", "working"):
            values[name] = {"yes": True, "no": False}.get(values[name])
        return values

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            if (
                cleaned.get(f"implemented_{row.pk}") == "no"
                and cleaned.get(f"working_{row.pk}") == "yes"
            ):
                self.add_error(
                    f"working_{row.pk}",
                    _("A measure that is not implemented cannot be working as intended."),
                )
        return cleaned


class FindingForm(forms.Form):
    text = forms.CharField(
        label=_("Finding"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=LONG_TEXT,
        help_text=_("What was found, e.g. a blocked escape route or a missing label."),
    )
    location = forms.CharField(
        label=_("Where"), max_length=200, required=False, help_text=_("Room, lab or area.")
    )


class RoundMeasureForm(forms.Form):
    """A measure in the unit's action plan, made in one step from a finding or a check."""

    title = forms.CharField(label=_("What will be done"), max_length=300)
    responsible = PersonField(label=_("Responsible"))
    deadline = BoundedDateField(label=_("Deadline"), widget=_round_date_input())
    estimated_cost = CostField()

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise forms.ValidationError(_("The deadline has passed already."))
        return deadline


class FindingDeviationForm(forms.Form):
    """Report a finding as a deviation of the unit, in one step. The token makes a double
    submit report it once."""

    deviation_type = forms.ChoiceField(
        label=_("Type"), choices=DeviationType.choices, initial=DeviationType.HAZARD
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=Category.objects.filter(is_active=True)
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=Severity.choices, initial=Severity.MINOR
    )
    submission_token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args, category_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        if category_choices is not None:
            # One list for every finding on the page, instead of a query per form.
            self.fields["category"].choices = category_choices

    def clean(self):
        cleaned = super().clean()
        if "submission_token" in self._errors:
            del self._errors["submission_token"]
            self.add_error(None, _("This page is out of date. Reload it and try again."))
        return cleaned


# --- Hazard templates and round checklists (HSE department) ----------------------------------

# A template of a few dozen hazards or questions is long; more is a typing slip or a script.
MAX_TEMPLATE_LINES = 200


class TemplateForm(forms.Form):
    name_nb = forms.CharField(label=_("Name (bokmål)"), max_length=200)
    name_nn = forms.CharField(
        label=_("Name (nynorsk)"),
        max_length=200,
        required=False,
        help_text=_("Empty: the bokmål name is shown in nynorsk."),
    )
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    version = VersionField()


def _line_text(label, max_length: int, rows: int | None = None) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput()
    return forms.CharField(label=label, max_length=max_length, required=False, widget=widget)


class TemplateLineForm(forms.Form):
    """One hazard or question of a template. An empty line is left out; the order field
    places it (empty: after the others)."""

    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=100000, required=False)
    # (field, Bootstrap column) in the order they are shown.
    columns: tuple = ()
    required_text = ""

    def laid_out(self) -> list:
        return [(self[name], css) for name, css in self.columns]

    def is_empty(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any((data.get(name) or "").strip() for name, _css in self.columns[1:])

    def clean(self):
        data = super().clean()
        if not self.is_empty() and not (data.get(self.required_text) or "").strip():
            self.add_error(
                self.required_text, _("Write it in bokmål, or clear the line to leave it out.")
            )
        return data


class HazardLineForm(TemplateLineForm):
    hazard_nb = _line_text(_("Hazard (bokmål)"), 500)
    hazard_en = _line_text(_("Hazard (English)"), 500)
    existing_measures_nb = _line_text(_("Typical measures (bokmål)"), LONG_TEXT, rows=2)
    existing_measures_en = _line_text(_("Typical measures (English)"), LONG_TEXT, rows=2)
    columns = (
        ("order", "col-4 col-md-2"),
        ("hazard_nb", "col-12 col-md-5"),
        ("hazard_en", "col-12 col-md-5"),
        ("existing_measures_nb", "col-12 col-md-5 offset-md-2"),
        ("existing_measures_en", "col-12 col-md-5"),
    )
    required_text = "hazard_nb"


class QuestionLineForm(TemplateLineForm):
    text_nb = _line_text(_("Question (bokmål)"), 500)
    text_en = _line_text(_("Question (English)"), 500)
    columns = (
        ("order", "col-4 col-md-2"),
        ("text_nb", "col-12 col-md-5"),
        ("text_en", "col-12 col-md-5"),
    )
    required_text = "text_nb"


class BaseTemplateLineFormSet(forms.BaseFormSet):
    def lines(self) -> list[dict]:
        """The kept lines in their order: by the order typed, then as they stand."""
        kept = [
            (index, form.cleaned_data)
            for index, form in enumerate(self.forms)
            if not form.is_empty() and not form.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda item: (item[1].get("order") is None, item[1].get("order"), item[0]))
        return [data for _index, data in kept]


def template_line_formset(line_form, data=None, initial=None):
    initial = list(initial or [])
    formset_class = bounded_formset(
        line_form,
        formset=BaseTemplateLineFormSet,
        extra=3,
        can_delete=True,
        max_num=MAX_TEMPLATE_LINES,
    )
    return formset_class(data, initial=initial, prefix="line")
