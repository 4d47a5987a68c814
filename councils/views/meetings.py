"""Meetings, attendance, agenda, minutes, resolutions and attachments (R-1.1, R-1.2).

Every queryset comes from `visible_to(user)`; recording needs `RECORD_MEETINGS` (403 without
it) and then reaches only the secretary's own council (404 elsewhere). Each write is one call
to services/meetings.py, whose refusals are shown on the form with what was typed kept."""

from __future__ import annotations

from collections import defaultdict

from django.contrib import messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView, View

from .. import forms_meetings, selectors, services
from ..exports import file_response
from ..models import (
    AgendaItem,
    Attendance,
    ChangeLog,
    Council,
    Meeting,
    MeetingAttachment,
    Resolution,
)
from ..roles import Capability
from ..scoping import has_capability
from ..services.meetings import seats_at
from .base import BreadcrumbMixin, LoadsObject, ScopedListView, ScopedMixin, form_errors

OUTCOME_MESSAGES = {
    Resolution.Outcome.CARRIED: _("决议“%(title)s”（%(number)s）已录入：通过。"),
    Resolution.Outcome.FAILED: _("决议“%(title)s”（%(number)s）已录入：未通过。"),
    Resolution.Outcome.UNQUORATE: _("决议“%(title)s”（%(number)s）已录入：未达到法定人数，决议无效。"),
}


class MeetingObjectMixin(ScopedMixin, LoadsObject):
    capability = Capability.RECORD_MEETINGS

    def load(self) -> None:
        self.meeting = get_object_or_404(
            self.scoped(Meeting).select_related("council__community__street__district"), pk=self.kwargs["pk"]
        )

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "meeting": self.meeting,
            "breadcrumbs": selectors.breadcrumbs(self.request.user, self.meeting),
        }


def refuse_if_withdrawn(request, meeting: Meeting):
    if meeting.status == Meeting.Status.WITHDRAWN:
        messages.error(request, _("会议已撤销，不能再修改或录入。"))
        return redirect(meeting.get_absolute_url())
    return None


# --- List and detail ---------------------------------------------------------------------------


class MeetingListView(ScopedListView):
    """Meetings in the user's scope, with quarter filters read in Shanghai time (R-1.1)."""

    model = Meeting
    filterset_class = forms_meetings.MeetingFilter
    template_name = "councils/meeting_list.html"

    def get_queryset(self):
        return super().get_queryset().select_related("council__community__street").order_by("-held_at", "-pk")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["record_councils"] = (
            list(Council.objects.visible_to(user, Capability.RECORD_MEETINGS).order_by("name"))
            if has_capability(user, Capability.RECORD_MEETINGS)
            else []
        )
        return context


class MeetingDetailView(ScopedMixin, BreadcrumbMixin, DetailView):
    """A meeting with its quorum, attendance, agenda, minutes, resolutions, attachments and
    history, in a fixed number of queries."""

    model = Meeting
    template_name = "councils/meeting_detail.html"

    def get_queryset(self):
        return (
            super()
            .get_queryset()
            .select_related("council__community__street__district", "created_by")
            .prefetch_related(
                Prefetch(
                    "attendances",
                    queryset=Attendance.objects.select_related("membership__unit").order_by(
                        "-present", "membership__unit__name"
                    ),
                ),
                Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "pk")),
                Prefetch(
                    "resolutions",
                    queryset=Resolution.objects.select_related("agenda_item").order_by("number"),
                ),
                Prefetch(
                    "attachments",
                    queryset=MeetingAttachment.objects.select_related("uploaded_by").order_by("uploaded_at"),
                ),
            )
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.object
        user = self.request.user
        resolutions = list(meeting.resolutions.all())
        histories = defaultdict(list)
        if resolutions:
            for entry in ChangeLog.objects.filter(
                content_type=ContentType.objects.get_for_model(Resolution),
                object_id__in=[r.pk for r in resolutions],
            ).select_related("by", "content_type"):
                histories[entry.object_id].append(entry)
        for resolution in resolutions:
            resolution.history = histories[resolution.pk]
        context["resolutions"] = resolutions
        context["history"] = services.history_of(meeting)
        context["can_record"] = (
            has_capability(user, Capability.RECORD_MEETINGS)
            and Meeting.objects.visible_to(user, Capability.RECORD_MEETINGS).filter(pk=meeting.pk).exists()
        )
        context["is_open"] = meeting.status != Meeting.Status.WITHDRAWN
        if context["can_record"] and context["is_open"]:
            context["upload_form"] = forms_meetings.AttachmentForm()
        return context


