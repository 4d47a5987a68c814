"""Forms and filters of the city office's setup pages and the points ledger (R-1.9, R-1.10).
They only shape what was typed; the rules live in assessments/services. Every choice of a unit,
council or street is scoped to the acting user."""

from __future__ import annotations

from decimal import Decimal

import django_filters
from django import forms
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import Council, MemberUnit, Street
from councils.periods import today
from councils.roles import Capability
from councils.text_limits import NOTE, limited

from .models import Criterion, Half, Period, PointEvent, PointRule, Rubric

AUTOMATIC, MANUAL = "automatic", "manual"


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def points_field(label, **kwargs) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=5, decimal_places=1, **kwargs)


# --- Rubrics -------------------------------------------------------------------------------------


class RubricReviseForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    note = limited(
        forms.CharField(
            label=_("修订说明"),
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("说明为何修订、改了什么，便于各街道社区了解。"),
        ),
        NOTE,
    )


class CriterionForm(forms.ModelForm):
    guidance = limited(
        Criterion._meta.get_field("guidance").formfield(widget=forms.Textarea(attrs={"rows": 3})), NOTE
    )

    class Meta:
        model = Criterion
        fields = ["group", "order", "title", "max_points", "guidance", "evidence"]
        help_texts = {
            "evidence": _("考核时平台从该项记录给出建议分，评分人可以调整并说明理由。"),
            "order": _("同一类别内按序号排列。"),
        }


# --- Periods -------------------------------------------------------------------------------------


class RubricChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, rubric: Rubric) -> str:
        return _("%(rubric)s，合计%(total)s分") % {"rubric": rubric, "total": rubric.total_points or 0}


class PeriodForm(forms.Form):
    """A half-year with its dates, the rubric version it freezes and its scoring policy."""

    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)
    half = forms.TypedChoiceField(label=_("半年"), choices=Half.choices, coerce=int)
    opens_on = forms.DateField(label=_("开始日期"), widget=date_input())
    closes_on = forms.DateField(
        label=_("截止日期"), widget=date_input(), help_text=_("社区须在此日期前完成考核评分")
    )
    rubric = RubricChoiceField(
        label=_("考核细则版本"),
        queryset=Rubric.objects.none(),
        empty_label=None,
        help_text=_("开启后该版本细则即被冻结，不能再修改。"),
    )
    excellent_from = points_field(_("优秀分数线"), min_value=Decimal("0"), max_value=Decimal("200"))
    good_from = points_field(_("良好分数线"), min_value=Decimal("0"), max_value=Decimal("200"))
    pass_from = points_field(_("合格分数线"), min_value=Decimal("0"), max_value=Decimal("200"))
    points_cap = points_field(
        _("动态记分上下限"),
        min_value=Decimal("0"),
        max_value=Decimal("100"),
        help_text=_("计入总分的动态记分不超过正负此值"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = Rubric.objects.annotate(
            total_points=Sum("criteria__max_points")
        ).order_by("-version")

    def clean(self):
        data = super().clean()
        opens_on, closes_on = data.get("opens_on"), data.get("closes_on")
        if opens_on and closes_on and closes_on < opens_on:
            self.add_error("closes_on", _("截止日期不能早于开始日期。"))
        excellent, good, passing = (data.get(k) for k in ("excellent_from", "good_from", "pass_from"))
        if excellent is not None and good is not None and not excellent > good:
            self.add_error("excellent_from", _("优秀分数线应高于良好分数线。"))
        if good is not None and passing is not None and not good > passing:
            self.add_error("good_from", _("良好分数线应高于合格分数线。"))
        return data


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, period: Period) -> str:
        return str(period)


class DeriveForm(forms.Form):
    period = PeriodChoiceField(
        label=_("考核期"), queryset=Period.objects.order_by("-year", "-half"), empty_label=None
    )


# --- Points rules --------------------------------------------------------------------------------


class PointRuleForm(forms.Form):
    """One row of the rule table; the page shows one per rule, prefixed by its code."""

    points = points_field(_("分值"), max_value=Decimal("99.9"), min_value=Decimal("-99.9"))
    active = forms.BooleanField(label=_("启用"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, rule: PointRule, **kwargs):
        self.rule = rule
        kwargs.setdefault("initial", {"points": rule.points, "active": rule.active, "note": rule.note})
        super().__init__(*args, prefix=rule.code, **kwargs)
        self.fields["points"].widget.attrs.update(step="0.1", **{"class": "form-control"})
        self.fields["active"].widget.attrs["class"] = "form-check-input"
        self.fields["note"].widget.attrs["class"] = "form-control"

    def changed(self) -> bool:
        data = self.cleaned_data
        rule = self.rule
        return (data["points"], data["active"], data["note"]) != (rule.points, rule.active, rule.note)


# --- Points ledger -------------------------------------------------------------------------------


class PointRecordForm(forms.Form):
    """A manual points event: the unit and council come from the scope of the roles that may
    record points, so an id from elsewhere is an invalid choice."""

    unit = forms.ModelChoiceField(label=_("成员单位"), queryset=MemberUnit.objects.none())
    council = forms.ModelChoiceField(label=_("理事会"), queryset=Council.objects.none())
    points = points_field(
        _("分值"), help_text=_("加分填正数，扣分填负数，单次不超过正负20分，最多一位小数。")
    )
    occurred_on = forms.DateField(label=_("发生日期"), widget=date_input())
    reason = limited(
        forms.CharField(label=_("事由"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        capability = Capability.RECORD_POINTS
        self.fields["unit"].queryset = MemberUnit.objects.visible_to(user, capability).order_by("name")
        self.fields["council"].queryset = (
            Council.objects.visible_to(user, capability).select_related("community").order_by("name")
        )
        self.fields["occurred_on"].widget.attrs["max"] = today().isoformat()
        self.fields["points"].widget.attrs["step"] = "0.1"


class PointEventFilter(ScopedFilterSet):
    period = django_filters.ModelChoiceFilter(
        label=_("考核期"),
        queryset=Period.objects.order_by("-year", "-half"),
        method="filter_period",
        empty_label=_("全部"),
    )
    street = django_filters.ModelChoiceFilter(
        label=_("街道/镇"),
        queryset=Street.objects.order_by("name"),
        field_name="council__community__street",
        empty_label=_("全部"),
    )
    kind = django_filters.ChoiceFilter(
        label=_("来源"),
        choices=[(AUTOMATIC, _("自动记分")), (MANUAL, _("人工记分"))],
        method="filter_kind",
        empty_label=_("全部"),
    )
    rule = django_filters.ModelChoiceFilter(
        label=_("记分规则"), queryset=PointRule.objects.all(), empty_label=_("全部")
    )
    search_fields = ("unit__name", "reason")

    class Meta:
        model = PointEvent
        fields = ["q", "period", "street", "kind", "rule"]

    def filter_period(self, queryset, name, value):
        return queryset.filter(year=value.year, half=value.half)

    def filter_kind(self, queryset, name, value):
        return queryset.filter(Q(rule__isnull=value == MANUAL))
