"""Rounds, questionnaire versions, answers and the rates read from them (R-6.2)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from councils.periods import today
from surveys import selectors, services
from surveys.defaults import DEFAULT_QUESTIONS
from surveys.models import Answer, Question, Questionnaire, Rate, Response, Round
from tests.factories import CommunityFactory

from .helpers import answer, answer_many, rate_question

pytestmark = pytest.mark.django_db


@pytest.fixture
def round(side_a, side_b):
    """The open round (the shared sides may have opened it already), with no answers yet."""
    Response.objects.all().delete()
    day = today()
    return Round.current() or services.round_create(
        name="2026年上半年居民意见调查",
        opens_on=day - timedelta(days=3),
        closes_on=day + timedelta(days=20),
        by=None,
    )


# --- Questionnaires ---------------------------------------------------------------------------------


def test_default_questionnaire_ships_in_chinese_with_one_question_per_rate():
    """R-6.2: the five questions (one per rate) and a few optional ones, Chinese wording."""
    questionnaire = services.questionnaire_ensure_default()
    questions = list(questionnaire.questions.order_by("order"))
    assert len(questions) == len(DEFAULT_QUESTIONS)
    assert [q.rate for q in questions if q.rate] == [r.value for r in Rate]
    assert questionnaire.missing_rates() == []
    satisfaction = next(q for q in questions if q.rate == Rate.SATISFACTION)
    assert satisfaction.options[:2] == ["非常满意", "比较满意"] and satisfaction.positive_options == 2
    assert all(q.required for q in questions if q.rate)
    assert not any("姓名" in q.text and "请勿" not in q.text for q in questions)


def test_a_round_freezes_its_questionnaire_version_and_a_revision_can_change(round):
    """Versioned like rubrics: the version a round uses no longer changes; a new one does."""
    question = rate_question(round, Rate.SATISFACTION)
    question.text = "改过的措辞"
    with pytest.raises(ValidationError, match="不能再修改"):
        services.question_save(question=question, by=None)
    assert Question.objects.get(pk=question.pk).text != "改过的措辞"

    revised = services.questionnaire_revise(source=round.questionnaire, note="调整措辞", by=None)
    assert revised.version > round.questionnaire.version
    assert revised.questions.count() == round.questionnaire.questions.count()
    copy = revised.questions.get(rate=Rate.SATISFACTION)
    copy.text = "您对本社区共建工作满意吗？"
    services.question_save(question=copy, by=None)
    assert Question.objects.get(pk=copy.pk).text == "您对本社区共建工作满意吗？"
    round.refresh_from_db()
    assert rate_question(round, Rate.SATISFACTION).text == DEFAULT_QUESTIONS[4][2]


def test_a_rate_question_must_be_yes_no_or_a_scale_with_a_positive_side():
    questionnaire = services.questionnaire_revise(
        source=services.questionnaire_ensure_default(), note="", by=None
    )
    question = questionnaire.questions.get(rate=Rate.AWARENESS)
    question.kind = Question.Kind.TEXT
    question.options = []
    with pytest.raises(ValidationError) as error:
        services.question_save(question=question, by=None)
    assert "kind" in error.value.error_dict
    question = questionnaire.questions.get(rate=Rate.SATISFACTION)
    question.positive_options = 5
    with pytest.raises(ValidationError) as error:
        services.question_save(question=question, by=None)
    assert "positive_options" in error.value.error_dict


# --- Rounds ---------------------------------------------------------------------------------------------


@pytest.mark.dates
def test_rounds_never_overlap(round):
    with pytest.raises(ValidationError, match="时间重叠"):
        services.round_create(
            name="另一轮", opens_on=round.closes_on, closes_on=round.closes_on + timedelta(days=5), by=None
        )
    later = services.round_create(
        name="下一轮",
        opens_on=round.closes_on + timedelta(days=1),
        closes_on=round.closes_on + timedelta(days=30),
        by=None,
    )
    assert Round.current() == round and later.status == Round.Status.SCHEDULED


def test_a_round_needs_a_question_for_every_rate():
    incomplete = services.questionnaire_revise(
        source=services.questionnaire_ensure_default(), note="", by=None
    )
    incomplete.questions.filter(rate=Rate.PARTICIPATION).delete()
    with pytest.raises(ValidationError, match="参与率"):
        services.round_create(
            name="缺题的轮次", opens_on=today(), closes_on=today(), questionnaire=incomplete, by=None
        )


def test_a_round_with_answers_keeps_its_questionnaire(round, side_a):
    answer(round, side_a.community)
    revised = services.questionnaire_revise(source=round.questionnaire, note="", by=None)
    with pytest.raises(ValidationError, match="不能更换问卷版本"):
        services.round_update(round=round, questionnaire=revised, by=None)
    updated = services.round_update(round=round, closes_on=round.closes_on + timedelta(days=3), by=None)
    assert updated.closes_on == round.closes_on + timedelta(days=3)


# --- Answers --------------------------------------------------------------------------------------------


def test_a_second_answer_from_the_same_device_in_a_round_is_refused(round, side_a):
    """R-6.2: one answer per device per round, even from another community's page."""
    answers = {q.pk: 0 for q in round.questionnaire.questions.all() if q.rate}
    services.response_submit(
        round=round, community=side_a.community, answers=answers, device_token="same-phone", address="1.2.3.4"
    )
    other = CommunityFactory()
    with pytest.raises(ValidationError) as error:
        services.response_submit(
            round=round, community=other, answers=answers, device_token="same-phone", address="5.6.7.8"
        )
    assert error.value.code == services.ALREADY_ANSWERED
    assert "每台设备每轮只能填写一次" in error.value.messages[0]
    assert Response.objects.filter(round=round).count() == 1


