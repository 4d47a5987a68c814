"""The portal's URLs plus the minimal view the street dashboard's throughput is compared with:
no template, no query, through the same middleware."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as portal


def minimal(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("bench/minimal", minimal, name="bench_minimal"), *portal]
