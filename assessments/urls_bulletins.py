"""URLs of the bulletin pages (R-6.3) and the model cases nominated for them (R-5.2)."""

from django.urls import path

from . import views_bulletins as views

urlpatterns = [
    path("bulletins/", views.BulletinListView.as_view(), name="bulletin_list"),
    path("bulletins/new/", views.BulletinCreateView.as_view(), name="bulletin_create"),
    path("bulletins/<int:pk>/", views.BulletinDetailView.as_view(), name="bulletin_detail"),
    path("bulletins/<int:pk>/status/", views.BulletinStatusView.as_view(), name="bulletin_status"),
    path("bulletins/<int:pk>/edit/", views.BulletinEditView.as_view(), name="bulletin_edit"),
    path("bulletins/<int:pk>/generate/", views.BulletinGenerateView.as_view(), name="bulletin_generate"),
    path("bulletins/<int:pk>/retry/", views.BulletinRetryView.as_view(), name="bulletin_retry"),
    path("bulletins/<int:pk>/publish/", views.BulletinPublishView.as_view(), name="bulletin_publish"),
    path("bulletins/<int:pk>/download/", views.BulletinDownloadView.as_view(), name="bulletin_download"),
    path("model-cases/", views.ModelCaseListView.as_view(), name="modelcase_list"),
    path("model-cases/new/", views.ModelCaseCreateView.as_view(), name="modelcase_create"),
    path("model-cases/<int:pk>/", views.ModelCaseDetailView.as_view(), name="modelcase_detail"),
    path("model-cases/<int:pk>/withdraw/", views.ModelCaseWithdrawView.as_view(), name="modelcase_withdraw"),
]