def test_the_database_itself_holds_one_answer_per_device_per_round(round, side_a):
    """Two taps at the same moment pass the service's check together; the constraint stops one."""
    first = answer(round, side_a.community)
    with pytest.raises(IntegrityError):
        Response.objects.create(
            round=round,
            community=side_a.community,
            submitted_at=first.submitted_at,
            device_hash=first.device_hash,
        )


@pytest.mark.dates
def test_the_same_device_answers_again_in_the_next_round(round, side_a):
    answers = {q.pk: 0 for q in round.questionnaire.questions.all() if q.rate}
    services.response_submit(round=round, community=side_a.community, answers=answers, device_token="phone")
    Round.objects.filter(pk=round.pk).update(
        closes_on=today() - timedelta(days=1), opens_on=today() - timedelta(days=9)
    )
    following = services.round_create(name="下一轮", opens_on=today(), closes_on=today(), by=None)
    answers = {q.pk: 0 for q in following.questionnaire.questions.all() if q.rate}
    services.response_submit(
        round=following, community=side_a.community, answers=answers, device_token="phone"
    )
    first, second = Response.objects.order_by("pk")
    assert first.device_hash != second.device_hash  # unlinkable across rounds


def test_answers_keep_no_address_or_token_in_clear(round, side_a):
    answers = {q.pk: 0 for q in round.questionnaire.questions.all() if q.rate}
    response = services.response_submit(
        round=round,
        community=side_a.community,
        answers=answers,
        device_token="tok-123",
        address="203.0.113.9",
    )
    stored = " ".join(str(v) for v in Response.objects.filter(pk=response.pk).values().get().values())
    assert "203.0.113.9" not in stored and "tok-123" not in stored
    assert len(response.device_hash) == 64 and len(response.address_hash) == 64


@pytest.mark.dates
def test_a_closed_or_future_round_refuses_answers_and_says_when(round, side_a):
    answers = {q.pk: 0 for q in round.questionnaire.questions.all() if q.rate}
    with pytest.raises(ValidationError, match=r"已于 .* 结束") as error:
        services.response_submit(
            round=round,
            community=side_a.community,
            answers=answers,
            device_token="t",
            on=round.closes_on + timedelta(days=1),
        )
    assert error.value.code == services.ROUND_CLOSED
    with pytest.raises(ValidationError, match=r"将于 .* 开始"):
        services.response_submit(
            round=round,
            community=side_a.community,
            answers=answers,
            device_token="t",
            on=round.opens_on - timedelta(days=1),
        )


def test_every_rate_question_must_be_answered_and_options_must_exist(round, side_a):
    questions = [q for q in round.questionnaire.questions.all() if q.rate]
    with pytest.raises(ValidationError) as error:
        services.response_submit(
            round=round, community=side_a.community, answers={questions[0].pk: 0}, device_token="t"
        )
    assert set(error.value.error_dict) == {f"q{q.pk}" for q in questions[1:]}
    answers = {q.pk: 0 for q in questions}
    answers[questions[0].pk] = 9
    with pytest.raises(ValidationError, match="给出的选项"):
        services.response_submit(round=round, community=side_a.community, answers=answers, device_token="t")
    assert not Response.objects.exists()


