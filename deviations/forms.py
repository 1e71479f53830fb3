import datetime

from django import forms
from django.conf import settings
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from actionplans.forms import CostField
from actionplans.models import Effectiveness, MeasureStatus, Priority
from deviations.models import Category, DeviationType, InjuryKind, Severity
from units.attachments import MultipleFileField, MultipleFileInput, check_upload
from units.downloads import detect_type
from units.forms import PersonField, UnitCodeField
from units.limits import EARLIEST_DATE, LONG_TEXT, BoundedDateField, BoundedDateTimeField
from units.models import Unit

# --- Reporting a deviation ---------------------------------------------------------------------

MAX_ATTACHMENTS = 10
# A clock a few minutes ahead of the server's must not make "now" count as the future.
CLOCK_LEEWAY = datetime.timedelta(minutes=5)
DATETIME_LOCAL = "%Y-%m-%dT%H:%M"

# The files a report may carry, told by their content (units.downloads): the name and the
# browser's content type can lie.
ATTACHMENT_TYPES = frozenset(
    {"image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif"}
    | {"application/pdf"}
)
ACCEPTED_TYPES = (
    "image/jpeg,image/png,image/gif,image/webp,image/heic,image/heif,application/pdf,.heic,.heif"
)


def attachment_type(upload) -> tuple[str, str] | None:
    """The content type and extension of an accepted attachment; None for anything else."""
    found = detect_type(upload, upload.name or "")
    return found if found and found[0] in ATTACHMENT_TYPES else None


