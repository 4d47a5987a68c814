"""A resident answers the community's survey on a phone (R-6.2): the page reached from the
poster's QR code, no sign-in, at 390 px without sideways scrolling, big touch targets, the gaps
marked when something is left out, the thank-you after sending, and a second answer from the
same phone refused with the reason — with nothing fetched from outside the portal."""

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from councils.periods import today
from surveys import services
from surveys.models import Question, Response, Round
from surveys.posters import survey_path
from tests.conftest import Side, build_side


@pytest.fixture
def side(transactional_db) -> Side:
    return build_side("甲")


@pytest.fixture
def round(side, settings):
    """The open round (the shared side may have opened it already), with no answers yet."""
    # Every journey comes from 127.0.0.1: keep the per-address limit out of the way here.
    settings.SURVEY_RATE_LIMITS = ((1000, 60),)
    Response.objects.all().delete()
    day = today()
    return Round.current() or services.round_create(
        name="居民意见调查", opens_on=day - timedelta(days=1), closes_on=day + timedelta(days=30), by=None
    )


def assert_fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width} px)"


def choose(page: Page, question: Question, option: str) -> None:
    page.locator("fieldset", has_text=question.text).locator("label", has_text=option).first.tap()


def test_a_resident_answers_on_a_phone_and_a_second_answer_is_refused(phone_page, side, round, browser_log):
    page = phone_page
    url = survey_path(side.community, round)
    questions = list(round.questionnaire.questions.order_by("order"))
    page.goto(url)
    expect(page.get_by_role("heading", name="居民意见调查")).to_be_visible()
    expect(page.get_by_text(side.community.name).first).to_be_visible()
    expect(page.get_by_text("不收集姓名、电话、身份证号")).to_be_visible()
    assert_fits_the_phone(page)
    # Big enough to hit with a thumb.
    box = page.locator("fieldset label.btn").first.bounding_box()
    assert box["height"] >= 40

    # The same phone has the page open twice (scanned the poster again).
    second_tab = page.context.new_page()
    second_tab.goto(url)

    # Sent with an answer missing: the gap is marked, what was chosen stays.
    rate_questions = [q for q in questions if q.rate]
    for q in rate_questions[:-1]:
        choose(page, q, q.options[0])
    page.get_by_role("button", name="提交").tap()
    expect(page.get_by_text("还有题目没有回答")).to_be_visible()
    expect(page.locator("fieldset.has-error")).to_have_count(1)
    assert_fits_the_phone(page)

    last = rate_questions[-1]
    choose(page, last, last.options[1])
    choose(page, questions[5], questions[5].options[2])
    page.get_by_label(questions[-1].text).fill("希望多组织周末活动")
    page.get_by_role("button", name="提交").tap()

    expect(page.get_by_role("heading", name="提交成功，感谢您的参与！")).to_be_visible()
    assert_fits_the_phone(page)
    response = Response.objects.get()
    assert response.community == side.community
    assert response.answers.get(question=last).choice == 1
    assert response.answers.get(question=questions[-1]).text == "希望多组织周末活动"

    # The other tab sends a second answer: refused, and the page says why.
    for q in rate_questions:
        choose(second_tab, q, q.options[0])
    second_tab.get_by_role("button", name="提交").tap()
    expect(second_tab.get_by_role("heading", name="您已参与本轮调查")).to_be_visible()
    expect(second_tab.get_by_text("每台设备每轮只能填写一次")).to_be_visible()
    assert Response.objects.count() == 1

    # Opening the page again shows the same instead of the form.
    page.goto(url)
    expect(page.get_by_role("heading", name="您已参与本轮调查")).to_be_visible()
    expect(page.get_by_role("button", name="提交")).to_have_count(0)

    page.wait_for_load_state("load")
    assert browser_log.foreign_requests() == [], "the portal must work offline"
    assert browser_log.console_errors == []
    assert browser_log.page_errors == []
