"""Violations of the fund's rules and their rectification (R-1.8): the list of open and overdue
problems for the street and district, one problem with its history, flagging by street staff,
the council's rectification with evidence, and closing by street staff.

Every queryset comes from `visible_to(user)`; flagging and closing need `REVIEW_FUNDS`, reporting
rectification `RECORD_LEDGER` (403 without), and then reach only objects in that role's scope
(404 elsewhere). Each write is one call to finance/services.py."""

from __future__ import annotations

from operator import attrgetter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import DetailView, FormView, View

from councils import selectors as council_selectors
from councils import services as council_services
from councils.exports import XlsxExportMixin, file_response
from councils.forms import ConfirmForm
from councils.periods import today
from councils.roles import Capability
from councils.scoping import has_capability
from councils.uploads import sniff_content_type
from councils.views.base import LoadsObject, ScopedListView, ScopedMixin, form_errors

from . import services
from .forms_violations import FlagForm, RectifyForm, ViolationFilter
from .models import LedgerEntry, Violation

ENTRY_PATH = "entry__fund__council__community__street__district"


def with_related(queryset):
    return queryset.select_related(ENTRY_PATH, "entry__category", "flagged_by", "closed_by")


def scope_counts(queryset) -> dict[str, int]:
    """How many problems are open and how many of those are overdue (Shanghai calendar)."""
    still_open = ~Q(status=Violation.Status.CLOSED)
    return queryset.aggregate(
        open=Count("pk", filter=still_open), overdue=Count("pk", filter=still_open & Q(deadline__lt=today()))
    )


def may(user, capability: str, violation: Violation) -> bool:
    """Whether the user may act on this problem with `capability` (within that role's scope)."""
    return (
        has_capability(user, capability)
        and Violation.objects.visible_to(user, capability).filter(pk=violation.pk).exists()
    )


# --- List and detail ---------------------------------------------------------------------------


