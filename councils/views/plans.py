"""Plans with solicited opinions, approved by a carried resolution (R-1.4, R-1.2), and the
co-construction tasks that resolutions assign to member units, with their progress (R-1.1).

Every object comes from `visible_to(user, capability)`; every write is one service call whose
ValidationError is shown on the form, keeping what was typed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView

from .. import forms_plans, selectors, services
from ..models import Council, Membership, MemberUnit, Plan, PlanOpinion, Resolution, Task, TaskProgress
from ..roles import Capability, Role
from ..scoping import grants_of, has_capability
from .base import BreadcrumbMixin, ScopedListView, ScopedMixin, form_errors

# The workflow as the user reads it; withdrawal leaves it.
PLAN_STEPS = [Plan.Status.DRAFT, Plan.Status.SOLICITING, Plan.Status.APPROVED, Plan.Status.IN_FORCE]
TRANSITION_ACTIONS = {
    Plan.Status.SOLICITING: _("开始征求意见"),
    Plan.Status.APPROVED: _("理事会审议通过"),
    Plan.Status.IN_FORCE: _("开始执行"),
    Plan.Status.DRAFT: _("退回草案修改"),
    Plan.Status.WITHDRAWN: _("撤回规划"),
}
EDITABLE = (Plan.Status.DRAFT, Plan.Status.SOLICITING)
PLAN_RELATED = ("council__community__street__district",)


def tasks_to_report(user):
    """Tasks the user may report progress on: every task of a secretary's council, and for a unit
    contact only the tasks assigned to its own unit."""
    own_units = [g.node_id for g in grants_of(user) if g.role == Role.UNIT_CONTACT]
    return Task.objects.visible_to(user, Capability.MANAGE_TASKS) | Task.objects.visible_to(
        user, Capability.REPORT_TASKS
    ).filter(assignee_id__in=own_units)


def in_scope(queryset, obj) -> bool:
    return queryset.filter(pk=obj.pk).exists()


def transitions_of(plan: Plan) -> list[tuple[str, str]]:
    """(status, button label) for each step the workflow table allows from here, in a fixed order."""
    allowed = Plan.TRANSITIONS[Plan.Status(plan.status)]
    return [(status, label) for status, label in TRANSITION_ACTIONS.items() if status in allowed]


# --- Shared form plumbing ----------------------------------------------------------------------


class TargetFormView(ScopedMixin, FormView):
    """A form about one object named in the URL, fetched from the user's scope once the
    capability check passed (403 before 404), and written through one service."""

    target_model: type | None = None
    target_related: tuple[str, ...] = ()
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and (
            self.capability is None or has_capability(request.user, self.capability)
        ):
            self.target = get_object_or_404(self.target_queryset(), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def target_queryset(self):
        return self.scoped(self.target_model).select_related(*self.target_related)

    def perform(self, data: dict):
        raise NotImplementedError

    def success_url_for(self, result) -> str:
        return result.get_absolute_url()

    def form_valid(self, form):
        try:
            result = self.perform(form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        if self.success_message:
            messages.success(self.request, self.success_message)
        return redirect(self.success_url_for(result))

    def breadcrumb_object(self):
        """The object whose ancestors make the trail (the target, or what it belongs to)."""
        return self.target

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["target"] = self.target
        context["breadcrumbs"] = selectors.breadcrumbs(self.request.user, self.breadcrumb_object())
        return context


# --- Plans -------------------------------------------------------------------------------------


class PlanListView(ScopedListView):
    model = Plan
    filterset_class = forms_plans.PlanFilter
    template_name = "councils/plan_list.html"
    create_capability = Capability.MANAGE_PLANS

    def get_queryset(self):
        return super().get_queryset().select_related("council", "approved_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["can_create"]:
            context["create_councils"] = Council.objects.visible_to(
                self.request.user, Capability.MANAGE_PLANS
            ).order_by("name")
        return context


class PlanCreateView(TargetFormView):
    """A council's secretary drafts a term or annual plan (R-1.4)."""

    capability = Capability.MANAGE_PLANS
    target_model = Council
    target_related = ("community__street__district",)
    template_name = "councils/plan_form.html"
    form_class = forms_plans.PlanForm
    success_message = _("已起草规划，完成后请发起征求意见。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "council": self.target}

    def get_initial(self):
        kind = self.request.GET.get("kind")
        return {"kind": kind} if kind in Plan.Kind.values else {}

    def perform(self, data):
        return services.plan_create(
            council=self.target,
            kind=data["kind"],
            year=data["year"] if data["kind"] == Plan.Kind.ANNUAL else None,
            term=data.get("term"),
            title=data["title"],
            content=data["content"],
            by=self.request.user,
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "council": self.target}


class PlanDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = Plan
    template_name = "councils/plan_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(*PLAN_RELATED, "approved_by__meeting", "term", "created_by")
            .prefetch_related(
                Prefetch("opinions", queryset=PlanOpinion.objects.order_by("received_on", "pk"))
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan, user = self.object, self.request.user
        if plan.status in PLAN_STEPS:
            here = PLAN_STEPS.index(plan.status)
            context["steps"] = [
                (Plan.Status(s).label, "done" if i < here else "current" if i == here else "todo")
                for i, s in enumerate(PLAN_STEPS)
            ]
        else:
            context["steps"] = [(Plan.Status(s).label, "todo") for s in PLAN_STEPS]
        can_manage = has_capability(user, Capability.MANAGE_PLANS) and in_scope(
            Plan.objects.visible_to(user, Capability.MANAGE_PLANS), plan
        )
        context["can_manage"] = can_manage
        context["transitions"] = transitions_of(plan) if can_manage else []
        context["can_edit"] = can_manage and plan.status in EDITABLE
        context["can_add_opinion"] = can_manage and plan.status == Plan.Status.SOLICITING
        context["can_decide"] = can_manage and plan.status in EDITABLE
        context["opinions"] = plan.opinions.all()
        context["history"] = services.history_of(plan)
        return context


class PlanUpdateView(TargetFormView):
    """Edit the text of a plan; once approved it is fixed (the service says so)."""

    capability = Capability.MANAGE_PLANS
    target_model = Plan
    target_related = PLAN_RELATED
    template_name = "councils/plan_form.html"
    form_class = forms_plans.PlanForm
    success_message = _("已保存规划。")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "council": self.target.council, "plan": self.target}

    def get_initial(self):
        return {"title": self.target.title, "content": self.target.content, "year": self.target.year}

    def perform(self, data):
        return services.plan_update(
            plan=self.target,
            title=data["title"],
            content=data["content"],
            year=data.get("year"),
            by=self.request.user,
        )

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "council": self.target.council, "plan": self.target}


