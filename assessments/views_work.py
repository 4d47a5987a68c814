"""The assessment workflow pages (R-1.9, R-1.10): the assessor's worklist with its deadline, one
assessment with its criteria, evidence and history, the scoring form, each step of the workflow,
bulk confirmation and publication, a unit's score card across periods, and the rankings.

Who may take a step is the capability table (councils/roles.py): community staff score and submit
(DRAFT_ASSESSMENTS), street staff confirm, return, publish and correct (CONFIRM_ASSESSMENTS). A role
without the capability gets 403; the assessment is then fetched from `visible_to(user,
capability)`, so one outside that role's scope is a 404. Every write is one call to
assessments/services/workflow.py whose ValidationError is shown on the page, keeping what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, Sum, Value, When
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, ListView, TemplateView

from councils import selectors as council_selectors
from councils.models import District, MemberUnit, Street
from councils.periods import today
from councils.roles import Capability, Level, Role
from councils.scoping import grants_of, has_capability
from councils.views.base import LoadsObject, ScopedListView, ScopedMixin, form_errors

from . import services
from .forms_work import AdjustForm, AssessmentFilter, ConfirmNoteForm, PublishForm, ReturnForm
from .models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    Criterion,
    Grade,
    Period,
    PointEvent,
    Result,
    Score,
)

Status = Assessment.Status
DRAFT = Capability.DRAFT_ASSESSMENTS
CONFIRM = Capability.CONFIRM_ASSESSMENTS
RELATED = ("period__rubric", "council__community__street__district", "unit")

# Drafts are the offices' and the scoring community's working papers: a council's secretary and a
# unit's contact read an assessment once it is published.
PUBLISHED_ONLY = frozenset({Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT})

# The worklist puts first what the reader has to act on.
DRAFTER_ORDER = (Status.RETURNED, Status.DRAFT, Status.SUBMITTED, Status.CONFIRMED, Status.PUBLISHED)
CONFIRMER_ORDER = (Status.SUBMITTED, Status.CONFIRMED, Status.RETURNED, Status.DRAFT, Status.PUBLISHED)
DEADLINE_SOON_DAYS = 7


# --- Reading --------------------------------------------------------------------------------------


def readable(user):
    """The assessments the user may open: `visible_to(user)`, unpublished ones only through the
    roles that draft, confirm or oversee them."""
    seen = Assessment.objects.visible_to(user)
    grants = grants_of(user)
    if not any(g.role in PUBLISHED_ONLY for g in grants):
        return seen
    internal = Q(pk__in=[])
    for grant in grants:
        if grant.role in PUBLISHED_ONLY:
            continue
        if grant.level == Level.CITY:
            return seen
        part = Assessment.scope_q(grant.level, grant.node_id)
        if part is not None:
            internal |= part
    return seen.filter(Q(status=Status.PUBLISHED) | internal)


def with_related(queryset):
    return queryset.select_related(*RELATED)


def reaches(user, capability: str, assessment: Assessment) -> bool:
    """Whether the user holds `capability` over this assessment (one query, only for a user
    holding the capability at all)."""
    return (
        has_capability(user, capability)
        and Assessment.objects.visible_to(user, capability).filter(pk=assessment.pk).exists()
    )


def status_first(order) -> Case:
    return Case(*(When(status=s, then=Value(i)) for i, s in enumerate(order)), output_field=IntegerField())


def choose_period(periods: list[Period], wanted, default: Period | None = None) -> Period | None:
    """The period asked for by ?period=, else `default`, else the newest open one, else the newest."""
    if wanted and str(wanted).isdigit():
        for period in periods:
            if period.pk == int(wanted):
                return period
    if default is not None:
        return default
    return next((p for p in periods if p.status == Period.Status.OPEN), periods[0] if periods else None)


@dataclass(frozen=True)
class Deadline:
    """The period's closing date seen from today (Shanghai calendar)."""

    closes_on: date
    days_left: int
    is_open: bool

    @classmethod
    def of(cls, period: Period) -> Deadline:
        return cls(period.closes_on, (period.closes_on - today()).days, period.status == Period.Status.OPEN)

    @property
    def overdue(self) -> bool:
        return self.is_open and self.days_left < 0

    @property
    def soon(self) -> bool:
        return self.is_open and 0 <= self.days_left <= DEADLINE_SOON_DAYS

    @property
    def days_over(self) -> int:
        return -self.days_left


