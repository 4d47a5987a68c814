"""The fund's rules in the services and the database (R-1.5 – R-1.8; DESIGN.md invariants 3–5)."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from councils import services as council_services
from councils.models import Resolution
from finance import services
from finance.models import Category, Fund, LedgerEntry, Violation
from finance.numerals import to_capital
from finance.selectors import ledger_sum
from tests.conftest import build_side

TODAY = timezone.localdate


def environment():
    services.categories_ensure()
    return Category.objects.get(name="环境整治")


def contribute(side, amount):
    return services.entry_post(
        council=side.council,
        kind="contribution",
        amount=Decimal(amount),
        entry_date=TODAY(),
        unit=side.unit,
        by=side.secretary,
    )


def spend(side, amount, resolution=None, category=None, **extra):
    return services.entry_post(
        council=side.council,
        kind="expenditure",
        amount=Decimal(amount),
        entry_date=extra.pop("day", TODAY()),
        category=category or environment(),
        resolution=resolution,
        counterparty="供应商",
        by=side.secretary,
        **extra,
    )


@pytest.mark.guards
@pytest.mark.django_db
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE finance_ledgerentry SET amount = 1 WHERE id = %s",
        "DELETE FROM finance_ledgerentry WHERE id = %s",
    ],
)
def test_raw_sql_cannot_change_or_remove_a_ledger_row(side_a, statement):
    """Append-only, enforced by the database itself (issue 4 §2)."""
    entry = side_a.entry
    with (
        pytest.raises((IntegrityError, InternalError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement, [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).amount == entry.amount


@pytest.mark.guards
@pytest.mark.django_db
def test_the_orm_cannot_change_or_remove_a_ledger_row_either(side_a):
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        LedgerEntry.objects.filter(pk=side_a.entry.pk).update(description="改")
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        LedgerEntry.objects.filter(pk=side_a.entry.pk).delete()


@pytest.mark.django_db
def test_numbers_run_per_council_and_year_and_read_like_2026_0007(side_a, side_b):
    first = contribute(side_a, "10")
    second = contribute(side_a, "10")
    assert second.sequence == first.sequence + 1
    assert second.number == f"{TODAY().year}-{second.sequence:04d}"
    assert contribute(side_b, "10").sequence == first.sequence  # another council counts on its own


@pytest.mark.django_db
def test_an_expenditure_with_a_failed_resolution_is_saved_and_flagged(side_a):
    """R-1.7, R-1.8: the money is gone, so the spending is recorded, and it is named at once."""
    failed = council_services.resolution_record(
        meeting=side_a.meeting,
        title="购置设备",
        text="否决",
        votes_for=0,
        votes_against=1,
        by=side_a.secretary,
    )
    assert failed.outcome == Resolution.Outcome.FAILED
    before = Fund.objects.get(pk=side_a.fund.pk).balance
    entry = spend(side_a, "50", resolution=failed)
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert Fund.objects.get(pk=side_a.fund.pk).balance == before - Decimal("50")
    assert [v.kind for v in entry.violations.all()] == [Violation.Kind.RESOLUTION_NOT_CARRIED]


@pytest.mark.django_db
def test_a_carried_resolution_of_the_same_council_authorises_spending(side_a):
    entry = spend(side_a, "50", resolution=side_a.resolution)
    assert not entry.violations.exists()


@pytest.mark.django_db
def test_spending_on_another_councils_resolution_or_outside_the_earmarked_categories_is_flagged(
    side_a, side_b
):
    other = spend(side_a, "10", resolution=side_b.resolution)
    assert [v.kind for v in other.violations.all()] == [Violation.Kind.OTHER_COUNCIL]
    hospitality = Category.objects.get(name="接待招待")  # seeded, not earmarked
    outside = spend(side_a, "10", resolution=side_a.resolution, category=hospitality)
    assert [v.kind for v in outside.violations.all()] == [Violation.Kind.OUTSIDE_CATEGORY]


@pytest.mark.django_db
def test_spending_over_the_balance_is_refused_and_changes_nothing(side_a):
    balance = Fund.objects.get(pk=side_a.fund.pk).balance
    count = LedgerEntry.objects.count()
    with pytest.raises(ValidationError, match="余额不足"):
        spend(side_a, str(balance + Decimal("0.01")), resolution=side_a.resolution)
    assert LedgerEntry.objects.count() == count


@pytest.mark.django_db
def test_a_reversal_of_a_reversal_is_refused_and_an_entry_is_reversed_once(side_a):
    reversal = services.entry_reverse(entry=side_a.expenditure, reason="录错金额", by=side_a.secretary)
    assert reversal.signed_amount == -side_a.expenditure.signed_amount
    with pytest.raises(ValidationError, match="冲正记录不能再冲正"):
        services.entry_reverse(entry=reversal, reason="再冲", by=side_a.secretary)
    with pytest.raises(ValidationError, match="已经冲正过"):
        services.entry_reverse(entry=side_a.expenditure, reason="再冲", by=side_a.secretary)
    with pytest.raises(ValidationError, match="冲正原因"):
        services.entry_reverse(entry=side_a.entry, reason=" ", by=side_a.secretary)
    assert Fund.objects.get(pk=side_a.fund.pk).balance == ledger_sum(side_a.fund)


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["0", "-5", "10000000.01"])
def test_insane_amounts_are_refused(side_a, amount):
    with pytest.raises(ValidationError):
        contribute(side_a, amount)


@pytest.mark.parametrize(
    ("amount", "capital"),
    [
        ("0.05", "伍分"),
        ("10.00", "壹拾元整"),
        ("100010.50", "壹拾万零壹拾元伍角整"),
        ("12345678.90", "壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元玖角整"),
        ("12300.00", "壹万贰仟叁佰元整"),
        ("1005.00", "壹仟零伍元整"),
        ("1.05", "壹元零伍分"),
        ("10000100.00", "壹仟万零壹佰元整"),
    ],
)
def test_capital_numerals(amount, capital):
    assert to_capital(Decimal(amount)) == capital


def run_together(n: int, work):
    """Run `work(i)` in n threads released at once, each on its own database connection."""
    barrier = threading.Barrier(n)

    def job(i):
        barrier.wait()
        try:
            return work(i)
        except ValidationError as error:
            return error
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(job, range(n)))


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_expenditures_never_overdraw_the_fund():
    """DESIGN.md invariant 5: the fund row is locked while spending is checked and written."""
    side = build_side("并")
    topped_up = Decimal("1000.00") - Fund.objects.get(council=side.council).balance
    contribute(side, str(topped_up))
    assert Fund.objects.get(council=side.council).balance == Decimal("1000.00")
    results = run_together(20, lambda i: spend(side, "100.00", resolution=side.resolution))
    saved = [r for r in results if isinstance(r, LedgerEntry)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(saved) == 10 and len(refused) == 10
    fund = Fund.objects.get(council=side.council)
    assert fund.balance == Decimal("0.00")
    assert fund.balance == ledger_sum(fund)


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_entries_get_fifty_distinct_consecutive_numbers():
    side = build_side("号")
    before = LedgerEntry.objects.filter(fund__council=side.council, year=TODAY().year).count()
    results = run_together(50, lambda i: contribute(side, "1.00"))
    assert all(isinstance(r, LedgerEntry) for r in results), results
    numbers = sorted(r.sequence for r in results)
    assert numbers == list(range(before + 1, before + 51))
    fund = Fund.objects.get(council=side.council)
    assert fund.balance == ledger_sum(fund)
