import base64
import binascii
import hashlib
import hmac

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from units.limits import SHORT_TEXT, BoundedDateField
from units.models import Role, RoleAssignment, RoleDescription, Unit, UnitType
from units.versions import VersionField


class UnitCodeField(forms.CharField):
    """A unit chosen by its short code: a select of 10,000 units would be unusable."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 32)
        kwargs.setdefault("help_text", _("The short code of the unit, e.g. IV or IBM."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return Unit.objects.get(code__iexact=value.strip())
        except Unit.DoesNotExist:
            raise forms.ValidationError(
                _("No unit has the code %(code)s."), params={"code": value}
            ) from None


def bootstrap_class(widget) -> str:
    """The classes crispy-bootstrap5 gives a widget: its own, its class name in lower case
    (crispy_forms_field.CrispyFieldNode), and Bootstrap's for its kind."""
    own = widget.attrs.get("class", "")
    name = widget.__class__.__name__.lower()
    classes = f"{own} {name}" if own and name not in own else own or name
    if isinstance(widget, forms.CheckboxInput):
        kind = "form-check-input"
    elif isinstance(widget, forms.Select):
        kind = "form-select"
    else:
        kind = "form-control"
    return f"{classes} {kind}"


# Django's widget templates include one another: a text input is three templates, and each
# option of a select two more. These say the same in one template each.
_DJANGO_WIDGETS = "django/forms/widgets/"
FLAT_WIDGET_TEMPLATES = {
    f"{_DJANGO_WIDGETS}{kind}.html": "units/widgets/input.html"
    for kind in ("text", "search", "email", "url", "number", "date", "checkbox", "hidden")
}
FLAT_WIDGET_TEMPLATES[f"{_DJANGO_WIDGETS}select.html"] = "units/widgets/select.html"


def flat_template(widget) -> str:
    if isinstance(widget, forms.Select) and widget.option_template_name != (
        f"{_DJANGO_WIDGETS}select_option.html"
    ):
        return widget.template_name
    return FLAT_WIDGET_TEMPLATES.get(widget.template_name, widget.template_name)


