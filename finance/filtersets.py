"""Filters for the ledger pages and the pledge overview (issue 4 §1, §5, §8). Every choice of a
council or street is scoped to the user by ScopedFilterSet."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.forms_meetings import year_choices
from councils.models import Council, Street
from councils.widgets import QuickSelect

from .models import Category, LedgerEntry, Pledge, Violation


def select():
    # Written out in one pass: the city's lists of councils and communities are long.
    return QuickSelect(attrs={"class": "form-select"})


def has_violation():
    return Exists(Violation.objects.filter(entry=OuterRef("pk")))


class LedgerFilterBase(ScopedFilterSet):
    kind = django_filters.ChoiceFilter(
        label=_("类型"), choices=LedgerEntry.Kind.choices, widget=select(), empty_label=_("全部")
    )
    category = django_filters.ModelChoiceFilter(
        label=_("用途类别"), queryset=Category.objects.all(), widget=select(), empty_label=_("全部")
    )
    flagged = django_filters.BooleanFilter(
        label=_("只看有问题的"), method="filter_flagged", widget=forms.CheckboxInput
    )
    search_fields = ("counterparty", "description", "unit__name")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["flagged"].widget.attrs["class"] = "form-check-input d-block"
        self.form.fields["q"].widget.attrs["placeholder"] = _("对方、摘要")

    def filter_flagged(self, queryset, name, value):
        return queryset.filter(has_violation()) if value else queryset


class EntryFilter(LedgerFilterBase):
    """The filters of one council's ledger (the fund page)."""

    year = django_filters.ChoiceFilter(
        label=_("年度"), choices=year_choices, widget=select(), empty_label=_("全部")
    )

    class Meta:
        model = LedgerEntry
        fields = ["q", "year", "kind", "category", "flagged"]


class StreetLedgerFilter(LedgerFilterBase):
    """The street's review of every ledger in its scope (issue 4 §8)."""

    date_from = django_filters.DateFilter(
        label=_("起始日期"),
        field_name="entry_date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = django_filters.DateFilter(
        label=_("截止日期"),
        field_name="entry_date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    council = django_filters.ModelChoiceFilter(
        label=_("理事会"),
        field_name="fund__council",
        queryset=Council.objects.all(),
        widget=select(),
        empty_label=_("全部"),
    )
    search_fields = ("counterparty", "description", "unit__name", "fund__council__name")

    class Meta:
        model = LedgerEntry
        fields = ["q", "date_from", "date_to", "council", "kind", "category", "flagged"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        # The choice field is built from the filter's queryset: scope and sort both.
        councils = Council.objects.visible_to(user).only("name").order_by("name")  # a city has a thousand
        self.filters["council"].queryset = self.form.fields["council"].queryset = councils


class PledgeFilter(ScopedFilterSet):
    """Outstanding pledges across the user's scope (R-1.5)."""

    year = django_filters.ChoiceFilter(
        label=_("年度"), choices=year_choices, widget=select(), empty_label=_("全部")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("街道/镇"),
        field_name="council__community__street",
        queryset=Street.objects.all(),
        widget=select(),
        empty_label=_("全部"),
    )
    search_fields = ("unit__name", "council__name", "note")

    class Meta:
        model = Pledge
        fields = ["q", "year", "street"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].widget.attrs["placeholder"] = _("成员单位、理事会")
