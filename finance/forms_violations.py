"""Filters and forms for violations of the fund's rules and their rectification (R-1.8). They
only shape what was typed; the rules live in finance/services.py."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import Council, Street
from councils.periods import today
from councils.text_limits import limited

from .models import Violation
from .services import RECTIFY_DAYS

ALL_STATUSES = "all"
UPLOAD_ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


def open_violations(queryset):
    return queryset.exclude(status=Violation.Status.CLOSED)


def overdue_violations(queryset):
    """Not closed and past the deadline, the day read on a Shanghai calendar."""
    return open_violations(queryset).filter(deadline__lt=today())


class ViolationFilter(ScopedFilterSet):
    """Open problems first: without a status chosen the list leaves closed ones out."""

    status = django_filters.ChoiceFilter(
        label=_("状态"),
        choices=[*Violation.Status.choices, (ALL_STATUSES, _("全部（含已销号）"))],
        empty_label=_("未销号（待整改、整改中）"),
        method="filter_status",
    )
    kind = django_filters.ChoiceFilter(
        label=_("问题类型"), choices=Violation.Kind.choices, empty_label=_("全部")
    )
    council = django_filters.ModelChoiceFilter(
        label=_("理事会"),
        queryset=Council.objects.all(),
        field_name="entry__fund__council",
        empty_label=_("全部"),
    )
    street = django_filters.ModelChoiceFilter(
        label=_("街道/镇"),
        queryset=Street.objects.all(),
        field_name="entry__fund__council__community__street",
        empty_label=_("全部"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("只看逾期"), method="filter_overdue", widget=forms.CheckboxInput
    )
    search_fields = ("reason", "measures", "entry__description", "entry__counterparty")

    class Meta:
        model = Violation
        fields = ["q", "status", "kind", "council", "street", "overdue"]

    def __init__(self, data=None, *args, user, **kwargs):
        # Bound even without a query string, so the default (not closed) applies on first view.
        super().__init__({} if data is None else data, *args, user=user, **kwargs)
        self.filters["council"].queryset = self.filters["council"].queryset.order_by("name")
        self.filters["street"].queryset = self.filters["street"].queryset.order_by("name")
        self.form.fields["overdue"].widget.attrs["class"] = "form-check-input"

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            queryset = open_violations(queryset)
        return queryset

    def filter_status(self, queryset, name, value):
        return queryset if value == ALL_STATUSES else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        return overdue_violations(queryset) if value else queryset


def date_input(**attrs) -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date", **attrs}, format="%Y-%m-%d")


class FlagForm(forms.Form):
    """Street staff name a problem they found with an entry."""

    reason = limited(
        forms.CharField(
            label=_("问题说明"),
            widget=forms.Textarea(attrs={"rows": 4}),
            max_length=2000,
            help_text=_("写明发现的问题及依据，理事会将据此整改。"),
        )
    )
    deadline = forms.DateField(label=_("整改期限"), widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = today() + timedelta(days=RECTIFY_DAYS)
        self.fields["deadline"].widget.attrs["min"] = today().isoformat()


class RectifyForm(forms.Form):
    """The council's report of what it did, with a file to show it."""

    measures = limited(
        forms.CharField(
            label=_("整改措施"),
            widget=forms.Textarea(attrs={"rows": 5}),
            max_length=4000,
            help_text=_("写明已采取的纠正措施，如追认决议、退回款项、建立制度等。"),
        )
    )
    evidence = forms.FileField(
        label=_("整改佐证"),
        required=False,
        help_text=_("PDF、JPEG 或 PNG，不超过 10 MB（按文件内容识别类型）。已上传过的可不再上传。"),
        widget=forms.ClearableFileInput(attrs={"accept": UPLOAD_ACCEPT}),
    )
