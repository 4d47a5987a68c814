"""Plans and tasks (R-1.4, R-1.2, R-1.1): plans solicit opinions and are approved only by a
carried resolution of their own council; tasks rest on such a resolution, are assigned to member
units, report progress and fall overdue on a Shanghai calendar. Pages show the services' refusals
and keep a fixed number of queries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from councils import services
from councils.models import Meeting, Plan, PlanOpinion, Resolution, Task
from councils.periods import today
from councils.roles import Role
from councils.services.meetings import Seat
from tests.conftest import build_side, user_with_role
from tests.factories import MembershipFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db


# --- Helpers -----------------------------------------------------------------------------------


def vote(side, *, seats: int, present: int, votes_for: int, votes_against: int = 0, days_ago: int = 0):
    """A meeting of the side's council with `seats` seats (the side's own and new ones), `present`
    of them present, and one resolution with these votes."""
    for _ in range(seats - side.council.memberships.filter(left_on__isnull=True).count()):
        MembershipFactory(council=side.council, unit=MemberUnitFactory(street=side.street))
    memberships = list(side.council.memberships.filter(left_on__isnull=True).order_by("pk"))[:seats]
    meeting = services.meeting_record(
        council=side.council,
        held_at=timezone.now() - timedelta(days=days_ago, hours=1),
        kind=Meeting.Kind.EXTRAORDINARY,
        place="社区会议室",
        seats=[Seat(m.pk, present=i < present) for i, m in enumerate(memberships)],
        minutes="会议纪要",
        by=side.secretary,
    )
    return services.resolution_record(
        meeting=meeting,
        title="审议年度计划",
        text="决议内容",
        votes_for=votes_for,
        votes_against=votes_against,
        subject=Resolution.Subject.PLAN,
        by=side.secretary,
    )


def unquorate(side):
    """1 of 3 seats present: no quorum, whatever the vote (R-1.2)."""
    resolution = vote(side, seats=3, present=1, votes_for=1)
    assert resolution.outcome == Resolution.Outcome.UNQUORATE
    return resolution


def failed(side):
    """2 of 3 seats present (a quorum), 1 for and 1 against: not a majority of those present."""
    resolution = vote(side, seats=3, present=2, votes_for=1, votes_against=1)
    assert resolution.outcome == Resolution.Outcome.FAILED
    return resolution


def answer_all(plan, by):
    for opinion in plan.opinions.all():
        services.opinion_decide(opinion=opinion, adopted=True, reason="合理，已采纳", by=by)


def page(response) -> str:
    return response.content.decode()


@pytest.fixture
def secretary(client, side_a):
    user = user_with_role(Role.COUNCIL_SECRETARY, side_a)
    client.force_login(user)
    return user


def task_form(**overrides):
    return {
        "title": "清理楼道堆物",
        "description": "每栋楼清理一次",
        "assignee": overrides.pop("assignee"),
        "due_on": (today() + timedelta(days=20)).isoformat(),
        **overrides,
    }


# --- Done when: an unquorate resolution approves nothing (R-1.4, R-1.2) ------------------------


def test_R_1_4_unquorate_resolution_cannot_approve_a_plan_or_deploy_a_task(side_a):
    resolution = unquorate(side_a)
    plan = side_a.plan
    answer_all(plan, side_a.secretary)
    with pytest.raises(Exception, match="未达法定人数，无效，不能批准规划"):
        services.plan_transition(
            plan=plan, to=Plan.Status.APPROVED, resolution=resolution, by=side_a.secretary
        )
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SOLICITING
    assert plan.get_status_display() == "征求意见中"
    with pytest.raises(Exception, match="未达法定人数，无效，不能据此部署任务"):
        services.task_create(
            resolution=resolution,
            title="任务",
            assignee=side_a.unit,
            due_on=today() + timedelta(days=10),
            by=side_a.secretary,
        )
    assert not Task.objects.filter(resolution=resolution).exists()


def test_R_1_4_the_pages_show_that_an_unquorate_resolution_approves_nothing(client, side_a, secretary):
    resolution = unquorate(side_a)
    answer_all(side_a.plan, secretary)
    url = reverse("plan_transition", args=[side_a.plan.pk, "approved"])

    form_page = page(client.get(url))
    assert f'value="{resolution.pk}"' in form_page  # offered, so the refusal can be seen
    assert "未达法定人数，无效" in form_page

    response = client.post(url, {"resolution": resolution.pk, "confirm": "on"})
    assert response.status_code == 200
    assert "未达法定人数，无效，不能批准规划" in page(response)
    side_a.plan.refresh_from_db()
    assert side_a.plan.status == Plan.Status.SOLICITING
    assert side_a.plan.approved_by is None

    task_url = reverse("task_create", args=[resolution.pk])
    assert "只有达到法定人数" in page(client.get(task_url))
    before = Task.objects.count()
    response = client.post(task_url, task_form(assignee=side_a.unit.pk))
    assert response.status_code == 200
    body = page(response)
    assert "未达法定人数，无效，不能据此部署任务" in body
    assert 'value="清理楼道堆物"' in body  # what was typed is kept
    assert Task.objects.count() == before


def test_R_1_2_a_failed_resolution_approves_nothing(client, side_a, secretary):
    resolution = failed(side_a)
    answer_all(side_a.plan, secretary)
    response = client.post(
        reverse("plan_transition", args=[side_a.plan.pk, "approved"]),
        {"resolution": resolution.pk, "confirm": "on"},
    )
    assert "未通过，不能批准规划" in page(response)
    side_a.plan.refresh_from_db()
    assert side_a.plan.status == Plan.Status.SOLICITING

    response = client.post(reverse("task_create", args=[resolution.pk]), task_form(assignee=side_a.unit.pk))
    assert "未通过，不能据此部署任务" in page(response)
    assert not Task.objects.filter(resolution=resolution).exists()


def test_R_1_4_a_carried_resolution_of_another_council_cannot_approve_a_plan(side_a, side_b):
    assert side_b.resolution.outcome == Resolution.Outcome.CARRIED
    answer_all(side_a.plan, side_a.secretary)
    with pytest.raises(Exception, match="只能选择本理事会的决议"):
        services.plan_transition(
            plan=side_a.plan, to=Plan.Status.APPROVED, resolution=side_b.resolution, by=side_a.secretary
        )
    side_a.plan.refresh_from_db()
    assert side_a.plan.status == Plan.Status.SOLICITING


def test_R_1_4_the_approval_page_offers_only_the_councils_own_resolutions_carried_first(
    client, side_a, side_b, secretary
):
    bad = unquorate(side_a)
    form = client.get(reverse("plan_transition", args=[side_a.plan.pk, "approved"])).context["form"]
    offered = list(form.fields["resolution"].queryset)
    assert offered == [side_a.resolution, bad]
    assert side_b.resolution not in offered


# --- The plan workflow (R-1.4) -----------------------------------------------------------------


def test_R_1_4_plan_workflow_from_draft_to_in_force(client, side_a, secretary):
    council = side_a.council
    response = client.post(
        reverse("plan_create", args=[council.pk]),
        {"kind": "annual", "year": today().year, "title": "社区共建年度计划", "content": "一、环境整治"},
    )
    plan = Plan.objects.get(title="社区共建年度计划")
    assert response.status_code == 302
    assert response.url == reverse("plan_detail", args=[plan.pk])
    assert plan.status == Plan.Status.DRAFT and plan.council == council

    detail = page(client.get(plan.get_absolute_url()))
    assert "草案" in detail and "征求意见中" in detail and "理事会已通过" in detail and "执行中" in detail
    assert reverse("plan_transition", args=[plan.pk, "soliciting"]) in detail

    client.post(reverse("plan_transition", args=[plan.pk, "soliciting"]), {"confirm": "on"})
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SOLICITING

    for name, source in (("王大妈", "resident"), ("市质量技术监督局", "unit")):
        response = client.post(
            reverse("planopinion_create", args=[plan.pk]),
            {
                "source": source,
                "source_name": name,
                "content": "建议增加活动",
                "received_on": today().isoformat(),
            },
        )
        assert response.status_code == 302
    resident, unit = plan.opinions.order_by("pk")
    assert "待答复" in page(client.get(plan.get_absolute_url()))

    approve = reverse("plan_transition", args=[plan.pk, "approved"])
    response = client.post(approve, {"resolution": side_a.resolution.pk, "confirm": "on"})
    assert "还有意见未答复是否采纳" in page(response)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.SOLICITING

    decide = reverse("planopinion_decide", args=[resident.pk])
    assert "请写明采纳或不采纳的理由" in page(client.post(decide, {"adopted": "1", "reason": ""}))
    client.post(decide, {"adopted": "1", "reason": "已纳入第三季度活动"})
    client.post(
        reverse("planopinion_decide", args=[unit.pk]), {"adopted": "0", "reason": "经费不足，明年考虑"}
    )
    resident.refresh_from_db()
    unit.refresh_from_db()
    assert (resident.adopted, unit.adopted) == (True, False)

    response = client.post(approve, {"resolution": side_a.resolution.pk, "confirm": "on"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == Plan.Status.APPROVED and plan.approved_by == side_a.resolution

    client.post(reverse("plan_transition", args=[plan.pk, "in_force"]), {"confirm": "on"})
    plan.refresh_from_db()
    assert plan.get_status_display() == "执行中"

    detail = page(client.get(plan.get_absolute_url()))
    assert side_a.resolution.number in detail
    assert "不采纳" in detail and "经费不足，明年考虑" in detail and "已纳入第三季度活动" in detail
    assert "状态变更" in detail  # the history shows who moved it and when
    assert reverse("plan_update", args=[plan.pk]) not in detail


def test_R_1_4_an_approved_plan_cannot_be_edited(client, side_a, secretary):
    plan = side_a.plan
    answer_all(plan, secretary)
    services.plan_transition(plan=plan, to=Plan.Status.APPROVED, resolution=side_a.resolution, by=secretary)
    response = client.post(
        reverse("plan_update", args=[plan.pk]), {"title": "改过的标题", "content": "改过的内容", "year": 2026}
    )
    assert response.status_code == 200
    assert "规划已经理事会通过，不能再修改内容" in page(response)
    plan.refresh_from_db()
    assert plan.title == "甲年度计划"


def test_a_plan_in_soliciting_can_be_edited_and_the_history_shows_it(client, side_a, secretary):
    response = client.post(
        reverse("plan_update", args=[side_a.plan.pk]),
        {"title": "甲年度计划（修订）", "content": "修订后的内容", "year": today().year},
    )
    assert response.status_code == 302
    detail = page(client.get(side_a.plan.get_absolute_url()))
    assert "甲年度计划（修订）" in detail
    assert "甲年度计划 → 甲年度计划（修订）" in detail


def test_an_annual_plan_needs_a_year_and_withdrawal_needs_a_reason(client, side_a, secretary):
    response = client.post(
        reverse("plan_create", args=[side_a.council.pk]),
        {"kind": "annual", "title": "无年度", "content": "内容"},
    )
    assert "年度计划需要填写年度" in page(response)
    assert not Plan.objects.filter(title="无年度").exists()

    url = reverse("plan_transition", args=[side_a.plan.pk, "withdrawn"])
    assert "请填写撤回原因" in page(client.post(url, {"reason": "", "confirm": "on"}))
    client.post(url, {"reason": "并入届期规划", "confirm": "on"})
    side_a.plan.refresh_from_db()
    assert side_a.plan.status == Plan.Status.WITHDRAWN
    assert "并入届期规划" in page(client.get(side_a.plan.get_absolute_url()))


def test_transition_to_an_unknown_status_is_404_and_a_disallowed_one_is_refused(client, side_a, secretary):
    assert client.get(reverse("plan_transition", args=[side_a.plan.pk, "published"])).status_code == 404
    response = client.post(reverse("plan_transition", args=[side_a.plan.pk, "in_force"]), {"confirm": "on"})
    assert "不能变为“执行中”" in page(response)
    chooser = page(client.get(reverse("plan_transition", args=[side_a.plan.pk])))
    assert reverse("plan_transition", args=[side_a.plan.pk, "approved"]) in chooser


def test_plan_list_filters_and_searches(client, side_a, side_b):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    services.plan_create(
        council=side_a.council,
        kind=Plan.Kind.TERM,
        title="第三届创建规划",
        content="三年目标",
        by=side_a.secretary,
    )
    response = client.get(reverse("plan_list"), {"council": side_a.council.pk, "kind": "term"})
    assert [p.title for p in response.context["page_obj"]] == ["第三届创建规划"]
    response = client.get(reverse("plan_list"), {"q": "乙年度", "status": "soliciting", "year": today().year})
    assert [p.title for p in response.context["page_obj"]] == ["乙年度计划"]
    assert "没有符合条件的规划或计划" in page(client.get(reverse("plan_list"), {"q": "不存在"}))


def test_the_plan_list_offers_a_secretary_to_draft_and_others_not(client, side_a):
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_a))
    assert reverse("plan_create", args=[side_a.council.pk]) in page(client.get(reverse("plan_list")))
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    assert reverse("plan_create", args=[side_a.council.pk]) not in page(client.get(reverse("plan_list")))


# --- Tasks (R-1.1) -----------------------------------------------------------------------------


def other_units_task(side):
    """A task of the side's council assigned to a second member unit."""
    other = MembershipFactory(
        council=side.council, unit=MemberUnitFactory(street=side.street, name="乙方单位")
    )
    return services.task_create(
        resolution=side.resolution,
        title="另一单位的任务",
        assignee=other.unit,
        due_on=today() + timedelta(days=5),
        by=side.secretary,
    )


