"""The demo city's fund (issue 4): a year of entries, a budget, pledges, two violations."""

import pytest
from django.core.management import call_command

from finance.models import Budget, Fund, LedgerEntry, Pledge, Violation
from finance.selectors import ledger_sum

pytestmark = pytest.mark.django_db


def test_demo_fund_has_a_year_of_entries_a_budget_pledges_and_two_violations(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    kinds = set(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == {"contribution", "donation_org", "donation_person", "expenditure", "reversal"}
    assert Budget.objects.filter(status=Budget.Status.APPROVED).exists()
    assert Pledge.objects.exists()
    violations = list(Violation.objects.all())
    assert len(violations) == 2
    assert sorted(v.status for v in violations) == ["closed", "open"]
    for fund in Fund.objects.all():
        assert fund.balance == ledger_sum(fund) >= 0
    entries = LedgerEntry.objects.count()
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert LedgerEntry.objects.count() == entries  # loading again adds nothing
