from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HmsConfig(AppConfig):
    name = "hms"
    verbose_name = _("HSE management")
