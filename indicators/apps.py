from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = _("Indicators and reports")

    def ready(self) -> None:
        # Registers the cycle's evidence provider for the "indicators" step.
        from indicators import cycle  # noqa: F401
