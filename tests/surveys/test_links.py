"""The poster's link (issue 14 §6): a token signed by the portal per community and round, not the
community's number. Forged, mistyped, old and other-round links open a page in Chinese that says
what is wrong (404), never an error, and never collect an answer."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse

from councils.periods import SHANGHAI
from surveys import services
from surveys.models import Response, Round
from surveys.posters import TOKEN_SALT, read_token, survey_path, survey_token

from .helpers import choices, open_since_may

pytestmark = pytest.mark.django_db


@pytest.fixture
def rounds(clock, side_a, side_b):
    """Last half-year's round (closed) and this one (open), on a frozen clock."""
    current = open_since_may(Round.current())
    old = services.round_create(
        name="2025年下半年居民意见调查", opens_on=date(2025, 7, 1), closes_on=date(2025, 12, 31), by=None
    )
    return old, current


def post(url: str, round: Round):
    phone = Client(REMOTE_ADDR="192.0.2.50")
    phone.get(url)
    data = {"round": str(round.pk), **{f"q{pk}": str(c) for pk, c in choices(round, set()).items()}}
    return phone.post(url, data)


def test_the_link_names_community_and_round_under_the_portals_signature(rounds, side_a):
    old, current = rounds
    token = survey_token(side_a.community, current)
    assert str(side_a.community.pk) != token and len(token) > 40
    link = read_token(token)
    assert (link.round_id, link.community_id) == (current.pk, side_a.community.pk)
    assert survey_token(side_a.community, old) != token
    response = Client().get(survey_path(side_a.community, current))
    assert response.status_code == 200 and side_a.community.name in response.content.decode()


@pytest.mark.parametrize(
    "forge",
    [
        lambda side, round: str(side.community.pk),  # the community's number, as older posters had
        lambda side, round: survey_token(side.community, round)[:-2] + "xx",  # a changed signature
        lambda side, round: survey_token(side.community, round).replace(f"c{side.community.pk}.", "c999999."),
        lambda side, round: signing.Signer(salt="another").sign(f"r{round.pk}c{side.community.pk}"),
        lambda side, round: signing.Signer(salt=TOKEN_SALT, sep=".").sign("r99999999c99999999"),
        lambda side, round: signing.Signer(salt=TOKEN_SALT, sep=".").sign("nonsense"),
        lambda side, round: "%E4%B8%AD" * 30,
    ],
)
def test_forged_links_say_the_link_is_invalid_and_take_no_answer(rounds, side_a, forge):
    _old, current = rounds
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        url = reverse("survey_public", args=[forge(side_a, current)])
        response = Client().get(url)
        assert response.status_code == 404
        page = response.content.decode()
        assert "二维码链接无效" in page and "重新扫描社区张贴的调查二维码" in page
        assert post(url, current).status_code == 404
        thanks = Client().get(reverse("survey_thanks", args=[forge(side_a, current)]))
        assert thanks.status_code == 404 and "二维码链接无效" in thanks.content.decode()
    assert not Response.objects.exists()


def test_last_rounds_poster_says_its_round_is_over_and_collects_nothing(rounds, side_a):
    old, current = rounds
    url = survey_path(side_a.community, old)
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        response = Client().get(url)
        assert response.status_code == 404
        assert "该轮调查已于 2025-12-31 结束" in response.content.decode()
        # Posting to it, even naming the open round in the form, does not land in either round.
        refused = post(url, current)
        assert refused.status_code == 200 and "本轮调查已于 2025-12-31 结束" in refused.content.decode()
    assert not Response.objects.exists()


def test_an_answer_lands_in_the_links_round_whatever_the_form_says(rounds, side_a):
    old, current = rounds
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        phone = Client(REMOTE_ADDR="192.0.2.51")
        url = survey_path(side_a.community, current)
        phone.get(url)
        data = {"round": str(old.pk), **{f"q{pk}": str(c) for pk, c in choices(current, set()).items()}}
        response = phone.post(url, data)
        assert response.status_code == 302
        assert response.url == reverse("survey_thanks", args=[survey_token(side_a.community, current)])
        assert "感谢您的参与" in phone.get(response.url).content.decode()
    assert Response.objects.get().round == current


def test_a_poster_put_up_before_its_round_says_when_it_begins(rounds, side_a):
    later = services.round_create(
        name="2026年下半年居民意见调查", opens_on=date(2026, 7, 1), closes_on=date(2026, 12, 31), by=None
    )
    with time_machine.travel(datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI), tick=False):
        response = Client().get(survey_path(side_a.community, later))
    assert response.status_code == 200
    assert "本轮调查将于 2026-07-01 开始" in response.content.decode()
