"""Pages for the city tree, councils, member units, users and roles. Every queryset comes from
`visible_to(user)`; an object outside the user's scope is a 404 (DESIGN.md invariant 1)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, TemplateView
from django_filters.views import FilterView

from .. import compliance, dashboard, filtersets, forms, selectors, services
from ..models import (
    Building,
    Community,
    Council,
    District,
    Meeting,
    Membership,
    MemberUnit,
    Plan,
    ResponsibleArea,
    RoleAssignment,
    Street,
    Task,
)
from ..periods import Quarter, today
from ..roles import Capability
from ..scoping import grants_of
from .base import (
    PAGE_SIZE,
    BreadcrumbMixin,
    ScopedCreateView,
    ScopedListView,
    ScopedMixin,
    ScopedUpdateView,
)

User = get_user_model()


# --- Sign-in, dashboard, health ----------------------------------------------------------------


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = forms.SignInForm
    redirect_authenticated_user = True


class HomeView(ScopedMixin, TemplateView):
    """The user's dashboard: what lies within their scope and links down the tree (R-6.1)."""

    template_name = "councils/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # The counts are the same for everyone with the same scope: kept a minute, dropped on
        # every write to what they count (councils.dashboard).
        counts = dashboard.scope_counts(user)
        context.update(counts, grants=counts["grant_labels"])
        if not grants_of(user):
            context["no_roles"] = True
        # Other apps add cards through settings.DASHBOARD_PANELS (dotted paths of functions taking
        # the request and returning a context with its "template", or None), so this app imports
        # none of them.
        panels = (import_string(path)(self.request) for path in settings.DASHBOARD_PANELS)
        context["panels"] = [panel for panel in panels if panel]
        return context