class ViolationListView(XlsxExportMixin, ScopedListView):
    """Open and overdue problems in the user's scope, most urgent first; ?format=xlsx exports the
    filtered list."""

    model = Violation
    filterset_class = ViolationFilter
    template_name = "finance/violation_list.html"
    export_title = gettext_lazy("资金违规问题")

    def get_queryset(self):
        closed_last = Case(
            When(status=Violation.Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
        )
        return with_related(super().get_queryset()).order_by(closed_last, "deadline", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["counts"] = scope_counts(self.scoped(Violation))
        return context

    def get_export_columns(self):
        return [
            (_("流水号"), attrgetter("entry.number")),
            (_("理事会"), attrgetter("entry.fund.council.name")),
            (_("街道/镇"), attrgetter("entry.fund.council.community.street.name")),
            (_("发生日期"), attrgetter("entry.entry_date")),
            (_("金额（元）"), attrgetter("entry.amount")),
            (_("问题类型"), lambda v: v.get_kind_display()),
            (_("问题说明"), attrgetter("reason")),
            (_("发现人"), lambda v: flagged_by_name(v)),
            (_("发现时间"), attrgetter("flagged_at")),
            (_("整改期限"), attrgetter("deadline")),
            (_("逾期"), attrgetter("is_overdue")),
            (_("状态"), lambda v: v.get_status_display()),
            (_("整改措施"), attrgetter("measures")),
            (_("销号人"), lambda v: user_name(v.closed_by)),
            (_("销号时间"), attrgetter("closed_at")),
        ]


def user_name(user) -> str:
    return "" if user is None else (user.first_name or user.username)


def flagged_by_name(violation: Violation) -> str:
    return user_name(violation.flagged_by) if violation.flagged_by_id else _("系统自动")


class ViolationDetailView(ScopedMixin, DetailView):
    """One problem: the entry, why it was flagged and by whom, the deadline, the rectification
    and its evidence, who closed it, and the history."""

    model = Violation
    template_name = "finance/violation_detail.html"
    context_object_name = "violation"

    def get_queryset(self):
        return with_related(super().get_queryset()).select_related("entry__resolution")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        violation, user = self.object, self.request.user
        council = violation.entry.fund.council
        is_open = violation.status != Violation.Status.CLOSED
        context.update(
            council=council,
            breadcrumbs=council_selectors.breadcrumbs(user, council),
            history=council_services.history_of(violation),
            can_rectify=is_open and may(user, Capability.RECORD_LEDGER, violation),
            can_close=is_open and may(user, Capability.REVIEW_FUNDS, violation),
        )
        return context


# --- Flagging, rectifying, closing -------------------------------------------------------------


class ViolationFlagView(ScopedMixin, LoadsObject, FormView):
    """Street staff name a problem with an entry, with a reason and a deadline."""

    capability = Capability.REVIEW_FUNDS
    template_name = "finance/violation_flag.html"
    form_class = FlagForm

    def load(self) -> None:
        self.entry = get_object_or_404(
            self.scoped(LedgerEntry).select_related(
                "fund__council__community__street__district", "category", "resolution"
            ),
            pk=self.kwargs["pk"],
        )

    def form_valid(self, form):
        try:
            violation = services.violation_flag(
                entry=self.entry,
                reason=form.cleaned_data["reason"],
                deadline=form.cleaned_data["deadline"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已对资金流水 %(number)s 提出整改要求，整改期限 %(deadline)s。")
            % {"number": self.entry.number, "deadline": violation.deadline.isoformat()},
        )
        return HttpResponseRedirect(violation.get_absolute_url())

    def get_context_data(self, **kwargs):
        council = self.entry.fund.council
        return {
            **super().get_context_data(**kwargs),
            "entry": self.entry,
            "council": council,
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, council),
        }


class ViolationActionMixin(ScopedMixin, LoadsObject):
    """A page that acts on one problem still open; a closed one sends the user back to it."""

    def load(self) -> None:
        self.violation = get_object_or_404(
            with_related(self.scoped(Violation)).select_related("entry__resolution"), pk=self.kwargs["pk"]
        )

    def get(self, request, *args, **kwargs):
        if self.violation.status == Violation.Status.CLOSED:
            messages.error(request, _("该问题已整改销号。"))
            return redirect(self.violation.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        council = self.violation.entry.fund.council
        return {
            **super().get_context_data(**kwargs),
            "violation": self.violation,
            "council": council,
            "breadcrumbs": council_selectors.breadcrumbs(self.request.user, council),
        }


class ViolationRectifyView(ViolationActionMixin, FormView):
    """The council's secretary reports the measures taken, with evidence (及时纠正)."""

    capability = Capability.RECORD_LEDGER
    template_name = "finance/violation_rectify.html"
    form_class = RectifyForm

    def get_initial(self):
        return {"measures": self.violation.measures}

    def form_valid(self, form):
        try:
            services.violation_rectify(
                violation=self.violation,
                measures=form.cleaned_data["measures"],
                evidence=form.cleaned_data["evidence"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已报送整改情况，等待街道确认销号。"))
        return redirect(self.violation.get_absolute_url())


class ViolationCloseView(ViolationActionMixin, FormView):
    """Street staff confirm the rectification and close the problem; refused while no measures
    have been reported."""

    capability = Capability.REVIEW_FUNDS
    template_name = "finance/violation_close.html"
    form_class = ConfirmForm

    def form_valid(self, form):
        try:
            services.violation_close(violation=self.violation, by=self.request.user)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("问题已整改销号。"))
        return redirect(self.violation.get_absolute_url())


class EvidenceDownloadView(ScopedMixin, View):
    """The rectification's evidence under its original name; 404 when there is none."""

    def get(self, request, pk):
        violation = get_object_or_404(self.scoped(Violation), pk=pk)
        if not violation.evidence:
            raise Http404(_("该问题没有上传整改佐证。"))
        try:
            handle = violation.evidence.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("佐证文件已不在存储中，请联系管理员。")) from missing
        content_type = sniff_content_type(handle.read(16)) or "application/octet-stream"
        handle.seek(0)
        return file_response(
            handle, filename=violation.evidence_name or _("整改佐证"), content_type=content_type
        )


urlpatterns = [
    path("violations/", ViolationListView.as_view(), name="violation_list"),
    path("violations/<int:pk>/", ViolationDetailView.as_view(), name="violation_detail"),
    path("ledger/<int:pk>/flag/", ViolationFlagView.as_view(), name="violation_flag"),
    path("violations/<int:pk>/rectify/", ViolationRectifyView.as_view(), name="violation_rectify"),
    path("violations/<int:pk>/close/", ViolationCloseView.as_view(), name="violation_close"),
    path("violations/<int:pk>/evidence/", EvidenceDownloadView.as_view(), name="evidence_download"),
]
