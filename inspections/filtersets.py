"""Filters for the patrol and finding lists (R-2.1). Every choice of a community or building is
scoped to the user by ScopedFilterSet; overdue is read on a Shanghai calendar."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import Building, Community
from councils.periods import SHANGHAI, today
from councils.roles import Level
from councils.scoping import grants_of
from councils.widgets import QuickSelect

from .models import Category, Finding, Patrol

OPEN, FIXED, CLOSED, ALL = "open", "fixed", "closed", "all"
# Scopes that hold more buildings than one list of choices should offer.
WIDE_SCOPES = {Level.CITY, Level.DISTRICT, Level.STREET}
STATUS_GROUPS = {
    OPEN: Q(status__in=Finding.OPEN),
    FIXED: Q(status__in=Finding.FIXED),
    CLOSED: Q(status=Finding.Status.CLOSED),
}


def select():
    # Written out in one pass: the city's lists of councils and communities are long.
    return QuickSelect(attrs={"class": "form-select"})


def overdue_q() -> Q:
    """Still open and past the deadline, the day read on a Shanghai calendar."""
    return Q(status__in=Finding.OPEN, deadline__lt=today())


class PatrolFilter(ScopedFilterSet):
    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.all(), widget=select(), empty_label=_("全部")
    )
    kind = django_filters.ChoiceFilter(
        label=_("身份"), choices=Patrol.Kind.choices, widget=select(), empty_label=_("全部")
    )
    date = django_filters.DateFilter(
        label=_("日期"),
        method="filter_date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    search_fields = ("route", "notes", "patroller__first_name", "patroller__username")

    class Meta:
        model = Patrol
        fields = ["q", "community", "kind", "date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.form.fields
        fields["community"].queryset = fields["community"].queryset.order_by("name")

    def filter_date(self, queryset, name, value):
        start = datetime.combine(value, time.min, tzinfo=SHANGHAI)
        return queryset.filter(started_at__gte=start, started_at__lt=start + timedelta(days=1))


class FindingFilter(ScopedFilterSet):
    """Open findings first: without a status group chosen the list shows those still to handle."""

    community = django_filters.ModelChoiceFilter(
        label=_("社区"), queryset=Community.objects.all(), widget=select(), empty_label=_("全部")
    )
    category = django_filters.ChoiceFilter(
        label=_("问题类别"), choices=Category.choices, widget=select(), empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[
            (OPEN, _("待处置（含移交执法、复发）")),
            (FIXED, _("已纠正")),
            (CLOSED, _("未整改关闭")),
            (ALL, _("全部")),
        ],
        empty_label=None,
        method="filter_status",
        widget=select(),
    )
    building = django_filters.ModelChoiceFilter(
        label=_("楼栋"), queryset=Building.objects.all(), widget=select(), empty_label=_("全部")
    )
    overdue = django_filters.BooleanFilter(
        label=_("只看逾期"), method="filter_overdue", widget=forms.CheckboxInput
    )
    search_fields = ("description", "address", "building__name")

    class Meta:
        model = Finding
        fields = ["q", "community", "category", "status", "building", "overdue"]

    def __init__(self, data=None, *args, **kwargs):
        # Bound even without a query string, so the default (open) applies on first view.
        super().__init__({} if data is None else data, *args, **kwargs)
        # The form is built by now: order (and join for the labels) its own choice querysets.
        fields = self.form.fields
        fields["community"].queryset = fields["community"].queryset.order_by("name")
        fields["building"].queryset = self.building_choices(fields["building"].queryset, kwargs["user"])
        fields["overdue"].widget.attrs["class"] = "form-check-input d-block"

    def building_choices(self, buildings, user):
        """The buildings of the chosen community (or of the chosen building's, as the statistics'
        repeat spots link). A street or more holds thousands of buildings, too many to offer at
        once: until a community is chosen there the list offers none (issue 8 §2); a community's
        or a council's user is offered all of theirs."""
        buildings = buildings.select_related("community").order_by("community__name", "name")
        community, building = self.data.get("community"), self.data.get("building")
        if community and str(community).isdigit():
            return buildings.filter(community_id=community)
        if building and str(building).isdigit():
            return buildings.filter(community__in=Building.objects.filter(pk=building).values("community"))
        if {g.level for g in grants_of(user)} & WIDE_SCOPES:
            self.form.fields["building"].empty_label = _("全部（选择社区后可选楼栋）")
            return buildings.none()
        return buildings

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(STATUS_GROUPS[OPEN])
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL else queryset.filter(STATUS_GROUPS[value])

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset
