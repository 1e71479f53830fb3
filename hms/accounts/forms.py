from django import forms
from django.utils.translation import gettext_lazy as _

from units.models import User


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        # Authenticator apps show "123 456"; recovery codes are lower case.
        return "".join(self.cleaned_data["code"].split()).lower()


class SettingsForm(forms.ModelForm):
    """What a person sets for themselves: the language of the e-mails they get."""

    class Meta:
        model = User
        fields = ["language"]
        help_texts = {"language": _("Blank: the installation's language.")}
