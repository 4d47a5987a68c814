"""The city office's setup pages and the points ledger (R-1.9, R-1.10).

Rubric versions, their criteria and the periods that freeze them, the points rules, and the
ledger of dynamic points. Everyone signed in reads rubrics, periods and rules (the criteria are
public); only MANAGE_RUBRICS changes them (403 otherwise). A rubric some period uses is refused
by the services, and the refusal is shown on the page, keeping what was typed. The ledger comes
from `PointEvent.objects.visible_to(user)`; street staff record manual events for units and
councils in their own scope. Every write is one call to assessments/services."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from operator import attrgetter

from django.contrib import messages
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, Sum, prefetch_related_objects
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView

from councils.exports import XlsxExportMixin
from councils.forms import ConfirmForm
from councils.models import Attendance, Meeting, MemberUnit, Task
from councils.periods import today
from councils.roles import Capability
from councils.scoping import has_capability
from councils.views.base import PAGE_SIZE, LoadsObject, ScopedListView, ScopedMixin, form_errors
from finance.models import Violation
from inspections.models import Activity, Finding

from . import forms_setup as forms
from . import services
from .models import Assessment, Criterion, Half, Period, PointEvent, PointRule, Rubric, half_bounds, half_of

MANAGE = Capability.MANAGE_RUBRICS
Status = Assessment.Status


@dataclass(frozen=True)
class Link:
    """A breadcrumb step to a page that is not a model object."""

    label: str
    url: str

    def get_absolute_url(self) -> str:
        return self.url


def crumbs(*names: tuple[str, str]) -> list[tuple[str, Link]]:
    return [(str(label), Link(str(label), reverse(name))) for name, label in names]


RUBRICS = ("rubric_list", gettext_lazy("考核细则"))
PERIODS = ("period_list", gettext_lazy("考核期"))
RULES = ("point_rule_list", gettext_lazy("记分规则"))
POINTS = ("point_list", gettext_lazy("动态记分"))


# --- Progress of a period's assessments ----------------------------------------------------------

# Drawn in this order, from done to not started.
PROGRESS_ORDER = [
    (Status.PUBLISHED, "success"),
    (Status.CONFIRMED, "info"),
    (Status.SUBMITTED, "primary"),
    (Status.RETURNED, "warning"),
    (Status.DRAFT, "secondary"),
]
STATUS_COUNTS = {str(s): Count("pk", filter=Q(status=s)) for s, _css in PROGRESS_ORDER}


@dataclass
class Progress:
    """How many assessments are in each state; a label (street) where grouped."""

    counts: dict[str, int] = field(default_factory=dict)
    label: str = ""

    @classmethod
    def of(cls, row: dict | None, label: str = "") -> Progress:
        row = row or {}
        return cls({str(s): row.get(str(s)) or 0 for s, _css in PROGRESS_ORDER}, label)

    def add(self, other: Progress) -> None:
        for key, value in other.counts.items():
            self.counts[key] = self.counts.get(key, 0) + value

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def published(self) -> int:
        return self.counts.get(Status.PUBLISHED, 0)

    @property
    def percent_done(self) -> int:
        return round(100 * self.published / self.total) if self.total else 0

    @property
    def segments(self) -> list[dict]:
        total = self.total
        return [
            {
                "status": status,
                "label": status.label,
                "css": css,
                "count": self.counts.get(status, 0),
                "percent": round(100 * self.counts.get(status, 0) / total, 1) if total else 0,
            }
            for status, css in PROGRESS_ORDER
        ]


def progress_by_period(user, periods) -> dict[int, Progress]:
    """Counts by state of the assessments in the user's scope, per period, in one query."""
    rows = (
        Assessment.objects.visible_to(user)
        .filter(period__in=[p.pk for p in periods])
        .order_by()
        .values("period")
        .annotate(**STATUS_COUNTS)
    )
    return {row["period"]: Progress.of(row) for row in rows}


def progress_by_street(user, period: Period) -> tuple[list[Progress], Progress]:
    """Counts by state per street in the user's scope, in one query; and their sum."""
    street = "council__community__street"
    rows = (
        Assessment.objects.visible_to(user)
        .filter(period=period)
        .order_by()
        .values(f"{street}__district__name", f"{street}__name")
        .annotate(**STATUS_COUNTS)
        .order_by(f"{street}__district__name", f"{street}__name")
    )
    streets = [
        Progress.of(row, f"{row[f'{street}__district__name']} {row[f'{street}__name']}") for row in rows
    ]
    total = Progress.of(None)
    for row in streets:
        total.add(row)
    return streets, total


