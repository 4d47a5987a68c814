"""Reads over the ledger: balances, statements, pledges against payments, budget against actual.
Each is a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import (
    Case,
    CharField,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from councils.models import Community, Council, Membership, MemberUnit, Street

from .models import Budget, Category, Fund, LedgerEntry, Violation

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# The street's review keeps the totals of its filtered set a while (finance.views.cached_totals):
# a save or delete of any of these drops them, since the totals count the entries and flags and
# the filters search or scope by these names and places; a seat that ends changes what a unit
# contact's scope holds.
TOTALS_TAG = "ledger-totals"
TOTALS_COUNTED = (LedgerEntry, Violation, Fund, Council, Community, Street, MemberUnit, Membership)


def balance_at(fund: Fund, day: date) -> Decimal:
    """The balance at the end of `day`: the sum of every entry up to it."""
    total = LedgerEntry.objects.filter(fund=fund, entry_date__lte=day).aggregate(s=Sum("signed_amount"))["s"]
    return total or ZERO


def ledger_sum(fund: Fund) -> Decimal:
    return LedgerEntry.objects.filter(fund=fund).aggregate(s=Sum("signed_amount"))["s"] or ZERO


def _source_kind():
    """The kind an entry counts under: a reversal counts under the kind it reverses."""
    return Case(
        When(kind=LedgerEntry.Kind.REVERSAL, then=F("reverses__kind")),
        default=F("kind"),
        output_field=CharField(),
    )


@dataclass
class Statement:
    """A fund statement for a period (issue 4 §7)."""

    council: Council
    start: date
    end: date
    opening: Decimal
    income: list[tuple[str, Decimal]] = field(default_factory=list)  # (source label, amount)
    spending: list[tuple[str, Decimal]] = field(default_factory=list)  # (category, amount)
    entries: list[LedgerEntry] = field(default_factory=list)

    @property
    def total_income(self) -> Decimal:
        return sum((a for _s, a in self.income), ZERO)

    @property
    def total_spending(self) -> Decimal:
        return sum((a for _c, a in self.spending), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.total_income - self.total_spending


def fund_statement(council: Council, start: date, end: date, *, with_entries: bool = True) -> Statement:
    """Opening balance, income by source, spending by category and closing balance (R-1.5,
    R-1.6). Reversals net against what they reverse."""
    fund = Fund.objects.filter(council=council).first()
    if fund is None:
        return Statement(council, start, end, ZERO)
    opening = (
        LedgerEntry.objects.filter(fund=fund, entry_date__lt=start).aggregate(s=Sum("signed_amount"))["s"]
        or ZERO
    )
    period = LedgerEntry.objects.filter(fund=fund, entry_date__gte=start, entry_date__lte=end).annotate(
        source=_source_kind()
    )
    labels = dict(LedgerEntry.Kind.choices)
    income = {
        row["source"]: row["total"]
        for row in period.filter(source__in=LedgerEntry.INCOME)
        .values("source")
        .annotate(total=Sum("signed_amount"))
    }
    spending = {
        row["category__name"] or "—": -row["total"]
        for row in period.filter(source=LedgerEntry.Kind.EXPENDITURE)
        .values("category__name", "category__order")
        .annotate(total=Sum("signed_amount"))
        .order_by("category__order")
    }
    statement = Statement(
        council,
        start,
        end,
        opening,
        income=[(str(labels[k]), income[k]) for k in LedgerEntry.INCOME if k in income],
        spending=list(spending.items()),
    )
    if with_entries:
        statement.entries = list(
            period.select_related("unit", "category", "resolution", "reverses").order_by(
                "entry_date", "year", "sequence"
            )
        )
    return statement


def pledges_with_paid(queryset: QuerySet) -> QuerySet:
    """Pledges with what the unit has paid into that council's fund in that year (net of
    reversals) and what is outstanding (R-1.5)."""
    paid = (
        LedgerEntry.objects.filter(fund__council=OuterRef("council"), entry_date__year=OuterRef("year"))
        .filter(
            Q(kind=LedgerEntry.Kind.CONTRIBUTION, unit=OuterRef("unit"))
            | Q(
                kind=LedgerEntry.Kind.REVERSAL, reverses__unit=OuterRef("unit"), reverses__kind="contribution"
            )
        )
        .order_by()
        .values("fund")
        .annotate(s=Sum("signed_amount"))
        .values("s")
    )
    return queryset.annotate(
        paid=Coalesce(Subquery(paid, output_field=MONEY), Value(ZERO, output_field=MONEY))
    )


def budget_lines_with_actual(budget: Budget) -> QuerySet:
    """Each budget line with what was actually spent in its category that year."""
    spent = (
        LedgerEntry.objects.filter(fund__council=budget.council_id, entry_date__year=budget.year)
        .annotate(source=_source_kind())
        .filter(source=LedgerEntry.Kind.EXPENDITURE, category=OuterRef("category"))
        .order_by()
        .values("fund")
        .annotate(s=Sum("signed_amount"))
        .values("s")
    )
    return budget.lines.select_related("category").annotate(
        spent=Coalesce(-Subquery(spent, output_field=MONEY), Value(ZERO, output_field=MONEY))
    )


def categories() -> QuerySet:
    return Category.objects.filter(active=True)
