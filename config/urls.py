from django.contrib import admin
from django.urls import include, path

# Stored files have no route of their own, in any mode (DESIGN.md invariant 10): each is served by
# its scoped view (attachments, receipts, evidence, photos, reports, bulletins), which checks the
# user's scope first; tests/security/test_stored_files.py pins it.
urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("councils.urls")),
    path("", include("finance.views")),
    path("", include("inspections.views")),
    path("", include("surveys.urls")),
    path("", include("assessments.urls")),
]
