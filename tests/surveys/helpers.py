"""Small helpers for the survey tests: answers given through the service, as residents do."""

from __future__ import annotations

from itertools import count

from surveys import services
from surveys.models import Rate, Round

_device = count(1)


def rate_question(round: Round, rate: str):
    return next(q for q in round.questionnaire.questions.all() if q.rate == rate)


def answer(round: Round, community, *, choices: dict[str, int] | None = None, address: str = "198.51.100.7"):
    """One resident's answers: option 0 (positive) for every rate unless `choices` names
    another option for a rate (by position in the question's options)."""
    choices = choices or {}
    answers = {q.pk: choices.get(q.rate, 0) for q in round.questionnaire.questions.all() if q.rate}
    return services.response_submit(
        round=round,
        community=community,
        answers=answers,
        device_token=f"device-{next(_device)}",
        address=address,
    )


def answer_many(round: Round, community, *, satisfied: int, unsatisfied: int) -> None:
    """`satisfied` residents choose 非常满意, `unsatisfied` choose 一般 (not positive)."""
    for _ in range(satisfied):
        answer(round, community)
    for _ in range(unsatisfied):
        answer(round, community, choices={Rate.SATISFACTION: 2})
