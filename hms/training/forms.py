from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hms.training.models import Course
from hms.training.services import REQUIRABLE_ROLES
from units.downloads import detect_type
from units.forms import PersonField
from units.images import REENCODE, strip_metadata
from units.limits import LONG_TEXT, BoundedDateField
from units.versions import VersionField

EARLIEST_YEAR = 1950  # a typing slip like 0024 for 2024, not a course


CERTIFICATE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})


class TrainingRecordForm(forms.Form):
    person = PersonField(
        label=_("Person"),
        help_text=_("User name or e-mail address. Leave as it is to register your own course."),
    )
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.filter(is_active=True),
        empty_label=_("Choose a course"),
    )
    completed_on = BoundedDateField(
        label=_("Completed on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    duration_hours = forms.DecimalField(
        label=_("Duration (hours)"),
        required=False,
        min_value=0.5,
        max_value=9999,
        decimal_places=1,
        help_text=_("Leave empty to use the course's usual duration."),
    )
    content = forms.CharField(
        label=_("Content"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the course covered, if it differs from the course description."),
    )
    proof_file = forms.FileField(
        label=_("Certificate (file)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )
    proof_reference = forms.CharField(
        label=_("Certificate (reference)"),
        max_length=200,
        required=False,
        help_text=_("Instead of a file: the certificate number or the archive case number."),
    )

    def __init__(self, *args, can_choose_person: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not can_choose_person:
            # Registering one's own course: the person is the user; nothing to choose.
            del self.fields["person"]
        self.fields["proof_file"].help_text = _("A PDF, JPEG or PNG file, up to %(size)s.") % {
            "size": filesizeformat(settings.TRAINING_PROOF_MAX_BYTES)
        }

    def clean_completed_on(self):
        completed_on = self.cleaned_data["completed_on"]
        if completed_on > timezone.localdate():
            raise forms.ValidationError(_("The date is in the future."))
        if completed_on.year < EARLIEST_YEAR:
            raise forms.ValidationError(_("Check the year: this is too long ago."))
        return completed_on

    def clean_proof_file(self):
        upload = self.cleaned_data.get("proof_file")
        if not upload:
            return None
        limit = settings.TRAINING_PROOF_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("“%(name)s” is %(size)s; the largest file accepted is %(limit)s."),
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        # A PDF, or a photo or scan of the paper, told by its content (units.downloads).
        found = detect_type(upload, upload.name or "")
        if found is None or found[0] not in CERTIFICATE_TYPES:
            raise forms.ValidationError(
                _("“%(name)s” is not a PDF, JPEG or PNG file."), params={"name": upload.name}
            )
        if found[0] in REENCODE:
            found = strip_metadata(upload, found[0])
        upload.detected_type, upload.detected_extension = found
        return upload


class CourseForm(forms.Form):
    """A course of the catalogue and the roles requiring it. The code only when adding one:
    it is the course's key and never changes."""

    code = forms.SlugField(
        label=_("Code"),
        max_length=40,
        help_text=_("A short key of lower-case letters, digits and hyphens, e.g. first-aid."),
    )
    name_nb = forms.CharField(label=_("Name (bokmål)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    duration_hours = forms.DecimalField(
        label=_("Duration (hours)"),
        required=False,
        min_value=0.5,
        max_value=9999,
        decimal_places=1,
    )
    validity_months = forms.IntegerField(
        label=_("Valid for (months)"),
        required=False,
        min_value=1,
        max_value=600,
        help_text=_(
            "Leave empty when the course does not expire. A change counts for records "
            "registered from now on; those registered keep the expiry they were given."
        ),
    )
    roles = forms.MultipleChoiceField(
        label=_("Required of"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Everyone holding one of these roles on a unit must hold the course."),
    )
    version = VersionField()

    def __init__(self, *args, adding: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roles"].choices = REQUIRABLE_ROLES
        if not adding:
            del self.fields["code"]
