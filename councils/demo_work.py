"""A year of council work for the demo city (issue 3): quarterly meetings with attendance and
resolutions (a few councils behind, one unquorate vote), term and annual plans with solicited
opinions, tasks in every state, responsible areas and contacts with residents. Dates are set
relative to today's quarter so "behind this quarter" always has something to show; rows are keyed
on natural values, so loading again adds nothing."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db import transaction

from . import services
from .compliance import compliance_record_misses
from .models import ContactLog, Council, Meeting, Membership, Plan, PlanOpinion, Resolution, Task
from .periods import SHANGHAI, Quarter, today
from .services.meetings import Seat, seats_at

User = get_user_model()
MATTERS = ["楼道堆放杂物", "路灯损坏", "小区停车难", "垃圾分类点异味", "老人就医不便", "围墙破损"]


def archivist():
    user, created = User.objects.get_or_create(
        username="demo-archive", defaults={"first_name": "历史数据导入", "is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


def meeting_day(quarter: Quarter, index: int) -> datetime:
    """The middle month of the quarter, a day that differs between councils, at 09:30."""
    day = quarter.first_day.replace(month=quarter.first_day.month + 1, day=5 + index % 20)
    return datetime.combine(day, time(9, 30), tzinfo=SHANGHAI)


def record_meeting(
    council: Council, held_at: datetime, index: int, by, *, thin: bool = False
) -> Meeting | None:
    existing = Meeting.objects.filter(council=council, held_at=held_at).first()
    if existing:
        return existing
    seats = list(seats_at(council, held_at))
    if not seats:
        return None
    marks = []
    for n, seat in enumerate(seats):
        # Larger councils see the odd absence; a thin meeting has only its first seat present.
        present = n == 0 if thin else not (len(seats) >= 4 and (n + index) % 5 == 4)
        marks.append(
            Seat(
                seat.pk,
                present=present,
                representative=seat.representative if present else "",
                absence_reason="" if present else ("外出公务" if n % 2 else ""),
            )
        )
    quarter = Quarter.of(held_at)
    meeting = services.meeting_record(
        council=council,
        held_at=held_at,
        kind=Meeting.Kind.REGULAR,
        place=f"{council.community.name}党群服务中心会议室",
        seats=marks,
        agenda=[f"{quarter}共建工作小结", "下阶段共建任务部署", "居民意见办理情况"],
        minutes=f"会议听取了{quarter}共建工作小结，研究部署了下阶段共建任务，通报了居民意见办理情况。",
        by=by,
    )
    present = meeting.present_count
    services.resolution_record(
        meeting=meeting,
        title="部署下阶段共建任务",
        text="同意由成员单位分片负责开展环境整治和志愿服务。",
        subject=Resolution.Subject.TASK,
        votes_for=present if not thin else 1,
        by=by,
    )
    return meeting


@transaction.atomic
def load_demo_work() -> dict[str, int]:
    by = archivist()
    now_quarter = Quarter.current()
    past = [now_quarter.previous()]
    for _i in range(3):
        past.append(past[-1].previous())
    past.reverse()  # the four quarters before this one, oldest first
    councils = list(
        Council.objects.select_related("community").order_by("community__street__name", "community__name")
    )

    for index, council in enumerate(councils):
        _areas_and_contacts(council, index, by)
        for q_index, quarter in enumerate(past):
            # Two councils fell behind: one last quarter, one the quarter before.
            if (index == 3 and q_index == 3) or (index == 6 and q_index == 2):
                continue
            record_meeting(council, meeting_day(quarter, index), index, by)
        # This quarter: a third of the councils have met already (when the date allows).
        held_at = datetime.combine(
            now_quarter.first_day + timedelta(days=index % 10), time(9, 30), tzinfo=SHANGHAI
        )
        if index % 3 == 0 and held_at.date() < today():
            record_meeting(council, held_at, index, by)
        if index == 4:  # an extraordinary meeting where too few came: its vote authorises nothing
            thin_at = meeting_day(past[-1], index) + timedelta(days=3)
            if not Meeting.objects.filter(council=council, held_at=thin_at).exists():
                record_meeting(council, thin_at, index, by, thin=True)
        _plans(council, index, by)
        _tasks(council, index, by)

    for quarter in past:
        compliance_record_misses(quarter=quarter)
    return {
        "meetings": Meeting.objects.count(),
        "resolutions": Resolution.objects.count(),
        "plans": Plan.objects.count(),
        "tasks": Task.objects.count(),
        "contacts": ContactLog.objects.count(),
    }


def _areas_and_contacts(council: Council, index: int, by) -> None:
    buildings = list(council.community.buildings.order_by("name"))
    seats = list(council.memberships.filter(left_on__isnull=True).order_by("unit__name"))
    if not buildings or not seats:
        return
    for n, seat in enumerate(seats):
        if seat.areas.exists():
            continue
        mine = buildings[n :: len(seats)] or [buildings[n % len(buildings)]]
        services.membership_update(
            membership=seat, position=seat.position, representative=seat.representative, buildings=mine, by=by
        )
    for n, seat in enumerate(seats[:3]):
        if ContactLog.objects.filter(membership=seat).exists():
            continue
        area = list(seat.areas.select_related("building"))
        for k in range(2):
            contacted_on = max(today() - timedelta(days=20 + 35 * k + n * 3 + index), seat.joined_on)
            services.contact_log_record(
                membership=seat,
                contacted_on=contacted_on,
                building=area[k % len(area)].building,
                residents_met=3 + (n + k + index) % 8,
                matters=MATTERS[(n + k + index) % len(MATTERS)],
                follow_up="已转社区居委会跟进" if k == 0 else "",
                by=by,
            )


def _plans(council: Council, index: int, by) -> None:
    carried = list(
        Resolution.objects.filter(council=council, outcome=Resolution.Outcome.CARRIED).order_by(
            "meeting__held_at"
        )
    )
    if not carried:
        return
    year = today().year
    term, created = Plan.objects.get_or_create(
        council=council,
        kind=Plan.Kind.TERM,
        defaults={
            "title": f"{council.community.name}共建理事会本届创建规划",
            "content": "围绕环境整治、志愿服务、文化教育三方面开展共建，每季度召开理事会议研究部署。",
            "created_by": by,
        },
    )
    if created:
        term = services.plan_transition(plan=term, to=Plan.Status.SOLICITING, by=by)
        opinion = services.opinion_record(
            plan=term,
            source=PlanOpinion.Source.RESIDENT,
            source_name="居民代表",
            content="希望增加老年活动",
            received_on=carried[0].meeting.held_at.date(),
            by=by,
        )
        services.opinion_decide(opinion=opinion, adopted=True, reason="纳入文化活动安排", by=by)
        term = services.plan_transition(plan=term, to=Plan.Status.APPROVED, resolution=carried[0], by=by)
        services.plan_transition(plan=term, to=Plan.Status.IN_FORCE, by=by)
    annual, created = Plan.objects.get_or_create(
        council=council,
        kind=Plan.Kind.ANNUAL,
        year=year,
        defaults={
            "title": f"{council.community.name}{year}年度共建计划",
            "content": "一季度开展环境卫生整治，二季度开展志愿服务月，三季度开展法治宣传，四季度总结评比。",
            "created_by": by,
        },
    )
    if created and index % 2 == 0:
        annual = services.plan_transition(plan=annual, to=Plan.Status.SOLICITING, by=by)
        services.opinion_record(
            plan=annual,
            source=PlanOpinion.Source.UNIT,
            source_name="成员单位",
            content="建议增加消防安全宣传",
            received_on=today(),
            by=by,
        )


def _tasks(council: Council, index: int, by) -> None:
    if Task.objects.filter(council=council).exists():
        return
    resolutions = Resolution.objects.filter(
        council=council, outcome=Resolution.Outcome.CARRIED, subject=Resolution.Subject.TASK
    ).order_by("meeting__held_at")
    units = [
        m.unit
        for m in Membership.objects.filter(council=council, left_on__isnull=True).select_related("unit")
    ]
    if not units:
        return
    for n, resolution in enumerate(resolutions):
        held = resolution.meeting.held_at.astimezone(SHANGHAI).date()
        task = services.task_create(
            resolution=resolution,
            title=["楼道环境整治", "志愿服务进社区", "法治宣传讲座", "文明劝导行动"][(n + index) % 4],
            description="按责任片区组织实施并报告进展。",
            assignee=units[(n + index) % len(units)],
            due_on=held + timedelta(days=60),
            by=by,
        )
        if task.due_on < today() and (n + index) % 3 != 0:
            services.task_complete(task=task, done_on=min(task.due_on, today()), by=by)
        elif task.due_on >= today():
            services.task_progress_record(
                task=task, percent=40, note="已完成前期摸排", reported_on=today(), by=by
            )