@dataclass
class Row:
    """One criterion of an assessment: its score (if any) and, on the scoring form, what was typed
    and what is wrong with it."""

    criterion: Criterion
    score: Score | None
    value: str = ""
    note: str = ""
    reason: str = ""
    score_errors: list[str] = field(default_factory=list)
    reason_errors: list[str] = field(default_factory=list)

    @property
    def suggested(self) -> Decimal | None:
        return self.score.suggested if self.score else None

    @property
    def basis(self) -> str:
        return self.score.suggestion_basis if self.score else ""

    @property
    def differs(self) -> bool:
        """The entered score is not the suggestion (a reason was required)."""
        return bool(self.score and self.score.points is not None and self.suggested is not None) and (
            self.score.points != self.suggested
        )

    @property
    def has_errors(self) -> bool:
        return bool(self.score_errors or self.reason_errors)


@dataclass
class Group:
    label: str
    rows: list[Row]

    @property
    def max_points(self) -> Decimal:
        return sum((r.criterion.max_points for r in self.rows), Decimal("0"))

    @property
    def points(self) -> Decimal:
        return sum(
            (r.score.points for r in self.rows if r.score and r.score.points is not None), Decimal("0")
        )


def grouped(rows: list[Row]) -> list[Group]:
    """The criteria under 态度, 措施, 成效, in the rubric's order."""
    return [
        Group(label, [r for r in rows if r.criterion.group == value])
        for value, label in Criterion.Group.choices
        if any(r.criterion.group == value for r in rows)
    ]


def rows_of(assessment: Assessment, scores) -> list[Row]:
    by_criterion = {s.criterion_id: s for s in scores}
    return [Row(c, by_criterion.get(c.pk)) for c in assessment.period.rubric.criteria.all()]


def is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def go_to(request, url: str) -> HttpResponse:
    """A redirect; a form sent by htmx is told to load the page rather than swap it in."""
    if is_htmx(request):
        return HttpResponse(status=204, headers={"HX-Redirect": url})
    return HttpResponseRedirect(url)


def list_url(period: Period | None) -> str:
    url = reverse("assessment_list")
    return f"{url}?period={period.pk}" if period else url


# --- Worklist -------------------------------------------------------------------------------------


