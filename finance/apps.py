from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FinanceConfig(AppConfig):
    name = "finance"
    verbose_name = _("共建专项资金")

    def ready(self):
        from councils import caching

        from . import selectors

        # In every process that writes, so the street's totals never outlive a new entry or flag.
        caching.bump_on_write(selectors.TOTALS_TAG, selectors.TOTALS_COUNTED)