def test_phone_and_id_numbers_typed_into_a_suggestion_are_blotted_out(round, side_a):
    text = next(q for q in round.questionnaire.questions.all() if q.kind == Question.Kind.TEXT)
    answers = {q.pk: 0 for q in round.questionnaire.questions.all() if q.rate}
    answers[text.pk] = "路灯坏了，联系我138 1234 5678，身份证35040219800101123X，2026年修好"
    services.response_submit(round=round, community=side_a.community, answers=answers, device_token="t")
    assert Answer.objects.get(question=text).text == "路灯坏了，联系我***，身份证***，2026年修好"


# --- Rates on known answers -----------------------------------------------------------------------------


def test_rates_and_intervals_are_computed_on_known_answers(round, side_a, side_b):
    """R-6.2: community A, 10 residents: satisfaction 4 非常满意 + 3 比较满意 + 2 一般 + 1 很不满意
    → 7/10 = 70.0%, Wilson 95% [39.7%, 89.2%]; awareness 6 是 of 10 → 60.0% [31.3%, 83.2%].
    Community B, 5 residents all 非常满意. The city pools: satisfaction 12/15 = 80.0%
    [54.8%, 93.0%] (hand-computed, z = 1.95996)."""
    satisfaction = [0, 0, 0, 0, 1, 1, 1, 2, 2, 4]
    awareness = [0] * 6 + [1] * 4
    for s, a in zip(satisfaction, awareness, strict=True):
        answer(round, side_a.community, choices={Rate.SATISFACTION: s, Rate.AWARENESS: a})
    for _ in range(5):
        answer(round, side_b.community)

    community = selectors.area_results(
        communities=side_a.community.__class__.objects.filter(pk=side_a.community.pk),
        round=round,
        rounds=[round],
        breakdown=None,
    ).total
    sat = community.estimates[Rate.SATISFACTION]
    assert (sat.positive, sat.n, sat.pct, sat.low_pct, sat.high_pct) == (7, 10, 70.0, 39.7, 89.2)
    assert sat.low == pytest.approx(0.39677, abs=1e-5) and sat.high == pytest.approx(0.89221, abs=1e-5)
    aware = community.estimates[Rate.AWARENESS]
    assert (aware.positive, aware.n, aware.pct, aware.low_pct, aware.high_pct) == (6, 10, 60.0, 31.3, 83.2)
    assert community.estimates[Rate.APPROVAL].pct == 100.0

    city = selectors.city_rates(round)
    assert list(city) == [r.value for r in Rate]
    pooled = city[Rate.SATISFACTION]
    assert (pooled.positive, pooled.n, pooled.pct, pooled.low_pct, pooled.high_pct) == (
        12,
        15,
        80.0,
        54.8,
        93.0,
    )
    assert selectors.city_rates(round, within=side_b.district)[Rate.SATISFACTION].n == 5


def test_a_community_with_too_few_answers_is_not_named_among_the_lowest(round, side_a, side_b):
    """R-6.2: community B is the least satisfied (1 of 6) but has only 6 answers: below the
    round's minimum of 30 it is not named. Community A (15 of 30) is."""
    assert round.min_sample == 30
    answer_many(round, side_a.community, satisfied=15, unsatisfied=15)
    answer_many(round, side_b.community, satisfied=1, unsatisfied=5)
    lowest = selectors.lowest_satisfaction(round)
    assert [row.node for row in lowest] == [side_a.community]
    assert lowest[0].satisfaction.pct == 50.0
    # With a smaller minimum the bulletin would name B first.
    assert [row.node for row in selectors.lowest_satisfaction(round, 5)] == [
        side_b.community,
        side_a.community,
    ]
    assert selectors.lowest_satisfaction(round, 5, within=side_a.street)[0].node == side_a.community


def test_scope_rates_counts_only_what_the_user_sees(round, side_a, side_b, role_users):
    from councils.roles import Role

    answer_many(round, side_a.community, satisfied=2, unsatisfied=1)
    answer_many(round, side_b.community, satisfied=0, unsatisfied=4)
    shown_round, row = selectors.scope_rates(role_users[Role.STREET_STAFF])
    assert shown_round == round and row.satisfaction.n == 3
    _r, city = selectors.scope_rates(role_users[Role.CITY_OFFICE])
    assert city.satisfaction.n == 7


def test_questionnaire_versions_are_numbered_in_order():
    first = services.questionnaire_ensure_default()
    second = services.questionnaire_revise(source=first, note="一", by=None)
    third = services.questionnaire_revise(source=first, note="二", by=None)
    assert [first.version, second.version, third.version] == [1, 2, 3]
    assert Questionnaire.objects.count() == 3
