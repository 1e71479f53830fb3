from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CycleConfig(AppConfig):
    name = "hms.cycle"
    label = "cycle"
    verbose_name = _("Yearly HMS cycle")

    def ready(self) -> None:
        # The providers register themselves with the evidence registry on import.
        from hms.cycle import evidence_providers  # noqa: F401