# --- Rubrics -------------------------------------------------------------------------------------


@dataclass
class Group:
    value: str
    label: str
    criteria: list[Criterion]

    @property
    def subtotal(self) -> Decimal:
        return sum((c.max_points for c in self.criteria), Decimal("0.0"))


def grouped(criteria) -> list[Group]:
    """Criteria under 态度, 措施, 成效, in that order, each group with its subtotal."""
    groups = {value: Group(value, label, []) for value, label in Criterion.Group.choices}
    for criterion in sorted(criteria, key=attrgetter("order", "pk")):
        groups[criterion.group].criteria.append(criterion)
    return list(groups.values())


def rubric_context(rubric: Rubric, criteria) -> dict:
    groups = grouped(criteria)
    total = sum((g.subtotal for g in groups), Decimal("0.0"))
    return {"groups": groups, "total": total, "total_is_100": total == 100}


def periods_first():
    return Prefetch("periods", queryset=Period.objects.order_by("-year", "-half"))


class RubricListView(ScopedMixin, ListView):
    """Every version, newest first, with its total and the periods that use (and froze) it."""

    template_name = "assessments/rubric_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            Rubric.objects.select_related("created_by")
            .annotate(n_criteria=Count("criteria"), total_points=Sum("criteria__max_points"))
            .prefetch_related(periods_first())
            .order_by("-version")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["can_manage"] = has_capability(self.request.user, MANAGE)
        context["newest"] = Rubric.objects.order_by("-version").values_list("pk", flat=True).first()
        return context


class RubricDetailView(ScopedMixin, DetailView):
    """One version: criteria grouped by 态度/措施/成效 with points, guidance and data source,
    subtotals and total (warned when not 100), frozen or not and which periods use it."""

    template_name = "assessments/rubric_detail.html"
    context_object_name = "rubric"

    def get_queryset(self):
        return Rubric.objects.select_related("created_by").prefetch_related("criteria", periods_first())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rubric = self.object
        periods = list(rubric.periods.all())
        can_manage = has_capability(self.request.user, MANAGE)
        context.update(rubric_context(rubric, rubric.criteria.all()))
        context.update(
            periods=periods,
            frozen=bool(periods),
            can_manage=can_manage,
            can_edit=can_manage and not periods,
            breadcrumbs=crumbs(RUBRICS),
        )
        return context


class RubricPageMixin(ScopedMixin, LoadsObject):
    capability = MANAGE

    def load(self) -> None:
        self.rubric = get_object_or_404(Rubric, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "rubric": self.rubric,
            "breadcrumbs": [*crumbs(RUBRICS), (str(self.rubric), self.rubric)],
        }


