"""Five rates that one person cannot swing (issue 14 §6, R-6.2).

The attack of the issue replayed through the residents' page: one person with 5 network addresses
and a fresh browser for every answer sends 12 unhappy answers from each within three minutes to a
community whose 46 honest answers came in over the round. The published rates must not move by
more than 3 points until someone reviews the held answers, and accepting them does move them.
The clock is frozen (Shanghai time) so the burst rule sees the same hours on every run.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from councils.models import Community
from councils.periods import SHANGHAI
from councils.roles import Role
from surveys import bursts, selectors, services
from surveys.models import RATES, Rate, Response, Round
from surveys.posters import survey_path
from tests.conftest import user_with_role

from .helpers import FROZEN_AT, choices, open_since_may

pytestmark = pytest.mark.django_db

NOW = FROZEN_AT
# The honest answers of the issue: 46 residents, positive on each rate this many times
# (78 / 94 / 87 / 72 / 91 %).
HONEST = 46
POSITIVE = {
    Rate.APPROVAL: 36,
    Rate.AWARENESS: 43,
    Rate.SUPPORT: 40,
    Rate.PARTICIPATION: 33,
    Rate.SATISFACTION: 42,
}


@pytest.fixture
def round(clock, side_a, side_b):
    """The open round, running since 1 May, with no answers yet."""
    return open_since_may(Round.current())


def answer_honestly(clock, round: Round, community: Community, n: int = HONEST, *, start=None, every=None):
    """`n` residents answer over the round, one every 9 hours from 1 May 08:00 (by default),
    each positive on a rate while that rate's count of positives in POSITIVE lasts."""
    start = start or datetime(2026, 5, 1, 8, 0, tzinfo=SHANGHAI)
    every = every or timedelta(hours=9)
    for i in range(n):
        clock.move_to(start + i * every)
        services.response_submit(
            round=round,
            community=community,
            answers=choices(round, {rate for rate, count in POSITIVE.items() if i < count}),
            device_token=f"honest-{community.pk}-{i}-{secrets.token_hex(4)}",
            address=f"198.51.100.{i % 250}",
        )
    clock.move_to(NOW)


def published(community: Community, round: Round) -> dict[str, float]:
    """The five rates as every page publishes them (results pages, dashboard card, bulletin)."""
    results = selectors.area_results(
        communities=Community.objects.filter(pk=community.pk), round=round, rounds=[round], breakdown=None
    )
    return {rate: results.total.estimates[rate].pct for rate in RATES}


def attack(clock, round: Round, community: Community, *, order: str) -> list[int]:
    """5 addresses × 12 answers in three minutes (one every 3 seconds), a fresh browser each time,
    through the real page; returns the status codes."""
    addresses = [f"2001:db8:{secrets.token_hex(2)}::{i + 1}" for i in range(5)]
    if order == "addresses in turn":
        plan = [addresses[i % 5] for i in range(60)]
    else:
        plan = [address for address in addresses for _ in range(12)]
    url = survey_path(community, round)
    statuses = []
    for address in plan:
        phone = Client(REMOTE_ADDR=address)
        phone.get(url)
        data = {"round": str(round.pk)}
        data.update({f"q{pk}": str(choice) for pk, choice in choices(round, set()).items()})
        statuses.append(phone.post(url, data).status_code)
        clock.shift(3)
    return statuses


@pytest.mark.parametrize("order", ["addresses in turn", "one address after another"])
def test_the_flood_of_the_issue_is_held_and_moves_nothing_until_it_is_accepted(
    client, clock, round, side_a, order
):
    community = side_a.community
    answer_honestly(clock, round, community)
    before = published(community, round)
    assert before == {
        Rate.APPROVAL: 78.3,
        Rate.AWARENESS: 93.5,
        Rate.SUPPORT: 87.0,
        Rate.PARTICIPATION: 71.7,
        Rate.SATISFACTION: 91.3,
    }

    statuses = attack(clock, round, community, order=order)
    # The address limit (10 in 10 minutes) refuses two of each address's twelve; the rest land.
    assert statuses.count(302) == 50 and statuses.count(429) == 10
    after = published(community, round)
    for rate in RATES:
        assert abs(after[rate] - before[rate]) <= 3, (rate, before[rate], after[rate])
    assert Response.objects.filter(community=community, state=Response.State.HELD).count() == 50

    # The results page says how many answers wait, and where to review them.
    staff = user_with_role(Role.COMMUNITY_STAFF, side_a)
    client.force_login(staff)
    page = client.get(reverse("survey_results_community", args=[community.pk])).content.decode()
    assert "另有 50 份答卷在短时间内集中提交，待审核，未计入以下比例" in page
    assert reverse("survey_review", args=[community.pk]) in page
    assert "样本 46 份" in page

    # Someone accepts them: now they count, and the rates fall as the flood wanted.
    held = list(Response.objects.filter(state=Response.State.HELD).values_list("pk", flat=True))
    review = reverse("survey_review", args=[community.pk])
    assert client.post(review, {"responses": held, "decision": "accept", "confirm": "on"}).status_code == 302
    accepted = published(community, round)
    for rate in RATES:
        assert before[rate] - accepted[rate] > 35, (rate, before[rate], accepted[rate])
    assert accepted[Rate.SATISFACTION] == 43.8  # 42 of 96


