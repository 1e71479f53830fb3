from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from hms.registers.models import (
    CooperationItem,
    DocumentKind,
    Requirement,
    RoutineTemplate,
)
from units.downloads import OFFICE_TYPES, detect_type, extension_of
from units.images import REENCODE, strip_metadata
from units.limits import LONG_TEXT, SHORT_TEXT, BoundedDateField, bounded_formset
from units.versions import VersionField

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024

# What the register keeps, told by the content (units.downloads): PDF, images, the Office
# and OpenDocument formats, and plain text named .txt.
DOCUMENT_TYPES = frozenset(
    {"application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp"} | OFFICE_TYPES
)
ACCEPTED_DOCUMENTS = (
    ".pdf,.docx,.xlsx,.pptx,.doc,.xls,.ppt,.odt,.ods,.odp,.jpg,.jpeg,.png,.gif,.webp,.txt"
)


def max_document_bytes() -> int:
    return getattr(settings, "REGISTER_DOCUMENT_MAX_BYTES", DEFAULT_MAX_DOCUMENT_BYTES)


def sniff_document_type(upload, name: str) -> str | None:
    """The content type of an accepted document, told by its content; None for anything else."""
    found = detect_type(upload, name)
    if found is None:
        return None
    content_type, _extension = found
    if content_type == "text/plain":
        return content_type if extension_of(name) == ".txt" else None
    return content_type if content_type in DOCUMENT_TYPES else None


class DocumentFileField(forms.FileField):
    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if not upload or upload is initial:
            return upload
        limit = max_document_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                _("“%(name)s” is %(size)s; the largest file accepted is %(limit)s."),
                params={
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit),
                },
            )
        content_type = sniff_document_type(upload, upload.name)
        if content_type is None:
            raise forms.ValidationError(
                _(
                    "“%(name)s” is not a file type the register keeps. Upload a PDF, an "
                    "Office or OpenDocument file, an image or a plain text file."
                ),
                params={"name": upload.name},
            )
        if content_type in REENCODE:
            content_type, _extension = strip_metadata(upload, content_type)
        upload.sniffed_type = content_type
        return upload


class RequirementForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = Requirement
        fields = ["title", "short_name", "kind", "reference", "order", "is_active"]


class LocalRequirementForm(forms.ModelForm):
    """A unit's own requirement: the catalogue's fields less its order."""

    version = VersionField()

    class Meta:
        model = Requirement
        fields = ["title", "short_name", "kind", "reference", "is_active"]


class RoutineTemplateForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = RoutineTemplate
        fields = ["title", "purpose", "scope", "responsibility", "procedure", "references"]
        fields += ["is_active"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ["purpose", "scope", "responsibility", "procedure", "references"]
        }


