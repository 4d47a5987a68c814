from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("居民满意度调查")

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
