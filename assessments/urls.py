"""URLs of the assessments app, one module per area so each area's views stay together."""

from . import urls_bulletins, urls_reports, urls_setup, urls_work

urlpatterns = [
    *urls_setup.urlpatterns,
    *urls_work.urlpatterns,
    *urls_reports.urlpatterns,
    *urls_bulletins.urlpatterns,
]