class RubricReviseView(RubricPageMixin, FormView):
    """Save a version as a new one to edit; the periods keep the version they opened with."""

    template_name = "assessments/rubric_revise.html"
    form_class = forms.RubricReviseForm

    def get_initial(self):
        return {"name": self.rubric.name}

    def form_valid(self, form):
        try:
            new = services.rubric_revise(
                rubric=self.rubric,
                name=form.cleaned_data["name"],
                note=form.cleaned_data["note"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已另存为第%(version)d版，可以修改其考核项目；已开启的考核期仍使用原版本。")
            % {"version": new.version},
        )
        return redirect(new.get_absolute_url())


class CriterionPageMixin(RubricPageMixin):
    """Add, change or delete a criterion of a version; a frozen version shows the refusal, and a
    POST to it is refused by the service (a state, not a permission: no 403)."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["frozen"] = services.rubric_is_frozen(self.rubric)
        context["rubric_total"] = self.rubric.total
        return context

    def saved(self, text: str):
        messages.success(self.request, text)
        total = Rubric.objects.filter(pk=self.rubric.pk).aggregate(t=Sum("criteria__max_points"))["t"] or 0
        if total != 100:
            messages.warning(self.request, _("该版本合计%(total)s分，不是100分，请核对。") % {"total": total})
        return redirect(self.rubric.get_absolute_url())


class CriterionFormView(CriterionPageMixin, FormView):
    template_name = "assessments/criterion_form.html"
    form_class = forms.CriterionForm

    def load(self) -> None:
        if "criterion" in self.kwargs:
            self.criterion = get_object_or_404(
                Criterion.objects.select_related("rubric"), pk=self.kwargs["criterion"]
            )
            self.rubric = self.criterion.rubric
        else:
            super().load()
            self.criterion = Criterion(rubric=self.rubric)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.criterion}

    def get_initial(self):
        if self.criterion.pk:
            return {}
        group = self.request.GET.get("group", "")
        initial = {"order": self.rubric.criteria.count() + 1}
        if group in Criterion.Group.values:
            initial["group"] = group
        return initial

    def form_valid(self, form):
        adding = self.criterion.pk is None
        try:
            criterion = services.criterion_save(criterion=form.save(commit=False), by=self.request.user)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        text = _("已添加考核项目“%(title)s”。") if adding else _("已保存考核项目“%(title)s”。")
        return self.saved(text % {"title": criterion.title})

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "criterion": self.criterion}


class CriterionDeleteView(CriterionPageMixin, FormView):
    template_name = "assessments/criterion_delete.html"
    form_class = ConfirmForm

    def load(self) -> None:
        self.criterion = get_object_or_404(
            Criterion.objects.select_related("rubric"), pk=self.kwargs["criterion"]
        )
        self.rubric = self.criterion.rubric

    def form_valid(self, form):
        title = self.criterion.title
        try:
            services.criterion_delete(criterion=self.criterion, by=self.request.user)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        return self.saved(_("已删除考核项目“%(title)s”。") % {"title": title})

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "criterion": self.criterion}


# --- Periods -------------------------------------------------------------------------------------


class PeriodListView(ScopedMixin, ListView):
    """Every period with its rubric version and status, and the progress of the assessments
    in the user's scope (one aggregate query for the page)."""

    template_name = "assessments/period_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return Period.objects.select_related("rubric").order_by("-year", "-half")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        periods = list(context["page_obj"].object_list)
        progress = progress_by_period(self.request.user, periods)
        for period in periods:
            period.progress = progress.get(period.pk) or Progress.of(None)
        context["periods"] = periods
        context["can_manage"] = has_capability(self.request.user, MANAGE)
        return context


class PeriodDetailView(ScopedMixin, DetailView):
    """A period: dates, status, the frozen rubric version with its criteria, the grade lines and
    points cap, and the progress per street in the user's scope (one grouped query)."""

    template_name = "assessments/period_detail.html"
    context_object_name = "period"

    def get_queryset(self):
        return Period.objects.select_related("rubric", "created_by").prefetch_related("rubric__criteria")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        period, user = self.object, self.request.user
        streets, total = progress_by_street(user, period)
        start, end = period.bounds
        context.update(rubric_context(period.rubric, period.rubric.criteria.all()))
        context.update(
            streets=streets,
            progress=total,
            start=start,
            end=end,
            is_open=period.status == Period.Status.OPEN,
            can_manage=has_capability(user, MANAGE),
            breadcrumbs=crumbs(PERIODS),
        )
        return context


def default_half() -> tuple[int, int]:
    """The current half-year, or the next one where the current is already open."""
    year, half = half_of(today())
    if Period.objects.filter(year=year, half=half).exists():
        year, half = (year, Half.SECOND) if half == Half.FIRST else (year + 1, Half.FIRST)
    return year, half


class PeriodCreateView(ScopedMixin, FormView):
    """Open a half-year with a rubric version (the newest by default), grade lines and points
    cap; one draft assessment per current seat is added (R-1.9)."""

    capability = MANAGE
    template_name = "assessments/period_form.html"
    form_class = forms.PeriodForm

    def get_initial(self):
        year, half = default_half()
        _start, end = half_bounds(year, half)
        newest = Rubric.objects.order_by("-version").values_list("pk", flat=True).first()
        return {
            "year": year,
            "half": half,
            "opens_on": today(),
            "closes_on": end + timedelta(days=15),
            "rubric": newest,
            "excellent_from": Decimal("90"),
            "good_from": Decimal("80"),
            "pass_from": Decimal("60"),
            "points_cap": Decimal("10"),
        }

    def form_valid(self, form):
        try:
            period = services.period_open(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已开启%(period)s考核，生成%(count)d份考核；第%(version)d版细则已冻结。")
            % {"period": period, "count": period.assessments.count(), "version": period.rubric.version},
        )
        return redirect(period.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "breadcrumbs": crumbs(PERIODS)}


class PeriodActionView(ScopedMixin, LoadsObject, FormView):
    """A confirmed step on one period by the city office."""

    capability = MANAGE
    template_name = "assessments/period_confirm.html"
    form_class = ConfirmForm

    def load(self) -> None:
        self.period = get_object_or_404(Period.objects.select_related("rubric"), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.period.status == Period.Status.CLOSED:
            messages.info(request, _("%(period)s考核期已结束。") % {"period": self.period})
            return redirect(self.period.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        if self.period.status == Period.Status.CLOSED:
            form.add_error(None, _("%(period)s考核期已结束。") % {"period": self.period})
            return self.form_invalid(form)
        try:
            text = self.act()
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, text)
        return redirect(self.period.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "period": self.period,
            "breadcrumbs": [*crumbs(PERIODS), (str(self.period), self.period)],
        }


class PeriodSyncView(PeriodActionView):
    """Add the draft assessments of seats taken since the period opened (safe to repeat)."""

    def act(self) -> str:
        added = services.period_sync(period=self.period)
        if not added:
            return _("没有新增的成员单位席位。")
        return _("已为新加入理事会的成员单位生成%(count)d份考核。") % {"count": added}

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": _("同步新增席位"),
            "question": _(
                "为%(period)s开启后新加入理事会的成员单位生成考核草稿？已有的考核不受影响，可以重复执行。"
            )
            % {"period": self.period},
            "danger": False,
        }


class PeriodCloseView(PeriodActionView):
    """End the period; unfinished assessments are counted on the page first."""

    def act(self) -> str:
        services.period_close(period=self.period, by=self.request.user)
        return _("%(period)s考核期已结束。") % {"period": self.period}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unfinished = (
            self.scoped(Assessment).filter(period=self.period).exclude(status=Status.PUBLISHED).count()
        )
        context.update(
            title=_("结束考核期"),
            question=_("确认结束%(period)s考核期？结束后不再接受新的考核。") % {"period": self.period},
            unfinished=unfinished,
            danger=True,
        )
        return context


# --- Points rules --------------------------------------------------------------------------------


def rules_in_order() -> list[PointRule]:
    """The rules in the order the rule table declares them (attendance, tasks, funds, findings,
    volunteering), each gain next to its loss."""
    order = {code: n for n, code in enumerate(PointRule.Code.values)}
    return sorted(PointRule.objects.all(), key=lambda rule: order.get(rule.code, len(order)))


class PointRuleListView(ScopedMixin, ListView):
    """The rule table: what earns or costs points, how many, and whether it is in use."""

    template_name = "assessments/pointrule_list.html"

    def get_queryset(self):
        return rules_in_order()

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "can_manage": has_capability(self.request.user, MANAGE),
        }