def test_R_1_1_a_secretary_deploys_a_task_to_a_current_member_unit(client, side_a, secretary):
    url = reverse("task_create", args=[side_a.resolution.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["assignee"].queryset) == [side_a.unit]
    response = client.post(url, task_form(assignee=side_a.unit.pk))
    task = Task.objects.get(title="清理楼道堆物")
    assert response.status_code == 302 and response.url == task.get_absolute_url()
    assert task.resolution == side_a.resolution and task.assignee == side_a.unit
    detail = page(client.get(task.get_absolute_url()))
    assert side_a.resolution.number in detail and side_a.unit.name in detail


def test_R_1_1_a_unit_contact_reports_progress_only_on_its_own_units_tasks(client, side_a):
    contact = user_with_role(Role.UNIT_CONTACT, side_a)
    client.force_login(contact)
    own = reverse("taskprogress_create", args=[side_a.task.pk])
    assert client.get(own).status_code == 200
    assert own in page(client.get(side_a.task.get_absolute_url()))
    response = client.post(own, {"percent": 40, "note": "已完成两栋楼", "reported_on": today().isoformat()})
    assert response.status_code == 302
    side_a.task.refresh_from_db()
    assert side_a.task.progress == 40
    assert "已完成两栋楼" in page(client.get(side_a.task.get_absolute_url()))

    other = other_units_task(side_a)
    assert client.get(other.get_absolute_url()).status_code == 200  # may read its council's tasks
    assert reverse("taskprogress_create", args=[other.pk]) not in page(client.get(other.get_absolute_url()))
    assert client.get(reverse("taskprogress_create", args=[other.pk])).status_code == 404
    response = client.post(
        reverse("taskprogress_create", args=[other.pk]),
        {"percent": 90, "note": "冒填", "reported_on": today().isoformat()},
    )
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.progress == 0


def test_a_patroller_may_not_report_progress(client, side_a):
    client.force_login(user_with_role(Role.PATROLLER, side_a))
    assert client.get(reverse("taskprogress_create", args=[side_a.task.pk])).status_code == 403


def test_progress_is_a_percentage(client, side_a, secretary):
    url = reverse("taskprogress_create", args=[side_a.task.pk])
    response = client.post(url, {"percent": 120, "note": "超额", "reported_on": today().isoformat()})
    assert response.status_code == 200
    side_a.task.refresh_from_db()
    assert side_a.task.progress == 0


def test_R_1_1_completing_a_task_sets_done_and_100_percent(client, side_a, secretary):
    url = reverse("task_complete", args=[side_a.task.pk])
    assert "确认任务完成" in page(client.get(url))
    response = client.post(url, {"done_on": today().isoformat(), "note": "全部完成", "confirm": "on"})
    assert response.status_code == 302
    side_a.task.refresh_from_db()
    assert side_a.task.status == Task.Status.DONE and side_a.task.progress == 100
    assert side_a.task.done_on == today()
    detail = page(client.get(side_a.task.get_absolute_url()))
    assert "已完成" in detail and "100%" in detail
    assert reverse("taskprogress_create", args=[side_a.task.pk]) not in detail


def test_cancelling_a_task_needs_a_reason(client, side_a, secretary):
    url = reverse("task_cancel", args=[side_a.task.pk])
    response = client.post(url, {"reason": "", "confirm": "on"})
    assert response.status_code == 200
    assert "请填写取消原因" in page(response)
    side_a.task.refresh_from_db()
    assert side_a.task.status == Task.Status.OPEN
    client.post(url, {"reason": "与其他任务合并", "confirm": "on"})
    side_a.task.refresh_from_db()
    assert side_a.task.get_status_display() == "已取消"
    assert "与其他任务合并" in page(client.get(side_a.task.get_absolute_url()))


# Half past midnight on 1 May in Shanghai is still 30 April in UTC.
SHANGHAI_00_30 = datetime(2026, 4, 30, 16, 30, tzinfo=UTC)
OVERDUE_BADGE = '<span class="badge text-bg-danger">逾期</span>'


@pytest.mark.dates
def test_R_1_1_a_task_due_yesterday_in_shanghai_is_overdue_one_due_today_is_not(client, monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: SHANGHAI_00_30)
    assert today().isoformat() == "2026-05-01"
    side = build_side("丙")
    late = services.task_create(
        resolution=side.resolution,
        title="昨天到期",
        assignee=side.unit,
        due_on=today() - timedelta(days=1),
        by=side.secretary,
    )
    services.task_create(
        resolution=side.resolution, title="今天到期", assignee=side.unit, due_on=today(), by=side.secretary
    )
    client.force_login(user_with_role(Role.STREET_STAFF, side))

    response = client.get(reverse("task_list"))
    rows = {t.title: t.overdue for t in response.context["page_obj"]}
    assert rows == {"昨天到期": True, "今天到期": False, "丙任务": False}
    assert page(response).count(OVERDUE_BADGE) == 1

    response = client.get(reverse("task_list"), {"overdue": "on"})
    assert [t.title for t in response.context["page_obj"]] == ["昨天到期"]

    detail = page(client.get(late.get_absolute_url()))
    assert OVERDUE_BADGE in detail
    services.task_complete(task=late, done_on=today(), by=side.secretary)
    assert [t.title for t in client.get(reverse("task_list"), {"overdue": "on"}).context["page_obj"]] == []


def test_task_list_filters_by_unit_status_and_search(client, side_a, side_b):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    other = other_units_task(side_a)
    response = client.get(reverse("task_list"), {"assignee": other.assignee.pk})
    assert [t.title for t in response.context["page_obj"]] == ["另一单位的任务"]
    services.task_cancel(task=other, reason="合并", by=side_a.secretary)
    response = client.get(reverse("task_list"), {"status": "cancelled"})
    assert [t.title for t in response.context["page_obj"]] == ["另一单位的任务"]
    response = client.get(reverse("task_list"), {"q": "乙任务", "council": side_b.council.pk})
    assert [t.title for t in response.context["page_obj"]] == ["乙任务"]
    assert "没有符合条件的共建任务" in page(client.get(reverse("task_list"), {"q": "不存在"}))


def test_a_secretary_sees_where_to_deploy_a_task_from(client, side_a, secretary):
    listing = page(client.get(reverse("task_list")))
    assert reverse("task_create", args=[side_a.resolution.pk]) in listing


# --- Fixed query counts ------------------------------------------------------------------------


def grow(side, n=4):
    """More of everything: plans with answered opinions and history, tasks with progress."""
    by = side.secretary
    for i in range(n):
        unit = MembershipFactory(council=side.council, unit=MemberUnitFactory(street=side.street)).unit
        task = services.task_create(
            resolution=side.resolution,
            title=f"任务{i}",
            assignee=unit,
            due_on=today() + timedelta(days=i),
            by=by,
        )
        services.task_progress_record(task=task, percent=10 * i, note="进展", reported_on=today(), by=by)
        services.task_progress_record(task=side.task, percent=10 * i, note="进展", reported_on=today(), by=by)
        plan = services.plan_create(
            council=side.council, kind=Plan.Kind.TERM, title=f"规划{i}", content="内容", by=by
        )
        services.plan_transition(plan=plan, to=Plan.Status.SOLICITING, by=by)
        services.opinion_record(
            plan=side.plan,
            source=PlanOpinion.Source.UNIT,
            source_name=f"单位{i}",
            content="意见",
            received_on=today(),
            by=by,
        )
    answer_all(side.plan, by)
    services.plan_update(plan=side.plan, title="新标题", content="新内容", year=today().year, by=by)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    ("name", "obj"),
    [("plan_list", None), ("plan_detail", "plan"), ("task_list", None), ("task_detail", "task")],
)
@pytest.mark.parametrize("role", [Role.CITY_OFFICE, Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT])
def test_query_count_does_not_grow_with_the_data(client, name, obj, role, django_assert_max_num_queries):
    side = build_side("甲")
    client.force_login(user_with_role(role, side))
    url = reverse(name, args=[getattr(side, obj).pk] if obj else [])
    small = queries(client, url)
    grow(side)
    grow(build_side("乙"))
    large = queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    with django_assert_max_num_queries(14):
        client.get(url)
