from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CouncilsConfig(AppConfig):
    name = "councils"
    verbose_name = _("社区共建理事会")

    def ready(self):
        from . import caching, dashboard

        # In every process that writes (web, jobs, commands), so no cached count outlives a write.
        caching.bump_on_write(dashboard.TAG, dashboard.COUNTED)
