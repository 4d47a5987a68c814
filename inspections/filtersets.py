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

from .models import Category, Finding, Patrol

OPEN, FIXED, CLOSED, ALL = "open", "fixed", "closed", "all"
STATUS_GROUPS = {
    OPEN: Q(status__in=Finding.OPEN),
    FIXED: Q(status__in=Finding.FIXED),
    CLOSED: Q(status=Finding.Status.CLOSED),
}


def select():
    return forms.Select(attrs={"class": "form-select"})


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
        buildings = (
            fields["building"].queryset.select_related("community").order_by("community__name", "name")
        )
        community = self.data.get("community")
        if community and str(community).isdigit():  # a long list gets short once a community is chosen
            buildings = buildings.filter(community_id=community)
        fields["building"].queryset = buildings
        fields["overdue"].widget.attrs["class"] = "form-check-input d-block"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(STATUS_GROUPS[OPEN])
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL else queryset.filter(STATUS_GROUPS[value])

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(overdue_q()) if value else queryset
