"""The residents' page (R-6.2): public, anonymous, one answer per device per round, rate limited
per network address, refusals that say why, CSRF protection on."""

import re
import secrets
from datetime import timedelta
from itertools import count

import pytest
from django.test import Client
from django.urls import reverse

from councils.periods import today
from surveys import guard, services
from surveys.models import Question, Rate, Response, Round
from surveys.posters import survey_path, survey_token

pytestmark = pytest.mark.django_db
_address = count(1)


def new_address() -> str:
    """A network address of the test's own, so the rate-limit counters of tests (and of earlier
    runs, when the cache is a shared Redis) never meet."""
    return f"2001:db8:{secrets.token_hex(2)}:{secrets.token_hex(2)}::{next(_address):x}"


@pytest.fixture
def round(side_a, side_b):
    Response.objects.all().delete()
    day = today()
    return Round.current() or services.round_create(
        name="本轮居民意见调查", opens_on=day - timedelta(days=2), closes_on=day + timedelta(days=20), by=None
    )


@pytest.fixture
def url(side_a, round):
    return survey_path(side_a.community, round)


def full_answers(round: Round, **overrides) -> dict[str, str]:
    data = {"round": str(round.pk)}
    for q in round.questionnaire.questions.all():
        if q.rate:
            data[f"q{q.pk}"] = "0"
    data.update(overrides)
    return data


def resident(address: str | None = None) -> Client:
    """A phone: its own cookies, its own network address."""
    return Client(REMOTE_ADDR=address or new_address())