class PlanTransitionView(TargetFormView):
    """Move a plan one step along its workflow (R-1.4). Without a status: the steps open from here;
    with one: a confirmation, a resolution for approval, a reason for withdrawal."""

    capability = Capability.MANAGE_PLANS
    target_model = Plan
    target_related = PLAN_RELATED
    template_name = "councils/plan_transition.html"
    form_class = forms_plans.PlanTransitionForm

    def dispatch(self, request, *args, **kwargs):
        self.to = kwargs.get("status")
        if request.user.is_authenticated and self.to is not None and self.to not in Plan.Status.values:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.to is None:
            raise Http404
        return super().post(request, *args, **kwargs)

    def get_form(self, form_class=None):
        return None if self.to is None else super().get_form(form_class)

    def get_form_kwargs(self):
        resolutions = (
            Resolution.objects.visible_to(self.request.user, Capability.MANAGE_PLANS)
            .filter(council_id=self.target.council_id)
            .select_related("meeting")
        )
        return {**super().get_form_kwargs(), "to": self.to, "resolutions": resolutions}

    def perform(self, data):
        plan = services.plan_transition(
            plan=self.target,
            to=self.to,
            resolution=data.get("resolution"),
            reason=data.get("reason", ""),
            by=self.request.user,
        )
        messages.success(self.request, _("规划已变为“%(status)s”。") % {"status": plan.get_status_display()})
        return plan

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["plan"] = self.target
        context["transitions"] = transitions_of(self.target)
        if self.to is not None:
            context["to"] = self.to
            context["to_label"] = Plan.Status(self.to).label
            context["action"] = TRANSITION_ACTIONS.get(self.to, Plan.Status(self.to).label)
            context["pending"] = [o for o in self.target.opinions.all() if o.adopted is None]
            context["n_opinions"] = self.target.opinions.count()
        return context


