"""Patrol pages (R-2.1), made for a phone first: patrols and the findings made on them, each
finding's lifecycle step by step with before and after photos, duplicates linked to their
original, overdue findings counted, and the photos served only within the user's scope.

Every object comes from `visible_to(user, capability)`: a missing capability is a 403, an object
outside the scope a 404. Every write is one call to inspections/services.py whose
ValidationError is shown on the form, keeping what was typed."""

from __future__ import annotations

from datetime import timedelta
from functools import reduce
from operator import attrgetter, or_

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import include, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, View

from councils import selectors as council_selectors
from councils.exports import XlsxExportMixin, file_response
from councils.models import Community
from councils.periods import today
from councils.roles import Capability
from councils.scoping import has_capability
from councils.views.base import ScopedListView, ScopedMixin, form_errors

from . import services
from .filtersets import FindingFilter, PatrolFilter, overdue_q
from .forms import DuplicateForm, FindingForm, PatrolForm, StepForm
from .models import Finding, FindingEvent, FindingPhoto, Patrol

Status = Finding.Status
COMMUNITY_PATH = "community__street__district"

# Who may take each step: patrollers and community staff work on the spot (dissuade, order
# rectification, report it done, reopen); community and street staff also verify, escalate, close.
FIELD_WORK = (Capability.RECORD_PATROLS, Capability.HANDLE_FINDINGS)
HANDLING = (Capability.HANDLE_FINDINGS,)
STEP_CAPABILITIES = {
    Status.DISSUADED: FIELD_WORK,
    Status.ORDERED: FIELD_WORK,
    Status.RECTIFIED: FIELD_WORK,
    Status.REOPENED: FIELD_WORK,
    Status.VERIFIED: HANDLING,
    Status.ESCALATED: HANDLING,
    Status.CLOSED: HANDLING,
}
# The steps as buttons, in the order they are offered.
STEP_ACTIONS = {
    Status.DISSUADED: gettext_lazy("当场劝阻纠正"),
    Status.ORDERED: gettext_lazy("责令限期整改"),
    Status.RECTIFIED: gettext_lazy("报告已整改"),
    Status.VERIFIED: gettext_lazy("核查销号"),
    Status.ESCALATED: gettext_lazy("移交执法"),
    Status.CLOSED: gettext_lazy("未整改关闭"),
    Status.REOPENED: gettext_lazy("问题复发，重新打开"),
}
REORDER_ACTION = gettext_lazy("整改不到位，重新限期")


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def go_to(request, url: str) -> HttpResponse:
    """A redirect; a form sent by htmx (which keeps chosen photos across a re-shown form) is told
    to load the page instead of having it swapped into the form."""
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def scoped_for(model, user, capabilities):
    """The rows the user reaches through any of the roles holding one of `capabilities`; 403 when
    none of the user's roles holds any of them."""
    held = [c for c in capabilities if has_capability(user, c)]
    if not held:
        raise PermissionDenied
    return reduce(or_, (model.objects.visible_to(user, c) for c in held))


def reach_of(user, finding: Finding) -> set[str]:
    """Which of the finding capabilities the user holds over this finding (at most two small
    queries: one per capability the user holds at all)."""
    return {
        c
        for c in FIELD_WORK
        if has_capability(user, c) and Finding.objects.visible_to(user, c).filter(pk=finding.pk).exists()
    }


def action_label(finding: Finding, to: str) -> str:
    if (finding.status, to) == (Status.RECTIFIED, Status.ORDERED):
        return REORDER_ACTION  # the rectification fell short: a new deadline
    return STEP_ACTIONS[to]


def steps_for(finding: Finding, reach: set[str]) -> list[tuple[str, str]]:
    """(status, button label) of the steps open from the finding's status that `reach` allows."""
    allowed = Finding.TRANSITIONS.get(finding.status, set())
    return [
        (to, action_label(finding, to))
        for to in STEP_ACTIONS
        if to in allowed and reach.intersection(STEP_CAPABILITIES[to])
    ]


def finding_related(queryset):
    return queryset.select_related(COMMUNITY_PATH, "building", "responsible_unit", "reported_by")


def user_name(user) -> str:
    return "" if user is None else (user.first_name or user.username)


def as_int(value) -> int:
    if value is None or not str(value).isdigit():
        raise Http404
    return int(value)


class CommunityCrumbs:
    """Breadcrumbs down to the community the page belongs to (the trail needs no query)."""

    def crumbs(self, community: Community) -> dict:
        return {
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, community),
            "community": community,
        }


# --- Patrols -----------------------------------------------------------------------------------