# --- Recording and correcting a meeting --------------------------------------------------------


class MeetingCreateView(ScopedMixin, LoadsObject, FormView):
    """The secretary's form: time, kind, place, one row per current seat, agenda, minutes."""

    capability = Capability.RECORD_MEETINGS
    template_name = "councils/meeting_form.html"
    form_class = forms_meetings.MeetingForm

    def load(self) -> None:
        self.council = get_object_or_404(
            self.scoped(Council).select_related("community__street__district"), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "memberships": seats_at(self.council, timezone.now())}

    def get_initial(self):
        return {"held_at": timezone.now().replace(second=0, microsecond=0), "kind": Meeting.Kind.REGULAR}

    def form_valid(self, form):
        data = form.cleaned_data
        eligible = {m.pk for m in seats_at(self.council, data["held_at"])}
        try:
            meeting = services.meeting_record(
                council=self.council,
                held_at=data["held_at"],
                kind=data["kind"],
                place=data["place"],
                seats=form.seats(eligible),
                agenda=form.agenda_items(),
                minutes=data["minutes"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("已录入会议：实到 %(present)d 家 / 应到 %(eligible)d 家，%(status)s。")
            % {
                "present": meeting.present_count,
                "eligible": meeting.eligible_count,
                "status": meeting.get_status_display(),
            },
        )
        return HttpResponseRedirect(meeting.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "council": self.council,
            "breadcrumbs": selectors.breadcrumbs(self.request.user, self.council),
        }


class MeetingUpdateView(MeetingObjectMixin, FormView):
    """Correct a meeting or add its minutes; attendance is fixed once a resolution exists (the
    service says so)."""

    template_name = "councils/meeting_form.html"
    form_class = forms_meetings.MeetingForm

    def get(self, request, *args, **kwargs):
        return refuse_if_withdrawn(request, self.meeting) or super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        attendances = list(self.meeting.attendances.select_related("membership__unit"))
        recorded = [a.membership for a in attendances]
        known = {m.pk for m in recorded}
        # The seats recorded at the meeting, and any seat of that day missing from the record.
        extra = [m for m in seats_at(self.meeting.council, self.meeting.held_at) if m.pk not in known]
        memberships = sorted(recorded + extra, key=lambda m: m.unit.name)
        return {
            **super().get_form_kwargs(),
            "memberships": memberships,
            "attendances": attendances,
            "with_agenda": False,
        }

    def get_initial(self):
        m = self.meeting
        return {"held_at": m.held_at, "kind": m.kind, "place": m.place, "minutes": m.minutes}

    def form_valid(self, form):
        data = form.cleaned_data
        moved = timezone.localdate(data["held_at"]) != timezone.localdate(self.meeting.held_at)
        seats = None
        if moved or form.attendance_changed():
            seats = form.seats({m.pk for m in seats_at(self.meeting.council, data["held_at"])})
        try:
            meeting = services.meeting_update(
                meeting=self.meeting,
                held_at=data["held_at"],
                kind=data["kind"],
                place=data["place"],
                minutes=data["minutes"],
                seats=seats,
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request, _("已保存会议记录（%(status)s）。") % {"status": meeting.get_status_display()}
        )
        return HttpResponseRedirect(meeting.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "council": self.meeting.council,
            "has_resolutions": self.meeting.resolutions.exists(),
        }


class MeetingWithdrawView(MeetingObjectMixin, FormView):
    """Withdraw a meeting recorded in error, with a reason; nothing is deleted."""

    template_name = "councils/confirm.html"
    form_class = forms_meetings.WithdrawForm

    def get(self, request, *args, **kwargs):
        return refuse_if_withdrawn(request, self.meeting) or super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.meeting_withdraw(
                meeting=self.meeting, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("会议已撤销，记录保留。"))
        return redirect(self.meeting.get_absolute_url())

    def get_context_data(self, **kwargs):
        meeting = self.meeting
        n = meeting.resolutions.exclude(outcome=Resolution.Outcome.WITHDRAWN).count()
        return {
            **super().get_context_data(**kwargs),
            "title": _("撤销会议"),
            "question": _(
                "撤销“%(meeting)s”？会议记录会保留并标为已撤销，"
                "其 %(n)d 项决议随之撤销，不再作为任何事项的依据。"
            )
            % {"meeting": meeting, "n": n},
            "danger": True,
            "object": meeting,
            "cancel_url": meeting.get_absolute_url(),
        }


# --- Resolutions -------------------------------------------------------------------------------


class ResolutionCreateView(MeetingObjectMixin, FormView):
    """Record a vote on the meeting's agenda (R-1.2); the outcome is the service's to decide."""

    template_name = "councils/resolution_form.html"
    form_class = forms_meetings.ResolutionForm

    def get(self, request, *args, **kwargs):
        return refuse_if_withdrawn(request, self.meeting) or super().get(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "meeting": self.meeting}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            resolution = services.resolution_record(
                meeting=self.meeting,
                title=data["title"],
                text=data["text"],
                subject=data["subject"],
                agenda_item=data["agenda_item"],
                votes_for=data["votes_for"],
                votes_against=data["votes_against"],
                votes_abstain=data["votes_abstain"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        text = OUTCOME_MESSAGES[resolution.outcome] % {"title": resolution.title, "number": resolution.number}
        if resolution.outcome == Resolution.Outcome.CARRIED:
            messages.success(self.request, text)
        else:
            messages.warning(self.request, text)
        return HttpResponseRedirect(resolution.get_absolute_url())


class ResolutionWithdrawView(ScopedMixin, LoadsObject, FormView):
    capability = Capability.RECORD_MEETINGS
    template_name = "councils/confirm.html"
    form_class = forms_meetings.WithdrawForm

    def load(self) -> None:
        self.resolution = get_object_or_404(
            self.scoped(Resolution).select_related("meeting__council__community__street__district"),
            pk=self.kwargs["pk"],
        )

    def get(self, request, *args, **kwargs):
        if self.resolution.outcome == Resolution.Outcome.WITHDRAWN:
            messages.error(request, _("该决议已撤销。"))
            return redirect(self.resolution.get_absolute_url())
        return super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            services.resolution_withdraw(
                resolution=self.resolution, reason=form.cleaned_data["reason"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("决议已撤销，记录保留。"))
        return redirect(self.resolution.get_absolute_url())

    def get_context_data(self, **kwargs):
        r = self.resolution
        return {
            **super().get_context_data(**kwargs),
            "title": _("撤销决议"),
            "question": _(
                "撤销决议 %(number)s“%(title)s”？决议记录会保留并标为已撤销，不再作为任何事项的依据。"
            )
            % {"number": r.number, "title": r.title},
            "danger": True,
            "object": r.meeting,
            "cancel_url": r.get_absolute_url(),
            "breadcrumbs": selectors.breadcrumbs(self.request.user, r.meeting),
        }


# --- Attachments -------------------------------------------------------------------------------


class AttachmentUploadView(MeetingObjectMixin, FormView):
    """A PDF, JPEG or PNG of at most 10 MB, its type read from its content by the service."""

    template_name = "councils/attachment_form.html"
    form_class = forms_meetings.AttachmentForm

    def get(self, request, *args, **kwargs):
        return refuse_if_withdrawn(request, self.meeting) or super().get(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            attachment = services.attachment_add(
                meeting=self.meeting, upload=form.cleaned_data["file"], by=self.request.user
            )
        except ValidationError as error:
            form.add_error("file", error)
            return self.form_invalid(form)
        messages.success(self.request, _("已上传附件“%(name)s”。") % {"name": attachment.original_name})
        return redirect(reverse("meeting_detail", args=[self.meeting.pk]) + "#attachments")


class AttachmentDownloadView(ScopedMixin, View):
    """The file under its original name, with the type read from its content at upload."""

    def get(self, request, pk):
        attachment = get_object_or_404(self.scoped(MeetingAttachment), pk=pk)
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError as missing:
            raise Http404(_("附件文件已不在存储中，请联系管理员。")) from missing
        return file_response(handle, filename=attachment.original_name, content_type=attachment.content_type)


urlpatterns = [
    path("meetings/", MeetingListView.as_view(), name="meeting_list"),
    path("councils/<int:pk>/meetings/new/", MeetingCreateView.as_view(), name="meeting_create"),
    path("meetings/<int:pk>/", MeetingDetailView.as_view(), name="meeting_detail"),
    path("meetings/<int:pk>/edit/", MeetingUpdateView.as_view(), name="meeting_update"),
    path("meetings/<int:pk>/withdraw/", MeetingWithdrawView.as_view(), name="meeting_withdraw"),
    path("meetings/<int:pk>/resolutions/new/", ResolutionCreateView.as_view(), name="resolution_create"),
    path("resolutions/<int:pk>/withdraw/", ResolutionWithdrawView.as_view(), name="resolution_withdraw"),
    path("meetings/<int:pk>/attachments/new/", AttachmentUploadView.as_view(), name="attachment_upload"),
    path("attachments/<int:pk>/", AttachmentDownloadView.as_view(), name="attachment_download"),
]