def test_honest_answers_an_hour_apart_are_never_held(clock, round, side_a):
    answer_honestly(clock, round, side_a.community, n=30, every=timedelta(minutes=61))
    assert not Response.objects.exclude(state=Response.State.COUNTED).exists()
    assert published(side_a.community, round)[Rate.SATISFACTION] == 100.0


def test_up_to_five_answers_an_hour_count_the_sixth_holds_the_whole_burst(clock, round, side_a):
    """A quiet community (one answer in each hour it had any): the limit is max(5, 3 × 1)."""
    answer_honestly(clock, round, side_a.community, n=10)
    assert bursts.usual_per_hour(round=round, community=side_a.community, before=NOW) == 1
    assert bursts.burst_limit(round=round, community=side_a.community, at=NOW) == 5
    for i in range(5):
        clock.shift(60)
        services.response_submit(
            round=round,
            community=side_a.community,
            answers=choices(round, set()),
            device_token=f"meeting-{i}",
            address=f"192.0.2.{i}",
        )
    assert not Response.objects.filter(state=Response.State.HELD).exists()
    clock.shift(60)
    services.response_submit(
        round=round,
        community=side_a.community,
        answers=choices(round, set()),
        device_token="sixth",
        address="192.0.2.9",
    )
    held = Response.objects.filter(state=Response.State.HELD)
    assert held.count() == 6 and set(held.values_list("hold_reason", flat=True)) == {"burst"}
    # An hour after the first of them, the community is quiet again.
    clock.shift(3600)
    later = services.response_submit(
        round=round,
        community=side_a.community,
        answers=choices(round, set()),
        device_token="later",
        address="192.0.2.10",
    )
    assert later.state == Response.State.COUNTED


def test_a_busy_community_may_take_three_times_its_usual_hour(clock, round, side_a):
    """Four answers in every hour so far: usual 4, limit 12 within any 60 minutes."""
    for hour in range(6):
        for i in range(4):
            clock.move_to(datetime(2026, 5, 10, 8 + hour, 10 * i, tzinfo=SHANGHAI))
            services.response_submit(
                round=round,
                community=side_a.community,
                answers=choices(round, set(RATES)),
                device_token=f"busy-{hour}-{i}",
                address=f"192.0.2.{hour * 4 + i}",
            )
    # Four an hour never exceeded the limit of five.
    assert not Response.objects.filter(state=Response.State.HELD).exists()
    later = datetime(2026, 5, 10, 15, 0, tzinfo=SHANGHAI)
    assert bursts.burst_limit(round=round, community=side_a.community, at=later) == 12


def test_more_than_three_answers_from_one_address_in_an_hour_are_held(clock, round, side_a):
    answer_honestly(clock, round, side_a.community, n=10)
    for i in range(4):
        clock.shift(300)
        services.response_submit(
            round=round,
            community=side_a.community,
            answers=choices(round, set()),
            device_token=f"same-address-{i}",
            address="192.0.2.77",
        )
    held = Response.objects.filter(state=Response.State.HELD)
    assert held.count() == 4 and set(held.values_list("hold_reason", flat=True)) == {"address"}


def test_held_answers_are_left_out_of_the_dashboard_card_and_the_bulletin(client, clock, round, side_a):
    from assessments.bulletin_data import survey_facts
    from assessments.bulletins import survey_lines

    answer_honestly(clock, round, side_a.community, n=10)
    attack(clock, round, side_a.community, order="addresses in turn")
    client.force_login(user_with_role(Role.CITY_OFFICE))
    home = client.get(reverse("home")).content.decode()
    card = home[home.index('id="survey-card"') :]
    assert "另有 50 份答卷待审核，未计入以上比例" in card
    facts = survey_facts(district=side_a.district, end=NOW.date())
    assert facts["responses"] == 10 and facts["held"] == 50
    satisfaction = next(r for r in facts["rates"] if r["label"] == "满意率")
    assert satisfaction["pct"] == 100.0
    assert "另有50份答卷因短时间内集中提交待审核，未计入上述比例" in survey_lines(facts)[0]