class PatrolListView(ScopedListView):
    model = Patrol
    filterset_class = PatrolFilter
    template_name = "inspections/patrol_list.html"
    create_capability = Capability.RECORD_PATROLS

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("community__street", "patroller")
            .annotate(n_findings=Count("findings"))
            .order_by("-started_at", "-pk")
        )


class PatrolCreateView(ScopedMixin, FormView):
    """A patroller or volunteer records a round (R-2.1); findings are added from its page."""

    capability = Capability.RECORD_PATROLS
    template_name = "inspections/patrol_form.html"
    form_class = PatrolForm

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and has_capability(request.user, self.capability)
            and not self.scoped(Community).exists()
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            patrol = services.patrol_record(
                community=data["community"],
                kind=data["kind"],
                started_at=data["started_at"],
                route=data["route"],
                notes=data["notes"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录巡查，发现问题请点“记录发现”。"))
        return HttpResponseRedirect(patrol.get_absolute_url())


class PatrolDetailView(CommunityCrumbs, ScopedMixin, DetailView):
    model = Patrol
    template_name = "inspections/patrol_detail.html"

    def get_queryset(self):
        findings = Finding.objects.select_related("building").annotate(n_photos=Count("photos"))
        return (
            super()
            .get_queryset()
            .select_related(COMMUNITY_PATH, "patroller")
            .prefetch_related(Prefetch("findings", queryset=findings.order_by("-reported_at", "-pk")))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        patrol, user = self.object, self.request.user
        context.update(self.crumbs(patrol.community))
        context["findings"] = patrol.findings.all()
        context["can_record"] = (
            has_capability(user, Capability.RECORD_PATROLS)
            and Patrol.objects.visible_to(user, Capability.RECORD_PATROLS).filter(pk=patrol.pk).exists()
        )
        return context


# --- Findings ----------------------------------------------------------------------------------


class FindingListView(XlsxExportMixin, ScopedListView):
    """Findings in the user's scope, open ones by default, with the counts of open and overdue;
    ?format=xlsx exports the filtered list."""

    model = Finding
    filterset_class = FindingFilter
    template_name = "inspections/finding_list.html"
    create_capability = Capability.RECORD_PATROLS
    export_title = gettext_lazy("巡查发现")

    def get_queryset(self):
        return finding_related(super().get_queryset()).order_by("-reported_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Both counts are of open findings: read from the (status, deadline) index alone.
        context["counts"] = (
            self.scoped(Finding)
            .filter(status__in=Finding.OPEN)
            .aggregate(open=Count("status"), overdue=Count("status", filter=overdue_q()))
        )
        return context

    def get_export_columns(self):
        return [
            (_("编号"), attrgetter("pk")),
            (_("社区"), attrgetter("community.name")),
            (_("街道/镇"), attrgetter("community.street.name")),
            (_("问题类别"), lambda f: f.get_category_display()),
            (_("楼栋"), lambda f: f.building.name if f.building_id else ""),
            (_("位置"), attrgetter("address")),
            (_("纬度"), attrgetter("latitude")),
            (_("经度"), attrgetter("longitude")),
            (_("问题描述"), attrgetter("description")),
            (_("责任单位"), lambda f: f.responsible_unit.name if f.responsible_unit_id else ""),
            (_("上报人"), lambda f: user_name(f.reported_by)),
            (_("上报时间"), attrgetter("reported_at")),
            (_("状态"), lambda f: f.get_status_display()),
            (_("整改期限"), attrgetter("deadline")),
            (_("逾期"), attrgetter("is_overdue")),
            (_("纠正时间"), attrgetter("fixed_at")),
            (_("重复于"), lambda f: f.duplicate_of_id or ""),
            (_("移交说明"), attrgetter("handover_note")),
            (_("关闭原因"), attrgetter("closed_reason")),
        ]


class FindingCreateView(CommunityCrumbs, ScopedMixin, FormView):
    """Record a finding on a patrol (?patrol=) or in a community (?community=): category, place,
    description and photos before (R-2.1). Likely duplicates are shown before anything is saved,
    to be linked to or set aside."""

    capability = Capability.RECORD_PATROLS
    template_name = "inspections/finding_form.html"
    form_class = FindingForm

    def dispatch(self, request, *args, **kwargs):
        self.patrol, self.community, self.communities, self.duplicates = None, None, [], []
        if request.user.is_authenticated and has_capability(request.user, self.capability):
            self.load(request.GET)
        return super().dispatch(request, *args, **kwargs)

    def load(self, params) -> None:
        if "patrol" in params:
            self.patrol = get_object_or_404(
                self.scoped(Patrol).select_related(COMMUNITY_PATH), pk=as_int(params["patrol"])
            )
            self.community = self.patrol.community
        elif "community" in params:
            self.community = get_object_or_404(
                self.scoped(Community).select_related("street__district"), pk=as_int(params["community"])
            )
        else:
            self.communities = list(
                self.scoped(Community).select_related("street__district").order_by("name")
            )
            if not self.communities:
                raise PermissionDenied
            if len(self.communities) == 1:
                self.community = self.communities[0]

    def get(self, request, *args, **kwargs):
        if self.community is None:  # several communities: ask which one first
            return self.render_to_response(self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.community is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "community": self.community}

    def form_valid(self, form):
        data = form.cleaned_data
        original = None
        if data["building"] is not None:
            candidates = services.likely_duplicates(
                community=self.community,
                category=data["category"],
                building=data["building"],
                at=timezone.now(),
            )
            self.duplicates = list(
                candidates.select_related("building", "reported_by").order_by("-reported_at")[:5]
            )
        if self.duplicates:
            original = next((d for d in self.duplicates if str(d.pk) == data["duplicate"]), None)
            if original is None and data["duplicate"] != FindingForm.NEW:
                form.add_error(
                    "duplicate",
                    _("同一楼栋 7 天内已有同类问题，请确认是否重复：关联到原发现，或记录为新发现。"),
                )
                return self.form_invalid(form)
        try:
            finding = services.finding_report(
                community=self.community,
                patrol=self.patrol,
                category=data["category"],
                building=data["building"],
                address=data["address"],
                latitude=data["latitude"],
                longitude=data["longitude"],
                description=data["description"],
                photos=data["photos"],
                duplicate_of=original,
                by=self.request.user,
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                # finding_report refuses a bad photo with a plain message: it belongs to the photos.
                error = ValidationError({"photos": error.error_list})
            form_errors(form, error)
            return self.form_invalid(form)
        if original is not None:
            messages.success(self.request, _("已记录发现，并关联为“%(o)s”的重复上报。") % {"o": original})
        else:
            messages.success(self.request, _("已记录发现。"))
        return go_to(self.request, finding.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.community is not None:
            context.update(self.crumbs(self.community))
        context.update(
            patrol=self.patrol,
            communities=self.communities,
            duplicates=self.duplicates,
            htmx=is_htmx(self.request),
        )
        return context


class FindingDetailView(CommunityCrumbs, ScopedMixin, DetailView):
    """One finding: what and where, the responsible unit, the status with each step (who, when,
    note), the deadline, photos before and after, duplicates, and the steps the user may take."""

    model = Finding
    template_name = "inspections/finding_detail.html"
    context_object_name = "finding"

    def get_queryset(self):
        return (
            finding_related(super().get_queryset())
            .select_related("patrol__patroller", "duplicate_of__building")
            .prefetch_related(
                Prefetch("photos", queryset=FindingPhoto.objects.order_by("stage", "uploaded_at", "pk")),
                Prefetch("events", queryset=FindingEvent.objects.select_related("by")),
                Prefetch(
                    "duplicates", queryset=Finding.objects.select_related("building").order_by("reported_at")
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        finding, user = self.object, self.request.user
        context.update(self.crumbs(finding.community))
        photos = list(finding.photos.all())
        reach = reach_of(user, finding)
        context.update(
            steps=steps_for(finding, reach),
            before_photos=[p for p in photos if p.stage == FindingPhoto.Stage.BEFORE],
            after_photos=[p for p in photos if p.stage == FindingPhoto.Stage.AFTER],
            events=finding.events.all(),
            duplicates=finding.duplicates.all(),
            can_mark_duplicate=bool(reach)
            and finding.duplicate_of_id is None
            and duplicate_candidates(finding).exists(),
        )
        return context


def duplicate_candidates(finding: Finding):
    return services.likely_duplicates(
        community=finding.community,
        category=finding.category,
        building=finding.building,
        at=finding.reported_at,
        exclude=finding,
    )


class FindingActionMixin(CommunityCrumbs, ScopedMixin):
    """A page acting on one finding: the capabilities it needs decide the 403 and the scope (404)."""

    capabilities: tuple[str, ...] = FIELD_WORK

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.prepare(kwargs)
            self.finding = get_object_or_404(
                finding_related(scoped_for(Finding, request.user, self.capabilities)), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def prepare(self, kwargs) -> None:
        """Read the URL before the capability check (a step that does not exist is a 404)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["finding"] = self.finding
        context.update(self.crumbs(self.finding.community))
        return context


class FindingTransitionView(FindingActionMixin, FormView):
    """Move a finding one step (R-2.1). Without a status: the steps open to the user from here;
    with one: the form of that step (a deadline to order rectification, after photos to report
    it rectified, a handover note to escalate, a reason to close, a note otherwise)."""

    template_name = "inspections/finding_transition.html"
    form_class = StepForm

    def prepare(self, kwargs) -> None:
        self.to = kwargs.get("status")
        if self.to is not None and self.to not in STEP_CAPABILITIES:
            raise Http404
        self.capabilities = STEP_CAPABILITIES[self.to] if self.to else FIELD_WORK

    def get(self, request, *args, **kwargs):
        if self.to is None:
            return self.render_to_response(self.get_context_data(form=None))
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.to is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        initial = None
        if self.to == Status.ORDERED:
            initial = today() + timedelta(days=services.deadline_days(self.finding.category))
        return {**super().get_form_kwargs(), "to": self.to, "deadline_initial": initial}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            finding = services.finding_transition(
                finding=self.finding,
                to=self.to,
                # The reason or handover note goes into the step's note too: reopening clears the
                # reason on the finding, the history keeps it.
                note=data.get("note") or data.get("closed_reason") or data.get("handover_note") or "",
                deadline=data.get("deadline"),
                handover_note=data.get("handover_note", ""),
                closed_reason=data.get("closed_reason", ""),
                after_photos=data.get("after_photos", []),
                by=self.request.user,
            )
        except ValidationError as error:
            refused = self.to not in Finding.TRANSITIONS.get(self.finding.status, set())
            if not hasattr(error, "error_dict") and not refused and "after_photos" in form.fields:
                # The step was open, so a plain refusal came from checking a photo.
                error = ValidationError({"after_photos": error.error_list})
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录：%(status)s。") % {"status": finding.get_status_display()})
        return go_to(self.request, finding.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        steps = steps_for(self.finding, reach_of(self.request.user, self.finding))
        context["steps"] = steps
        context["htmx"] = is_htmx(self.request)
        if self.to is not None:
            context.update(
                to=self.to,
                to_label=Status(self.to).label,
                action=action_label(self.finding, self.to),
                open_here=self.to in Finding.TRANSITIONS.get(self.finding.status, set()),
                can_reopen=any(to == Status.REOPENED for to, _label in steps),
            )
            if self.to in (Status.RECTIFIED, Status.VERIFIED):
                photos = list(self.finding.photos.order_by("uploaded_at", "pk"))
                context["before_photos"] = [p for p in photos if p.stage == FindingPhoto.Stage.BEFORE]
                context["after_photos"] = [p for p in photos if p.stage == FindingPhoto.Stage.AFTER]
        return context


class FindingDuplicateView(FindingActionMixin, FormView):
    """Link a finding to its original among the likely duplicates (same category and building
    within 7 days before it)."""

    template_name = "inspections/finding_duplicate.html"
    form_class = DuplicateForm

    def candidates(self):
        return (
            duplicate_candidates(self.finding)
            .select_related("building", "reported_by")
            .order_by("-reported_at")
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "candidates": self.candidates()}

    def form_valid(self, form):
        try:
            finding = services.finding_mark_duplicate(
                finding=self.finding, original=form.cleaned_data["original"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已关联为“%(o)s”的重复上报。") % {"o": finding.duplicate_of})
        return HttpResponseRedirect(finding.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "candidates": list(self.candidates())}


class PhotoView(ScopedMixin, View):
    """A photo, shown inline; outside the user's scope a 404 like any other object."""

    def get(self, request, pk):
        photo = get_object_or_404(self.scoped(FindingPhoto), pk=pk)
        try:
            handle = photo.image.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("照片已不在存储中，请联系管理员。")) from missing
        response = file_response(
            handle, filename=_("现场照片") + ".jpg", content_type="image/jpeg", inline=True
        )
        response["Cache-Control"] = "private, max-age=3600"
        return response


urlpatterns = [
    path("patrols/", PatrolListView.as_view(), name="patrol_list"),
    path("patrols/new/", PatrolCreateView.as_view(), name="patrol_create"),
    path("patrols/<int:pk>/", PatrolDetailView.as_view(), name="patrol_detail"),
    path("findings/", FindingListView.as_view(), name="finding_list"),
    path("findings/new/", FindingCreateView.as_view(), name="finding_create"),
    path("findings/<int:pk>/", FindingDetailView.as_view(), name="finding_detail"),
    # Two patterns, one name: the steps open from here, and the form of one of them.
    path("findings/<int:pk>/step/", FindingTransitionView.as_view(), name="finding_transition"),
    path("findings/<int:pk>/step/<str:status>/", FindingTransitionView.as_view(), name="finding_transition"),
    path("findings/<int:pk>/duplicate/", FindingDuplicateView.as_view(), name="finding_duplicate"),
    path("photos/<int:pk>/", PhotoView.as_view(), name="photo_view"),
    path("", include("inspections.views_buildings")),
    path("", include("inspections.views_stats")),
]
