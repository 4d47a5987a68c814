"""Building rosters and civility pacts (一长五员 and 文明公约, R-2.2), and volunteer and education
activities (R-3.2, R-4.1).

Every object comes from `visible_to(user, capability)`: a missing capability is a 403, an object
outside the scope a 404. Each write is one call to inspections/services.py whose refusals are
shown on the form, keeping what was typed. Residents' phones are masked (138****1234) except for
those who keep the roster (DESIGN.md invariant 8)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, DecimalField, Prefetch, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView

from councils import selectors
from councils.exports import XlsxExportMixin
from councils.forms import ConfirmForm
from councils.models import Building
from councils.periods import today
from councils.roles import Capability
from councils.scoping import has_capability
from councils.views.base import LoadsObject, ScopedListView, ScopedMixin, form_errors

from . import forms_buildings as forms
from . import services
from .models import Activity, BuildingOfficer

Post = BuildingOfficer.Post
HOURS = DecimalField(max_digits=12, decimal_places=1)


def may_manage(user, building: Building) -> bool:
    """Whether the user keeps this building's roster (no query without the capability)."""
    return (
        has_capability(user, Capability.MANAGE_BUILDINGS)
        and Building.objects.visible_to(user, Capability.MANAGE_BUILDINGS).filter(pk=building.pk).exists()
    )


def officers_of(user):
    return Prefetch("officers", queryset=BuildingOfficer.objects.visible_to(user))


def roster(building: Building) -> list[SimpleNamespace]:
    """The six posts in their fixed order, each with its holder or None (空缺), from the
    prefetched officers."""
    holders = {officer.post: officer for officer in building.officers.all()}
    return [SimpleNamespace(post=post, label=post.label, officer=holders.get(post)) for post in Post]


# --- Rosters and pacts (R-2.2) -----------------------------------------------------------------


class RosterListView(ScopedListView):
    """Every building in scope with its six posts, filled or vacant, and whether it has a pact;
    the vacancies of the filtered set are counted by the database."""

    model = Building
    filterset_class = forms.RosterFilter
    template_name = "inspections/building_roster_list.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("community")
            .annotate(n_filled=forms.filled_posts(), has_pact=forms.has_pact())
            .prefetch_related(officers_of(self.request.user))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for building in context["page_obj"].object_list:
            building.posts = roster(building)
            building.vacancies = sum(1 for row in building.posts if row.officer is None)
        totals = self.object_list.order_by().aggregate(
            buildings=Count("pk"),
            filled=Coalesce(Sum("n_filled"), 0),
            without_pact=Count("pk", filter=Q(has_pact=False)),
            complete=Count("pk", filter=Q(n_filled__gte=forms.POSTS)),
        )
        totals["vacancies"] = totals["buildings"] * forms.POSTS - totals["filled"]
        totals["with_vacancies"] = totals["buildings"] - totals["complete"]
        context["totals"] = totals
        context["post_labels"] = Post.labels
        return context


class BuildingRosterView(ScopedMixin, DetailView):
    """A building's civility pact and its head and five officers, vacancies shown. The full phone
    number is shown only to those who keep the roster."""

    model = Building
    template_name = "inspections/building_roster.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("community__street__district", "pact")
            .prefetch_related(officers_of(self.request.user))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        building, user = self.object, self.request.user
        can_manage = may_manage(user, building)
        context["breadcrumbs"] = selectors.breadcrumbs(user, building)
        context["pact"] = getattr(building, "pact", None)
        context["posts"] = roster(building)
        context["vacancies"] = sum(1 for row in context["posts"] if row.officer is None)
        context["can_manage"] = can_manage
        context["full_phone"] = can_manage
        return context


class BuildingPageMixin(ScopedMixin, LoadsObject):
    """Pages that change a building's roster or pact: the building comes from the scope of the
    roles that may manage buildings, so another community's building is a 404."""

    capability = Capability.MANAGE_BUILDINGS

    def load(self) -> None:
        self.building = get_object_or_404(
            self.scoped(Building).select_related("community__street__district"), pk=self.kwargs["pk"]
        )

    def roster_url(self, anchor: str = "") -> str:
        return reverse("building_roster", args=[self.building.pk]) + anchor

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "building": self.building,
            "breadcrumbs": selectors.breadcrumbs(self.request.user, self.building),
        }