class RequirementsRegisterForm(forms.Form):
    """One checkbox and one comment per requirement of the catalogue."""

    def __init__(self, *args, requirements, entries, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for requirement in requirements:
            entry = entries.get(requirement.pk)
            applies = f"applies_{requirement.pk}"
            comment = f"comment_{requirement.pk}"
            self.fields[applies] = forms.BooleanField(
                label=_("Applies"), required=False, initial=bool(entry and entry.applies)
            )
            self.fields[comment] = forms.CharField(
                label=_("Comment"),
                required=False,
                max_length=SHORT_TEXT,
                initial=entry.comment if entry else "",
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            # The entry's version as the page showed it; 0 while the unit has no entry yet.
            version = f"version_{requirement.pk}"
            self.fields[version] = VersionField(
                required=True, initial=entry.version if entry else 0
            )
            self.rows.append((requirement, entry, self[applies], self[comment], self[version]))

    def entries(self) -> dict[int, tuple[bool, str]]:
        return {
            requirement.pk: (
                self.cleaned_data[f"applies_{requirement.pk}"],
                self.cleaned_data[f"comment_{requirement.pk}"].strip(),
            )
            for requirement, *_fields in self.rows
        }

    def shown_versions(self) -> dict[int, int]:
        return {
            requirement.pk: self.cleaned_data[f"version_{requirement.pk}"]
            for requirement, *_fields in self.rows
        }


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=DocumentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    edition = forms.CharField(
        label=_("Version"), max_length=30, required=False, help_text=_("e.g. 2.1 or 2025-03")
    )
    review_due = BoundedDateField(label=_("Review date"), required=False, widget=DATE)
    file = DocumentFileField(label=_("File"), required=False)
    archive_ref = forms.CharField(
        label=_("Archive case number"),
        max_length=100,
        required=False,
        help_text=_("Where the original is kept, e.g. 2024/12345. Needed if no file is uploaded."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, has_file: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_file = has_file
        self.fields["file"].widget.attrs["accept"] = ACCEPTED_DOCUMENTS
        self.fields["file"].help_text = _(
            "PDF, Office or OpenDocument files, images or plain text, up to %(size)s."
        ) % {"size": filesizeformat(max_document_bytes())}
        if has_file:
            self.fields["file"].help_text += " " + _(
                "A new file is a new version: the one kept now stays in the document's history."
            )

    def clean(self):
        cleaned = super().clean()
        missing = not (cleaned.get("file") or self.has_file or cleaned.get("archive_ref"))
        if missing and "file" not in self.errors:
            self.add_error(
                "archive_ref",
                _("Upload the file, or give the archive case number where it is kept."),
            )
        return cleaned


def _long_text(label, *, required: bool = True, rows: int = 3, **kwargs) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class RoutineForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    purpose = _long_text(_("Purpose"))
    scope = _long_text(_("Scope"), required=False)
    responsibility = _long_text(_("Responsibility"), required=False)
    procedure = _long_text(_("Procedure"), rows=8)
    references = _long_text(_("References"), required=False)
    review_due = BoundedDateField(label=_("Review date"), required=False, widget=DATE)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    premises = _long_text(
        _("Premises"), rows=2, help_text=_("Buildings, floors, rooms or areas the parties share.")
    )
    activities = _long_text(_("Activities"), help_text=_("What each party does there."))
    valid_from = BoundedDateField(label=_("Valid from"), widget=DATE)
    valid_to = BoundedDateField(label=_("Valid to"), required=False, widget=DATE)
    archive_ref = forms.CharField(label=_("Archive case number"), max_length=100, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date is before the start date."))
        return cleaned


class PartyForm(forms.Form):
    name = forms.CharField(label=_("Enterprise"), max_length=200)
    contact = forms.CharField(label=_("Contact person"), max_length=200, required=False)
    is_main = forms.BooleanField(label=_("Main enterprise"), required=False)


class BasePartyFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        names, mains = set(), 0
        for form in self.forms:
            name = (form.cleaned_data.get("name") or "").strip()
            if not name or form.cleaned_data.get("DELETE"):
                continue
            if name.lower() in names:
                raise forms.ValidationError(_("“%(name)s” is listed twice."), params={"name": name})
            names.add(name.lower())
            mains += bool(form.cleaned_data.get("is_main"))
        if len(names) < 2:
            raise forms.ValidationError(_("An agreement has at least two parties."))
        if mains != 1:
            raise forms.ValidationError(
                _("Mark exactly one party as the main enterprise responsible for coordination.")
            )

    def parties(self) -> list[dict]:
        return [
            {
                "name": form.cleaned_data["name"].strip(),
                "contact": form.cleaned_data.get("contact", "").strip(),
                "is_main": bool(form.cleaned_data.get("is_main")),
            }
            for form in self.forms
            if (form.cleaned_data.get("name") or "").strip()
        ]


# An agreement for a building shared by many tenants has perhaps a dozen parties.
MAX_PARTIES = 50


def party_formset(data=None, initial=None):
    initial = list(initial or [])
    # Room for two more parties than there are, and at least three rows in all.
    extra = max(3 - len(initial), 2)
    formset_class = bounded_formset(
        PartyForm, formset=BasePartyFormSet, extra=extra, max_num=MAX_PARTIES
    )
    return formset_class(data, initial=initial, prefix="party")


class CooperationItemForm(forms.ModelForm):
    class Meta:
        model = CooperationItem
        fields = ["date", "what", "who"]
        widgets = {"date": DATE}
