"""Small helpers for the survey tests: answers given through the service, as residents do, one
every 13 minutes from the round's first morning (Shanghai time) and each from its own network
address, so none of them is held as a burst (surveys.bursts: at most 5 within any 60 minutes)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
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


# The moment the burst, review and link tests run at (Shanghai time): mid-quarter, mid-half-year,
# so the round they open on 1 May runs for weeks either side (tests/surveys/conftest.py `clock`).
FROZEN_AT = datetime(2026, 5, 20, 10, 0, tzinfo=SHANGHAI)


def choices(round: Round, positive: set[str]) -> dict[int, int]:
    """Option 0 (positive) for the rates in `positive`, the last option (negative) otherwise."""
    return {
        q.pk: 0 if q.rate in positive else len(q.options) - 1
        for q in round.questionnaire.questions.all()
        if q.rate
    }


def open_since_may(round: Round) -> Round:
    """The shared fixture's open round, set to run from 1 May to 30 June with no answers yet."""
    Response.objects.all().delete()
    Round.objects.filter(pk=round.pk).update(opens_on=date(2026, 5, 1), closes_on=date(2026, 6, 30))
    round.refresh_from_db()
    return round
