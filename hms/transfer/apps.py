from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransferConfig(AppConfig):
    name = "hms.transfer"
    label = "transfer"
    verbose_name = _("Export and import of a unit")
