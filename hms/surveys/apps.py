from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "hms.surveys"
    label = "surveys"
    verbose_name = _("Work environment surveys and appraisals")

    def ready(self):
        # Tells the yearly cycle which units have surveyed their work environment.
        from hms.surveys import providers  # noqa: F401
