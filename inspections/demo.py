"""A season of patrols for the demo city (issue 5): weekly rounds in every community with
findings in every state (before and after photos), building rosters with a few vacancies,
civility pacts, and volunteer and education activities. Skips a community that has patrols."""

from __future__ import annotations

import io
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from councils.models import Community, Membership
from councils.periods import SHANGHAI, today

from . import services
from .models import Activity, BuildingOfficer, Category, Finding, Patrol

User = get_user_model()
PLACES = ["东侧路口", "菜市场门口", "小区北门", "健身广场旁", "3号楼后巷"]
DESCRIPTIONS = {
    Category.STALLS: "流动摊贩占道经营",
    Category.PARKING: "电动车占用消防通道",
    Category.POSTERS: "楼道张贴小广告",
    Category.PILING: "楼道堆放纸箱杂物",
    Category.DRYING: "沿街阳台晾晒衣物",
    Category.LITTERING: "绿化带内乱扔垃圾",
    Category.ILLEGAL_CONSTRUCTION: "一楼住户私搭雨棚",
}
OFFICER_NAMES = ["陈秀英", "林国华", "黄建明", "张丽娟", "吴志强", "郑桂兰", "刘德胜", "王美玲"]


def demo_photo(colour: tuple[int, int, int], label: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (320, 240), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 280, 200), outline=(255, 255, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{label}.jpg", out.getvalue(), "image/jpeg")


# How far each demo finding goes: every state of the lifecycle appears.
PATHS = [
    [],
    [Finding.Status.DISSUADED],
    [Finding.Status.ORDERED],
    [Finding.Status.ORDERED, Finding.Status.RECTIFIED],
    [Finding.Status.ORDERED, Finding.Status.RECTIFIED, Finding.Status.VERIFIED],
    [Finding.Status.ESCALATED],
    [Finding.Status.CLOSED],
    [Finding.Status.CLOSED, Finding.Status.REOPENED],
]


@transaction.atomic
def load_demo() -> dict[str, int]:
    archive = User.objects.get(username="demo-archive")
    patroller = User.objects.filter(username="patroller").first() or archive
    categories = list(DESCRIPTIONS)
    communities = list(Community.objects.select_related("street").order_by("street__name", "name"))
    for index, community in enumerate(communities):
        if Patrol.objects.filter(community=community).exists():
            continue
        by = patroller if community.name == "高岩社区" else archive
        buildings = list(community.buildings.order_by("name"))
        for week in range(12):
            started = datetime.combine(
                today() - timedelta(days=7 * (12 - week) - 2), time(9, 0), tzinfo=SHANGHAI
            )
            patrol = services.patrol_record(
                community=community, started_at=started, route="社区主干道及楼栋周边", by=by
            )
            if week % 2:
                continue
            n = (week // 2 + index) % len(PATHS)
            category = categories[(week + index) % len(categories)]
            building = buildings[(week + index) % len(buildings)] if buildings and week % 4 == 0 else None
            finding = services.finding_report(
                community=community,
                patrol=patrol,
                category=category,
                building=building,
                address="" if building else PLACES[(week + index) % len(PLACES)],
                description=DESCRIPTIONS[category],
                photos=[demo_photo((170, 70, 60), "before")],
                by=by,
            )
            Finding.objects.filter(pk=finding.pk).update(reported_at=started + timedelta(minutes=30))
            for status in PATHS[n]:
                extra = {}
                if status == Finding.Status.RECTIFIED:
                    extra["after_photos"] = [demo_photo((60, 150, 90), "after")]
                if status == Finding.Status.ESCALATED:
                    extra["handover_note"] = "已移交街道综合执法队处理"
                if status == Finding.Status.CLOSED:
                    extra["closed_reason"] = "当事人已搬离，无法继续处理"
                finding = services.finding_transition(finding=finding, to=status, by=archive, **extra)
            if finding.status == Finding.Status.ORDERED and week < 8:
                Finding.objects.filter(pk=finding.pk).update(
                    deadline=started.date() + timedelta(days=7)
                )  # overdue
        _buildings(community, buildings, index, archive)
        _activities(community, index, archive)
    return {
        "patrols": Patrol.objects.count(),
        "findings": Finding.objects.count(),
        "officers": BuildingOfficer.objects.count(),
        "activities": Activity.objects.count(),
    }


def _buildings(community, buildings, index, by) -> None:
    posts = list(BuildingOfficer.Post.values)
    for b_index, building in enumerate(buildings):
        filled = posts[: 6 - (b_index + index) % 3]  # some buildings have one or two vacancies
        for p_index, post in enumerate(filled):
            services.officer_set(
                building=building,
                post=post,
                name=OFFICER_NAMES[(b_index + p_index + index) % len(OFFICER_NAMES)],
                phone=f"139{(index * 100 + b_index * 10 + p_index):08d}",
                since=today() - timedelta(days=400),
                by=by,
            )
        if b_index % 2 == 0:
            services.pact_set(
                building=building,
                text="爱护公共环境，不乱堆乱放；文明停车，不占消防通道；邻里和睦，互帮互助；垃圾分类，定点投放。",
                adopted_on=today() - timedelta(days=365),
                by=by,
            )


def _activities(community, index, by) -> None:
    units = [m.unit for m in Membership.objects.filter(council__community=community, left_on__isnull=True)]
    kinds = list(Activity.Kind.values)
    for month in range(3):
        kind = kinds[(month + index) % len(kinds)]
        services.activity_record(
            community=community,
            kind=kind,
            title=f"{Activity.Kind(kind).label}活动",
            held_on=today() - timedelta(days=20 + 30 * month),
            organiser=units[month % len(units)] if units else None,
            participants=8 + (month + index) % 10,
            volunteer_hours=Decimal(12 + 4 * month),
            people_served=20 + 5 * ((month + index) % 6),
            by=by,
        )
