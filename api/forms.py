from django import forms
from django.utils.translation import gettext_lazy as _

from api.tokens import MAX_EXPIRY_DAYS


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Power BI sick leave report”."),
    )
    read_only = forms.BooleanField(
        label=_("Read-only"),
        required=False,
        initial=True,
        help_text=_("A read-only token can read but never change anything."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=MAX_EXPIRY_DAYS,
        required=False,
        initial=90,
        help_text=_("Leave empty for a token that does not expire."),
    )
