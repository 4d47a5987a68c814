"""Bulletin pages (R-6.3): the list with filters and search, a new bulletin, one bulletin with its
job's progress (polled by htmx while it runs), editing the text and the commentary, generating,
publishing with a confirmation, the download with its log, a retry after a failure; and the
model cases staff nominate for the bulletins (R-5.2).

Every page needs `MANAGE_BULLETINS` (403 without: the city and district offices); reading and
downloading is then scope alone — the city office every bulletin, a district office its own
district's — and writing reaches only the bulletins the user issues (`manageable_by`: the city
office the city's, a district office its district's), so anything else is a 404. Model case
pages need `NOMINATE_CASES` and reach the communities in that role's scope. Each write is one
call to assessments/bulletins.py."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, View

from councils.exports import file_response
from councils.forms import ConfirmForm
from councils.roles import Capability
from councils.views.base import LoadsObject, ScopedListView, ScopedMixin, form_errors

from . import bulletins
from .forms_bulletins import (
    BulletinCreateForm,
    BulletinEditForm,
    BulletinFilter,
    GenerateForm,
    ModelCaseFilter,
    ModelCaseForm,
    WithdrawForm,
)
from .models_bulletins import Bulletin, BulletinDownload, BulletinEvent, ModelCase

RECENT_DOWNLOADS = 10


def with_related(queryset):
    return queryset.select_related("district", "created_by", "published_by")


class PostOnly:
    """A page that only acts: a GET is refused before sign-in is asked for."""

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class BulletinMixin(ScopedMixin):
    capability = Capability.MANAGE_BULLETINS

    def readable(self):
        return with_related(self.scoped(Bulletin))

    def manageable(self):
        return with_related(Bulletin.objects.manageable_by(self.request.user))


class ManagedBulletin(BulletinMixin, LoadsObject):
    """Pages that write: the bulletin comes from the ones the user issues (404 otherwise)."""

    def load(self) -> None:
        self.bulletin = get_object_or_404(self.manageable(), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "bulletin": self.bulletin}

    def back(self):
        return redirect(self.bulletin.get_absolute_url())


# --- List, new, one bulletin ---------------------------------------------------------------------


class BulletinListView(ScopedListView):
    """Bulletins in the user's scope, newest period first, with filters and search; published
    ones are final (R-6.3)."""

    model = Bulletin
    capability = Capability.MANAGE_BULLETINS
    create_capability = Capability.MANAGE_BULLETINS
    filterset_class = BulletinFilter
    template_name = "assessments/bulletin_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("district")


class BulletinCreateView(BulletinMixin, FormView):
    """A new bulletin of the city or of the user's district for a quarter or a half-year; it is
    compiled from the data at once."""

    form_class = BulletinCreateForm
    template_name = "assessments/bulletin_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        span, year, part = data["period"]
        try:
            bulletin = bulletins.bulletin_create(
                district=data["scope"],
                span=span,
                year=year,
                part=part,
                by=self.request.user,
                **{name: data[name] for name in bulletins.HEADER_FIELDS},
            )
            bulletins.bulletin_generate(bulletin=bulletin, by=self.request.user, recompile=True)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        if not _tell_if_waiting(self.request, bulletin):
            messages.success(self.request, _("通报已创建，正在从数据汇总生成。"))
        return HttpResponseRedirect(bulletin.get_absolute_url())


class BulletinDetailView(BulletinMixin, DetailView):
    """One bulletin: its header, the job's state and progress, the text as it will print, the
    figures per street, the actions the user may take, who did what, and the downloads."""

    template_name = "assessments/bulletin_detail.html"
    context_object_name = "bulletin"

    def get_queryset(self):
        return self.readable().prefetch_related(
            Prefetch("events", queryset=BulletinEvent.objects.select_related("by").order_by("at", "pk"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        bulletin = self.object
        context.update(status_context(self.request.user, bulletin))
        context.update(
            sections=[
                (_("一、总体情况"), bulletins.paragraphs(bulletin.overview)),
                (_("二、通报表扬"), bulletins.paragraphs(bulletin.praise)),
                (_("三、存在问题"), bulletins.paragraphs(bulletin.problems)),
                (_("四、点评与工作要求"), bulletins.paragraphs(bulletin.commentary)),
            ],
            streets=(bulletin.facts or {}).get("streets", []),
            downloads=list(
                BulletinDownload.objects.filter(bulletin=bulletin).select_related("user")[:RECENT_DOWNLOADS]
            ),
            generate_form=GenerateForm(),
        )
        return context


def status_context(user, bulletin: Bulletin) -> dict:
    """What the state part of the page shows and which buttons it offers."""
    manages = Bulletin.objects.manageable_by(user).filter(pk=bulletin.pk).exists()
    return {
        "manages": manages,
        "can_edit": manages and bulletin.is_editable and bulletin.serial is None,
        "can_publish": manages and bulletin.state == Bulletin.State.READY,
        "can_retry": manages and (bulletin.state == Bulletin.State.FAILED or bulletins.is_stale(bulletin)),
        "can_download": bulletin.has_file,
    }


class BulletinStatusView(BulletinMixin, DetailView):
    """The state part of the page for htmx. While the job runs the part asks for itself every two
    seconds; when a poll finds the job over, the whole page reloads to show the new text."""

    template_name = "assessments/bulletin_status.html"
    context_object_name = "bulletin"

    def get_queryset(self):
        return self.readable()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(status_context(self.request.user, self.object))
        return context

    def render_to_response(self, context, **kwargs):
        response = super().render_to_response(context, **kwargs)
        if self.request.GET.get("poll") and not self.object.is_pending:
            response["HX-Refresh"] = "true"
        return response


# --- Writing, generating, publishing -------------------------------------------------------------


def _tell_if_waiting(request, bulletin: Bulletin) -> bool:
    """After asking for a job: when the job queue could not take it, say so (a warning, not an
    error page) and return True; the job starts by itself once the queue is back."""
    if Bulletin.objects.get(pk=bulletin.pk).is_waiting_for_queue:
        messages.warning(request, bulletins.queue_waiting_reason())
        return True
    return False


class BulletinEditView(ManagedBulletin, FormView):
    """The header, the commentary and the compiled text; saving regenerates the PDF at once (a
    render from the text, without compiling again)."""

    form_class = BulletinEditForm
    template_name = "assessments/bulletin_edit.html"

    def get(self, request, *args, **kwargs):
        if not (self.bulletin.is_editable and self.bulletin.serial is None):
            messages.error(request, _("通报已签发或正在生成，不能修改。"))
            return self.back()
        return super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "bulletin": self.bulletin}

    def form_valid(self, form):
        revision = self.bulletin.revision
        try:
            bulletin = bulletins.bulletin_edit(
                bulletin=self.bulletin, by=self.request.user, **form.cleaned_data
            )
            if bulletin.revision == revision:
                messages.info(self.request, _("内容没有变化。"))
            elif bulletin.compiled_at:
                bulletins.bulletin_generate(bulletin=bulletin, by=self.request.user)
                if not _tell_if_waiting(self.request, bulletin):
                    messages.success(self.request, _("已保存，正在按新文字重新生成PDF。"))
            else:
                messages.success(self.request, _("已保存。"))
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        return self.back()


class BulletinGenerateView(PostOnly, ManagedBulletin, View):
    """POST: render again from the current text, or (`recompile`, confirmed) compile the text
    from the live data again, replacing edits."""

    def post(self, request, pk):
        form = GenerateForm(request.POST)
        form.is_valid()
        recompile = form.cleaned_data.get("recompile", False)
        if recompile and self.bulletin.compiled_at and not form.cleaned_data.get("confirm"):
            messages.error(request, _("重新汇总会覆盖已修改的文字，请勾选确认后再提交。"))
            return self.back()
        try:
            bulletins.bulletin_generate(bulletin=self.bulletin, by=request.user, recompile=recompile)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if not _tell_if_waiting(request, self.bulletin):
                messages.success(request, _("已提交生成，本页将自动更新进度。"))
        return self.back()


class BulletinRetryView(PostOnly, ManagedBulletin, View):
    """POST: run a failed (or silent) job again."""

    def post(self, request, pk):
        try:
            bulletins.bulletin_retry(bulletin=self.bulletin, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if not _tell_if_waiting(request, self.bulletin):
                messages.success(request, _("已重新提交生成。"))
        return self.back()


class BulletinPublishView(ManagedBulletin, FormView):
    """Confirm and sign the bulletin: it takes the next number and can never change again."""

    form_class = ConfirmForm
    template_name = "assessments/bulletin_publish.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.bulletin.state == Bulletin.State.READY:
            context["next_number"] = bulletins.next_number(self.bulletin)
        return context

    def form_valid(self, form):
        try:
            bulletin = bulletins.bulletin_publish(bulletin=self.bulletin, by=self.request.user)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("已签发，文号 %(number)s，正在生成正式文件。") % {"number": bulletin.number}
        )
        _tell_if_waiting(self.request, bulletin)
        return self.back()


class BulletinDownloadView(BulletinMixin, View):
    """The bulletin's PDF, for the city and district offices in scope; every download is logged."""

    def get(self, request, pk):
        bulletin = get_object_or_404(self.readable(), pk=pk)
        if not bulletin.has_file:
            raise Http404(_("该通报还没有可下载的文件。"))
        try:
            handle = bulletin.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("通报文件已不在存储中，请重新生成。")) from missing
        bulletins.bulletin_download_record(
            bulletin=bulletin, user=request.user, address=request.META.get("REMOTE_ADDR")
        )
        name = bulletin.number or _("%(title)s（草稿）") % {"title": bulletin.title}
        return file_response(handle, filename=f"{name}.pdf", content_type="application/pdf")


