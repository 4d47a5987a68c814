"""A unit that left a council no longer reads its fund (issue 14 §2, R-6.1): the
fund, the entries made after it left, the budget and the statements answer 404 to its contact;
its own contributions stay readable."""

from datetime import date

import pytest
from django.urls import reverse

from councils import services as council_services
from councils.roles import Role
from finance.models import Budget, Fund, LedgerEntry, Pledge
from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2024-01-01", "end": "2024-12-31"}


def test_the_fund_budget_and_statements_of_the_council_it_left_answer_404(client, side_a, left_unit):
    client.force_login(left_unit.contact)
    council = side_a.council.pk
    for url in [
        reverse("fund_detail", args=[council]),
        reverse("budget_current", args=[council]),
        reverse("budget_detail", args=[side_a.budget.pk]),
        reverse("pledge_list", args=[council]),
        reverse("statement", args=[council]),
        reverse("statement_pdf", args=[council]) + "?start=2024-01-01&end=2024-12-31",
        # entries the council made after the unit left
        reverse("entry_detail", args=[side_a.entry.pk]),
        reverse("entry_detail", args=[side_a.expenditure.pk]),
        reverse("receipt_download", args=[side_a.entry.pk]),
        reverse("violation_detail", args=[side_a.violation.pk]),
    ]:
        assert client.get(url).status_code == 404, url


def test_its_own_contribution_stays_readable_and_is_all_the_ledger_shows_it(client, side_a, left_unit):
    client.force_login(left_unit.contact)
    page = client.get(reverse("entry_detail", args=[left_unit.entry.pk]))
    assert page.status_code == 200
    assert left_unit.unit.name in page.content.decode()
    assert client.get(reverse("receipt_download", args=[left_unit.entry.pk])).status_code == 200
    ledger = client.get(reverse("ledger_list"))
    assert [e.pk for e in ledger.context["page_obj"]] == [left_unit.entry.pk]
    assert ledger.context["totals"]["count"] == 1
    user = left_unit.contact
    assert list(LedgerEntry.objects.visible_to(user)) == [left_unit.entry]
    assert list(Pledge.objects.visible_to(user)) == [left_unit.pledge]  # its own pledge, not others'
    assert not Fund.objects.visible_to(user).exists()
    assert not Budget.objects.visible_to(user).exists()


def test_the_ledger_totals_drop_the_council_once_the_unit_leaves(client, side_a):
    """The totals are kept a while per scope: a seat that ends must not leave them showing the
    council's entries to the unit's contact (issue 8 §2)."""
    contact = user_with_role(Role.UNIT_CONTACT, side_a)
    client.force_login(contact)
    seated = client.get(reverse("ledger_list")).context["totals"]
    assert seated["count"] == 2  # the unit's contribution and the council's spending
    council_services.membership_leave(
        membership=side_a.membership, left_on=date(2024, 6, 30), by=side_a.secretary
    )
    left = client.get(reverse("ledger_list"))
    assert left.context["totals"]["count"] == 1
    assert [e.pk for e in left.context["page_obj"]] == [side_a.entry.pk]  # its own contribution


def test_a_unit_still_seated_reads_the_fund(client, side_a, left_unit):
    client.force_login(user_with_role(Role.UNIT_CONTACT, side_a))
    assert client.get(reverse("fund_detail", args=[side_a.council.pk])).status_code == 200
    assert client.get(reverse("entry_detail", args=[left_unit.entry.pk])).status_code == 200
    pdf = client.get(reverse("statement_pdf", args=[side_a.council.pk]), PERIOD)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
