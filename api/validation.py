"""The API checks input with the same forms the pages use, so each rule has one definition:
a JSON body becomes the form's data, and the form's errors become the API's field errors."""

from django import forms
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError


def form_data(body) -> dict[str, str]:
    """A JSON object as a form's data: strings as they are, numbers as text, true as "on"
    (a checkbox), false and null as empty. Lists and objects are no form field's value."""
    if not isinstance(body, dict):
        raise ValidationError({"non_field_errors": [_("Send a JSON object.")]})
    data, errors = {}, {}
    for key, value in body.items():
        if isinstance(value, dict | list):
            errors[str(key)] = [_("Give a single value.")]
        elif value is True:
            data[str(key)] = "on"
        elif value is None or value is False:
            data[str(key)] = ""
        else:
            data[str(key)] = str(value)
    if errors:
        raise ValidationError(errors)
    return data


def cleaned(form: forms.Form) -> dict:
    """The form's cleaned data, or a 400 with its errors by field."""
    if not form.is_valid():
        raise ValidationError(
            {
                ("non_field_errors" if field == "__all__" else field): list(messages)
                for field, messages in form.errors.items()
            }
        )
    return form.cleaned_data
