"""The surveys part of the shared two-sided city (issue 9, R-6.2), called from build_side.

Side A gets the open round (rounds belong to the whole city, like assessment periods): it runs over
the current quarter, so a round a test sets for another quarter never overlaps it, and a bulletin of
last quarter never counts it, whatever the day (issue 14 §0). Side A also gets a draft
questionnaire version (revised from the one the round froze, so its questions can still be
edited) and one of its questions. Each side's community gets one answer in the round, and
`side.survey_link` (its poster's signed link, issue 14 §6)."""

from __future__ import annotations

from dataclasses import dataclass

from councils.periods import Quarter
from surveys import services
from surveys.models import Round
from surveys.posters import survey_token


@dataclass(frozen=True)
class SurveyLink:
    pk: str


def answers_for(round: Round, *, satisfied: bool = True) -> dict[int, int]:
    """An answer to every rate question: positive, or the middle of the scale / "否"."""
    return {
        q.pk: (0 if satisfied else q.positive_options) for q in round.questionnaire.questions.all() if q.rate
    }


def build_surveys(side) -> None:
    round = Round.current()
    if round is None:
        quarter = Quarter.current()
        round = services.round_create(
            name="测试轮次",
            opens_on=quarter.first_day,
            closes_on=quarter.last_day,
            questionnaire=services.questionnaire_ensure_default(),
            by=None,
        )
    services.response_submit(
        round=round,
        community=side.community,
        answers=answers_for(round),
        device_token=f"fixture-{side.community.pk}",
        address="192.0.2.1",
    )
    # The poster's link of the side's community in the open round (what the QR code carries);
    # `.pk` is the token, for the access matrix that reverses every URL with its object's pk.
    side.survey_link = SurveyLink(pk=survey_token(side.community, round))
    if side.community.name.startswith("甲"):
        side.survey_round = round
        side.survey_questionnaire = services.questionnaire_revise(
            source=round.questionnaire, note="测试修订", by=None
        )
        side.survey_question = side.survey_questionnaire.questions.order_by("order", "pk").first()
