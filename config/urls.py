from django.contrib import admin
from django.urls import include, path

# No route serves MEDIA_ROOT, in any mode (DESIGN.md invariant 10): every stored file is served by
# a view that checks the user's scope (attachments, receipts, evidence, photos, reports, bulletins).
urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("councils.urls")),
    path("", include("finance.views")),
    path("", include("inspections.views")),
    path("", include("surveys.urls")),
    path("", include("assessments.urls")),
]
