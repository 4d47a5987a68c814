"""URLs of the residents' surveys (R-6.2). The residents' pages sit under the short /s/ so the QR
code on a poster stays small and easy to scan."""

from django.urls import path

from . import views, views_public, views_results, views_review

urlpatterns = [
    # Public: no sign-in. The token names the community and the round (surveys.posters).
    path("s/<str:token>/", views_public.SurveyView.as_view(), name="survey_public"),
    path("s/<str:token>/thanks/", views_public.ThanksView.as_view(), name="survey_thanks"),
    # Rounds and questionnaires.
    path("surveys/rounds/", views.RoundListView.as_view(), name="survey_round_list"),
    path("surveys/rounds/new/", views.RoundCreateView.as_view(), name="survey_round_create"),
    path("surveys/rounds/<int:pk>/", views.RoundDetailView.as_view(), name="survey_round_detail"),
    path("surveys/rounds/<int:pk>/edit/", views.RoundUpdateView.as_view(), name="survey_round_update"),
    path("surveys/rounds/<int:pk>/answers.xlsx", views.AnswersExportView.as_view(), name="survey_export"),
    path("surveys/questionnaires/", views.QuestionnaireListView.as_view(), name="questionnaire_list"),
    path(
        "surveys/questionnaires/<int:pk>/",
        views.QuestionnaireDetailView.as_view(),
        name="questionnaire_detail",
    ),
    path(
        "surveys/questionnaires/<int:pk>/revise/",
        views.QuestionnaireReviseView.as_view(),
        name="questionnaire_revise",
    ),
    path(
        "surveys/questionnaires/<int:pk>/questions/new/",
        views.QuestionCreateView.as_view(),
        name="question_create",
    ),
    path("surveys/questions/<int:pk>/edit/", views.QuestionUpdateView.as_view(), name="question_update"),
    # Posters.
    path("surveys/posters/", views.PosterListView.as_view(), name="survey_poster_list"),
    path("surveys/posters/<int:pk>/", views.PosterView.as_view(), name="survey_poster"),
    # Answers held as a burst, for the community's staff and the city office.
    path("surveys/review/", views_review.ReviewListView.as_view(), name="survey_review_list"),
    path("surveys/review/communities/<int:pk>/", views_review.ReviewView.as_view(), name="survey_review"),
    # Results.
    path("surveys/results/", views_results.ScopeResultsView.as_view(), name="survey_results"),
    path(
        "surveys/results/districts/<int:pk>/",
        views_results.DistrictResultsView.as_view(),
        name="survey_results_district",
    ),
    path(
        "surveys/results/streets/<int:pk>/",
        views_results.StreetResultsView.as_view(),
        name="survey_results_street",
    ),
    path(
        "surveys/results/communities/<int:pk>/",
        views_results.CommunityResultsView.as_view(),
        name="survey_results_community",
    ),
]