# --- Model cases (R-5.2) -------------------------------------------------------------------------


class ModelCaseMixin(ScopedMixin):
    capability = Capability.NOMINATE_CASES

    def cases(self):
        return self.scoped(ModelCase).select_related("community__street__district", "unit", "nominated_by")


class ModelCaseListView(ScopedListView):
    model = ModelCase
    capability = Capability.NOMINATE_CASES
    create_capability = Capability.NOMINATE_CASES
    filterset_class = ModelCaseFilter
    template_name = "assessments/modelcase_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("community__street", "unit", "nominated_by")


class ModelCaseCreateView(ModelCaseMixin, FormView):
    form_class = ModelCaseForm
    template_name = "assessments/modelcase_form.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        try:
            case = bulletins.model_case_nominate(by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已推荐典型“%(title)s”。") % {"title": case.title})
        return HttpResponseRedirect(case.get_absolute_url())


class ModelCaseDetailView(ModelCaseMixin, DetailView):
    template_name = "assessments/modelcase_detail.html"
    context_object_name = "case"

    def get_queryset(self):
        return self.cases()


class ModelCaseWithdrawView(ModelCaseMixin, LoadsObject, FormView):
    form_class = WithdrawForm
    template_name = "assessments/modelcase_withdraw.html"

    def load(self) -> None:
        self.case = get_object_or_404(self.cases(), pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        if self.case.status == ModelCase.Status.WITHDRAWN:
            messages.error(request, _("该典型已撤回。"))
            return redirect(self.case.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "case": self.case}

    def form_valid(self, form):
        try:
            bulletins.model_case_withdraw(
                case=self.case, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已撤回该典型。"))
        return redirect(self.case.get_absolute_url())
