"""URLs of the assessments app: setup pages (rubrics, periods, points rules) and the points
ledger."""

from django.urls import path

from . import views_setup as views

urlpatterns = [
    path("assessments/rubrics/", views.RubricListView.as_view(), name="rubric_list"),
    path("assessments/rubrics/<int:pk>/", views.RubricDetailView.as_view(), name="rubric_detail"),
    path("assessments/rubrics/<int:pk>/revise/", views.RubricReviseView.as_view(), name="rubric_revise"),
    path(
        "assessments/rubrics/<int:pk>/criteria/new/",
        views.CriterionFormView.as_view(),
        name="criterion_create",
    ),
    path(
        "assessments/criteria/<int:criterion>/edit/",
        views.CriterionFormView.as_view(),
        name="criterion_update",
    ),
    path(
        "assessments/criteria/<int:criterion>/delete/",
        views.CriterionDeleteView.as_view(),
        name="criterion_delete",
    ),
    path("assessments/periods/", views.PeriodListView.as_view(), name="period_list"),
    path("assessments/periods/new/", views.PeriodCreateView.as_view(), name="period_create"),
    path("assessments/periods/<int:pk>/", views.PeriodDetailView.as_view(), name="period_detail"),
    path("assessments/periods/<int:pk>/sync/", views.PeriodSyncView.as_view(), name="period_sync"),
    path("assessments/periods/<int:pk>/close/", views.PeriodCloseView.as_view(), name="period_close"),
    path("assessments/point-rules/", views.PointRuleListView.as_view(), name="point_rule_list"),
    path("assessments/point-rules/edit/", views.PointRuleEditView.as_view(), name="point_rule_edit"),
    path("assessments/points/", views.PointEventListView.as_view(), name="point_list"),
    path("assessments/points/new/", views.PointRecordView.as_view(), name="point_create"),
    path("assessments/points/derive/", views.PointsDeriveView.as_view(), name="points_derive"),
]
