"""The surveys part of the demo city (R-6.2): last half-year's round, closed, and the current
one, open, each with answers from every community, a few of them too few to be named in the
rankings, satisfaction a little higher in the second round; in the open round one community
has a burst of a dozen answers held for review (surveys.bursts). Deterministic (each community's
answers come from a generator seeded with its name and the round's place, "previous" or "current",
not the round's dated name, so the demo tells the same story whatever the day) and idempotent: a
round that exists is left as it is."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from councils.models import Community
from councils.periods import SHANGHAI, HalfYear, today

from . import guard, services
from .models import Answer, Question, Response, Round

User = get_user_model()

# Answers per community, in the order of the demo city's communities: a few below the default
# 30 so the pages and the bulletin show who is left unnamed.
SAMPLE_SIZES = [64, 52, 18, 45, 38, 22, 71, 33, 27, 58, 41, 15, 36]
SUGGESTIONS = [
    "希望增加小区夜间照明，老人晚上出门不方便。",
    "楼道堆放杂物的问题反复出现，建议定期清理。",
    "共建资金的使用情况可以多公示几次。",
    "停车位太少，希望理事会协调周边单位开放车位。",
    "志愿服务活动很好，希望周末也能多组织。",
    "垃圾分类投放点的气味比较大，请加强保洁。",
    "可以在小区里多放几张休息长椅。",
    "有事可以打我电话13812345678联系。",  # blotted out on the way in, as a resident's would be
]


def half_bounds(day: date) -> tuple[date, date]:
    half = HalfYear.of(day)
    return half.first_day, half.last_day


def half_name(day: date) -> str:
    return f"{HalfYear.of(day)}居民意见调查"


def _choice(rng: random.Random, question: Question, p_positive: float) -> int:
    if question.kind == Question.Kind.YES_NO:
        return 0 if rng.random() < p_positive else 1
    if rng.random() < p_positive:
        return 0 if rng.random() < 0.45 else 1
    return rng.choice([2, 2, 2, 3, 3, 4])


# A burst the demo keeps on hold in the open round, in the community of the demo's community
# staff login, as the portal would have held it (surveys.bursts): a dozen answers in four
# minutes, all unhappy, before 8 in the morning.
BURST_SIZE = 12
BURST_COMMUNITY = "高岩社区"


def _burst(round: Round, community: Community, index: int, questions: list[Question]) -> list[Answer]:
    last_day = min(round.closes_on, today())
    start = datetime.combine(max(round.opens_on, last_day - timedelta(days=1)), time(7, 30), tzinfo=SHANGHAI)
    responses = Response.objects.bulk_create(
        Response(
            round=round,
            community=community,
            submitted_at=start + timedelta(seconds=20 * i),
            device_hash=guard.device_hash(round.pk, f"demo-burst-{community.pk}-{i}"),
            address_hash=guard.address_hash(round.pk, f"10.{index}.250.{i % 3}"),
            state=Response.State.HELD,
            hold_reason=Response.HoldReason.BURST,
        )
        for i in range(BURST_SIZE)
    )
    return [
        Answer(response=response, question=q, choice=len(q.options) - 1)
        for response in responses
        for q in questions
        if q.rate
    ]


def _answer_round(
    round: Round, communities: list[Community], uplift: float, seed: str, *, burst: bool = False
) -> int:
    questions = list(round.questionnaire.questions.order_by("order", "pk"))
    last_day = min(round.closes_on, today())
    days = max(1, (last_day - round.opens_on).days + 1)
    responses: list[Response] = []
    drafts: list[tuple[Response, random.Random, float]] = []
    for index, community in enumerate(communities):
        rng = random.Random(f"{seed}|{community.name}")
        size = SAMPLE_SIZES[index % len(SAMPLE_SIZES)] + rng.randint(-3, 3)
        base = 0.58 + ((index * 7) % 35) / 100 + uplift
        for i in range(size):
            moment = datetime.combine(
                round.opens_on + timedelta(days=rng.randrange(days)), time(8), tzinfo=SHANGHAI
            ) + timedelta(minutes=rng.randrange(13 * 60))
            response = Response(
                round=round,
                community=community,
                submitted_at=moment,
                device_hash=guard.device_hash(round.pk, f"demo-{community.pk}-{i}"),
                address_hash=guard.address_hash(round.pk, f"10.{index}.{i % 40}.1"),
            )
            responses.append(response)
            drafts.append((response, random.Random(f"{seed}|{community.name}|{i}"), base))
    Response.objects.bulk_create(responses, batch_size=1000)
    answers = []
    for response, rng, base in drafts:
        for q in questions:
            if q.rate:
                # Awareness runs ahead of participation, as it does in every such survey.
                shift = {"awareness": 0.08, "participation": -0.2, "support": 0.06}.get(q.rate, 0)
                answers.append(
                    Answer(response=response, question=q, choice=_choice(rng, q, min(0.98, base + shift)))
                )
            elif q.kind == Question.Kind.CHOICE and rng.random() < 0.7:
                answers.append(Answer(response=response, question=q, choice=rng.randrange(len(q.options))))
            elif q.kind == Question.Kind.TEXT and rng.random() < 0.15:
                answers.append(
                    Answer(response=response, question=q, text=services.redact(rng.choice(SUGGESTIONS)))
                )
    if burst and communities:
        index, community = next(
            ((i, c) for i, c in enumerate(communities) if c.name == BURST_COMMUNITY), (0, communities[0])
        )
        answers += _burst(round, community, index, questions)
    Answer.objects.bulk_create(answers, batch_size=2000)
    return len(responses)


def _round(name: str, opens_on: date, closes_on: date, by) -> tuple[Round | None, bool]:
    existing = Round.objects.filter(name=name).first()
    if existing is not None:
        return existing, False
    try:
        return services.round_create(name=name, opens_on=opens_on, closes_on=closes_on, by=by), True
    except ValidationError:  # the city office set an overlapping round by hand: keep theirs
        return None, False


@transaction.atomic
def load_demo() -> dict[str, int]:
    by = User.objects.filter(username="city").first()
    services.questionnaire_ensure_default()
    communities = list(Community.objects.order_by("street__district__name", "street__name", "name", "pk"))
    start, end = half_bounds(today())
    previous_start, previous_end = half_bounds(start - timedelta(days=1))
    plan = [
        ("previous", half_name(previous_start), previous_start, previous_end, 0.0, False),
        ("current", half_name(start), max(start, today() - timedelta(days=20)), end, 0.04, True),
    ]
    for seed, name, opens_on, closes_on, uplift, burst in plan:
        round, created = _round(name, opens_on, closes_on, by)
        if round is not None and created:
            _answer_round(round, communities, uplift, seed, burst=burst)
    return {"survey_rounds": Round.objects.count(), "survey_responses": Response.objects.count()}
