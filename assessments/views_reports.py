"""Ranking reports pages (issue 6 §6; R-1.9, R-1.10): the list, the request form, one report with
its job's state (polled while queued or running), the PDF download and a retry after a failure.

Reading is scope alone: `RankingReport.objects.visible_to(user)` gives the city office every
report, a district office its district's (and its streets'), street staff their street's, other
roles none, so another scope's report is a 404. Requesting and retrying need `REQUEST_REPORTS`
(403 without) and then only reach the scopes that role may choose."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, View

from councils.exports import file_response
from councils.roles import Capability
from councils.scoping import has_capability
from councils.views.base import ScopedListView, ScopedMixin, form_errors

from .forms_reports import ReportFilter, ReportRequestForm
from .models import Period, RankingReport
from .reports import report_request, report_retry, report_title


def with_related(queryset):
    return queryset.select_related("period", "district", "street", "requested_by")


def file_size(report: RankingReport) -> int | None:
    """The stored file's size, or None when there is none (or it has gone from the storage)."""
    if not report.file:
        return None
    try:
        return report.file.size
    except OSError:
        return None


class ReportListView(ScopedListView):
    """The reports in the user's scope, newest first."""

    model = RankingReport
    filterset_class = ReportFilter
    template_name = "assessments/report_list.html"
    create_capability = Capability.REQUEST_REPORTS

    def get_queryset(self):
        return with_related(super().get_queryset())


class ReportCreateView(ScopedMixin, FormView):
    """Ask for a ranking of one period and one scope; the job renders it in the background."""

    capability = Capability.REQUEST_REPORTS
    form_class = ReportRequestForm
    template_name = "assessments/report_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            report = report_request(
                period=data["period"],
                level=data["level"],
                district=data["district"],
                street=data["street"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        if report.already_pending:
            messages.info(self.request, _("同一考核期、同一范围的报告正在生成，已为您打开该报告。"))
        else:
            messages.success(self.request, _("已提交生成，报告生成后即可下载。"))
        return HttpResponseRedirect(report.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "has_periods": Period.objects.exists()}


class ReportDetailView(ScopedMixin, DetailView):
    """One report: its state and, once ready, the file's facts and the download; while the job
    is queued or running the state part polls every 2 seconds."""

    model = RankingReport
    template_name = "assessments/report_detail.html"
    context_object_name = "report"

    def get_queryset(self):
        return with_related(super().get_queryset())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report, user = self.object, self.request.user
        duration = None
        if report.started_at and report.finished_at:
            duration = max(0, round((report.finished_at - report.started_at).total_seconds()))
        context.update(
            title=report_title(report),
            duration=duration,
            size=file_size(report) if report.state == RankingReport.State.READY else None,
            can_retry=report.state == RankingReport.State.FAILED
            and has_capability(user, Capability.REQUEST_REPORTS)
            and RankingReport.objects.visible_to(user, Capability.REQUEST_REPORTS)
            .filter(pk=report.pk)
            .exists(),
        )
        return context


class ReportStatusView(ReportDetailView):
    """The state part of the report page, for htmx to swap in."""

    template_name = "assessments/_report_status.html"


class ReportDownloadView(ScopedMixin, View):
    """The PDF under its Chinese title; 404 while there is no file."""

    def get(self, request, pk):
        report = get_object_or_404(
            self.scoped(RankingReport).select_related("period", "district", "street"), pk=pk
        )
        if report.state != RankingReport.State.READY or not report.file:
            raise Http404(_("该报告还没有可下载的文件。"))
        try:
            handle = report.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("报告文件已不在存储中，请重新生成。")) from missing
        return file_response(handle, filename=f"{report_title(report)}.pdf", content_type="application/pdf")


class ReportRetryView(ScopedMixin, View):
    """POST only: queue a failed report again."""

    capability = Capability.REQUEST_REPORTS
    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        # A GET is refused before sign-in is asked for: the page does nothing but act.
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, pk):
        report = get_object_or_404(self.scoped(RankingReport), pk=pk)
        try:
            report_retry(report=report, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("已重新提交生成。"))
        return redirect(report.get_absolute_url())
