"""Forms for the ledger, pledges and budgets (R-1.5 – R-1.7). They only shape what the secretary
typed and offer choices from the user's scope; the rules live in finance/services.py."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.db.models import Case, Exists, IntegerField, OuterRef, Value, When
from django.utils.translation import gettext_lazy as _

from councils.forms_plans import ResolutionChoiceField
from councils.models import Council, Membership, MemberUnit, Resolution
from councils.periods import today
from councils.text_limits import limited

from .models import MAX_AMOUNT, Budget, BudgetLine, Category, LedgerEntry

RECEIPT_TYPES = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
AMOUNT_ERRORS = {
    "required": _("请填写金额。"),
    "invalid": _("金额须是数字，例如 1234.50。"),
    "min_value": _("金额必须大于 0。"),
    "max_value": _("金额不能超过 1000 万元，请核对。"),
    "max_digits": _("金额不能超过 1000 万元，请核对。"),
    "max_whole_digits": _("金额不能超过 1000 万元，请核对。"),
    "max_decimal_places": _("金额最多两位小数（精确到分）。"),
}


PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")


def date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AmountField(forms.DecimalField):
    """Yuan with at most two decimals, more than zero and at most ten million. Thousands
    separators and spaces that people paste along with a number are accepted."""

    def __init__(self, *, min_value=Decimal("0.01"), **kwargs):
        kwargs.setdefault("error_messages", AMOUNT_ERRORS)
        super().__init__(max_digits=12, decimal_places=2, min_value=min_value, max_value=MAX_AMOUNT, **kwargs)
        self.widget.attrs.update({"inputmode": "decimal", "class": "text-end"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("，", ",").replace(" ", "")
            # Only a plain number, with commas only between groups of three digits: "1e3", "NaN",
            # "1_000" or a decimal comma ("1,00") would otherwise be read as some other amount.
            if value and not (PLAIN_NUMBER.match(value) or GROUPED_NUMBER.match(value)):
                raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
            value = value.replace(",", "")
        return super().to_python(value)


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: MemberUnit) -> str:
        if getattr(obj, "is_current", True):
            return obj.name
        return _("%(name)s（已退出）") % {"name": obj.name}


def council_units(council: Council, user):
    """The units that sit or sat on the council, current ones first, as the user may see them."""
    seats = Membership.objects.visible_to(user).filter(council=council)
    return (
        MemberUnit.objects.filter(pk__in=seats.values("unit"))
        .annotate(is_current=Exists(seats.filter(unit=OuterRef("pk"), left_on__isnull=True)))
        .order_by("-is_current", "name")
    )


def resolutions_for(council: Council, user, capability: str):
    """The resolutions the user may name: this council's carried ones first; the others stay
    selectable so that the service's refusal or its automatic flag says why (R-1.2, R-1.7)."""
    return (
        Resolution.objects.visible_to(user, capability)
        .select_related("meeting")
        .annotate(
            rank=Case(
                When(council=council, outcome=Resolution.Outcome.CARRIED, then=Value(0)),
                When(council=council, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-meeting__held_at", "-number")
    )


class BudgetLineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: BudgetLine) -> str:
        return _("%(year)d年 %(category)s（预算 %(amount)s 元）") % {
            "year": obj.budget.year,
            "category": obj.category.name,
            "amount": f"{obj.amount:,.2f}",
        }


# --- Ledger entries ----------------------------------------------------------------------------

COUNTERPARTY_LABELS = {
    LedgerEntry.Kind.DONATION_ORG: (_("捐资单位"), _("社会团体、企业等捐资方的名称。")),
    LedgerEntry.Kind.DONATION_PERSON: (_("捐资人"), _("个人捐资者的姓名；本人要求匿名的可填“匿名”。")),
    LedgerEntry.Kind.EXPENDITURE: (_("收款方"), _("收款单位或个人。")),
}


class EntryForm(forms.Form):
    """One form for money in or out; its fields follow the kind of entry (R-1.5, R-1.7)."""

    entry_date = forms.DateField(label=_("发生日期"), widget=date_input())
    amount = AmountField(label=_("金额（元）"))
    unit = UnitChoiceField(
        label=_("出资单位"),
        queryset=MemberUnit.objects.none(),
        empty_label=_("（请选择）"),
        error_messages={"required": _("请选择出资的成员单位。")},
    )
    counterparty = forms.CharField(label=_("对方"), max_length=100)
    category = forms.ModelChoiceField(
        label=_("用途类别"),
        queryset=Category.objects.none(),
        empty_label=_("（请选择）"),
        error_messages={"required": _("支出须选择用途类别。")},
        help_text=_("共建资金专款专用：不属于共建用途的类别会被记为违规。"),
    )
    resolution = ResolutionChoiceField(
        label=_("依据的理事会决议"),
        queryset=Resolution.objects.none(),
        required=False,
        empty_label=_("（未经理事会决议）"),
        help_text=_(
            "每笔支出须经理事会集体研究决定。未选决议、决议未通过或晚于支出的，"
            "支出照常记账，但会立即记为违规问题，须限期整改。"
        ),
    )
    budget_line = BudgetLineChoiceField(
        label=_("预算科目"),
        queryset=BudgetLine.objects.none(),
        required=False,
        empty_label=_("（不对应预算科目）"),
        help_text=_("本理事会已批准的年度预算科目；超出预算的支出会被记为违规。"),
    )
    description = limited(
        forms.CharField(
            label=_("摘要"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
        )
    )
    receipt = forms.FileField(
        label=_("票据"),
        required=False,
        help_text=_("收据、发票或转账凭证：PDF、JPEG 或 PNG，不超过 10 MB（按文件内容识别类型）。"),
        widget=forms.ClearableFileInput(attrs={"accept": RECEIPT_TYPES}),
    )

    KIND_FIELDS = {
        LedgerEntry.Kind.CONTRIBUTION: ("unit",),
        LedgerEntry.Kind.DONATION_ORG: ("counterparty",),
        LedgerEntry.Kind.DONATION_PERSON: ("counterparty",),
        LedgerEntry.Kind.EXPENDITURE: ("category", "resolution", "budget_line", "counterparty"),
    }
    ALWAYS = ("entry_date", "amount", "description", "receipt")

    def __init__(self, *args, kind: str, council: Council, user, capability: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        keep = set(self.ALWAYS) | set(self.KIND_FIELDS[kind])
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        self.fields["entry_date"].widget.attrs["max"] = today().isoformat()
        if "unit" in self.fields:
            self.fields["unit"].queryset = council_units(council, user)
        if "counterparty" in self.fields:
            label, help_text = COUNTERPARTY_LABELS[kind]
            field = self.fields["counterparty"]
            field.label, field.help_text = label, help_text
            field.required = kind != LedgerEntry.Kind.EXPENDITURE
            field.error_messages["required"] = _("请填写%(label)s。") % {"label": label}
        if "category" in self.fields:
            self.fields["category"].queryset = Category.objects.filter(active=True)
        if "resolution" in self.fields:
            self.fields["resolution"].queryset = resolutions_for(council, user, capability)
        if "budget_line" in self.fields:
            self.fields["budget_line"].queryset = (
                BudgetLine.objects.visible_to(user, capability)
                .filter(
                    budget__council=council,
                    budget__status=Budget.Status.APPROVED,
                    budget__year__gte=today().year - 1,
                )
                .select_related("budget", "category")
                .order_by("-budget__year", "category__order")
            )


class ReverseForm(forms.Form):
    reason = limited(
        forms.CharField(
            label=_("冲正原因"),
            max_length=1000,
            widget=forms.Textarea(attrs={"rows": 3}),
            error_messages={"required": _("请填写冲正原因。")},
            help_text=_("例如：金额录错、重复登记。原记录保留不变，另记一笔方向相反的冲正记录。"),
        )
    )
    confirm = forms.BooleanField(label=_("我已确认此操作"), error_messages={"required": _("请勾选确认。")})


# --- Pledges -----------------------------------------------------------------------------------


class PledgeForm(forms.Form):
    """A member unit's yearly pledge, as it can afford (量力而行, R-1.5)."""

    unit = UnitChoiceField(
        label=_("成员单位"),
        queryset=MemberUnit.objects.none(),
        empty_label=_("（请选择）"),
        error_messages={"required": _("请选择成员单位。")},
    )
    amount = AmountField(label=_("认缴金额（元）"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, council: Council, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = council_units(council, user)
        self.fields["year"] = forms.IntegerField(
            label=_("年度"),
            min_value=2000,
            max_value=today().year + 1,
            error_messages={
                "required": _("请填写年度。"),
                "min_value": _("年度不正确。"),
                "max_value": _("最多只能登记明年的认缴。"),
            },
        )
        self.order_fields(["unit", "year", "amount", "note"])


# --- Budgets -----------------------------------------------------------------------------------


class BudgetForm(forms.Form):
    """One amount per active category; empty or zero leaves the category out of the budget."""

    def __init__(self, *args, categories, lines: dict[int, Decimal] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        lines = lines or {}
        self.categories = list(categories)
        for category in self.categories:
            field = AmountField(
                label=category.name,
                required=False,
                min_value=Decimal("0"),
                initial=lines.get(category.pk),
                help_text=None if category.earmarked else _("不属于共建用途：列入预算也不能合规支出。"),
            )
            field.error_messages["min_value"] = _("预算金额不能为负数。")
            field.widget.attrs["class"] = "form-control text-end"
            field.widget.attrs["aria-label"] = category.name
            self.fields[f"category_{category.pk}"] = field

    def lines(self) -> dict[Category, Decimal]:
        return {c: self.cleaned_data.get(f"category_{c.pk}") or Decimal("0") for c in self.categories}

    def rows(self):
        return [(c, self[f"category_{c.pk}"]) for c in self.categories]


class BudgetApproveForm(forms.Form):
    resolution = ResolutionChoiceField(
        label=_("批准预算的理事会决议"),
        queryset=Resolution.objects.none(),
        empty_label=_("（请选择）"),
        error_messages={"required": _("请选择批准预算的决议。")},
    )
    confirm = forms.BooleanField(label=_("我已确认此操作"), error_messages={"required": _("请勾选确认。")})

    def __init__(self, *args, resolutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resolution"].queryset = resolutions