class ReportUnitField(forms.CharField):
    """An active unit, typed as its code or its full name (the datalist suggests both)."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        text = " ".join(value.split())
        units = Unit.objects.active()
        matches = list(units.filter(code__iexact=text)[:1]) or list(
            units.filter(Q(name_nb__iexact=text) | Q(name_en__iexact=text))[:2]
        )
        if len(matches) != 1:
            raise forms.ValidationError(
                _("No active unit has the code or name “%(unit)s”. Pick a unit from the list."),
                params={"unit": text},
            )
        return matches[0]


def _text(label, help_text="", rows=3, required=False, **kwargs):
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class DeviationReportForm(forms.Form):
    """The report form: what, where, when, how serious, and who may know who reported it."""

    submission_token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": _("The form was incomplete. Check it and send it again."),
            "invalid": _("The form was incomplete. Check it and send it again."),
        },
    )
    title = forms.CharField(
        label=_("What happened? (short)"),
        max_length=200,
        help_text=_("A few words, e.g. “Broken glass on the lab floor”."),
    )
    description = _text(
        _("Describe what happened"),
        _(
            "The facts: what you saw or what happened, and how. Leave out names, and write "
            "nothing about anyone's health here (there is a restricted field for that below)."
        ),
        rows=5,
        required=True,
    )
    deviation_type = forms.ChoiceField(
        label=_("Type"), choices=DeviationType.choices, widget=forms.RadioSelect
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.filter(is_active=True),
        empty_label=_("Choose a category"),
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=Severity.choices,
        widget=forms.RadioSelect,
        help_text=_("How serious the consequence was, or could have been."),
    )
    unit = ReportUnitField(
        label=_("Unit"),
        max_length=200,
        widget=forms.TextInput(attrs={"list": "report-units", "autocomplete": "off"}),
    )
    location = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("Building, room or area, e.g. “Realfagbygget D3-117” or “the field site”."),
    )
    occurred_at = BoundedDateTimeField(
        label=_("When did it happen?"),
        help_text=_("Date and time; an estimate is fine."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_LOCAL),
    )
    actual_consequence = _text(
        _("Actual consequence"),
        _("What it led to: injury, damage, spill, lost work. Leave empty if nothing."),
    )
    potential_consequence = _text(
        _("Potential consequence"), _("What could have happened at worst?")
    )
    immediate_action = _text(
        _("Immediate action taken"),
        _("What was done at once, e.g. first aid given, area cordoned off, spill cleaned up."),
    )
    injury_kind = forms.ChoiceField(
        label=_("Personal injury"), choices=InjuryKind.choices, required=False
    )
    absence_days = forms.IntegerField(
        label=_("Days of absence"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("For an injury with absence: the days away from work; an estimate is fine."),
    )
    health_details = _text(
        _("Health-related details (restricted)"),
        _(
            "Only the case handler, the unit's line manager and safety representative, and the "
            "HSE department can read this field; it is never sent by e-mail. Write only what "
            "the case needs."
        ),
    )
    attachments = MultipleFileField(
        label=_("Attach photos or PDF files"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPTED_TYPES}),
    )
    anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        required=False,
        help_text=_(
            "Your name is not stored with the report, in its history or in any e-mail, and the "
            "report will not be listed as yours. Instead you get a receipt code: the only way "
            "to follow the case and to answer the handler's questions, since nobody can contact "
            "you. What you write, and your photos and files, can still tell who you are."
        ),
    )

    sections = (
        (_("What happened"), ("title", "description", "deviation_type", "category", "severity")),
        (_("Where and when"), ("unit", "location", "occurred_at")),
        (
            _("Consequences"),
            ("actual_consequence", "potential_consequence", "immediate_action"),
        ),
        (_("Injury and health"), ("injury_kind", "absence_days", "health_details")),
        (_("Photos and documents"), ("attachments",)),
        (_("Your name"), ("anonymous",)),
    )

    # Fields that apply only after an earlier answer: (the answer's field, the values it
    # applies for). On a phone the form opens them when they apply (static/js/deviation-form.js);
    # without JavaScript, or when they hold input or an error, they are shown. One form always:
    # a field out of sight is still sent.
    INJURIES = tuple(kind for kind in InjuryKind.values if kind)
    shown_when = {
        "actual_consequence": ("deviation_type", DeviationType.ACCIDENT),
        "potential_consequence": (
            "deviation_type",
            DeviationType.HAZARD,
            DeviationType.NEAR_MISS,
            DeviationType.ACCIDENT,
        ),
        "immediate_action": (
            "deviation_type",
            DeviationType.HAZARD,
            DeviationType.NEAR_MISS,
            DeviationType.ACCIDENT,
        ),
        "absence_days": ("injury_kind", InjuryKind.ABSENCE),
        "health_details": ("injury_kind", *INJURIES),
    }

    def __init__(self, *args, unit_name: str = "", visitor: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if visitor:
            # Not logged in: the report is anonymous, there is no name to give (the page says so).
            del self.fields["anonymous"]
        limit = settings.DEVIATION_ATTACHMENT_MAX_BYTES
        self.fields["attachments"].help_text = _(
            "Images (JPEG, PNG, GIF, WebP, HEIC) or PDF files, up to %(size)s each and "
            "%(count)s files in all."
        ) % {"size": filesizeformat(limit), "count": MAX_ATTACHMENTS}
        self.fields["unit"].help_text = format_html(
            '<span id="report-unit-name" class="d-block fw-semibold text-body">{}</span>{}',
            unit_name,
            _(
                "Where it happened: the unit's line manager and safety representative get the "
                "case. Type a name or a code and pick from the list."
            ),
        )
        # The browser refuses later days; the time of day is checked here, after sending.
        end_of_today = timezone.localtime().replace(hour=23, minute=59)
        self.fields["occurred_at"].widget.attrs.update(
            min=f"{EARLIEST_DATE.isoformat()}T00:00", max=end_of_today.strftime(DATETIME_LOCAL)
        )

    def fieldsets(self):
        """(legend, [(bound field, condition)]) per section; a condition is (field, values
        separated by spaces) for a field shown only when it applies, else None."""
        sections = [
            (legend, [(self[name], self._condition(name)) for name in names if name in self.fields])
            for legend, names in self.sections
        ]
        return [(legend, fields) for legend, fields in sections if fields]

    def _condition(self, name: str):
        if name not in self.shown_when:
            return None
        field, *values = self.shown_when[name]
        return field, " ".join(values)

    def clean_occurred_at(self):
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now() + CLOCK_LEEWAY:
            raise forms.ValidationError(_("This is in the future. When did it happen?"))
        return occurred_at

    def clean_attachments(self):
        uploads = self.cleaned_data["attachments"]
        if len(uploads) > MAX_ATTACHMENTS:
            raise forms.ValidationError(
                _("At most %(count)s files can be attached to one report."),
                params={"count": MAX_ATTACHMENTS},
            )
        limit = settings.DEVIATION_ATTACHMENT_MAX_BYTES
        refused = _("“%(name)s” is not an image (JPEG, PNG, GIF, WebP, HEIC) or a PDF.")
        errors = []
        for upload in uploads:
            try:
                check_upload(upload, types=ATTACHMENT_TYPES, limit=limit, refused=refused)
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            errors.append(
                forms.ValidationError(
                    _("Nothing was sent. Choose the files again, without the refused ones.")
                )
            )
            raise forms.ValidationError(errors)
        return uploads

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("injury_kind") == InjuryKind.ABSENCE:
            if not cleaned.get("absence_days"):
                self.add_error(
                    "absence_days",
                    _("Give the number of days of absence for an injury with absence."),
                )
        else:
            # The field is hidden unless "with absence" is chosen: a number left in it is moot.
            cleaned["absence_days"] = None
        return cleaned


class ReceiptCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The code shown when you reported, e.g. ABCD-EFGH-JKLM-NPQR."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "font-monospace",
            }
        ),
    )


class ReceiptAnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Your answer or comment"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The handler sees it on the case, without your name."),
    )


# --- Handling a deviation (views/handle.py) ----------------------------------------------------
# One small form per action on the case page.


def _date_input():
    # ISO in the value, whatever the language: that is what <input type="date"> reads.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CaseChangeForm(forms.Form):
    """A change to the case made from the page: it carries the version the page showed, so a
    change someone else made meanwhile is noticed instead of overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def clean(self):
        cleaned = super().clean()
        if "version" in self._errors:
            # A missing or mangled hidden field: the page itself is broken, not the input.
            del self._errors["version"]
            self.add_error(None, _("This page is out of date. Reload it and try again."))
        return cleaned


