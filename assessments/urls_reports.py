"""URLs of the assessments app: ranking reports pages (issue 6 §6)."""

from django.urls import path

from . import views_reports as views

urlpatterns: list = [
    path("assessments/reports/", views.ReportListView.as_view(), name="report_list"),
    path("assessments/reports/new/", views.ReportCreateView.as_view(), name="report_create"),
    path("assessments/reports/<int:pk>/", views.ReportDetailView.as_view(), name="report_detail"),
    path("assessments/reports/<int:pk>/status/", views.ReportStatusView.as_view(), name="report_status"),
    path(
        "assessments/reports/<int:pk>/download/", views.ReportDownloadView.as_view(), name="report_download"
    ),
    path("assessments/reports/<int:pk>/retry/", views.ReportRetryView.as_view(), name="report_retry"),
]
