"""Quarterly meeting compliance for street, district and city staff (R-1.1, R-6.1)."""

from __future__ import annotations

from django.core.exceptions import BadRequest
from django.db.models import F
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from .. import compliance
from ..exports import xlsx_response
from ..models import ComplianceFinding, Council, District, Street
from ..periods import Quarter
from ..roles import Capability
from .base import PAGE_SIZE, ScopedMixin

SORTS = {
    "council": ("name",),
    "street": ("community__street__name", "community__name"),
    "last": (F("last_held_at").asc(nulls_first=True), "name"),
    "-last": (F("last_held_at").desc(nulls_last=True), "name"),
}


def quarter_choices(current: Quarter, back: int = 8) -> list[Quarter]:
    quarters, q = [], current
    for _i in range(back):
        quarters.append(q)
        q = q.previous()
    return quarters


class ComplianceListView(ScopedMixin, ListView):
    """Which councils held their quarterly meeting: by default the ones behind this quarter."""

    capability = Capability.REVIEW_COMPLIANCE
    template_name = "councils/compliance_list.html"
    paginate_by = PAGE_SIZE

    def get_quarter(self) -> Quarter:
        code = self.request.GET.get("quarter")
        if not code:
            return Quarter.current()
        try:
            return Quarter.parse(code)
        except ValueError as error:
            raise BadRequest(_("季度参数无效")) from error

    def get_queryset(self):
        self.quarter = self.get_quarter()
        councils = self.scoped(Council).select_related("community__street__district")
        self.street = self.request.GET.get("street") or ""
        self.district = self.request.GET.get("district") or ""
        if self.street.isdigit():
            councils = councils.filter(community__street_id=self.street)
        if self.district.isdigit():
            councils = councils.filter(community__street__district_id=self.district)
        self.councils = councils  # the filtered councils, for the count of those behind
        self.show = self.request.GET.get("show", "behind")
        if self.show == "all":
            queryset = compliance.with_quarter(councils, self.quarter)
        else:
            queryset = compliance.behind(councils, self.quarter)
        self.sort = self.request.GET.get("sort", "street")
        return queryset.order_by(*SORTS.get(self.sort, SORTS["street"]))

    def get(self, request, *args, **kwargs):
        if request.GET.get("format") == "xlsx":
            return self.export()
        return super().get(request, *args, **kwargs)

    def export(self):
        """The whole filtered list as .xlsx, in the page's order (one query for the rows)."""
        quarter = self.get_quarter()
        rows = self.get_queryset()

        def state(council):
            return compliance.QuarterState.LABELS[
                compliance.state_of(council, quarter, held=council.quarter_held)
            ]

        return xlsx_response(
            filename=f"季度会议督查_{quarter.code}.xlsx",
            title=str(quarter),
            columns=[
                (_("区"), lambda c: c.community.street.district.name),
                (_("街道/镇"), lambda c: c.community.street.name),
                (_("社区"), lambda c: c.community.name),
                (_("理事会"), lambda c: c.name),
                (_("本季度"), state),
                (_("会议次数"), lambda c: c.quarter_meetings),
                (_("最近一次会议"), lambda c: c.last_held_at),
                (_("秘书长"), lambda c: c.secretary_general),
            ],
            rows=rows.iterator(chunk_size=2000),
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        rows = context["object_list"]
        findings = set(
            ComplianceFinding.objects.filter(
                council__in=[c.pk for c in rows], year=self.quarter.year, quarter=self.quarter.number
            ).values_list("council_id", flat=True)
        )
        for council in rows:
            council.state = compliance.state_of(council, self.quarter, held=council.quarter_held)
            council.state_label = compliance.QuarterState.LABELS[council.state]
            council.finding_recorded = council.pk in findings
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            quarter=self.quarter,
            quarters=quarter_choices(Quarter.current()),
            streets=Street.objects.visible_to(user).select_related("district"),
            districts=District.objects.visible_to(user),
            street=self.street,
            district=self.district,
            show=self.show,
            sort=self.sort,
            query_string=query.urlencode(),
            behind_count=compliance.behind(self.councils, self.quarter).count()
            if self.show == "all"
            else None,
        )
        return context


urlpatterns = [
    path("compliance/", ComplianceListView.as_view(), name="compliance_list"),
]