class AcceptForm(CaseChangeForm):
    deadline = BoundedDateField(
        label=_("Deadline"),
        required=False,
        widget=_date_input(),
        help_text=_("When the case should be closed. You can set or change it later."),
    )


class RejectForm(CaseChangeForm):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT,
        help_text=_("The reporter and the safety representative can read it."),
    )


class TransferForm(CaseChangeForm):
    to_unit = UnitCodeField(
        label=_("Transfer to unit"),
        help_text=_("The short code of the unit the deviation belongs to, e.g. IKJ."),
    )
    note = forms.CharField(
        label=_("Note to the new unit"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT,
    )


class DelegateForm(CaseChangeForm):
    handler = PersonField(
        label=_("New handler"),
        help_text=_(
            "User name or e-mail address, e.g. the HSE coordinator. The handler sees the whole "
            "case, health-related details included; the HSE responsibility stays with the "
            "line manager."
        ),
    )
    deadline = BoundedDateField(
        label=_("Deadline"),
        required=False,
        widget=_date_input(),
        help_text=_(
            "When the case should be closed. A delegated case always has one, so that it "
            "shows as overdue if the handling stalls."
        ),
    )


class CorrectForm(CaseChangeForm):
    """What the report got wrong, put right by the handler before the case is closed."""

    deviation_type = forms.ChoiceField(label=_("Type"), choices=DeviationType.choices)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    injury_kind = forms.ChoiceField(
        label=_("Personal injury"),
        choices=InjuryKind.choices,
        required=False,
        help_text=_("Counted in the injury indicators H1, H2 and F."),
    )
    absence_days = forms.IntegerField(
        label=_("Days of absence"),
        min_value=1,
        max_value=1000,
        required=False,
        help_text=_("For an injury with absence."),
    )
    unit = UnitCodeField(
        label=_("Unit"),
        help_text=_(
            "The short code of a unit whose cases you handle. To hand the case to another "
            "unit, transfer it."
        ),
    )

    def __init__(self, *args, category=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The active categories, and the case's own even if it has been retired since.
        condition = Q(is_active=True)
        if category is not None:
            condition |= Q(pk=category.pk)
        self.fields["category"].queryset = Category.objects.filter(condition)

    @classmethod
    def initial_for(cls, deviation) -> dict:
        return {
            "deviation_type": deviation.deviation_type,
            "category": deviation.category_id,
            "severity": deviation.severity,
            "injury_kind": deviation.injury_kind,
            "absence_days": deviation.absence_days,
            "unit": deviation.unit.code,
        }


class ReopenForm(CaseChangeForm):
    reason = forms.CharField(
        label=_("Why is the case reopened?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=LONG_TEXT,
        help_text=_("Recorded in the case log."),
    )


class DeadlineForm(CaseChangeForm):
    deadline = BoundedDateField(label=_("Deadline"), widget=_date_input())


class MeasureForm(forms.Form):
    title = forms.CharField(label=_("What will be done"), max_length=300)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=LONG_TEXT,
    )
    responsible = PersonField(label=_("Responsible"))
    deadline = BoundedDateField(label=_("Deadline"), widget=_date_input())
    priority = forms.ChoiceField(
        label=_("Priority"), choices=Priority.choices, initial=Priority.MEDIUM, required=False
    )
    estimated_cost = CostField()

    def clean_priority(self):
        return self.cleaned_data["priority"] or Priority.MEDIUM


class CloseForm(CaseChangeForm):
    """The cause, the lessons learned and, for each measure not cancelled, whether it worked.

    A measure still open stays open in the action plan unless an effect is chosen for it,
    which closes it. A measure already closed shows the effect recorded then, prefilled. Each
    measure's version travels with the form, so one changed meanwhile is not overwritten
    unseen. What each effect requires is decided by the service (deviation_close)."""

    cause = forms.CharField(
        label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}), max_length=LONG_TEXT
    )
    lessons_learned = forms.CharField(
        label=_("Lessons learned"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=LONG_TEXT,
    )

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = [m for m in measures if m.status != MeasureStatus.CANCELLED]
        for measure in self.measures:
            if measure.is_open:
                choices = [("", _("Leave it open in the action plan")), *Effectiveness.choices]
                label = _("Close it now? Did it work?")
            else:
                choices = [("", "—"), *Effectiveness.choices]
                label = _("Did it work?")
            self.fields[f"effect_{measure.pk}"] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=measure.effectiveness,
            )
            self.fields[f"comment_{measure.pk}"] = forms.CharField(
                label=_("Comment on the effect"),
                widget=forms.Textarea(attrs={"rows": 1}),
                required=False,
                max_length=LONG_TEXT,
                initial=measure.effectiveness_comment,
            )
            self.fields[f"mversion_{measure.pk}"] = forms.IntegerField(
                widget=forms.HiddenInput, required=False, initial=measure.version
            )

    def measure_rows(self):
        """(measure, effect, comment, version) fields for each measure, for the template."""
        return [
            (
                measure,
                self[f"effect_{measure.pk}"],
                self[f"comment_{measure.pk}"],
                self[f"mversion_{measure.pk}"],
            )
            for measure in self.measures
        ]

    def measure_effects(self) -> dict[int, tuple[str, str]]:
        return {
            measure.pk: (
                self.cleaned_data.get(f"effect_{measure.pk}") or "",
                self.cleaned_data.get(f"comment_{measure.pk}") or "",
            )
            for measure in self.measures
        }

    def measure_versions(self) -> dict[int, int]:
        """The version of each measure as the form showed it (those it carried)."""
        versions = {m.pk: self.cleaned_data.get(f"mversion_{m.pk}") for m in self.measures}
        return {pk: version for pk, version in versions.items() if version is not None}

    def take_current_versions(self, measures) -> None:
        """After a refusal: the measures' versions as they are now, so that submitting again,
        having seen the message, goes through."""
        self.data = self.data.copy()
        for measure in measures:
            self.data[f"mversion_{measure.pk}"] = measure.version


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), widget=forms.Textarea(attrs={"rows": 3}), max_length=LONG_TEXT
    )
