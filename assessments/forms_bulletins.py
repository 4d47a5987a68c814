"""Forms and filters of the bulletin pages (R-6.3) and model case nominations (R-5.2). They only
shape what was typed; the rules live in assessments/bulletins.py. Every choice is scoped."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from councils.filtersets import ScopedFilterSet
from councils.models import Community, District, MemberUnit, Street
from councils.periods import HalfYear, Quarter, today
from councils.roles import CAPABILITIES, Capability, Level, Role
from councils.scoping import grants_of
from councils.text_limits import COMPILED, DOCUMENT, limited

from .models_bulletins import Bulletin, ModelCase, Span

CITY = "city"


def period_choices(day: date) -> list[tuple[str, str]]:
    """The periods a bulletin may cover, newest first: this quarter and the seven before it, this
    half-year and the three before it. Values look like "quarter:2026:3"."""
    choices = []
    quarter = Quarter.of(day)
    for _step in range(8):
        choices.append((f"{Span.QUARTER}:{quarter.year}:{quarter.number}", str(quarter)))
        quarter = quarter.previous()
    half = HalfYear.of(day)
    for _step in range(4):
        choices.append((f"{Span.HALF}:{half.year}:{half.number}", str(half)))
        half = half.previous()
    return choices


def scope_choices(user) -> list[tuple[str, str]]:
    """Where the user may issue bulletins: the city for the city office, its district for a
    district office."""
    allowed = CAPABILITIES[Capability.MANAGE_BULLETINS]
    choices, district_ids = [], []
    for grant in grants_of(user):
        if grant.role not in allowed:
            continue
        if grant.role == Role.CITY_OFFICE:
            choices.append((CITY, str(_("全市（市文明办）"))))
        elif grant.level == Level.DISTRICT:
            district_ids.append(grant.node_id)
    choices += [(str(d.pk), d.name) for d in District.objects.filter(pk__in=district_ids).order_by("name")]
    return list(dict(choices).items())


def text_input(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": "form-control", **attrs})


def text_area(rows: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, "class": "form-control"})


def header_fields(*, required: bool) -> dict[str, forms.Field]:
    """Fresh fields for the header and the commentary; title, issuer and 代字 may be left empty
    on creation (the defaults apply) but not when editing."""
    keep = _("留空则沿用本范围上一期通报，首期使用默认值。")
    return {
        "title": forms.CharField(
            label=_("标题"),
            max_length=200,
            required=required,
            widget=text_input(),
            help_text="" if required else keep,
        ),
        "issuer": forms.CharField(
            label=_("发文机关"),
            max_length=100,
            required=required,
            widget=text_input(),
            help_text=_("红色版头上的机关名称，如“梅列区精神文明建设办公室”。"),
        ),
        "prefix": forms.CharField(
            label=_("发文字号代字"),
            max_length=30,
            required=required,
            widget=text_input(),
            help_text=_("如“梅文明办”。签发时按代字和年份顺序取号：梅文明办〔2026〕3号。"),
        ),
        "main_recipients": forms.CharField(
            label=_("主送"),
            max_length=300,
            required=False,
            widget=text_input(),
            help_text="" if required else keep,
        ),
        "copy_recipients": forms.CharField(
            label=_("抄送"),
            max_length=300,
            required=False,
            widget=text_input(),
            help_text="" if required else keep,
        ),
        "commentary": limited(
            forms.CharField(
                label=_("点评与工作要求"),
                max_length=10000,
                required=False,
                widget=text_area(6),
                help_text=_("文明办的点评和下一步工作要求，每段一行。"),
            )
        ),
    }


class BulletinCreateForm(forms.Form):
    scope = forms.ChoiceField(label=_("通报范围"), widget=forms.Select(attrs={"class": "form-select"}))
    period = forms.ChoiceField(label=_("通报周期"), widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scope_choices(user)
        choices = period_choices(today())
        self.fields["period"].choices = choices
        self.fields["period"].initial = choices[1][0]  # last quarter: the usual bulletin
        self.fields.update(header_fields(required=False))

    def clean_scope(self) -> District | None:
        value = self.cleaned_data["scope"]
        return None if value == CITY else District.objects.get(pk=int(value))

    def clean_period(self) -> tuple[str, int, int]:
        span, year, part = self.cleaned_data["period"].split(":")
        return span, int(year), int(part)


class BulletinEditForm(forms.Form):
    """The header, the commentary and, once compiled, the text of the three compiled parts."""

    overview = limited(
        forms.CharField(label=_("一、总体情况"), required=False, widget=text_area(6)), DOCUMENT
    )
    praise = limited(forms.CharField(label=_("二、通报表扬"), required=False, widget=text_area(8)), COMPILED)
    problems = limited(
        forms.CharField(label=_("三、存在问题"), required=False, widget=text_area(8)), COMPILED
    )

    def __init__(self, *args, bulletin: Bulletin, **kwargs):
        header = header_fields(required=True)
        current = {name: getattr(bulletin, name) for name in (*header, "overview", "praise", "problems")}
        kwargs["initial"] = {**current, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        texts = {name: self.fields[name] for name in ("overview", "praise", "problems")}
        self.fields = {**header, **(texts if bulletin.compiled_at else {})}
        for name in texts:
            if name in self.fields:
                field = self.fields[name]
                field.help_text = _("由数据汇总生成，可修改；每段一行。重新汇总会覆盖此处的修改。")
                limited(field)


class GenerateForm(forms.Form):
    """Regenerate the PDF from the current text, or compile the text again from the data."""

    recompile = forms.BooleanField(required=False)
    confirm = forms.BooleanField(required=False)


class BulletinFilter(ScopedFilterSet):
    state = django_filters.ChoiceFilter(
        label=_("状态"), choices=Bulletin.State.choices, empty_label=_("全部")
    )
    district = django_filters.ModelChoiceFilter(
        label=_("范围"), queryset=District.objects.all(), empty_label=_("全部"), method="filter_district"
    )
    city = django_filters.BooleanFilter(
        label=_("只看全市通报"), method="filter_city", widget=forms.CheckboxInput
    )
    year = django_filters.NumberFilter(label=_("年度"))
    span = django_filters.ChoiceFilter(label=_("周期"), choices=Span.choices, empty_label=_("全部"))
    search_fields = ("title", "number", "issuer", "commentary", "praise", "problems")

    class Meta:
        model = Bulletin
        fields = ["q", "state", "district", "city", "year", "span"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.form.fields["city"].widget.attrs["class"] = "form-check-input"
        self.form.fields["q"].help_text = ""

    def filter_district(self, queryset, name, value):
        return queryset.filter(district=value) if value else queryset

    def filter_city(self, queryset, name, value):
        return queryset.filter(district__isnull=True) if value else queryset


class ModelCaseForm(forms.Form):
    community = forms.ModelChoiceField(
        label=_("社区"),
        queryset=Community.objects.none(),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    unit = forms.ModelChoiceField(
        label=_("成员单位"),
        queryset=MemberUnit.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
        help_text=_("典型属于某个成员单位时选择，须是该社区理事会的成员。"),
    )
    title = forms.CharField(label=_("典型名称"), max_length=100, widget=text_input())
    story = limited(
        forms.CharField(
            label=_("主要事迹"),
            max_length=2000,
            widget=text_area(6),
            help_text=_("做法、成效和可推广的经验，将写入该期通报的“共建典型案例”。"),
        )
    )
    occurred_on = forms.DateField(
        label=_("事迹时间"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
        help_text=_("计入该日期所在季度、半年的通报。"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].queryset = (
            Community.objects.visible_to(user, Capability.NOMINATE_CASES)
            .select_related("street")
            .order_by("street__name", "name")
        )
        self.fields["community"].label_from_instance = lambda c: f"{c.street.name} · {c.name}"
        self.fields["unit"].queryset = MemberUnit.objects.visible_to(
            user, Capability.NOMINATE_CASES
        ).order_by("name")
        self.fields["occurred_on"].initial = today()
        self.fields["occurred_on"].widget.attrs["max"] = today().isoformat()


class WithdrawForm(forms.Form):
    reason = limited(forms.CharField(label=_("撤回原因"), max_length=1000, widget=text_area(3)))


class ModelCaseFilter(ScopedFilterSet):
    status = django_filters.ChoiceFilter(
        label=_("状态"), choices=ModelCase.Status.choices, empty_label=_("全部")
    )
    street = django_filters.ModelChoiceFilter(
        label=_("街道/镇"),
        queryset=Street.objects.all(),
        field_name="community__street",
        empty_label=_("全部"),
    )
    search_fields = ("title", "story", "community__name", "unit__name")

    class Meta:
        model = ModelCase
        fields = ["q", "status", "street"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.filters["street"].queryset = self.filters["street"].queryset.order_by("name")
