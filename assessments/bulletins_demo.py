"""Bulletins in the demo city (R-6.3, R-5.2): two model cases nominated by the street, a published
bulletin of 梅列区 for the quarter before last (with its number and file) and a draft for last
quarter, compiled and rendered, waiting to be signed. Idempotent: a period that has a bulletin is
left as it is. The jobs run in-process here, so the demo needs no worker."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model

from councils.models import Council, District
from councils.periods import Quarter

from . import bulletins
from .models_bulletins import Bulletin, ModelCase, Span

User = get_user_model()
DISTRICT = "梅列区"
COMMENTARY = (
    "本季度各理事会总体运行平稳，多数理事会能够按季度召开会议、集体研究决定共建事项。"
    "\n对通报的问题，相关理事会和成员单位要在十五个工作日内整改到位，并将整改情况报区文明办。"
    "\n各街道要加强日常督导，推广典型经验，切实提高居民的赞同率、知晓率、支持率、参与率和满意率。"
)
CASES = [
    (
        "高岩社区",
        "楼道“微治理”认领制",
        "成员单位按楼栋认领楼道，每月与居民代表联合评比，楼道堆物问题明显减少。",
    ),
    ("崇宁社区", "共建资金“阳光账本”", "理事会每季度在公示栏公开资金收支，重大支出均经理事会集体研究决定。"),
]


def _case(community_name: str, title: str, story: str, quarter: Quarter, by) -> None:
    if ModelCase.objects.filter(title=title).exists():
        return
    council = Council.objects.filter(community__name=community_name).select_related("community").first()
    if council is None:
        return
    membership = council.memberships.filter(left_on__isnull=True).select_related("unit").first()
    bulletins.model_case_nominate(
        community=council.community,
        unit=membership.unit if membership else None,
        title=title,
        story=story,
        occurred_on=quarter.first_day + timedelta(days=20),
        by=by,
    )


def _compiled(district: District, quarter: Quarter, by) -> Bulletin | None:
    """The district's bulletin of the quarter, compiled and rendered; None if it existed."""
    if Bulletin.objects.filter(
        district=district, span=Span.QUARTER, year=quarter.year, part=quarter.number
    ).exists():
        return None
    bulletin = bulletins.bulletin_create(
        district=district,
        span=Span.QUARTER,
        year=quarter.year,
        part=quarter.number,
        by=by,
        commentary=COMMENTARY,
    )
    bulletins.bulletin_generate(bulletin=bulletin, by=by, recompile=True)
    bulletins.bulletin_run(bulletin_id=bulletin.pk)
    return Bulletin.objects.get(pk=bulletin.pk)


def load_demo() -> dict[str, int]:
    district = District.objects.filter(name=DISTRICT).first()
    office = User.objects.filter(username="district").first()
    street = User.objects.filter(username="street").first() or office
    if district is None or office is None:
        return {"bulletins": Bulletin.objects.count()}
    last = Quarter.current().previous()
    before = last.previous()
    _case(*CASES[0], before, street)
    _case(*CASES[1], last, street)

    published = _compiled(district, before, office)
    if published is not None and published.state == Bulletin.State.READY:
        bulletins.bulletin_publish(bulletin=published, by=office)
        bulletins.bulletin_run(bulletin_id=published.pk)
    _compiled(district, last, office)
    return {"bulletins": Bulletin.objects.count(), "model_cases": ModelCase.objects.count()}
