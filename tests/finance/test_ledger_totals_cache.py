"""The street's review keeps the totals of its filtered set a while per scope and filters
(issue 8 §2): a new entry or flag shows in them at once, and the page counts its entries once."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.periods import today
from councils.roles import Role
from finance import services
from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db


def review(client, user, **filters):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("ledger_list"), filters)
    assert response.status_code == 200
    return response, [q["sql"] for q in queries.captured_queries]


def test_a_new_entry_and_a_new_flag_show_in_the_totals_at_once(client, side_a, side_b):
    """R-1.5 – R-1.8: what the street sees summed is what the ledgers hold, right after a write."""
    staff = user_with_role(Role.STREET_STAFF, side_a)
    before = review(client, staff)[0].context["totals"]
    flagged_before = review(client, staff, flagged="on")[0].context["totals"]
    services.entry_post(
        council=side_a.council,
        kind="donation_org",
        amount=Decimal("300"),
        entry_date=today(),
        counterparty="新来的企业",
        by=side_a.secretary,
    )
    after = review(client, staff)[0].context["totals"]
    assert (after["income"], after["count"]) == (before["income"] + 300, before["count"] + 1)

    donation = side_a.council.fund.entries.get(counterparty="新来的企业")
    services.violation_flag(entry=donation, reason="票据不全", by=staff)
    flagged = review(client, staff, flagged="on")[0].context["totals"]
    assert flagged["count"] == flagged_before["count"] + 1


def test_the_same_scope_and_filters_share_the_totals_and_no_entry_is_counted_twice(client, side_a, side_b):
    first, computed = review(client, user_with_role(Role.STREET_STAFF, side_a), kind="expenditure")
    assert not any('"__count"' in sql for sql in computed)  # the page count comes from the totals
    assert first.context["paginator"].count == first.context["totals"]["count"] == 1
    second, served = review(client, user_with_role(Role.STREET_STAFF, side_a), kind="expenditure")
    assert len(served) < len(computed)
    assert second.context["totals"] == first.context["totals"]
    # Another street's staff, with the same filters, sum their own street.
    other = review(client, user_with_role(Role.STREET_STAFF, side_b), kind="expenditure")[0]
    assert [e.fund.council_id for e in other.context["page_obj"]] == [side_b.council.pk]
    assert other.context["totals"]["count"] == 1


def test_the_review_marks_both_ends_of_a_reversal(client, side_a):
    """R-1.6: the reversed entry says so, the reversal names what it reverses (read for the whole
    page in one query)."""
    reversal = services.entry_reverse(entry=side_a.expenditure, reason="重复", by=side_a.secretary)
    response, queries = review(client, user_with_role(Role.STREET_STAFF, side_a))
    html = response.content.decode()
    assert f"冲正 {side_a.expenditure.number}" in html and "已冲正" in html
    entries = {e.pk: e for e in response.context["page_obj"]}
    assert entries[reversal.pk].reverses == side_a.expenditure
    assert entries[side_a.expenditure.pk].reversed_by == reversal
    assert sum('"reverses_id" IN' in sql for sql in queries) == 1