class PlanOpinionCreateView(TargetFormView):
    """Take in an opinion on a plan open for them (广泛征求意见, R-1.4, R-1.2)."""

    capability = Capability.MANAGE_PLANS
    target_model = Plan
    target_related = PLAN_RELATED
    template_name = "councils/planopinion_form.html"
    form_class = forms_plans.PlanOpinionForm
    success_message = _("已登记意见，请在审议前逐条答复是否采纳。")

    def perform(self, data):
        return services.opinion_record(plan=self.target, by=self.request.user, **data)

    def success_url_for(self, result):
        return reverse("plan_detail", args=[self.target.pk]) + "#opinions"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "plan": self.target}


class OpinionDecideView(TargetFormView):
    """Answer an opinion: adopted or not, and why (R-1.4)."""

    capability = Capability.MANAGE_PLANS
    target_model = PlanOpinion
    target_related = tuple(f"plan__{p}" for p in PLAN_RELATED)
    template_name = "councils/planopinion_decide.html"
    form_class = forms_plans.OpinionDecideForm
    success_message = _("已答复意见。")

    def get_initial(self):
        opinion = self.target
        if opinion.adopted is None:
            return {}
        return {"adopted": "1" if opinion.adopted else "0", "reason": opinion.reason}

    def perform(self, data):
        return services.opinion_decide(
            opinion=self.target, adopted=data["adopted"], reason=data["reason"], by=self.request.user
        )

    def success_url_for(self, result):
        return reverse("plan_detail", args=[self.target.plan_id]) + "#opinions"

    def breadcrumb_object(self):
        return self.target.plan

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "opinion": self.target, "plan": self.target.plan}


# --- Tasks -------------------------------------------------------------------------------------


class TaskListView(ScopedListView):
    model = Task
    filterset_class = forms_plans.TaskFilter
    template_name = "councils/task_list.html"
    create_capability = Capability.MANAGE_TASKS

    def get_queryset(self):
        return forms_plans.tasks_for_list(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if context["can_create"]:
            # Tasks hang below the resolution that decided them: offer the recent carried ones.
            context["create_resolutions"] = (
                Resolution.objects.visible_to(self.request.user, Capability.MANAGE_TASKS)
                .filter(outcome=Resolution.Outcome.CARRIED)
                .select_related("council", "meeting")
                .order_by("-meeting__held_at", "-number")[:10]
            )
        return context


class TaskCreateView(TargetFormView):
    """Assign a task decided by a resolution to a current member unit (R-1.1, R-1.2). The page
    opens for any resolution so that the refusal of one that authorises nothing is visible."""

    capability = Capability.MANAGE_TASKS
    target_model = Resolution
    target_related = ("meeting", "council__community__street__district")
    template_name = "councils/task_form.html"
    form_class = forms_plans.TaskForm
    success_message = _("已部署任务。")

    def get_form_kwargs(self):
        seated = Membership.objects.filter(council_id=self.target.council_id, left_on__isnull=True)
        units = (
            MemberUnit.objects.visible_to(self.request.user)
            .filter(pk__in=seated.values("unit"))
            .order_by("name")
        )
        return {**super().get_form_kwargs(), "units": units}

    def perform(self, data):
        return services.task_create(resolution=self.target, by=self.request.user, **data)

    def breadcrumb_object(self):
        return self.target.council

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "resolution": self.target}


class TaskDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    model = Task
    template_name = "councils/task_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related(
                "council__community__street__district", "resolution__meeting", "assignee", "created_by"
            )
            .prefetch_related(Prefetch("updates", queryset=TaskProgress.objects.select_related("created_by")))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        task, user = self.object, self.request.user
        is_open = task.status == Task.Status.OPEN
        context["can_report"] = (
            is_open
            and has_capability(user, Capability.REPORT_TASKS)
            and in_scope(tasks_to_report(user), task)
        )
        context["can_manage"] = (
            is_open
            and has_capability(user, Capability.MANAGE_TASKS)
            and in_scope(Task.objects.visible_to(user, Capability.MANAGE_TASKS), task)
        )
        context["updates"] = task.updates.all()
        return context


class TaskProgressCreateView(TargetFormView):
    """The secretary, or the contact of the unit the task is assigned to, reports progress."""

    capability = Capability.REPORT_TASKS
    target_model = Task
    target_related = ("council__community__street__district", "assignee")
    template_name = "councils/task_progress_form.html"
    form_class = forms_plans.TaskProgressForm
    success_message = _("已填报进展。")

    def target_queryset(self):
        # A unit contact reaches only its own unit's tasks: another unit's task is a 404.
        return tasks_to_report(self.request.user).select_related(*self.target_related)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "task": self.target}

    def perform(self, data):
        services.task_progress_record(task=self.target, by=self.request.user, **data)
        return self.target

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "task": self.target}


class TaskCloseView(TargetFormView):
    capability = Capability.MANAGE_TASKS
    target_model = Task
    target_related = ("council__community__street__district", "assignee")
    template_name = "councils/confirm.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cancel_url"] = self.target.get_absolute_url()
        context["object"] = self.target  # the last step of the breadcrumb trail
        return context


class TaskCompleteView(TaskCloseView):
    form_class = forms_plans.TaskCompleteForm
    success_message = _("任务已完成。")

    def perform(self, data):
        return services.task_complete(
            task=self.target, done_on=data["done_on"], note=data["note"], by=self.request.user
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("确认任务完成"),
            "question": _("确认“%(unit)s”已完成任务“%(task)s”？完成后进度记为 100%%，不能再填报进展。")
            % {"unit": self.target.assignee, "task": self.target},
        }


class TaskCancelView(TaskCloseView):
    form_class = forms_plans.TaskCancelForm
    success_message = _("任务已取消。")

    def perform(self, data):
        return services.task_cancel(task=self.target, reason=data["reason"], by=self.request.user)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("取消任务"),
            "question": _("取消任务“%(task)s”？任务与已填报的进展会保留，请写明取消原因。")
            % {"task": self.target},
            "danger": True,
        }


urlpatterns = [
    path("plans/", PlanListView.as_view(), name="plan_list"),
    path("councils/<int:pk>/plans/new/", PlanCreateView.as_view(), name="plan_create"),
    path("plans/<int:pk>/", PlanDetailView.as_view(), name="plan_detail"),
    path("plans/<int:pk>/edit/", PlanUpdateView.as_view(), name="plan_update"),
    # Two patterns, one name: the steps open from here, and the confirmation of one of them.
    path("plans/<int:pk>/transition/", PlanTransitionView.as_view(), name="plan_transition"),
    path("plans/<int:pk>/transition/<str:status>/", PlanTransitionView.as_view(), name="plan_transition"),
    path("plans/<int:pk>/opinions/new/", PlanOpinionCreateView.as_view(), name="planopinion_create"),
    path("opinions/<int:pk>/decide/", OpinionDecideView.as_view(), name="planopinion_decide"),
    path("tasks/", TaskListView.as_view(), name="task_list"),
    path("resolutions/<int:pk>/tasks/new/", TaskCreateView.as_view(), name="task_create"),
    path("tasks/<int:pk>/", TaskDetailView.as_view(), name="task_detail"),
    path("tasks/<int:pk>/progress/new/", TaskProgressCreateView.as_view(), name="taskprogress_create"),
    path("tasks/<int:pk>/complete/", TaskCompleteView.as_view(), name="task_complete"),
    path("tasks/<int:pk>/cancel/", TaskCancelView.as_view(), name="task_cancel"),
]