class AssessmentListView(ScopedListView):
    """The assessor's worklist (issue 6 §7): who is still to be assessed in the chosen period, the
    deadline, counts by status, what the reader acts on first; street staff confirm or publish
    several at once."""

    model = Assessment
    filterset_class = AssessmentFilter
    template_name = "assessments/assessment_list.html"
    paginate_by = 50

    def get(self, request, *args, **kwargs):
        self.periods = list(Period.objects.all())
        self.period = choose_period(self.periods, request.GET.get("period"))
        return super().get(request, *args, **kwargs)

    def in_period(self):
        return readable(self.request.user).filter(period=self.period)

    def get_queryset(self):
        if self.period is None:
            return Assessment.objects.none()
        user = self.request.user
        order = DRAFTER_ORDER if has_capability(user, DRAFT) else CONFIRMER_ORDER
        return (
            with_related(self.in_period())
            .select_related("drafted_by")
            .order_by(status_first(order), "council__community__name", "council__name", "unit__name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        counts = {}
        if self.period is not None:
            counts = self.in_period().aggregate(
                total=Count("pk"), **{s: Count("pk", filter=Q(status=s)) for s in Status.values}
            )
        chosen = self.filterset.form.cleaned_data.get("status") if self.filterset.is_valid() else None
        query = self.request.GET.copy()
        for key in ("page", "status"):
            query.pop(key, None)
        context.update(
            periods=self.periods,
            period=self.period,
            deadline=Deadline.of(self.period) if self.period else None,
            counts=counts,
            status_counts=[(s, label, counts.get(s, 0)) for s, label in Status.choices],
            chosen_status=chosen,
            filtered=any(self.request.GET.get(name) for name in self.filterset.form.fields),
            status_query=query.urlencode(),
            can_draft=has_capability(user, DRAFT),
            can_bulk=has_capability(user, CONFIRM),
            editable=Assessment.EDITABLE,
        )
        return context


class BulkActionView(ScopedMixin, TemplateView):
    """Street staff confirm every selected submitted assessment, or publish every selected
    confirmed one, after a page listing what will change (R-1.9, R-1.10). GET ?action=&ids= shows
    that page; POST does it, through the scope of CONFIRM_ASSESSMENTS only."""

    capability = CONFIRM
    template_name = "assessments/assessment_bulk.html"
    ACTIONS = {
        "confirm": (Status.SUBMITTED, gettext_lazy("批量确认")),
        "publish": (Status.CONFIRMED, gettext_lazy("批量公布")),
    }

    def selection(self, data):
        self.action = data.get("action") if data.get("action") in self.ACTIONS else None
        self.ids = sorted({int(v) for v in data.getlist("ids") if v.isdigit()})
        self.chosen = self.scoped(Assessment).filter(pk__in=self.ids)
        self.period = (
            Period.objects.filter(pk=data.get("period")).first() if data.get("period", "").isdigit() else None
        )

    def get(self, request, *args, **kwargs):
        self.selection(request.GET)
        return self.render_to_response(self.get_context_data(form=self.form_for(None)))

    def post(self, request, *args, **kwargs):
        self.selection(request.POST)
        form = self.form_for(request.POST)
        if self.action is None or not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if self.action == "confirm":
            done = services.assessments_confirm_many(assessments=self.chosen, by=request.user)
            messages.success(request, _("已确认 %(n)d 份考核。") % {"n": done})
        else:
            done = services.assessments_publish_many(assessments=self.chosen, by=request.user)
            messages.success(request, _("已公布 %(n)d 份考核，考核结果与排名随之更新。") % {"n": done})
        return redirect(list_url(self.period))

    def form_for(self, data):
        return PublishForm(data) if self.action == "publish" else forms.Form(data)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        eligible = []
        if self.action is not None:
            wanted, label = self.ACTIONS[self.action]
            context["action_label"] = label
            eligible = list(
                with_related(self.chosen.filter(status=wanted)).order_by("council__name", "unit__name")
            )
        context.update(
            action=self.action,
            eligible=eligible,
            skipped=len(self.ids) - len(eligible),
            period=self.period,
            back_url=list_url(self.period),
        )
        return context


# --- One assessment -------------------------------------------------------------------------------


class AssessmentDetailView(ScopedMixin, DetailView):
    """One assessment: unit, council, period, status, rubric score + corrections = score; the
    criteria under 态度/措施/成效 with the suggestion and its basis, the score, the evidence and
    the reason for departing from the suggestion; the history, the corrections, the return
    comment; and the steps open to the user."""

    model = Assessment
    template_name = "assessments/assessment_detail.html"
    context_object_name = "assessment"

    def get_queryset(self):
        return (
            with_related(readable(self.request.user))
            .select_related("drafted_by", "confirmed_by")
            .prefetch_related(
                "scores",
                "period__rubric__criteria",
                Prefetch("events", queryset=AssessmentEvent.objects.select_related("by")),
                Prefetch("adjustments", queryset=Adjustment.objects.select_related("by")),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        assessment, user = self.object, self.request.user
        drafts = reaches(user, DRAFT, assessment)
        confirms = reaches(user, CONFIRM, assessment)
        context.update(
            council=assessment.council,
            breadcrumbs=council_selectors.breadcrumbs(user, assessment.council),
            groups=grouped(rows_of(assessment, assessment.scores.all())),
            events=assessment.events.all(),
            adjustments=assessment.adjustments.all(),
            deadline=Deadline.of(assessment.period),
            can_score=drafts and assessment.is_editable,
            can_submit=drafts and assessment.can_move_to(Status.SUBMITTED),
            can_confirm=confirms and assessment.can_move_to(Status.CONFIRMED),
            can_return=confirms and assessment.can_move_to(Status.RETURNED),
            can_publish=confirms and assessment.can_move_to(Status.PUBLISHED),
            can_adjust=confirms and assessment.status == Status.PUBLISHED,
        )
        return context


class AssessmentPage(ScopedMixin, LoadsObject):
    """A page acting on one assessment: 403 without the capability, 404 outside its scope."""

    def load(self) -> None:
        self.assessment = get_object_or_404(with_related(self.scoped(Assessment)), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "assessment": self.assessment,
            "council": self.assessment.council,
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, self.assessment.council),
        }


class AssessmentScoreView(AssessmentPage, TemplateView):
    """Community staff enter the scores (R-1.9): one row per criterion with the suggestion from the
    records and what it rests on; a score other than the suggestion needs a reason. Every error is
    shown on its row and everything typed is kept."""

    capability = DRAFT
    template_name = "assessments/assessment_score.html"

    def locked(self):
        messages.error(
            self.request,
            _("“%(status)s”的考核不能修改评分。") % {"status": self.assessment.get_status_display()},
        )
        return go_to(self.request, self.assessment.get_absolute_url())

    def get(self, request, *args, **kwargs):
        if not self.assessment.is_editable:
            return self.locked()
        scores = services.assessment_prefill(assessment=self.assessment)
        rows = []
        for score in scores:
            rows.append(
                Row(
                    score.criterion,
                    score,
                    value="" if score.points is None else str(score.points),
                    note=score.evidence_note,
                    reason=score.override_reason,
                )
            )
        return self.render_to_response(self.get_context_data(rows=rows, summary=self.assessment.summary))

    def post(self, request, *args, **kwargs):
        if not self.assessment.is_editable:
            return self.locked()
        data = request.POST
        criteria = Criterion.objects.filter(rubric_id=self.assessment.period.rubric_id).values_list(
            "pk", flat=True
        )
        entries = {
            pk: services.Entry(
                data.get(f"score_{pk}", "").strip(), data.get(f"note_{pk}", ""), data.get(f"reason_{pk}", "")
            )
            for pk in criteria
        }
        try:
            services.assessment_score(
                assessment=self.assessment, entries=entries, summary=data.get("summary", ""), by=request.user
            )
        except ValidationError as error:
            errors = (
                error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}
            )
            rows = [
                Row(
                    score.criterion,
                    score,
                    value=data.get(f"score_{score.criterion_id}", ""),
                    note=data.get(f"note_{score.criterion_id}", ""),
                    reason=data.get(f"reason_{score.criterion_id}", ""),
                    score_errors=errors.get(f"score_{score.criterion_id}", []),
                    reason_errors=errors.get(f"reason_{score.criterion_id}", []),
                )
                for score in services.assessment_prefill(assessment=self.assessment)
            ]
            context = self.get_context_data(
                rows=rows,
                summary=data.get("summary", ""),
                errors=errors.get(NON_FIELD_ERRORS, []),
                n_errors=sum(1 for r in rows if r.has_errors),
            )
            return self.render_to_response(context)
        if data.get("then") == "submit":
            return go_to(request, reverse("assessment_submit", args=[self.assessment.pk]))
        messages.success(request, _("评分已保存。"))
        return go_to(request, self.assessment.get_absolute_url())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = context["rows"]
        context.update(
            groups=grouped(rows),
            total_max=sum((r.criterion.max_points for r in rows), Decimal("0")),
            has_suggestions=any(r.suggested is not None for r in rows),
            htmx=is_htmx(self.request),
        )
        return context


class AssessmentActionView(AssessmentPage, FormView):
    """One step of the workflow on its own page: what will happen, the form of the step (a comment,
    a confirmation), and a refusal when the assessment's state does not allow it."""

    template_name = "assessments/assessment_action.html"
    form_class = forms.Form
    to: str = ""
    title = ""
    intro = ""
    button = ""
    button_class = "btn-primary"
    done = ""

    def is_open(self) -> bool:
        return self.assessment.can_move_to(self.to)

    def act(self, data: dict) -> None:
        raise NotImplementedError

    def form_valid(self, form):
        try:
            self.act(form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, self.done)
        return redirect(self.assessment.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "title": self.title,
            "intro": self.intro,
            "button": self.button,
            "button_class": self.button_class,
            "open_here": self.is_open(),
        }


class AssessmentSubmitView(AssessmentActionView):
    capability = DRAFT
    to = Status.SUBMITTED
    title = gettext_lazy("提交街道确认")
    intro = gettext_lazy("提交后由街道审核确认；确认前街道可退回修改。提交后不能再修改评分。")
    button = gettext_lazy("确认提交")
    done = gettext_lazy("已提交街道确认。")

    def act(self, data) -> None:
        services.assessment_submit(assessment=self.assessment, by=self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rows = rows_of(self.assessment, self.assessment.scores.all())
        context["missing"] = [r.criterion for r in rows if r.score is None or r.score.points is None]
        return context


class AssessmentConfirmView(AssessmentActionView):
    capability = CONFIRM
    to = Status.CONFIRMED
    form_class = ConfirmNoteForm
    title = gettext_lazy("街道确认")
    intro = gettext_lazy("确认社区的评分无误。确认后可以公布；公布前仍可退回。")
    button = gettext_lazy("确认评分")
    button_class = "btn-success"
    done = gettext_lazy("已确认该考核。")

    def act(self, data) -> None:
        services.assessment_confirm(assessment=self.assessment, note=data["note"], by=self.request.user)


class AssessmentReturnView(AssessmentActionView):
    capability = CONFIRM
    to = Status.RETURNED
    form_class = ReturnForm
    title = gettext_lazy("退回修改")
    intro = gettext_lazy("退回后社区可修改评分并重新提交。")
    button = gettext_lazy("退回社区")
    button_class = "btn-warning"
    done = gettext_lazy("已退回社区修改。")

    def act(self, data) -> None:
        services.assessment_return(assessment=self.assessment, comment=data["comment"], by=self.request.user)


class AssessmentPublishView(AssessmentActionView):
    capability = CONFIRM
    to = Status.PUBLISHED
    form_class = PublishForm
    title = gettext_lazy("公布考核")
    intro = gettext_lazy("公布后评分锁定，不能再修改或退回，只能由街道登记更正；考核结果与排名随之更新。")
    button = gettext_lazy("公布")
    button_class = "btn-danger"
    done = gettext_lazy("考核已公布，考核结果与排名已更新。")

    def act(self, data) -> None:
        services.assessment_publish(assessment=self.assessment, by=self.request.user)


class AssessmentAdjustView(AssessmentActionView):
    """A recorded correction of a published assessment: a delta with a reason, never an edit."""

    capability = CONFIRM
    form_class = AdjustForm
    title = gettext_lazy("更正考核得分")
    intro = gettext_lazy("已公布的考核不能修改评分；发现差错时登记更正分值和理由，更正记录永久保留。")
    button = gettext_lazy("登记更正")
    button_class = "btn-primary"
    done = gettext_lazy("已登记更正，考核结果与排名已更新。")

    def is_open(self) -> bool:
        return self.assessment.status == Status.PUBLISHED

    def act(self, data) -> None:
        services.assessment_adjust(
            assessment=self.assessment, delta=data["delta"], reason=data["reason"], by=self.request.user
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "adjustments": self.assessment.adjustments.select_related("by"),
        }


# --- A unit's score card --------------------------------------------------------------------------


class UnitScorecardView(ScopedMixin, DetailView):
    """A member unit across periods (R-1.9, R-1.10): its results (final score, grade, ranks,
    civilized standing) with a chart, its assessments per council and period, and its points
    ledger for the chosen period."""

    model = MemberUnit
    template_name = "assessments/unit_scorecard.html"
    context_object_name = "unit"
    ledger_size = 20

    def get_queryset(self):
        return super().get_queryset().select_related("street__district")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        unit, user = self.object, self.request.user
        periods = list(Period.objects.all())
        period = choose_period(periods, self.request.GET.get("period"))
        results = list(
            Result.objects.visible_to(user)
            .filter(unit=unit)
            .select_related("period")
            .order_by("-period__year", "-period__half")
        )
        assessments = (
            readable(user)
            .filter(unit=unit)
            .select_related("period", "council")
            .order_by("-period__year", "-period__half", "council__name")
        )
        ledger = PointEvent.objects.none()
        if period is not None:
            ledger = (
                PointEvent.objects.visible_to(user)
                .filter(unit=unit, year=period.year, half=period.half)
                .select_related("council", "rule", "created_by")
            )
        page = Paginator(ledger, self.ledger_size).get_page(self.request.GET.get("page"))
        oldest_first = list(reversed(results))
        context.update(
            breadcrumbs=council_selectors.breadcrumbs(user, unit),
            periods=periods,
            period=period,
            results=results,
            assessments=list(assessments),
            page_obj=page,
            points_total=(ledger.aggregate(s=Sum("points"))["s"] or Decimal("0.0")) if period else None,
            query_string=urlencode({"period": period.pk}) if period else "",
            chart_data={
                "periods": [str(r.period) for r in oldest_first],
                "finals": [float(r.final_score) for r in oldest_first],
                "rubric": [float(r.rubric_score) for r in oldest_first],
                "names": {"final": _("总分"), "rubric": _("考核得分")},
            }
            if results
            else None,
        )
        return context


# --- Rankings -------------------------------------------------------------------------------------

RANK_FIELD = {Level.CITY: "rank_city", Level.DISTRICT: "rank_district", Level.STREET: "rank_street"}
RANK_GROUP = {Level.CITY: (), Level.DISTRICT: ("district",), Level.STREET: ("street",)}
LEVEL_CHOICES = [
    (Level.CITY, Level.CITY.label),
    (Level.DISTRICT, Level.DISTRICT.label),
    (Level.STREET, Level.STREET.label),
]


def own_level(user) -> str:
    """The ranking a user reads first: the city office the city's, a district office its district's,
    everyone else their street's."""
    levels = {g.level for g in grants_of(user)}
    if Level.CITY in levels:
        return Level.CITY
    if Level.DISTRICT in levels:
        return Level.DISTRICT
    return Level.STREET


def as_pk(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


class RankingView(ScopedMixin, ListView):
    """The ranked results of a period within the city, each district or each street (R-1.9,
    R-1.10): equal scores share a rank (1, 1, 3) and are marked 并列; the grade and civilized-unit
    standing; a chart of the grade distribution and of the top ten."""

    model = Result
    template_name = "assessments/ranking_list.html"
    paginate_by = 25
    context_object_name = "results"

    def get(self, request, *args, **kwargs):
        user, params = request.user, request.GET
        self.periods = list(Period.objects.all())
        newest = (
            Result.objects.visible_to(user)
            .order_by("-period__year", "-period__half")
            .values_list("period_id", flat=True)
            .first()
        )
        self.period = choose_period(
            self.periods, params.get("period"), next((p for p in self.periods if p.pk == newest), None)
        )
        self.level = params.get("level") if params.get("level") in RANK_FIELD else own_level(user)
        self.district = as_pk(params.get("district"))
        self.street = as_pk(params.get("street"))
        self.grade = params.get("grade") if params.get("grade") in Grade.values else ""
        self.civilized = params.get("civilized") == "1"
        self.q = params.get("q", "").strip()
        return super().get(request, *args, **kwargs)

    def filtered(self):
        if self.period is None:
            return Result.objects.none()
        queryset = Result.objects.visible_to(self.request.user).filter(period=self.period)
        if self.district:
            queryset = queryset.filter(district_id=self.district)
        if self.street:
            queryset = queryset.filter(street_id=self.street)
        if self.grade:
            queryset = queryset.filter(grade=self.grade)
        if self.civilized:
            queryset = queryset.filter(civilized=True)
        if self.q:
            queryset = queryset.filter(unit__name__icontains=self.q)
        return queryset

    def get_queryset(self):
        rank = RANK_FIELD[self.level]
        group = RANK_GROUP[self.level]
        # Tied: another unit of the same group shares the rank (whether or not this page lists it).
        same = Result.objects.filter(
            period=OuterRef("period"), **{rank: OuterRef(rank)}, **{g: OuterRef(g) for g in group}
        ).exclude(pk=OuterRef("pk"))
        return (
            self.filtered()
            .select_related("unit", "street", "district")
            .annotate(rank=F(rank), tied=Exists(same))
            .order_by(*(f"{g}__name" for g in group), rank, "unit__name", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        filtered = self.filtered()
        by_grade = dict(filtered.order_by().values_list("grade").annotate(n=Count("pk")))
        top = list(
            filtered.order_by(RANK_FIELD[self.level], "unit__name").values_list("unit__name", "final_score")[
                :10
            ]
        )
        districts = list(District.objects.visible_to(user).order_by("name"))
        streets = list(
            Street.objects.visible_to(user).select_related("district").order_by("district__name", "name")
        )
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            periods=self.periods,
            period=self.period,
            level=self.level,
            level_label=Level(self.level).label,
            levels=LEVEL_CHOICES,
            grades=Grade.choices,
            grade=self.grade,
            civilized=self.civilized,
            q=self.q,
            districts=districts if len(districts) > 1 else [],
            streets=streets if len(streets) > 1 else [],
            district=self.district,
            street=self.street,
            query_string=query.urlencode(),
            grade_counts=[(label, by_grade.get(value, 0)) for value, label in Grade.choices],
            chart_data={
                "grades": [str(label) for _value, label in Grade.choices],
                "gradeCounts": [by_grade.get(value, 0) for value, _label in Grade.choices],
                "top": [name for name, _score in reversed(top)],
                "topScores": [float(score) for _name, score in reversed(top)],
                "names": {"units": _("单位数"), "final": _("总分")},
            }
            if by_grade
            else None,
        )
        return context


__all__ = [
    "AssessmentActionView",
    "AssessmentAdjustView",
    "AssessmentConfirmView",
    "AssessmentDetailView",
    "AssessmentListView",
    "AssessmentPublishView",
    "AssessmentReturnView",
    "AssessmentScoreView",
    "AssessmentSubmitView",
    "BulkActionView",
    "RankingView",
    "UnitScorecardView",
    "readable",
]
