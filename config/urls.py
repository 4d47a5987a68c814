from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("councils.urls")),
    path("", include("finance.views")),
    path("", include("inspections.views")),
    path("", include("surveys.urls")),
    path("", include("assessments.urls")),
]

if settings.DEBUG:
    urlpatterns += [
        path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT})
    ]
