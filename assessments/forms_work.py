"""Filters and forms of the assessment workflow pages (R-1.9, R-1.10). They only shape what was
typed; the rules live in assessments/services/workflow.py, whose errors the pages show."""

from __future__ import annotations

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import Community, Council, Street
from councils.roles import Level
from councils.scoping import grants_of
from councils.text_limits import limited

from .models import Assessment

# Which filters make sense from which level up: a community's staff choose no street, a council's
# secretary or a unit's contact no community.
FILTER_LEVELS = {
    "street": {Level.CITY, Level.DISTRICT},
    "community": {Level.CITY, Level.DISTRICT, Level.STREET},
}


class AssessmentFilter(ScopedFilterSet):
    """The worklist's filters; the period is chosen apart (it decides the deadline shown)."""

    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=Assessment.Status.choices, empty_label=_("全部")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("街道/镇"),
        queryset=Street.objects.all(),
        field_name="council__community__street",
        empty_label=_("全部"),
    )
    community = django_filters.ModelChoiceFilter(
        label=_("社区"),
        queryset=Community.objects.all(),
        field_name="council__community",
        empty_label=_("全部"),
    )
    council = django_filters.ModelChoiceFilter(
        label=_("理事会"), queryset=Council.objects.all(), empty_label=_("全部")
    )
    search_fields = ("unit__name", "unit__credit_code")

    class Meta:
        model = Assessment
        fields = ["q", "status", "street", "community", "council"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        levels = {g.level for g in grants_of(user)}
        for name, wanted in FILTER_LEVELS.items():
            if not levels & wanted:
                del self.filters[name]
                del self.form.fields[name]
        for name in ("street", "community", "council"):
            if name in self.filters:
                ordered = self.filters[name].queryset.order_by("name")
                self.filters[name].queryset = self.form.fields[name].queryset = ordered
        self.form.fields["q"].label = _("成员单位")


class ConfirmNoteForm(forms.Form):
    note = limited(
        forms.CharField(
            label=_("确认意见"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
        )
    )


class ReturnForm(forms.Form):
    # Required by the service, which words the refusal; the browser asks first.
    comment = limited(
        forms.CharField(
            label=_("退回意见"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 4, "required": True}),
            help_text=_("写明需要社区修改或补充的内容，社区修改后重新提交。"),
        )
    )


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已核对评分，确认公布（公布后不能再修改评分，只能更正）"), required=True
    )


class AdjustForm(forms.Form):
    delta = forms.CharField(
        label=_("更正分值"),
        required=False,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "+2.5 / -1"}),
        help_text=_("加分填正数，减分填负数，最多一位小数。"),
    )
    reason = limited(
        forms.CharField(
            label=_("更正理由"),
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("更正记录永久保留，并重新计算考核结果与排名。"),
        )
    )