def healthz(request):
    """For load balancers and the compose healthcheck: the process answers and reaches the database."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return HttpResponse("ok", content_type="text/plain")


# --- Districts ---------------------------------------------------------------------------------


class DistrictListView(ScopedListView):
    model = District
    filterset_class = filtersets.DistrictFilter
    template_name = "councils/district_list.html"
    with_counts = staticmethod(selectors.districts_with_counts)
    create_capability = Capability.MANAGE_TREE


class DistrictDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = District
    template_name = "councils/district_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["streets"] = selectors.streets_with_counts(
            Street.objects.visible_to(self.request.user).filter(district=self.object)
        )
        context["can_edit"] = self._can_edit()
        return context

    def _can_edit(self):
        return (
            District.objects.visible_to(self.request.user, Capability.MANAGE_TREE)
            .filter(pk=self.object.pk)
            .exists()
        )


class DistrictCreateView(ScopedCreateView):
    model = District
    form_class = forms.DistrictForm
    capability = Capability.MANAGE_TREE
    parent = None  # a district hangs below the city: only a city-wide role adds one


class DistrictUpdateView(ScopedUpdateView):
    model = District
    form_class = forms.DistrictForm
    capability = Capability.MANAGE_TREE


# --- Streets -----------------------------------------------------------------------------------


class StreetListView(ScopedListView):
    model = Street
    filterset_class = filtersets.StreetFilter
    template_name = "councils/street_list.html"
    with_counts = staticmethod(selectors.streets_with_counts)
    create_capability = Capability.MANAGE_TREE


class StreetDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = Street
    template_name = "councils/street_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("district")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["communities"] = selectors.communities_with_counts(
            Community.objects.visible_to(user).filter(street=self.object)
        )
        context["units"] = selectors.units_with_counts(
            MemberUnit.objects.visible_to(user).filter(street=self.object)
        )[:PAGE_SIZE]
        context["can_edit"] = (
            Street.objects.visible_to(user, Capability.MANAGE_TREE).filter(pk=self.object.pk).exists()
        )
        return context


class StreetCreateView(ScopedCreateView):
    model = Street
    parent = District
    form_class = forms.StreetForm
    capability = Capability.MANAGE_TREE


class StreetUpdateView(ScopedUpdateView):
    model = Street
    form_class = forms.StreetForm
    capability = Capability.MANAGE_TREE


# --- Communities -------------------------------------------------------------------------------


class CommunityListView(ScopedListView):
    model = Community
    filterset_class = filtersets.CommunityFilter
    template_name = "councils/community_list.html"
    with_counts = staticmethod(selectors.communities_with_counts)
    create_capability = Capability.MANAGE_TREE


class CommunityDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = Community
    template_name = "councils/community_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("street__district", "council")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["buildings"] = (
            Building.objects.visible_to(user).filter(community=self.object).select_related("community")
        )
        context["can_edit"] = (
            Community.objects.visible_to(user, Capability.MANAGE_TREE).filter(pk=self.object.pk).exists()
        )
        context["can_add_building"] = (
            Community.objects.visible_to(user, Capability.MANAGE_BUILDINGS).filter(pk=self.object.pk).exists()
        )
        context["can_add_council"] = (
            not hasattr(self.object, "council")
            and Community.objects.visible_to(user, Capability.MANAGE_COUNCILS)
            .filter(pk=self.object.pk)
            .exists()
        )
        return context


class CommunityCreateView(ScopedCreateView):
    model = Community
    parent = Street
    form_class = forms.CommunityForm
    capability = Capability.MANAGE_TREE


class CommunityUpdateView(ScopedUpdateView):
    model = Community
    form_class = forms.CommunityForm
    capability = Capability.MANAGE_TREE


# --- Buildings ---------------------------------------------------------------------------------


class BuildingListView(ScopedListView):
    model = Building
    filterset_class = filtersets.BuildingFilter
    template_name = "councils/building_list.html"
    create_capability = Capability.MANAGE_BUILDINGS

    def get_queryset(self):
        return super().get_queryset().select_related("community__street")


class BuildingDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = Building
    template_name = "councils/building_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("community__street__district")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_edit"] = (
            Building.objects.visible_to(self.request.user, Capability.MANAGE_BUILDINGS)
            .filter(pk=self.object.pk)
            .exists()
        )
        return context


class BuildingCreateView(ScopedCreateView):
    model = Building
    parent = Community
    form_class = forms.BuildingForm
    capability = Capability.MANAGE_BUILDINGS


class BuildingUpdateView(ScopedUpdateView):
    model = Building
    form_class = forms.BuildingForm
    capability = Capability.MANAGE_BUILDINGS


# --- Councils ----------------------------------------------------------------------------------


class CouncilListView(ScopedListView):
    model = Council
    filterset_class = filtersets.CouncilFilter
    template_name = "councils/council_list.html"
    with_counts = staticmethod(selectors.councils_with_counts)
    create_capability = Capability.MANAGE_COUNCILS


class CouncilDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    """The council page: members and their areas, this year's quarters and meetings, plans and
    tasks (issue 3 §9). A fixed number of queries whatever the council's history."""

    model = Council
    template_name = "councils/council_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("community__street__district")
            .prefetch_related(
                "terms",
                Prefetch(
                    "memberships",
                    queryset=Membership.objects.select_related("unit")
                    .prefetch_related(
                        Prefetch("areas", queryset=ResponsibleArea.objects.select_related("building"))
                    )
                    .order_by(F("left_on").desc(nulls_first=True), "position", "unit__name"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        council = self.object
        year = today().year
        context["can_edit"] = (
            Council.objects.visible_to(user, Capability.MANAGE_COUNCILS).filter(pk=council.pk).exists()
        )
        context["can_record"] = (
            Council.objects.visible_to(user, Capability.RECORD_MEETINGS).filter(pk=council.pk).exists()
        )
        context["n_buildings"] = Building.objects.filter(community_id=council.community_id).count()
        context["year"] = year
        context["quarters"] = compliance.year_grid(council, year)
        context["meetings"] = (
            Meeting.objects.visible_to(user)
            .filter(council=council, held_at__gte=Quarter(year, 1).start)
            .order_by("-held_at")[:12]
        )
        context["plans"] = (
            Plan.objects.visible_to(user).filter(council=council).exclude(status=Plan.Status.WITHDRAWN)[:10]
        )
        tasks = Task.objects.visible_to(user).filter(council=council).select_related("assignee")
        context["open_tasks"] = tasks.filter(status=Task.Status.OPEN).order_by("due_on")[:10]
        context["task_counts"] = tasks.aggregate(
            open=Count("pk", filter=Q(status=Task.Status.OPEN)),
            overdue=Count("pk", filter=Q(status=Task.Status.OPEN, due_on__lt=today())),
            done=Count("pk", filter=Q(status=Task.Status.DONE)),
        )
        return context


class CouncilCreateView(ScopedCreateView):
    model = Council
    parent = Community
    form_class = forms.CouncilForm
    capability = Capability.MANAGE_COUNCILS


class CouncilUpdateView(ScopedUpdateView):
    model = Council
    form_class = forms.CouncilForm
    capability = Capability.MANAGE_COUNCILS


# --- Member units ------------------------------------------------------------------------------


class MemberUnitListView(ScopedListView):
    model = MemberUnit
    filterset_class = filtersets.MemberUnitFilter
    template_name = "councils/memberunit_list.html"
    with_counts = staticmethod(selectors.units_with_counts)
    create_capability = Capability.MANAGE_UNITS


class MemberUnitDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = MemberUnit
    template_name = "councils/memberunit_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("street__district")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        # Seats on councils the user may see; a unit contact sees all of its own unit's seats, and
        # a seat its unit left opens the seat's page instead of the council's (issue 14 §2).
        context["memberships"] = (
            Membership.objects.visible_to(user)
            .filter(unit=self.object)
            .select_related("council__community__street")
            .annotate(council_open=Exists(Council.objects.visible_to(user).filter(pk=OuterRef("council_id"))))
            .order_by("left_on", "council__name")
        )
        context["can_edit"] = (
            MemberUnit.objects.visible_to(user, Capability.MANAGE_UNITS).filter(pk=self.object.pk).exists()
        )
        return context


class MemberUnitCreateView(ScopedCreateView):
    model = MemberUnit
    parent = Street
    form_class = forms.MemberUnitForm
    capability = Capability.MANAGE_UNITS


class MemberUnitUpdateView(ScopedUpdateView):
    model = MemberUnit
    form_class = forms.MemberUnitForm
    capability = Capability.MANAGE_UNITS


# --- Users and role assignments (the city office) ----------------------------------------------


class UserScopedMixin(ScopedMixin):
    capability = Capability.MANAGE_USERS

    def get_queryset(self):
        return User.objects.all()

    def get_target(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


class UserListView(UserScopedMixin, FilterView):
    template_name = "councils/user_list.html"
    filterset_class = filtersets.UserFilter
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return User.objects.order_by("username").prefetch_related(
            Prefetch(
                "role_assignments",
                queryset=RoleAssignment.objects.select_related(
                    "district", "street", "community", "council", "member_unit"
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        locks = services.sign_in_statuses(usernames=[u.username for u in context["object_list"]])
        for user in context["object_list"]:
            user.sign_in_lock = locks.get(user.username)
        query = self.request.GET.copy()
        query.pop("page", None)
        context["query_string"] = query.urlencode()
        return context


class UserCreateView(UserScopedMixin, FormView):
    template_name = "councils/user_form.html"
    form_class = forms.UserCreateForm

    def form_valid(self, form):
        data = form.cleaned_data
        user = services.user_create(
            username=data["username"],
            full_name=data["full_name"],
            email=data["email"],
            password=data["password1"],
            by=self.request.user,
        )
        messages.success(self.request, _("已创建用户“%(name)s”，请为其授予角色。") % {"name": user.username})
        return redirect("user_detail", pk=user.pk)


class UserDetailView(UserScopedMixin, DetailView):
    template_name = "councils/user_detail.html"
    context_object_name = "target"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["assignments"] = self.object.role_assignments.select_related(
            "district", "street", "community", "council", "member_unit", "created_by"
        )
        context["sign_in_lock"] = services.sign_in_status(username=self.object.username)
        return context


class UserUpdateView(UserScopedMixin, FormView):
    template_name = "councils/user_form.html"
    form_class = forms.UserUpdateForm

    def get_initial(self):
        self.target = self.get_target()
        return {
            "full_name": self.target.first_name,
            "email": self.target.email,
            "is_active": self.target.is_active,
        }

    def form_valid(self, form):
        data = form.cleaned_data
        if self.target == self.request.user and not data["is_active"]:
            form.add_error("is_active", _("不能停用自己的账号。"))
            return self.form_invalid(form)
        services.user_update(
            user=self.target,
            full_name=data["full_name"],
            email=data["email"],
            is_active=data["is_active"],
            by=self.request.user,
        )
        messages.success(self.request, _("已保存用户资料。"))
        return redirect("user_detail", pk=self.target.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "target": self.target}


class UserPasswordView(UserScopedMixin, FormView):
    template_name = "councils/user_form.html"
    form_class = SetPasswordForm

    def get_form_kwargs(self):
        self.target = self.get_target()
        return {**super().get_form_kwargs(), "user": self.target}

    def form_valid(self, form):
        services.user_set_password(
            user=self.target, password=form.cleaned_data["new_password1"], by=self.request.user
        )
        messages.success(self.request, _("已为“%(name)s”设置新密码。") % {"name": self.target.username})
        return redirect("user_detail", pk=self.target.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "target": self.target, "password_form": True}


class UserUnlockView(UserScopedMixin, FormView):
    """Lift a sign-in lockout, after a confirmation."""

    template_name = "councils/confirm.html"
    form_class = forms.ConfirmForm

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        return response

    def get_context_data(self, **kwargs):
        target = self.get_target()
        return {
            **super().get_context_data(**kwargs),
            "target": target,
            "title": _("解除登录锁定"),
            "question": _("解除用户“%(name)s”的登录锁定？解除后其连续失败次数清零。")
            % {"name": target.username},
            "cancel_url": reverse("user_detail", args=[target.pk]),
        }

    def form_valid(self, form):
        target = self.get_target()
        if services.sign_in_unlock(username=target.username, by=self.request.user):
            messages.success(self.request, _("已解除“%(name)s”的登录锁定。") % {"name": target.username})
        else:
            messages.info(self.request, _("“%(name)s”当前没有被锁定。") % {"name": target.username})
        return redirect("user_detail", pk=target.pk)


class RoleAssignmentCreateView(UserScopedMixin, FormView):
    template_name = "councils/roleassignment_form.html"
    form_class = forms.RoleAssignmentForm

    def get_form_kwargs(self):
        self.target = self.get_target()
        return {**super().get_form_kwargs(), "user": self.request.user, "target": self.target}

    def form_valid(self, form):
        data = form.cleaned_data
        assignment = services.role_grant(
            user=self.target, role=data["role"], node=data.get("node"), by=self.request.user
        )
        messages.success(self.request, _("已授予“%(role)s”。") % {"role": assignment})
        return redirect("user_detail", pk=self.target.pk)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "target": self.target}


class RoleAssignmentDeleteView(ScopedMixin, FormView):
    template_name = "councils/confirm.html"
    form_class = forms.ConfirmForm
    capability = Capability.MANAGE_USERS

    def get_assignment(self):
        return get_object_or_404(
            RoleAssignment.objects.select_related(
                "user", "district", "street", "community", "council", "member_unit"
            ),
            pk=self.kwargs["pk"],
        )

    def get_context_data(self, **kwargs):
        assignment = self.get_assignment()
        return {
            **super().get_context_data(**kwargs),
            "title": _("撤销角色授权"),
            "question": _("撤销用户“%(user)s”的授权“%(role)s”？撤销后该用户立即失去相应范围的访问权限。")
            % {"user": assignment.user.username, "role": assignment},
            "danger": True,
            "cancel_url": reverse("user_detail", args=[assignment.user_id]),
        }

    def form_valid(self, form):
        assignment = self.get_assignment()
        user_id = assignment.user_id
        services.role_revoke(assignment=assignment, by=self.request.user)
        messages.success(self.request, _("已撤销授权。"))
        return redirect("user_detail", pk=user_id)
