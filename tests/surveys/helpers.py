"""Small helpers for the survey tests: answers given through the service, as residents do, one
every 13 minutes from the round's first morning (Shanghai time) and each from its own network
address, so none of them is held as a burst (surveys.bursts: at most 5 within any 60 minutes)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from itertools import count

import time_machine

from councils.periods import SHANGHAI
from surveys import services
from surveys.models import Rate, Response, Round

_device = count(1)
SPACING = timedelta(minutes=13)


def rate_question(round: Round, rate: str):
    return next(q for q in round.questionnaire.questions.all() if q.rate == rate)


def answer(round: Round, community, *, choices: dict[str, int] | None = None, address: str | None = None):
    """One resident's answers: option 0 (positive) for every rate unless `choices` names
    another option for a rate (by position in the question's options)."""
    choices = choices or {}
    answers = {q.pk: choices.get(q.rate, 0) for q in round.questionnaire.questions.all() if q.rate}
    n = Response.objects.filter(round=round, community=community).count()
    moment = datetime.combine(round.opens_on, time(7), tzinfo=SHANGHAI) + n * SPACING
    with time_machine.travel(moment, tick=False):
        return services.response_submit(
            round=round,
            community=community,
            answers=answers,
            device_token=f"device-{next(_device)}",
            address=address or f"198.51.100.{n % 250}",
        )


def answer_many(round: Round, community, *, satisfied: int, unsatisfied: int) -> None:
    """`satisfied` residents choose 非常满意, `unsatisfied` choose 一般 (not positive)."""
    for _ in range(satisfied):
        answer(round, community)
    for _ in range(unsatisfied):
        answer(round, community, choices={Rate.SATISFACTION: 2})
