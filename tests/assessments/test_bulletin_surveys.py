"""The bulletin's overview carries the residents' five rates and names the least satisfied
communities, only those with a large enough sample (R-6.2, R-6.3)."""

import pytest

from assessments.bulletin_data import bulletin_facts
from assessments.bulletins import compose
from councils.periods import Quarter, today
from surveys.models import Response, Round
from tests.surveys.helpers import answer_many

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def overview(district=None) -> tuple[dict, str]:
    quarter = Quarter.current()
    facts = bulletin_facts(
        district=district, start=quarter.first_day, end=quarter.last_day, quarters=[quarter], today=today()
    )
    return facts["surveys"], compose(facts, period=str(quarter))["overview"]


def test_overview_gives_the_city_rates_and_names_only_communities_with_enough_answers(side_a, side_b):
    Response.objects.all().delete()
    round = Round.current()
    answer_many(round, side_a.community, satisfied=15, unsatisfied=15)
    answer_many(round, side_b.community, satisfied=1, unsatisfied=5)  # fewer than the minimum of 30
    surveys, text = overview()
    assert surveys["responses"] == 36
    assert [r["label"] for r in surveys["rates"]] == ["赞同率", "知晓率", "支持率", "参与率", "满意率"]
    assert "共收回答卷36份" in text and "满意率44.4%" in text
    assert f"{side_a.community.name}（{side_a.street.name}，满意率50.0%，30份）" in text
    assert side_b.community.name not in text  # the least satisfied, but only 6 answers
    # Within district B alone no community has enough answers to be named.
    surveys_b, text_b = overview(side_b.district)
    assert surveys_b["responses"] == 6 and surveys_b["lowest"] == [] and "满意率较低" not in text_b


def test_without_answers_the_overview_says_nothing_of_surveys(side_a):
    Response.objects.all().delete()
    _surveys, text = overview()
    assert "居民调查" not in text
