from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import tree as views

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_change_done.html"),
        name="password_change_done",
    ),
    path("districts/", views.DistrictListView.as_view(), name="district_list"),
    path("districts/new/", views.DistrictCreateView.as_view(), name="district_create"),
    path("districts/<int:pk>/", views.DistrictDetailView.as_view(), name="district_detail"),
    path("districts/<int:pk>/edit/", views.DistrictUpdateView.as_view(), name="district_update"),
    path("streets/", views.StreetListView.as_view(), name="street_list"),
    path("streets/new/", views.StreetCreateView.as_view(), name="street_create"),
    path("streets/<int:pk>/", views.StreetDetailView.as_view(), name="street_detail"),
    path("streets/<int:pk>/edit/", views.StreetUpdateView.as_view(), name="street_update"),
    path("communities/", views.CommunityListView.as_view(), name="community_list"),
    path("communities/new/", views.CommunityCreateView.as_view(), name="community_create"),
    path("communities/<int:pk>/", views.CommunityDetailView.as_view(), name="community_detail"),
    path("communities/<int:pk>/edit/", views.CommunityUpdateView.as_view(), name="community_update"),
    path("buildings/", views.BuildingListView.as_view(), name="building_list"),
    path("buildings/new/", views.BuildingCreateView.as_view(), name="building_create"),
    path("buildings/<int:pk>/", views.BuildingDetailView.as_view(), name="building_detail"),
    path("buildings/<int:pk>/edit/", views.BuildingUpdateView.as_view(), name="building_update"),
    path("councils/", views.CouncilListView.as_view(), name="council_list"),
    path("councils/new/", views.CouncilCreateView.as_view(), name="council_create"),
    path("councils/<int:pk>/", views.CouncilDetailView.as_view(), name="council_detail"),
    path("councils/<int:pk>/edit/", views.CouncilUpdateView.as_view(), name="council_update"),
    path("units/", views.MemberUnitListView.as_view(), name="unit_list"),
    path("units/new/", views.MemberUnitCreateView.as_view(), name="unit_create"),
    path("units/<int:pk>/", views.MemberUnitDetailView.as_view(), name="unit_detail"),
    path("units/<int:pk>/edit/", views.MemberUnitUpdateView.as_view(), name="unit_update"),
    path("users/", views.UserListView.as_view(), name="user_list"),
    path("users/new/", views.UserCreateView.as_view(), name="user_create"),
    path("users/<int:pk>/", views.UserDetailView.as_view(), name="user_detail"),
    path("users/<int:pk>/edit/", views.UserUpdateView.as_view(), name="user_update"),
    path("users/<int:pk>/password/", views.UserPasswordView.as_view(), name="user_password"),
    path("users/<int:pk>/unlock/", views.UserUnlockView.as_view(), name="user_unlock"),
    path("users/<int:pk>/roles/new/", views.RoleAssignmentCreateView.as_view(), name="roleassignment_create"),
    path("roles/<int:pk>/revoke/", views.RoleAssignmentDeleteView.as_view(), name="roleassignment_delete"),
]

# Each area of the portal keeps its own patterns beside its views.
urlpatterns += [
    path("", include("councils.views.members")),
    path("", include("councils.views.compliance")),
    path("", include("councils.views.meetings")),
    path("", include("councils.views.plans")),
    path("", include("councils.views.io")),
]
