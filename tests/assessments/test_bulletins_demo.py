"""The demo city's bulletins (issue 7): 梅列区 has one published bulletin and one draft."""

import pytest

from assessments.bulletins_demo import load_demo as load_demo_bulletins
from assessments.demo import load_demo as load_demo_assessments
from assessments.models_bulletins import Bulletin, ModelCase
from councils.demo import load_demo_city
from finance.demo import load_demo as load_demo_fund
from inspections.demo import load_demo as load_demo_patrols

pytestmark = pytest.mark.django_db


def test_demo_has_a_published_bulletin_and_a_draft_and_loads_once():
    """R-6.3: the published one has its number and file; the draft is compiled and ready to sign;
    a model case (R-5.2) is praised in it. Loading again adds nothing."""
    load_demo_city()
    load_demo_fund()
    load_demo_patrols()
    load_demo_assessments()
    load_demo_bulletins()

    published, draft = Bulletin.objects.order_by("year", "part")
    assert (
        published.state == Bulletin.State.PUBLISHED
        and published.number == f"梅文明办〔{published.number_year}〕1号"
    )
    assert published.file and len(published.checksum) == 64
    assert draft.state == Bulletin.State.READY and draft.serial is None and draft.file
    assert "共建资金“阳光账本”" in draft.praise
    assert draft.commentary and "未按季度召开" in draft.problems

    counts = (Bulletin.objects.count(), ModelCase.objects.count())
    load_demo_bulletins()
    assert (Bulletin.objects.count(), ModelCase.objects.count()) == counts
