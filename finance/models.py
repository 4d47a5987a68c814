"""The earmarked fund of each council (R-1.5 – R-1.8): an append-only ledger, violations with
their rectification, pledges and annual budgets. Amounts are Decimal yuan with two places."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from councils.models import Council, MemberUnit, Resolution, via_council
from councils.roles import Level
from councils.scoping import ScopedModel, Seated
from councils.uploads import RandomName

MAX_AMOUNT = Decimal("10000000.00")  # ten million yuan: far above any council's year
AMOUNT_VALIDATORS = [
    MinValueValidator(Decimal("0.01"), message=_("金额必须大于 0。")),
    MaxValueValidator(MAX_AMOUNT, message=_("金额不能超过 1000 万元，请核对。")),
]


def amount_field(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=12, decimal_places=2, validators=AMOUNT_VALIDATORS, **kwargs
    )


class Category(models.Model):
    """A purpose category. Only earmarked ones are co-construction (专款专用, R-1.6); spending in
    another category is recorded but flagged."""

    name = models.CharField(_("名称"), max_length=50, unique=True)
    earmarked = models.BooleanField(_("属于共建用途"), default=True)
    active = models.BooleanField(_("启用"), default=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("资金用途类别")
        verbose_name_plural = _("资金用途类别")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Fund(ScopedModel):
    """One earmarked fund per council. `balance` is kept equal to the sum of the ledger by the
    services, under a row lock (DESIGN.md invariant 5)."""

    council = models.OneToOneField(Council, models.PROTECT, related_name="fund", verbose_name=_("理事会"))
    balance = models.DecimalField(_("余额"), max_digits=14, decimal_places=2, default=Decimal("0.00"))

    SCOPE = via_council("council")

    class Meta:
        verbose_name = _("共建专项资金")
        verbose_name_plural = _("共建专项资金")
        constraints = [models.CheckConstraint(condition=Q(balance__gte=0), name="fund_never_overdrawn")]

    def __str__(self) -> str:
        return str(_("%(council)s专项资金") % {"council": self.council.name})

    def get_absolute_url(self) -> str:
        return reverse("fund_detail", args=[self.council_id])


class LedgerEntry(ScopedModel):
    """One line of a fund's ledger. Never updated or deleted (a database trigger refuses both);
    a mistake is corrected by a reversal entry."""

    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", _("成员单位出资")
        DONATION_ORG = "donation_org", _("社会团体捐资")
        DONATION_PERSON = "donation_person", _("个人捐资")
        EXPENDITURE = "expenditure", _("支出")
        REVERSAL = "reversal", _("冲正")

    INCOME = (Kind.CONTRIBUTION, Kind.DONATION_ORG, Kind.DONATION_PERSON)

    fund = models.ForeignKey(Fund, models.PROTECT, related_name="entries", verbose_name=_("专项资金"))
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("年度序号"))
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    entry_date = models.DateField(_("发生日期"))
    amount = amount_field(_("金额（元）"))
    # +amount for money in, -amount for money out: the balance is the sum of this column.
    signed_amount = models.DecimalField(_("收支金额"), max_digits=12, decimal_places=2)
    counterparty = models.CharField(_("对方单位/个人"), max_length=100, blank=True)
    unit = models.ForeignKey(
        MemberUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="contributions",
        verbose_name=_("出资单位"),
    )
    category = models.ForeignKey(
        Category, models.PROTECT, null=True, blank=True, related_name="entries", verbose_name=_("用途类别")
    )
    description = models.TextField(_("摘要"), blank=True)
    receipt = models.FileField(_("票据"), upload_to=RandomName("receipts"), blank=True)
    receipt_name = models.CharField(_("票据文件名"), max_length=200, blank=True)
    resolution = models.ForeignKey(
        Resolution,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="expenditures",
        verbose_name=_("依据决议"),
    )
    budget_line = models.ForeignKey(
        "BudgetLine",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("预算科目"),
    )
    reverses = models.OneToOneField(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("冲正的记录"),
    )
    reason = models.TextField(_("冲正原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("录入人")
    )
    created_at = models.DateTimeField(_("录入时间"), auto_now_add=True)

    # A unit keeps reading its own contributions after it leaves the council.
    SCOPE = {**via_council("fund__council"), Level.MEMBER_UNIT: (Seated("fund__council"), "unit")}

    class Meta:
        verbose_name = _("资金流水")
        verbose_name_plural = _("资金流水")
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "year", "sequence"], name="entry_number_once"),
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount__lte=MAX_AMOUNT), name="entry_amount_sane"
            ),
            models.CheckConstraint(
                condition=Q(signed_amount=models.F("amount")) | Q(signed_amount=-models.F("amount")),
                name="entry_signed_is_amount",
            ),
            models.CheckConstraint(
                condition=(Q(kind="reversal") & Q(reverses__isnull=False) & ~Q(reason=""))
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="entry_reversal_names_entry_and_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="contribution") | Q(unit__isnull=False), name="entry_contribution_has_unit"
            ),
        ]
        indexes = [
            models.Index(fields=["fund", "entry_date"], name="entry_fund_date"),
            # The street's review lists the entries of its scope newest first (issue 8 §2).
            models.Index(fields=["-entry_date", "-id"], name="entry_newest_first"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.get_kind_display()} {self.amount}"

    def get_absolute_url(self) -> str:
        return reverse("entry_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """The entry's number within its council and year, e.g. 2026-0007."""
        return f"{self.year}-{self.sequence:04d}"

    @property
    def is_income(self) -> bool:
        return self.signed_amount > 0


