"""Seats on councils, responsible areas (按楼房分片负责) and contacts with residents (R-1.3)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, FormView

from .. import forms_members, selectors, services
from ..models import ContactLog, Council, Membership, ResponsibleArea
from ..roles import Capability
from .base import PAGE_SIZE, BreadcrumbMixin, LoadsObject, ScopedMixin, form_errors


class MembershipCreateView(ScopedMixin, LoadsObject, FormView):
    """Seat a member unit on a council, with its responsible buildings."""

    capability = Capability.MANAGE_COUNCILS
    template_name = "councils/membership_form.html"
    form_class = forms_members.MembershipForm

    def load(self) -> None:
        self.council = get_object_or_404(
            self.scoped(Council).select_related("community__street__district"), pk=self.kwargs["pk"]
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user, "council": self.council}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            membership = services.membership_add(
                council=self.council,
                unit=data["unit"],
                position=data["position"],
                representative=data["representative"],
                joined_on=data["joined_on"],
                buildings=data["buildings"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("“%(unit)s”已加入理事会。") % {"unit": membership.unit})
        return redirect(self.council.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "council": self.council,
            "breadcrumbs": selectors.breadcrumbs(self.request.user, self.council),
        }


class MembershipMixin(ScopedMixin, LoadsObject):
    """Pages about one seat: fetched within the scope of the roles holding the page's capability."""

    def load(self) -> None:
        self.membership = self.get_membership(self.capability)

    def get_membership(self, capability=None):
        return get_object_or_404(
            self.scoped(Membership, capability).select_related(
                "unit", "council__community__street__district"
            ),
            pk=self.kwargs["pk"],
        )


class MembershipDetailView(MembershipMixin, BreadcrumbMixin, DetailView):
    template_name = "councils/membership_detail.html"
    context_object_name = "membership"

    def get_object(self, queryset=None):
        return self.membership

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        membership = self.object
        user = self.request.user
        context["breadcrumbs"] = selectors.breadcrumbs(user, membership.council)
        # A unit that left reads its seat, attendance and contacts, not the council's pages
        # (issue 14 §2): the council and its meetings are then named without a link.
        context["council_open"] = Council.objects.visible_to(user).filter(pk=membership.council_id).exists()
        context["areas"] = ResponsibleArea.objects.filter(membership=membership).select_related("building")
        context["contacts"] = (
            ContactLog.objects.visible_to(user)
            .filter(membership=membership)
            .select_related("building", "created_by")[:PAGE_SIZE]
        )
        context["attendance"] = membership.attendances.select_related("meeting").order_by(
            "-meeting__held_at"
        )[:12]
        context["history"] = services.history_of(membership)
        managed = Membership.objects.visible_to(user, Capability.MANAGE_COUNCILS).filter(pk=membership.pk)
        context["can_manage"] = membership.left_on is None and managed.exists()
        context["can_record_contact"] = (
            membership.left_on is None
            and Membership.objects.visible_to(user, Capability.RECORD_CONTACTS)
            .filter(pk=membership.pk)
            .exists()
        )
        return context


class MembershipUpdateView(MembershipMixin, FormView):
    capability = Capability.MANAGE_COUNCILS
    template_name = "councils/membership_form.html"
    form_class = forms_members.MembershipForm

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "user": self.request.user,
            "council": self.membership.council,
            "membership": self.membership,
        }

    def get_initial(self):
        return {
            "position": self.membership.position,
            "representative": self.membership.representative,
            "buildings": list(self.membership.areas.values_list("building", flat=True)),
        }

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.membership_update(
                membership=self.membership,
                position=data["position"],
                representative=data["representative"],
                buildings=data["buildings"],
                by=self.request.user,
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        return redirect("membership_detail", pk=self.membership.pk)

    def get_context_data(self, **kwargs):
        council = self.membership.council
        return {
            **super().get_context_data(**kwargs),
            "council": council,
            "membership": self.membership,
            "breadcrumbs": selectors.breadcrumbs(self.request.user, council),
        }


class MembershipLeaveView(MembershipMixin, FormView):
    """A unit leaves its council; the seat and its attendance stay on record (R-1.3)."""

    capability = Capability.MANAGE_COUNCILS
    template_name = "councils/confirm.html"
    form_class = forms_members.LeaveForm

    def form_valid(self, form):
        try:
            services.membership_leave(
                membership=self.membership, left_on=form.cleaned_data["left_on"], by=self.request.user
            )
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("“%(unit)s”已退出理事会。") % {"unit": self.membership.unit})
        return redirect(self.membership.council.get_absolute_url())

    def get_context_data(self, **kwargs):
        m = self.membership
        return {
            **super().get_context_data(**kwargs),
            "title": _("成员单位退出理事会"),
            "question": _("“%(unit)s”将退出“%(council)s”。以往的出席与联系记录会保留。")
            % {"unit": m.unit, "council": m.council},
            "danger": True,
            "cancel_url": m.council.get_absolute_url(),
        }


class ContactCreateView(MembershipMixin, FormView):
    """The secretary or the unit's contact records a visit to residents of the unit's area."""

    capability = Capability.RECORD_CONTACTS
    template_name = "councils/contactlog_form.html"
    form_class = forms_members.ContactLogForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "membership": self.membership}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.contact_log_record(membership=self.membership, by=self.request.user, **data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已记录联系居民情况。"))
        return redirect("membership_detail", pk=self.membership.pk)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "membership": self.membership,
            "no_area": not self.membership.areas.exists(),
            "breadcrumbs": selectors.breadcrumbs(self.request.user, self.membership.council),
        }


class TermCreateView(ScopedMixin, LoadsObject, FormView):
    """Open a council's new term (届) with its chair and secretary-general."""

    capability = Capability.MANAGE_COUNCILS
    template_name = "councils/object_form.html"
    form_class = forms_members.CouncilTermForm

    def load(self) -> None:
        self.council = get_object_or_404(
            self.scoped(Council).select_related("community__street"), pk=self.kwargs["pk"]
        )

    def get_initial(self):
        last = self.council.terms.order_by("-number").first()
        return {"number": (last.number + 1) if last else 1}

    def form_valid(self, form):
        try:
            services.term_start(council=self.council, by=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已开始新一届。"))
        return redirect(self.council.get_absolute_url())

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "model_name": _("理事会届期"),
            "breadcrumbs": selectors.breadcrumbs(self.request.user, self.council),
        }


urlpatterns = [
    path("councils/<int:pk>/terms/new/", TermCreateView.as_view(), name="term_create"),
    path("councils/<int:pk>/members/new/", MembershipCreateView.as_view(), name="membership_create"),
    path("memberships/<int:pk>/", MembershipDetailView.as_view(), name="membership_detail"),
    path("memberships/<int:pk>/edit/", MembershipUpdateView.as_view(), name="membership_update"),
    path("memberships/<int:pk>/leave/", MembershipLeaveView.as_view(), name="membership_leave"),
    path("memberships/<int:pk>/contacts/new/", ContactCreateView.as_view(), name="contact_create"),
]
