"""Forms and list filters for plans, solicited opinions and co-construction tasks (R-1.4, R-1.1).
Thin: the rules live in councils/services/plans.py; choices are scoped to the acting user."""

from __future__ import annotations

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import BooleanField, Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .filtersets import ScopedFilterSet
from .models import Council, CouncilTerm, MemberUnit, Plan, PlanOpinion, Resolution, Task
from .periods import today
from .text_limits import DOCUMENT, NOTE, TEXT, limited


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


# --- Lists -------------------------------------------------------------------------------------


class BootstrapFilterSet(ScopedFilterSet):
    """Selects and inputs styled for the filter bar."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input d-block")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class PlanFilter(BootstrapFilterSet):
    council = django_filters.ModelChoiceFilter(label=_("理事会"), queryset=Council.objects.all())
    year = django_filters.NumberFilter(label=_("年度"))
    search_fields = ("title", "content")

    class Meta:
        model = Plan
        fields = ["q", "council", "kind", "status", "year"]


def overdue_condition() -> Q:
    """Open and due before today, read on a Shanghai calendar."""
    return Q(status=Task.Status.OPEN, due_on__lt=today())


def tasks_for_list(queryset):
    """Open tasks first, soonest due first, with `overdue` computed by the database."""
    return (
        queryset.select_related("council", "assignee", "resolution")
        .annotate(
            overdue=ExpressionWrapper(overdue_condition(), output_field=BooleanField()),
            open_first=Case(
                When(status=Task.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
            ),
        )
        .order_by("open_first", "due_on", "pk")
    )


class TaskFilter(BootstrapFilterSet):
    council = django_filters.ModelChoiceFilter(label=_("理事会"), queryset=Council.objects.all())
    assignee = django_filters.ModelChoiceFilter(label=_("责任单位"), queryset=MemberUnit.objects.all())
    overdue = django_filters.BooleanFilter(label=_("逾期"), method="only_overdue", widget=forms.CheckboxInput)
    search_fields = ("title", "description", "assignee__name", "resolution__number", "resolution__title")

    class Meta:
        model = Task
        fields = ["q", "council", "status", "assignee", "overdue"]

    def only_overdue(self, queryset, name, value):
        return queryset.filter(overdue_condition()) if value else queryset


# --- Plans -------------------------------------------------------------------------------------


class PlanForm(forms.Form):
    """A new plan (with its kind and term) or the text of an existing one."""

    kind = forms.ChoiceField(label=_("类型"), choices=Plan.Kind.choices)
    year = forms.IntegerField(
        label=_("年度"), min_value=2000, max_value=2100, required=False, help_text=_("年度计划填写")
    )
    term = forms.ModelChoiceField(
        label=_("届期"),
        queryset=CouncilTerm.objects.none(),
        required=False,
        help_text=_("届期创建规划可选填"),
    )
    title = forms.CharField(label=_("标题"), max_length=200)
    content = limited(forms.CharField(label=_("内容"), widget=forms.Textarea(attrs={"rows": 12})), DOCUMENT)

    def __init__(self, *args, council: Council, plan: Plan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if plan is None:
            self.fields["term"].queryset = council.terms.order_by("-number")
            self.fields["year"].initial = today().year
        else:
            del self.fields["kind"], self.fields["term"]
            if plan.kind != Plan.Kind.ANNUAL:
                del self.fields["year"]


class ResolutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Resolution) -> str:
        held = timezone.localtime(obj.meeting.held_at)
        return _("%(number)s %(title)s（%(outcome)s，%(date)s会议）") % {
            "number": obj.number,
            "title": obj.title,
            "outcome": obj.get_outcome_display(),
            "date": f"{held:%Y-%m-%d}",
        }


class PlanTransitionForm(forms.Form):
    """Confirm a step of the plan's workflow; approval names a resolution, withdrawal a reason."""

    resolution = ResolutionChoiceField(label=_("通过规划的理事会决议"), queryset=Resolution.objects.none())
    reason = limited(
        forms.CharField(
            label=_("撤回原因"),
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": _("请填写撤回原因。")},
        ),
        NOTE,
    )
    confirm = forms.BooleanField(label=_("我已确认此操作"))

    def __init__(self, *args, to: str, resolutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        if to == Plan.Status.APPROVED:
            # Carried resolutions first; the others stay selectable so the service's refusal
            # tells the secretary why a failed or unquorate vote approves nothing.
            self.fields["resolution"].queryset = resolutions.annotate(
                carried_first=Case(
                    When(outcome=Resolution.Outcome.CARRIED, then=Value(0)),
                    default=Value(1),
                    output_field=IntegerField(),
                )
            ).order_by("carried_first", "-meeting__held_at", "-number")
        else:
            del self.fields["resolution"]
        if to != Plan.Status.WITHDRAWN:
            del self.fields["reason"]


class PlanOpinionForm(forms.Form):
    source = forms.ChoiceField(label=_("意见来源"), choices=PlanOpinion.Source.choices)
    source_name = forms.CharField(label=_("提出者"), max_length=100, help_text=_("单位、居民姓名或组织名称"))
    content = limited(forms.CharField(label=_("意见内容"), widget=forms.Textarea(attrs={"rows": 5})), TEXT)
    received_on = forms.DateField(label=_("收到日期"), widget=date_input())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = today()


class OpinionDecideForm(forms.Form):
    adopted = forms.TypedChoiceField(
        label=_("是否采纳"),
        choices=[("1", _("采纳")), ("0", _("不采纳"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    reason = limited(
        forms.CharField(
            label=_("理由"),
            widget=forms.Textarea(attrs={"rows": 4}),
            error_messages={"required": _("请写明采纳或不采纳的理由。")},
        ),
        NOTE,
    )


# --- Tasks -------------------------------------------------------------------------------------


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    description = limited(
        forms.CharField(label=_("任务要求"), widget=forms.Textarea(attrs={"rows": 4}), required=False), TEXT
    )
    assignee = forms.ModelChoiceField(label=_("责任单位"), queryset=MemberUnit.objects.none())
    due_on = forms.DateField(label=_("完成时限"), widget=date_input())

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = units
        self.fields["due_on"].initial = today() + timedelta(days=30)


class TaskProgressForm(forms.Form):
    percent = forms.IntegerField(label=_("进度(%)"), min_value=0, max_value=100)
    note = limited(forms.CharField(label=_("进展情况"), widget=forms.Textarea(attrs={"rows": 4})), NOTE)
    reported_on = forms.DateField(label=_("日期"), widget=date_input())

    def __init__(self, *args, task: Task, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["percent"].initial = task.progress
        self.fields["reported_on"].initial = today()


class TaskCompleteForm(forms.Form):
    done_on = forms.DateField(label=_("完成日期"), widget=date_input())
    note = limited(
        forms.CharField(label=_("完成情况"), widget=forms.Textarea(attrs={"rows": 3}), required=False), NOTE
    )
    confirm = forms.BooleanField(label=_("我已确认此操作"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["done_on"].initial = today()


class TaskCancelForm(forms.Form):
    reason = limited(
        forms.CharField(
            label=_("取消原因"),
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": _("请填写取消原因。")},
        ),
        NOTE,
    )
    confirm = forms.BooleanField(label=_("我已确认此操作"))
