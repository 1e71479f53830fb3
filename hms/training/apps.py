from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "hms.training"
    label = "training"
    verbose_name = _("Training")

    def ready(self) -> None:
        # Registers the "training_needs" evidence for the yearly cycle.
        from hms.training import providers  # noqa: F401
