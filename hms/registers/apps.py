from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "hms.registers"
    label = "registers"
    verbose_name = _("Registers")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The cycle ticks its map and plan steps from these providers.
        from hms.registers import evidence  # noqa: F401