class OfficerSetView(BuildingPageMixin, FormView):
    """Without a post: the six posts to pick from. With one: who holds it (name, phone, since),
    or, with ?vacate=1, a confirmation that leaves it vacant."""

    template_name = "inspections/building_officer_form.html"

    def load(self) -> None:
        super().load()
        post = self.kwargs.get("post")
        if post is not None and post not in Post.values:
            raise Http404
        self.post_name = Post(post) if post else None
        self.vacating = self.post_name is not None and self.request.GET.get("vacate") == "1"
        officers = BuildingOfficer.objects.visible_to(self.request.user).filter(building=self.building)
        self.officers = list(officers)
        self.holder = next((o for o in self.officers if o.post == self.post_name), None)

    def get(self, request, *args, **kwargs):
        if self.vacating and self.holder is None:
            messages.info(request, _("“%(post)s”已经空缺。") % {"post": self.post_name.label})
            return redirect(self.roster_url())
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.post_name is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_template_names(self):
        if self.post_name is None:
            return ["inspections/building_roster_edit.html"]
        if self.vacating:
            return ["councils/confirm.html"]
        return [self.template_name]

    def get_form_class(self):
        return ConfirmForm if self.vacating else forms.OfficerForm

    def get_form(self, form_class=None):
        return None if self.post_name is None else super().get_form(form_class)

    def get_initial(self):
        if self.holder is None:
            return {"since": today()}
        return {"name": self.holder.name, "phone": self.holder.phone, "since": self.holder.since}

    def form_valid(self, form):
        user, post = self.request.user, self.post_name
        if self.vacating:
            services.officer_vacate(building=self.building, post=post, by=user)
            messages.success(self.request, _("“%(post)s”已设为空缺。") % {"post": post.label})
            return redirect(self.roster_url())
        try:
            services.officer_set(building=self.building, post=post, by=user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        name = form.cleaned_data["name"]
        messages.success(self.request, _("已登记%(post)s：%(name)s。") % {"post": post.label, "name": name})
        return redirect(self.roster_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        building = self.building
        context["post"] = self.post_name
        context["holder"] = self.holder
        if self.post_name is None:
            holders = {o.post: o for o in self.officers}
            context["posts"] = [SimpleNamespace(post=p, label=p.label, officer=holders.get(p)) for p in Post]
        elif self.vacating:
            context["title"] = _("设为空缺")
            context["question"] = _(
                "确认%(building)s的“%(post)s”%(name)s已不再担任？该职务将显示为空缺，不保留其姓名和电话。"
            ) % {"building": building, "post": self.post_name.label, "name": self.holder.name}
            context["cancel_url"] = reverse("officer_set", args=[building.pk, self.post_name])
            context["danger"] = True
            context["object"] = building  # the last step of the breadcrumb trail
        return context


class PactEditView(BuildingPageMixin, FormView):
    """The building's civility pact: its text and the date it was adopted (R-2.2)."""

    template_name = "inspections/building_pact_form.html"
    form_class = forms.PactForm

    def load(self) -> None:
        super().load()
        self.pact = getattr(self.building, "pact", None)

    def get_initial(self):
        if self.pact is None:
            return {"adopted_on": today()}
        return {"text": self.pact.text, "adopted_on": self.pact.adopted_on}

    def form_valid(self, form):
        try:
            services.pact_set(building=self.building, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存文明公约。"))
        return redirect(self.roster_url("#pact"))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "pact": self.pact}


# --- Activities (R-3.2, R-4.1) -----------------------------------------------------------------


def activity_totals(queryset) -> dict:
    """How many activities, participants, volunteer hours and people served, summed by the database."""
    return queryset.order_by().aggregate(
        count=Count("pk"),
        participants=Coalesce(Sum("participants"), 0),
        hours=Coalesce(Sum("volunteer_hours"), Value(Decimal("0.0")), output_field=HOURS),
        served=Coalesce(Sum("people_served"), 0),
    )


def group_label(activity: Activity) -> str:
    return str(_("志愿服务") if activity.kind in Activity.VOLUNTEER else _("宣传教育"))


class ActivityListView(XlsxExportMixin, ScopedListView):
    """Volunteer services and education events in scope, filtered, with the totals of the
    filtered set; the same set as .xlsx with `?format=xlsx`."""

    model = Activity
    filterset_class = forms.ActivityFilter
    template_name = "inspections/activity_list.html"
    create_capability = Capability.RECORD_ACTIVITIES
    export_title = _("志愿服务与教育活动")

    def get_queryset(self):
        return super().get_queryset().select_related("community", "organiser").order_by("-held_on", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["totals"] = activity_totals(self.object_list)
        query = self.request.GET.copy()
        query.pop("page", None)
        query["format"] = "xlsx"
        context["export_query"] = query.urlencode()
        context["volunteer_kinds"] = Activity.VOLUNTEER
        return context

    def get_export_rows(self, queryset):
        return queryset.select_related("created_by").iterator(chunk_size=self.export_chunk_size)

    def get_export_columns(self):
        return [
            (_("社区"), lambda a: a.community.name),
            (_("活动日期"), lambda a: a.held_on),
            (_("类别"), group_label),
            (_("类型"), lambda a: a.get_kind_display()),
            (_("活动名称"), lambda a: a.title),
            (_("组织单位"), lambda a: a.organiser.name if a.organiser else _("社区自行组织")),
            (_("参与人数"), lambda a: a.participants),
            (_("志愿服务时长（小时）"), lambda a: a.volunteer_hours),
            (_("服务/受众人数"), lambda a: a.people_served),
            (_("活动情况"), lambda a: a.notes),
            (_("记录人"), lambda a: a.created_by.first_name or a.created_by.username),
            (_("记录时间"), lambda a: a.created_at),
        ]


class ActivityCreateView(ScopedMixin, FormView):
    """Record a volunteer service or an education event in a community the user may record for."""

    capability = Capability.RECORD_ACTIVITIES
    template_name = "inspections/activity_form.html"
    form_class = forms.ActivityForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and has_capability(request.user, self.capability):
            self.communities = forms.communities_for(request.user, self.capability)
            if not self.communities.exists():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "communities": self.communities}

    def get_initial(self):
        initial = {"held_on": today()}
        wanted = self.request.GET.get("community", "")
        if wanted.isdigit():
            initial["community"] = int(wanted)
        elif len(ids := list(self.communities.values_list("pk", flat=True)[:2])) == 1:
            initial["community"] = ids[0]
        return initial

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["held_on"].widget.attrs["max"] = today().isoformat()
        return form

    def form_valid(self, form):
        try:
            activity = services.activity_record(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录活动“%(title)s”。") % {"title": activity.title})
        return redirect(activity.get_absolute_url())


class ActivityDetailView(ScopedMixin, DetailView):
    model = Activity
    template_name = "inspections/activity_detail.html"

    def get_queryset(self):
        return super().get_queryset().select_related("community__street__district", "organiser", "created_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        community = self.object.community
        trail = SimpleNamespace(ancestors=lambda: [community.street.district, community.street, community])
        context["breadcrumbs"] = selectors.breadcrumbs(self.request.user, trail)
        context["group"] = group_label(self.object)
        return context


urlpatterns = [
    path("rosters/", RosterListView.as_view(), name="roster_list"),
    path("buildings/<int:pk>/roster/", BuildingRosterView.as_view(), name="building_roster"),
    # Two patterns, one name: the posts to pick from, and one post's holder (or its vacancy).
    path("buildings/<int:pk>/roster/edit/", OfficerSetView.as_view(), name="officer_set"),
    path("buildings/<int:pk>/roster/<slug:post>/", OfficerSetView.as_view(), name="officer_set"),
    path("buildings/<int:pk>/pact/", PactEditView.as_view(), name="pact_edit"),
    path("activities/", ActivityListView.as_view(), name="activity_list"),
    path("activities/new/", ActivityCreateView.as_view(), name="activity_create"),
    path("activities/<int:pk>/", ActivityDetailView.as_view(), name="activity_detail"),
]