def test_the_page_needs_no_sign_in_and_asks_for_nothing_personal(round, url, side_a):
    phone = resident()
    response = phone.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert side_a.community.name in page
    for q in round.questionnaire.questions.all():
        assert q.text in page
    assert "不收集姓名、电话、身份证号" in page
    names = set(re.findall(r'<(?:input|textarea|select)[^>]*name="([^"]+)"', page))
    assert names <= {"csrfmiddlewaretoken", "round"} | {
        f"q{q.pk}" for q in round.questionnaire.questions.all()
    }
    assert 'name="viewport"' in page and "width=device-width" in page
    cookie = response.cookies[guard.DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/s/" and cookie["samesite"] == "Lax"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.dates
def test_a_resident_answers_and_is_thanked(round, url, side_a):
    phone = resident()
    phone.get(url)
    response = phone.post(url, full_answers(round))
    assert response.status_code == 302
    assert response.url == reverse("survey_thanks", args=[survey_token(side_a.community, round)])
    assert "感谢您的参与" in phone.get(response.url).content.decode()
    stored = Response.objects.get()
    assert stored.community == side_a.community and stored.answers.count() == 5


def test_a_second_answer_from_the_same_phone_is_refused_and_says_why(round, url, side_a):
    """R-6.2: one answer per device per round; the refusal is a page that says why (200)."""
    phone = resident()
    phone.get(url)
    assert phone.post(url, full_answers(round)).status_code == 302
    again = phone.post(url, full_answers(round))
    assert again.status_code == 200
    text = again.content.decode()
    assert "您已参与本轮调查" in text and "每台设备每轮只能填写一次" in text
    # Opening the page again shows the same, not the form.
    reopened = phone.get(url).content.decode()
    assert "您已参与本轮调查" in reopened and 'type="radio"' not in reopened
    assert Response.objects.count() == 1
    # Another phone on the same network still may answer.
    neighbour = resident()
    neighbour.get(url)
    assert neighbour.post(url, full_answers(round)).status_code == 302
    assert Response.objects.count() == 2


def test_too_many_answers_from_one_address_are_refused_with_429_and_a_clear_message(round, url, settings):
    """R-6.2: rate limits per address; the page says how long to wait, Retry-After tells machines."""
    settings.SURVEY_RATE_LIMITS = ((2, 600),)
    address = new_address()
    for _ in range(2):
        phone = resident(address)
        phone.get(url)
        assert phone.post(url, full_answers(round)).status_code == 302
    third = resident(address)
    third.get(url)
    response = third.post(url, full_answers(round))
    assert response.status_code == 429
    text = response.content.decode()
    assert "提交过于频繁" in text and "10 分钟内最多 2 次" in text and "分钟后再试" in text
    assert 0 < int(response["Retry-After"]) <= 600
    assert Response.objects.count() == 2
    # Another address is not held back.
    elsewhere = resident()
    elsewhere.get(url)
    assert elsewhere.post(url, full_answers(round)).status_code == 302


def test_the_rate_limit_counts_in_the_configured_cache_and_keeps_no_address(settings):
    from django.core.cache import cache

    settings.SURVEY_RATE_LIMITS = ((1, 60),)
    address = new_address()
    start = 1_000_020  # a window starts here (a multiple of 60)
    assert guard.take_turn(address, now=start) is None
    refusal = guard.take_turn(address, now=start + 15)
    assert refusal is not None and (refusal.limit, refusal.window, refusal.retry_after) == (1, 60, 45)
    assert guard.take_turn(address, now=start + 60) is None  # the next window starts afresh
    keys = [f"surveys:rate:{guard._digest('rate', address)[:40]}:60:{start}"]
    assert cache.get(keys[0]) == 2
    assert address not in keys[0]


def test_csrf_protection_stays_on(round, url):
    phone = Client(enforce_csrf_checks=True, REMOTE_ADDR=new_address())
    phone.get(url)
    assert phone.post(url, full_answers(round)).status_code == 403
    token = phone.cookies["csrftoken"].value
    assert phone.post(url, {**full_answers(round), "csrfmiddlewaretoken": token}).status_code == 302


def test_missing_answers_come_back_marked_with_the_rest_kept(round, url):
    phone = resident()
    phone.get(url)
    questions = [q for q in round.questionnaire.questions.all() if q.rate]
    data = full_answers(round)
    data.pop(f"q{questions[-1].pk}")
    data[f"q{questions[0].pk}"] = "1"
    response = phone.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "还有题目没有回答" in page and "请选择一项" in page
    assert re.search(rf'name="q{questions[0].pk}"[^>]*value="1"[^>]*checked', page)
    assert not Response.objects.exists()


@pytest.mark.dates
def test_the_link_of_a_round_that_no_longer_exists_says_the_link_is_invalid(side_a, url):
    Response.objects.all().delete()
    Round.objects.all().delete()
    response = resident().get(url)
    assert response.status_code == 404
    assert "二维码链接无效" in response.content.decode()


@pytest.mark.dates
def test_an_answer_sent_after_the_round_closed_is_refused_with_the_date(round, url):
    phone = resident()
    phone.get(url)
    Round.objects.filter(pk=round.pk).update(
        opens_on=today() - timedelta(days=10), closes_on=today() - timedelta(days=1)
    )
    response = phone.post(url, full_answers(round))
    assert response.status_code == 200
    assert f"本轮调查已于 {(today() - timedelta(days=1)).isoformat()} 结束" in response.content.decode()
    assert not Response.objects.exists()


def test_a_browser_that_keeps_no_cookie_is_told_what_to_do(round, url):
    response = resident().post(url, full_answers(round))
    assert response.status_code == 200
    assert "请允许浏览器保存 Cookie" in response.content.decode()
    assert not Response.objects.exists()


def test_a_forged_device_cookie_counts_as_none(round, url):
    phone = resident()
    phone.cookies[guard.DEVICE_COOKIE] = "my-own-token"
    response = phone.post(url, full_answers(round))
    assert "请允许浏览器保存 Cookie" in response.content.decode()


def test_a_suggestion_is_optional_and_kept_without_phone_numbers(round, url):
    phone = resident()
    phone.get(url)
    text = next(q for q in round.questionnaire.questions.all() if q.kind == Question.Kind.TEXT)
    assert (
        phone.post(url, full_answers(round, **{f"q{text.pk}": "电话13900001111，希望多组织活动"})).status_code
        == 302
    )
    assert Response.objects.get().answers.get(question=text).text == "电话***，希望多组织活动"
    satisfaction = next(q for q in round.questionnaire.questions.all() if q.rate == Rate.SATISFACTION)
    assert Response.objects.get().answers.get(question=satisfaction).choice == 0


def test_an_unknown_community_is_a_404():
    assert resident().get(reverse("survey_public", args=[999999])).status_code == 404