class Refused(Exception):
    """Rolls back every rule change when one of them is refused."""


class PointRuleEditView(ScopedMixin, TemplateView):
    """The whole rule table in one form; each changed rule goes through point_rule_update, all or
    none. Events already recorded keep their points (R-1.10)."""

    capability = MANAGE
    template_name = "assessments/pointrule_form.html"

    def rows(self, data=None) -> list[forms.PointRuleForm]:
        return [forms.PointRuleForm(data, rule=rule) for rule in rules_in_order()]

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(rows=self.rows()))

    def post(self, request, *args, **kwargs):
        rows = self.rows(request.POST)
        if not all(row.is_valid() for row in rows):
            return self.render_to_response(self.get_context_data(rows=rows))
        changed = [row for row in rows if row.changed()]
        try:
            with transaction.atomic():
                refused = False
                for row in changed:
                    try:
                        services.point_rule_update(rule=row.rule, by=request.user, **row.cleaned_data)
                    except ValidationError as error:
                        form_errors(row, error)
                        refused = True
                if refused:
                    raise Refused
        except Refused:
            return self.render_to_response(self.get_context_data(rows=rows))
        if changed:
            messages.success(
                request,
                _("已保存%(count)d条记分规则；已记录的记分保持原分值，之后生成的记分按新分值计算。")
                % {"count": len(changed)},
            )
        else:
            messages.info(request, _("记分规则没有变化。"))
        return redirect("point_rule_list")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "breadcrumbs": crumbs(RULES)}


# --- Points ledger -------------------------------------------------------------------------------


def source_url(source) -> str | None:
    """The page of the record that caused an automatic event."""
    if isinstance(source, Attendance):
        return reverse("meeting_detail", args=[source.meeting_id])
    names = {
        Task: "task_detail",
        Violation: "violation_detail",
        Finding: "finding_detail",
        Activity: "activity_detail",
    }
    name = names.get(type(source))
    return reverse(name, args=[source.pk]) if name else None


SOURCE_LABELS = {
    Attendance: gettext_lazy("会议"),
    Task: gettext_lazy("共建任务"),
    Violation: gettext_lazy("资金问题"),
    Finding: gettext_lazy("巡查发现"),
    Activity: gettext_lazy("志愿服务"),
}