class Violation(ScopedModel):
    """Misuse of the fund (R-1.8), flagged automatically or by street staff, and its
    rectification (及时纠正)."""

    class Kind(models.TextChoices):
        NO_RESOLUTION = "no_resolution", _("支出未经理事会决议")
        RESOLUTION_NOT_CARRIED = "not_carried", _("依据的决议未通过或无效")
        OTHER_COUNCIL = "other_council", _("依据其他理事会的决议")
        RESOLUTION_LATER = "resolution_later", _("决议晚于支出")
        OVER_BUDGET = "over_budget", _("超出预算科目")
        OUTSIDE_CATEGORY = "outside_category", _("超出共建用途（未专款专用）")
        FLAGGED = "flagged", _("街道审核发现问题")

    class Status(models.TextChoices):
        OPEN = "open", _("待整改")
        RECTIFYING = "rectifying", _("整改中")
        CLOSED = "closed", _("已整改销号")

    entry = models.ForeignKey(
        LedgerEntry, models.PROTECT, related_name="violations", verbose_name=_("资金流水")
    )
    kind = models.CharField(_("问题类型"), max_length=20, choices=Kind.choices)
    reason = models.TextField(_("问题说明"))
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("发现人"),
    )
    flagged_at = models.DateTimeField(_("发现时间"), auto_now_add=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.OPEN)
    deadline = models.DateField(_("整改期限"))
    measures = models.TextField(_("整改措施"), blank=True)
    evidence = models.FileField(_("整改佐证"), upload_to=RandomName("rectification"), blank=True)
    evidence_name = models.CharField(_("佐证文件名"), max_length=200, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("销号人"),
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    SCOPE = via_council("entry__fund__council")

    class Meta:
        verbose_name = _("资金违规问题")
        verbose_name_plural = _("资金违规问题")
        ordering = ["status", "deadline", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "kind"], condition=~Q(kind="flagged"), name="violation_auto_once_per_entry"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="violation_closed_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.number} {self.get_kind_display()}"

    def get_absolute_url(self) -> str:
        return reverse("violation_detail", args=[self.pk])

    @property
    def is_overdue(self) -> bool:
        from councils.periods import today

        return self.status != self.Status.CLOSED and self.deadline < today()


class Pledge(ScopedModel):
    """What a member unit undertakes to contribute in a year, as it can afford (量力而行, R-1.5)."""

    council = models.ForeignKey(Council, models.PROTECT, related_name="pledges", verbose_name=_("理事会"))
    unit = models.ForeignKey(MemberUnit, models.PROTECT, related_name="pledges", verbose_name=_("成员单位"))
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = amount_field(_("认缴金额（元）"))
    note = models.CharField(_("备注"), max_length=200, blank=True)

    SCOPE = {**via_council("council"), Level.MEMBER_UNIT: "unit"}

    class Meta:
        verbose_name = _("出资认缴")
        verbose_name_plural = _("出资认缴")
        ordering = ["council", "-year", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["council", "unit", "year"], name="pledge_once_a_year")]

    def __str__(self) -> str:
        return f"{self.unit} {self.year} {self.amount}"


class Budget(ScopedModel):
    """A council's annual budget by category, approved by a carried resolution (R-1.7)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草案")
        APPROVED = "approved", _("理事会已批准")

    council = models.ForeignKey(Council, models.PROTECT, related_name="budgets", verbose_name=_("理事会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        Resolution, models.PROTECT, null=True, blank=True, related_name="budgets", verbose_name=_("批准决议")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("编制人")
    )

    SCOPE = via_council("council")

    class Meta:
        verbose_name = _("年度预算")
        verbose_name_plural = _("年度预算")
        ordering = ["council", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["council", "year"], name="budget_once_a_year"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(approved_by__isnull=False),
                name="budget_approved_names_resolution",
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(council)s%(year)d年度预算") % {"council": self.council.name, "year": self.year})

    def get_absolute_url(self) -> str:
        return reverse("budget_detail", args=[self.pk])


class BudgetLine(ScopedModel):
    budget = models.ForeignKey(Budget, models.CASCADE, related_name="lines", verbose_name=_("年度预算"))
    category = models.ForeignKey(
        Category, models.PROTECT, related_name="budget_lines", verbose_name=_("用途类别")
    )
    amount = amount_field(_("预算金额（元）"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    SCOPE = via_council("budget__council")

    class Meta:
        verbose_name = _("预算科目")
        verbose_name_plural = _("预算科目")
        ordering = ["budget", "category__order"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "category"], name="budget_line_once_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.budget.year} {self.category} {self.amount}"
