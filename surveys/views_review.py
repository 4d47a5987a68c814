"""Review of answers held as a burst (issue 14 §6, R-6.2): the community's staff and the city
office see the held answers of the communities they may review, accept them (they count in the
five rates from then on) or reject them (they never do), after ticking a confirmation. Who
decided and when is kept on each answer and shown below the list.

Other roles get 403; a community outside the reviewer's scope (another community's staff) 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import FormView, ListView

from councils.models import Community
from councils.roles import Capability
from councils.views.base import PAGE_SIZE, LoadsObject, ScopedMixin

from . import services
from .forms import ReviewForm
from .models import Answer, Response

RECENT_DECISIONS = 20


class ReviewListView(ScopedMixin, ListView):
    """The communities the user reviews that have answers waiting, most waiting first."""

    capability = Capability.REVIEW_ANSWERS
    template_name = "surveys/review_list.html"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            self.scoped(Community)
            .select_related("street__district")
            .annotate(n_held=Count("survey_responses", filter=Q(survey_responses__state=Response.State.HELD)))
            .filter(n_held__gt=0)
            .order_by("-n_held", "street__name", "name", "pk")
        )


class ReviewView(ScopedMixin, LoadsObject, FormView):
    """One community's held answers, with accept / reject for those ticked."""

    capability = Capability.REVIEW_ANSWERS
    template_name = "surveys/review.html"
    form_class = ReviewForm

    def load(self):
        self.community = get_object_or_404(
            self.scoped(Community).select_related("street__district"), pk=self.kwargs["pk"]
        )

    def held(self):
        return (
            self.scoped(Response)
            .filter(community=self.community, state=Response.State.HELD)
            .select_related("round")
            .order_by("submitted_at", "pk")
        )

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "held": self.held()}

    def get_context_data(self, **kwargs):
        held = list(
            self.held().prefetch_related(
                Prefetch(
                    "answers",
                    queryset=Answer.objects.filter(question__rate__gt="")
                    .select_related("question")
                    .order_by("question__order", "question__pk"),
                )
            )
        )
        # Which held answers came from the same network address, without showing the address:
        # a number per address hash, in order of first appearance.
        groups: dict[str, str] = {}
        for response in held:
            if response.address_hash:
                label = groups.setdefault(response.address_hash, _("地址%(n)d") % {"n": len(groups) + 1})
                response.address_group = label
        decided = (
            self.scoped(Response)
            .filter(community=self.community, state__in=[Response.State.ACCEPTED, Response.State.REJECTED])
            .select_related("reviewed_by", "round")
            .order_by("-reviewed_at", "-pk")[:RECENT_DECISIONS]
        )
        return {
            **super().get_context_data(**kwargs),
            "community": self.community,
            "held": held,
            "decided": list(decided),
        }

    def form_valid(self, form):
        decision = form.cleaned_data["decision"]
        n = services.responses_review(
            community=self.community,
            responses=[r.pk for r in form.cleaned_data["responses"]],
            decision=decision,
            by=self.request.user,
        )
        text = (
            _("已采纳 %(n)d 份答卷，已计入本社区的五率。")
            if decision == services.ACCEPT
            else _("已剔除 %(n)d 份答卷，不计入五率。")
        )
        messages.success(self.request, text % {"n": n})
        return HttpResponseRedirect(reverse("survey_review", args=[self.community.pk]))