def sources_for(user) -> GenericPrefetch:
    """The records behind automatic events, one query per kind, each from the scope of the page
    it links to: a record the user may not open is left out (no link)."""
    return GenericPrefetch(
        "source",
        [
            Attendance.objects.filter(meeting__in=Meeting.objects.visible_to(user)).only("pk", "meeting_id"),
            Task.objects.visible_to(user).only("pk"),
            Violation.objects.visible_to(user).only("pk"),
            Finding.objects.visible_to(user).only("pk"),
            Activity.objects.visible_to(user).only("pk"),
        ],
    )


def user_name(user) -> str:
    return "" if user is None else (user.first_name or user.username)


class PointEventListView(XlsxExportMixin, ScopedListView):
    """The points ledger in the user's scope, newest first, filtered; automatic events link to
    the record that caused them where the user may open it. ?format=xlsx exports the filtered
    ledger."""

    model = PointEvent
    filterset_class = forms.PointEventFilter
    template_name = "assessments/pointevent_list.html"
    create_capability = Capability.RECORD_POINTS
    export_title = gettext_lazy("动态记分台账")

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("unit", "council__community__street", "rule", "created_by")
            .order_by("-occurred_on", "-pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        events = list(context["page_obj"].object_list)
        prefetch_related_objects(events, sources_for(self.request.user))
        for event in events:
            source = None if event.is_manual else event.source
            event.source_url = source_url(source) if source is not None else None
            event.source_label = SOURCE_LABELS.get(type(source), "") if source is not None else ""
        context["events"] = events
        context["totals"] = self.object_list.order_by().aggregate(
            n=Count("pk"),
            net=Sum("points"),
            gained=Sum("points", filter=Q(points__gt=0)),
            lost=Sum("points", filter=Q(points__lt=0)),
        )
        context["can_derive"] = has_capability(self.request.user, MANAGE)
        context["export_query"] = "&".join(filter(None, [context["query_string"], "format=xlsx"]))
        return context

    def get_export_rows(self, queryset):
        return queryset.iterator(chunk_size=self.export_chunk_size)

    def get_export_columns(self):
        return [
            (_("发生日期"), attrgetter("occurred_on")),
            (_("考核期"), lambda e: _("%(year)d年%(half)s") % {"year": e.year, "half": e.get_half_display()}),
            (_("成员单位"), attrgetter("unit.name")),
            (_("理事会"), attrgetter("council.name")),
            (_("街道/镇"), attrgetter("council.community.street.name")),
            (_("分值"), attrgetter("points")),
            (_("来源"), lambda e: _("人工记分") if e.is_manual else e.rule.get_code_display()),
            (_("事由"), attrgetter("reason")),
            (_("记分人"), lambda e: user_name(e.created_by) if e.is_manual else _("系统自动")),
            (_("记录时间"), attrgetter("created_at")),
        ]


class PointRecordView(ScopedMixin, FormView):
    """A manual event by street staff, for a unit and council in their own scope (R-1.10)."""

    capability = Capability.RECORD_POINTS
    template_name = "assessments/pointevent_form.html"
    form_class = forms.PointRecordForm

    def dispatch(self, request, *args, **kwargs):
        if (
            request.user.is_authenticated
            and has_capability(request.user, self.capability)
            and not MemberUnit.objects.visible_to(request.user, self.capability).exists()
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def get_initial(self):
        initial = {"occurred_on": today()}
        for name in ("unit", "council"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = int(value)
        return initial

    def form_valid(self, form):
        try:
            event = services.point_record(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已为%(unit)s记分%(points)s分。") % {"unit": event.unit, "points": f"{event.points:+}"},
        )
        return redirect(reverse("point_list") + "?" + urlencode({"q": event.unit.name}))

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "breadcrumbs": crumbs(POINTS)}


class PointsDeriveView(ScopedMixin, FormView):
    """Run the points job for one period now, in the request (it is idempotent): the automatic
    events not in the ledger yet are added and the period's results refreshed (R-1.10)."""

    capability = MANAGE
    template_name = "assessments/pointevent_derive.html"
    form_class = forms.DeriveForm

    def get_initial(self):
        year, half = half_of(today())
        current = Period.objects.filter(year=year, half=half).values_list("pk", flat=True).first()
        return {"period": current} if current else {}

    def form_valid(self, form):
        from .tasks import points_derive_half  # the job's own code, run here in the request

        period = form.cleaned_data["period"]
        added = points_derive_half(year=period.year, half=period.half)
        messages.success(
            self.request,
            _("已按记分规则生成%(period)s的自动记分%(count)d条，考核结果已刷新。")
            % {"period": period, "count": added},
        )
        return redirect(reverse("point_list") + f"?period={period.pk}")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "breadcrumbs": crumbs(POINTS)}
