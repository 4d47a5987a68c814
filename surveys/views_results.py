"""Survey results (R-6.2, R-6.1): the five rates with sample size and 95% interval, the trend
across rounds, the areas one level down and the communities with the lowest satisfaction, for
the user's whole scope and for one district, street or community. Each page reads only the
communities the user sees (`Community.objects.visible_to`): a district, street or community
outside the scope is a 404. Reading is scope alone, as everywhere in the portal.

The figures are surveys.selectors.area_results's; nothing is computed here.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView

from councils.models import Community, District, Street
from councils.roles import Capability, Level
from councils.scoping import grants_of, has_capability
from councils.selectors import breadcrumbs
from councils.views.base import ScopedMixin

from . import selectors
from .models import RATES, Rate
from .posters import survey_path

BREAKDOWN_LABEL = {
    "district": gettext_lazy("区"),
    "street": gettext_lazy("街道/镇"),
    "community": gettext_lazy("社区"),
}
ROW_URL = {
    "district": "survey_results_district",
    "street": "survey_results_street",
    "community": "survey_results_community",
}


class ResultsView(ScopedMixin, TemplateView):
    """The base page: subclasses say which area, which communities and the breakdown."""

    template_name = "surveys/results.html"
    breakdown: str | None = None
    area = None

    def communities(self):
        return Community.objects.visible_to(self.request.user)

    def area_name(self) -> str:
        raise NotImplementedError

    def review_url(self) -> str | None:
        """Where the user reviews the held answers counted on this page, if they may."""
        if not has_capability(self.request.user, Capability.REVIEW_ANSWERS):
            return None
        return reverse("survey_review_list")

    def selected_round(self, rounds):
        wanted = self.request.GET.get("round", "")
        for r in rounds:
            if str(r.pk) == wanted:
                return r
        return selectors.default_round(rounds)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rounds = selectors.started_rounds()
        round = self.selected_round(rounds)
        results = selectors.area_results(
            communities=self.communities(),
            round=round,
            rounds=rounds,
            breakdown=self.breakdown,
        )
        context.update(
            area=self.area,
            area_name=self.area_name(),
            rounds=rounds,
            round=round,
            results=results,
            chart_data=results.chart_data() if round else None,
            breakdown=self.breakdown,
            breakdown_label=BREAKDOWN_LABEL.get(self.breakdown, ""),
            row_url=ROW_URL.get(self.breakdown),
            rate_labels=[Rate(r).label for r in RATES],
            can_print=has_capability(self.request.user, Capability.PRINT_POSTERS),
            can_export=has_capability(self.request.user, Capability.EXPORT_ANSWERS),
            review_url=self.review_url() if results.total.held else None,
        )
        if self.area is not None:
            context["breadcrumbs"] = breadcrumbs(self.request.user, self.area)
        return context


class ScopeResultsView(ResultsView):
    """Everything the user sees: the city for the city office, broken down one level below the
    highest of the user's assignments."""

    def dispatch(self, request, *args, **kwargs):
        levels = {g.level for g in grants_of(request.user)}
        if Level.CITY in levels:
            self.breakdown = "district"
        elif Level.DISTRICT in levels:
            self.breakdown = "street"
        else:
            self.breakdown = "community"
        self.city = Level.CITY in levels
        return super().dispatch(request, *args, **kwargs)

    def area_name(self) -> str:
        return _("全市") if self.city else _("职责范围内")


class AreaResultsView(ResultsView):
    model = None
    path = ""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            related = {District: (), Street: ("district",), Community: ("street__district",)}[self.model]
            self.area = get_object_or_404(
                self.model.objects.visible_to(request.user).select_related(*related), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def communities(self):
        return super().communities().filter(**{self.path: self.area})

    def area_name(self) -> str:
        return self.area.name


class DistrictResultsView(AreaResultsView):
    model, path, breakdown = District, "street__district", "street"


class StreetResultsView(AreaResultsView):
    model, path, breakdown = Street, "street", "community"


class CommunityResultsView(AreaResultsView):
    """One community: no breakdown, but its optional questions and the newest suggestions."""

    model, path, breakdown = Community, "pk", None

    def communities(self):
        return Community.objects.visible_to(self.request.user).filter(pk=self.area.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        round = context["round"]
        context["optional"] = selectors.optional_answers(round, self.area) if round else None
        context["survey_path"] = survey_path(self.area, round) if round and round.status == "open" else None
        return context

    def review_url(self) -> str | None:
        reviewable = Community.objects.visible_to(self.request.user, Capability.REVIEW_ANSWERS)
        if not reviewable.filter(pk=self.area.pk).exists():
            return None
        return reverse("survey_review", args=[self.area.pk])
