"""Hostile numbers (issue 8 §5): in every money field — contributions, donations, expenditures,
pledges, budget lines — negative and zero amounts, amounts far beyond any council's year or with
more digits than the column holds, and words that are not a plain number ("一百", "1e3", "NaN",
"Infinity", "1,00"); in the other number fields — votes, residents met, progress, volunteer hours,
points, scores, coordinates, sample sizes — the same kinds of input. Each is refused on the form
with a Chinese message, what was typed is kept, and nothing changes: every table as it was, the
fund's balance included."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from councils.roles import Role
from finance.models import Fund, LedgerEntry

from . import hostile
from .hostile import Unchanged, refused_on_form
from .hostile_pages import PAGES, open_form, post_form, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


# --- Money (R-1.5 –; DESIGN.md invariant 3) -------------------------------------------------

MONEY_FIELDS = [
    ("contribution", "amount"),
    ("donation_org", "amount"),
    ("donation_person", "amount"),
    ("expenditure", "amount"),
    ("pledge", "amount"),
    ("budget_edit", "category_{environment}"),
]
POSITIVE = "金额必须大于 0"
TOO_BIG = "金额不能超过 1000 万元"
NOT_A_NUMBER = "金额须是数字"
CENTS = "金额最多两位小数"
# (typed, message); for a budget line, zero or empty leaves the category out (allowed) and a
# negative amount has its own message.
AMOUNTS = [
    ("-5", POSITIVE),
    ("0", POSITIVE),
    ("0.00", POSITIVE),
    ("10000000.01", TOO_BIG),
    ("100000000000000000000", TOO_BIG),
    ("1" * 60, TOO_BIG),
    ("0.001", CENTS),
    ("一百", NOT_A_NUMBER),
    ("100元", NOT_A_NUMBER),
    ("1e3", NOT_A_NUMBER),
    ("1e20", NOT_A_NUMBER),
    ("NaN", NOT_A_NUMBER),
    ("sNaN", NOT_A_NUMBER),
    ("Infinity", NOT_A_NUMBER),
    ("-inf", NOT_A_NUMBER),
    ("1_000", NOT_A_NUMBER),
    ("1,00", NOT_A_NUMBER),  # a decimal comma, not thousands: read as 100 it would be wrong
    ("1.000,50", NOT_A_NUMBER),
    ("--5", NOT_A_NUMBER),
]
BUDGET_MESSAGES = {POSITIVE: "预算金额不能为负数"}


def field_name(template: str, world) -> str:
    return template.format(environment=world.category.pk)


def money_params():
    for page, field in MONEY_FIELDS:
        for typed, message in AMOUNTS:
            if (
                page == "budget_edit"
                and typed.lstrip("-").replace(".", "").strip("0") == ""
                and "-" not in typed
            ):
                continue  # a zero budget line is allowed: it leaves the category out
            if page == "budget_edit":
                message = BUDGET_MESSAGES.get(message, message)
            yield pytest.param(page, field, typed, message, id=f"{page}-{typed[:24]}")


def balance(world) -> Decimal:
    return Fund.objects.get(council=world.a.council).balance


@pytest.mark.parametrize(("page", "field", "typed", "message"), list(money_params()))
def test_a_hostile_amount_is_refused_and_the_fund_is_untouched(client, world, page, field, typed, message):
    """R-1.5 – R-1.7, DESIGN.md invariant 3: amounts are yuan, more than zero (a budget line at
    least zero), at most ten million, to the cent, typed as a plain number; anything else is
    refused on the field in Chinese, the form keeps what was typed, and the ledger, the balance
    and every other table stay as they were."""
    field = field_name(field, world)
    before = balance(world)
    form = open_form(client, world, page)
    with Unchanged():
        response = post_form(client, world, page, form, {field: typed})
        refused_on_form(response, message, field=field)
        assert response.context["form"][field].value() == typed  # shown again as typed
    assert balance(world) == before


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("1,000", "1000.00"), ("12,345.60", "12345.60"), (" 1 000 ", "1000.00"), ("１００", "100.00")],
)
def test_an_amount_with_thousands_separators_is_read_as_written(client, world, typed, amount):
    """R-1.5: commas between groups of three digits and spaces, as people paste numbers, and
    full-width digits from a Chinese keyboard are read as the number they show."""
    before = balance(world)
    response = submit(client, world, "donation_person", {"amount": typed, "counterparty": "热心居民"})
    assert response.status_code == 302
    entry = LedgerEntry.objects.filter(fund__council=world.a.council).latest("pk")
    assert entry.amount == Decimal(amount)
    assert balance(world) == before + Decimal(amount)


# --- Other numbers ---------------------------------------------------------------------------------

# (page, field, values that must be refused). Huge numbers are past what the column holds.
HUGE = "99999999999999999999"
WORDS = ["一百", "NaN", "1e400"]
NUMBER_FIELDS = [
    ("building_create", "households", ["-1", HUGE, *WORDS]),
    ("contact_create", "residents_met", ["-1", HUGE, *WORDS]),
    ("resolution_create", "votes_for", ["-1", "2", HUGE, *WORDS]),  # one vote per unit present
    ("resolution_create", "votes_against", ["-1", HUGE, *WORDS]),
    ("taskprogress_create", "percent", ["-1", "101", HUGE, *WORDS]),
    ("activity_create", "participants", ["-1", HUGE, *WORDS]),
    ("activity_create", "volunteer_hours", ["-1", "-0.1", HUGE, "0.05", *WORDS]),
    ("activity_create", "people_served", ["-1", HUGE, *WORDS]),
    ("finding_create", "latitude", ["91", "-90.5", HUGE, *WORDS]),
    ("finding_create", "longitude", ["181", HUGE, *WORDS]),
    ("point_create", "points", ["21", "-20.5", HUGE, "0.05", *WORDS]),
    ("assessment_adjust", "delta", ["0", "1e30", "0.05", HUGE, *WORDS]),
    ("period_create", "excellent_from", ["-1", "201", HUGE, *WORDS]),
    ("period_create", "points_cap", ["-1", "101", HUGE, *WORDS]),
    ("plan_create", "year", ["1999", "2101", HUGE, *WORDS]),
    ("pledge", "year", ["1999", HUGE, *WORDS]),
    ("term_create", "number", ["-1", "0", HUGE, *WORDS]),
    ("criterion_create", "max_points", ["-1", HUGE, *WORDS]),
    ("survey_round_create", "min_sample", ["-1", HUGE, *WORDS]),
    ("question_create", "order", ["-1", HUGE, *WORDS]),
]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def number_params():
    for page, field, values in NUMBER_FIELDS:
        for typed in values:
            yield pytest.param(page, field, typed, id=f"{page}-{field}-{typed[:12]}")


@pytest.mark.parametrize(("page", "field", "typed"), list(number_params()))
def test_a_hostile_number_is_refused_on_its_field_and_nothing_changes(client, world, page, field, typed):
    """R-1.2, R-1.3, R-1.4, R-1.9, R-1.10, R-2.1, R-2.2, R-3.2, R-6.2: a number outside its range,
    past what the database holds, or not a number at all is refused on its field with a Chinese
    message — on the field, or above the form for a rule across fields — never a server error,
    and nothing is saved."""
    form = open_form(client, world, page)
    with Unchanged():
        response = post_form(client, world, page, form, {field: typed})
        assert response.status_code == 200, response.status_code
        form = response.context[PAGES[page].form_key]
        # On the field; a rule across fields (votes cast against units present) above the form.
        errors = form.errors.get(field) or form.non_field_errors()
        assert errors, f"no error on {field}: {dict(form.errors)}"
        assert all(CHINESE.search(str(e)) for e in errors), errors


def test_hostile_scores_are_refused_on_their_rows_and_nothing_is_saved(client, world):
    """R-1.9: on the scoring form each criterion's score is between 0 and its maximum, with one
    decimal; "NaN", "Infinity", a huge number, "1e400" and words are refused on their own row,
    and no score is saved."""
    assessment = world.a.assessment
    client.force_login(world.users[Role.COMMUNITY_STAFF])
    url = PAGES["assessment_adjust"].url(world).replace("adjust", "score")
    rows = client.get(url).context["rows"]
    bad = ["NaN", "Infinity", "-Infinity", HUGE, "1e400", "一百", "-1", "0.05", "sNaN"]
    data = {"summary": "总体评价"}
    for row, typed in zip(rows, bad * len(rows), strict=False):
        data[f"score_{row.criterion.pk}"] = typed
        data[f"reason_{row.criterion.pk}"] = "理由"
    with Unchanged():
        response = client.post(url, data)
        assert response.status_code == 200
        shown = response.context["rows"]
        assert all(row.score_errors for row in shown), [(r.value, r.score_errors) for r in shown]
        assert all(CHINESE.search(str(e)) for row in shown for e in row.score_errors)
    assessment.refresh_from_db()
    assert assessment.rubric_score == world.a.assessment.rubric_score
