from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Local sign-in: login throttling, password reset and change, the second factor."""

    name = "hms.accounts"
    label = "accounts"
    verbose_name = _("Sign-in")
