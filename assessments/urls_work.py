"""URLs of the assessments app: work pages (the worklist, one assessment and its workflow steps, a
unit's score card, the rankings)."""

from django.urls import path

from . import views_work as views

urlpatterns = [
    path("assessments/", views.AssessmentListView.as_view(), name="assessment_list"),
    path("assessments/bulk/", views.BulkActionView.as_view(), name="assessment_bulk"),
    path("assessments/<int:pk>/", views.AssessmentDetailView.as_view(), name="assessment_detail"),
    path("assessments/<int:pk>/score/", views.AssessmentScoreView.as_view(), name="assessment_score"),
    path("assessments/<int:pk>/submit/", views.AssessmentSubmitView.as_view(), name="assessment_submit"),
    path("assessments/<int:pk>/confirm/", views.AssessmentConfirmView.as_view(), name="assessment_confirm"),
    path("assessments/<int:pk>/return/", views.AssessmentReturnView.as_view(), name="assessment_return"),
    path("assessments/<int:pk>/publish/", views.AssessmentPublishView.as_view(), name="assessment_publish"),
    path("assessments/<int:pk>/adjust/", views.AssessmentAdjustView.as_view(), name="assessment_adjust"),
    path("assessments/units/<int:pk>/", views.UnitScorecardView.as_view(), name="unit_scorecard"),
    path("assessments/rankings/", views.RankingView.as_view(), name="assessment_rankings"),
]