class BootstrapForm(forms.Form):
    """A form drawn field by field with units/_field.html, crispy-bootstrap5's markup without
    crispy: a list draws its filters (and the action plan its bulk form) on every load, and
    crispy's templates cost the deviation list a quarter of its server time (issue 14).

    The widgets carry crispy's classes, and a field with an error gets `is-invalid` once the
    form is cleaned; Django itself adds aria-invalid and points aria-describedby at the error
    and the help text. For the widgets lists use: inputs, selects, check boxes, text areas and
    the person picker (crispy draws radio buttons differently)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = bootstrap_class(field.widget)
            field.widget.template_name = flat_template(field.widget)

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            widget = self.fields[name].widget if name in self.fields else None
            if widget is not None and "is-invalid" not in widget.attrs["class"].split():
                widget.attrs["class"] += " is-invalid"


def add_service_errors(form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field where the form has one,
    otherwise above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PickedPerson(str):
    """What a person picker sends: the chosen person's user name (or, without JavaScript, the
    text typed), remembering the text shown so a form that comes back shows it again."""

    text: str = ""

    def __new__(cls, value: str, text: str = ""):
        picked = super().__new__(cls, value)
        picked.text = text
        return picked


class PersonPickerWidget(forms.TextInput):
    """A search-as-you-type picker: the visible box (`<name>_text`) asks the people search
    with htmx as one types and shows the matches as a listbox; choosing one puts the user name
    in the hidden input the form reads (`<name>`). Without JavaScript the typed user name or
    e-mail is what the form reads."""

    template_name = "units/widgets/person_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        if isinstance(value, get_user_model()):
            key, text = value.get_username(), str(value)
        else:
            key = "" if value is None else str(value)
            text = getattr(value, "text", "")
            if key and not text:
                # An initial user name: show the person's name (pages with many pickers pass
                # the User itself and need no query).
                user = get_user_model().objects.filter(username=key).first()
                text = str(user) if user else key
        context["widget"].update(
            key=key, text=text, search_url=reverse("units:person_pick"), text_name=name + "_text"
        )
        return context

    def value_from_datadict(self, data, files, name):
        text = (data.get(name + "_text") or "").strip()
        chosen = (data.get(name) or "").strip()
        if not chosen and not text:
            return None
        return PickedPerson(chosen or text, text)

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + "_text" not in data


class PeoplePickerWidget(forms.Textarea):
    """The picker for several people: each choice adds a user name to the list the form reads
    (one per line), shown as a removable chip; without JavaScript the list is a plain text
    area of user names or e-mails."""

    template_name = "units/widgets/people_picker.html"

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        keys = [line.strip() for line in (value or "").replace(",", "\n").splitlines()]
        keys = [key for key in keys if key]
        people = {
            user.get_username(): str(user)
            for user in get_user_model().objects.filter(username__in=keys)
        }
        context["widget"].update(
            chosen=[(key, people.get(key, key)) for key in keys],
            search_url=reverse("units:person_pick"),
            text_name=name + "_text",
        )
        return context


class PersonField(forms.CharField):
    """A person, chosen with the search-as-you-type picker; a typed user name or e-mail
    address works too. A select of every employee would be unusable."""

    widget = PersonPickerWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 254)
        kwargs.setdefault("help_text", _("Type a name, e-mail or unit, and choose the person."))
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        value = value.strip()
        users = get_user_model().objects.filter(is_active=True)
        matches = list(users.filter(Q(username__iexact=value) | Q(email__iexact=value))[:2])
        if not matches:
            raise forms.ValidationError(
                _("No active user has this user name or e-mail. Type part of a name and choose.")
            )
        if len(matches) > 1:
            raise forms.ValidationError(
                _("Several users have this e-mail address; give the user name.")
            )
        return matches[0]


class UnitForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32)
    name_nb = forms.CharField(label=_("Name (bokmål)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200, required=False)
    unit_type = forms.ChoiceField(label=_("Unit type"), choices=UnitType.choices)


class UnitCreateForm(UnitForm):
    parent = UnitCodeField(
        label=_("Parent unit"),
        required=False,
        help_text=_("The code of the unit it belongs under. Leave empty for a new top unit."),
    )
    field_order = ["parent", "code", "name_nb", "name_en", "unit_type"]


class UnitEditForm(UnitForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class UnitMoveForm(forms.Form):
    new_parent = UnitCodeField(label=_("New parent unit"))
    version = VersionField()


class RoleAssignForm(forms.Form):
    person = PersonField(label=_("Person"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    valid_from = BoundedDateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    valid_to = BoundedDateField(
        label=_("Valid to"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    delegated = forms.CharField(
        label=RoleAssignment._meta.get_field("delegated").verbose_name,
        help_text=RoleAssignment._meta.get_field("delegated").help_text,
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", _("The end date is before the start date."))
        return cleaned


class DelegationForm(forms.Form):
    delegated = forms.CharField(
        label=RoleAssignment._meta.get_field("delegated").verbose_name,
        help_text=RoleAssignment._meta.get_field("delegated").help_text,
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    # The text the form started from: a save over someone else's newer text is refused.
    shown = forms.CharField(required=False, widget=forms.HiddenInput, max_length=SHORT_TEXT)


class RoleDescriptionForm(forms.ModelForm):
    version = VersionField()

    class Meta:
        model = RoleDescription
        fields = ["responsibility", "tasks", "authority"]
        widgets = {name: forms.Textarea(attrs={"rows": 4}) for name in fields}


class RoleEndForm(forms.Form):
    valid_to = BoundedDateField(
        label=_("Last day in the role"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=_("Leave empty to end the role today."),
    )


class UnitImportForm(forms.Form):
    unit_types = UnitType.choices
    file = forms.FileField(
        label=_("CSV file"),
        allow_empty_file=True,  # reported by the import's own checks, with the others
        help_text=_("Columns: code, parent_code, name_nb, name_en, unit_type."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.UNIT_IMPORT_MAX_BYTES
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


class UnitImportApplyForm(forms.Form):
    """Carries the previewed file back for the apply step, with its SHA-256 so a damaged or
    swapped copy is refused instead of applied."""

    content = forms.CharField(widget=forms.HiddenInput, strip=False)
    sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
    filename = forms.CharField(widget=forms.HiddenInput, max_length=255, required=False)
    plan_digest = forms.CharField(widget=forms.HiddenInput, max_length=64)

    @classmethod
    def for_file(cls, *, content: bytes, filename: str, plan) -> "UnitImportApplyForm":
        return cls(
            initial={
                "content": base64.b64encode(content).decode("ascii"),
                "sha256": hashlib.sha256(content).hexdigest(),
                "filename": filename,
                "plan_digest": plan.digest,
            }
        )

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        try:
            content = base64.b64decode(cleaned["content"], validate=True)
        except (binascii.Error, ValueError):
            content = None
        if content is None or not hmac.compare_digest(
            hashlib.sha256(content).hexdigest(), cleaned["sha256"]
        ):
            raise forms.ValidationError(
                _("The previewed file did not come back intact. Upload it again.")
            )
        cleaned["content"] = content
        return cleaned


class RegisterImportForm(UnitImportForm):
    """The people or role assignment file; the people import may be a partial extract."""

    file = forms.FileField(
        label=_("CSV or Excel file"),
        allow_empty_file=True,  # reported by the import's own checks, with the others
    )
    partial = forms.BooleanField(
        label=_("The file lists only some people (do not treat the others as leaving)"),
        required=False,
    )


class RegisterImportApplyForm(UnitImportApplyForm):
    partial = forms.BooleanField(widget=forms.HiddenInput, required=False)
