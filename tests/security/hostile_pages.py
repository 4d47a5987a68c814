"""The pages with a form, as the hostile-input tests post them (issue 8 §5): for each, its address
on side A, the role on side A that may use it, what must be typed besides the field under test
(on top of what the form itself offers as initial values), and, where a step needs a state
first, how to get there. Shared by the text, number, date and forged-id tests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.urls import reverse
from django.utils import timezone

from councils.periods import today
from councils.roles import Role
from tests.conftest import jpeg_bytes
from tests.factories import credit_code

from . import hostile


@dataclass(frozen=True)
class Page:
    url: Callable  # world → the address on side A
    role: str
    data: Callable = lambda w: {}  # what must be typed besides the initial values
    prepare: Callable | None = None  # world → None: the state the step needs
    files: Callable | None = None  # world → {field: [uploads]}
    lists: tuple[Callable, ...] = ()  # world → list pages that show what was saved
    form_key: str = "form"
    extra: dict = field(default_factory=dict)


def u(name: str, obj: str | None = None, *extra, query: str = "") -> Callable:
    """The address of a page, with the pk of `obj` (an attribute path on the world) first."""

    def url(w) -> str:
        args = []
        if obj is not None:
            target = w
            for part in obj.split("."):
                target = getattr(target, part)
            args.append(target.pk)
        return reverse(name, args=[*args, *extra]) + (
            f"?{query(w) if callable(query) else query}" if query else ""
        )

    return url


def lst(name: str, obj: str | None = None) -> Callable:
    return u(name, obj)


def a_photo():
    return hostile.upload("现场.jpg", jpeg_bytes(), "image/jpeg")


def now_local() -> str:
    return timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")


def iso(day: date) -> str:
    return day.isoformat()


def moved_to(assessment, status: str, by):
    """Take an assessment through the services to `status` (submitted, confirmed or published)."""
    from assessments import services
    from assessments.models import Assessment

    S = Assessment.Status
    items = {
        s.criterion_id: services.Entry(s.suggested if s.suggested is not None else s.criterion.max_points)
        for s in services.assessment_prefill(assessment=assessment)
    }
    assessment = services.assessment_score(assessment=assessment, entries=items, by=by)
    steps = [(S.SUBMITTED, services.assessment_submit), (S.CONFIRMED, services.assessment_confirm)]
    steps.append((S.PUBLISHED, services.assessment_publish))
    for state, step in steps:
        assessment = step(assessment=assessment, by=by)
        if state == status:
            return assessment
    raise AssertionError(status)


def assessment_at(status: str) -> Callable:
    def prepare(w) -> None:
        moved_to(w.a.assessment, status, w.users[Role.STREET_STAFF])

    return prepare


R = Role
NEXT_YEAR = today().year + 1
PAGES: dict[str, Page] = {
    # --- the city tree (R-6.1) -------------------------------------------------------------------
    "district_create": Page(
        u("district_create"), R.CITY_OFFICE, lambda w: {"name": "新区", "code": "350499"}
    ),
    "street_create": Page(
        u("street_create"), R.CITY_OFFICE, lambda w: {"district": w.a.district.pk, "name": "新街道"}
    ),
    "community_create": Page(
        u("community_create"), R.STREET_STAFF, lambda w: {"street": w.a.street.pk, "name": "新社区"}
    ),
    "community_update": Page(u("community_update", "a.community"), R.STREET_STAFF),
    "building_create": Page(
        u("building_create"),
        R.COMMUNITY_STAFF,
        lambda w: {"community": w.a.community.pk, "name": "9号楼", "households": "40"},
    ),
    "council_create": Page(
        u("council_create"),
        R.STREET_STAFF,
        lambda w: {
            "community": w.free_community.pk,
            "name": "新理事会",
            "chair": "王",
            "secretary_general": "李",
            "term_start": "2025-01-01",
            "term_end": "2027-12-31",
        },
    ),
    "unit_create": Page(
        u("unit_create"),
        R.STREET_STAFF,
        lambda w: {
            "name": "新单位",
            "kind": "state_firm",
            "credit_code": credit_code(9_001),
            "street": w.a.street.pk,
            "contact_person": "张",
            "contact_phone": "13900002222",
        },
    ),
    "user_create": Page(
        u("user_create"),
        R.CITY_OFFICE,
        lambda w: {
            "username": "newcomer",
            "full_name": "新用户",
            "password1": "Correct-Horse-42x",
            "password2": "Correct-Horse-42x",
        },
    ),
    # --- seats, areas, contacts (R-1.3) --------------------------------------------------------
    "membership_create": Page(
        u("membership_create", "a.council"),
        R.STREET_STAFF,
        lambda w: {"unit": w.spare_unit.pk, "position": "member", "joined_on": iso(today())},
    ),
    "term_create": Page(
        u("term_create", "a.council"),
        R.STREET_STAFF,
        lambda w: {
            "number": "2",
            "starts_on": "2027-01-01",
            "ends_on": "2029-12-31",
            "chair": "王",
            "secretary_general": "李",
        },
    ),
    "membership_leave": Page(
        u("membership_leave", "a.membership"),
        R.STREET_STAFF,
        lambda w: {"left_on": iso(today()), "confirm": "on"},
    ),
    "contact_create": Page(
        u("contact_create", "a.membership"),
        R.COUNCIL_SECRETARY,
        lambda w: {"building": w.a.building.pk, "residents_met": "3", "matters": "楼道堆物"},
    ),
    # --- meetings and resolutions (R-1.1, R-1.2) -----------------------------------------------
    "meeting_create": Page(
        u("meeting_create", "a.council"),
        R.COUNCIL_SECRETARY,
        lambda w: {
            "held_at": now_local(),
            "kind": "regular",
            "place": "会议室",
            f"present_{w.a.membership.pk}": "on",
        },
        lists=(lst("meeting_list"),),
    ),
    "meeting_update": Page(u("meeting_update", "a.meeting"), R.COUNCIL_SECRETARY),
    "meeting_withdraw": Page(
        u("meeting_withdraw", "spare_meeting"), R.COUNCIL_SECRETARY, lambda w: {"reason": "误录"}
    ),
    "resolution_create": Page(
        u("resolution_create", "a.meeting"),
        R.COUNCIL_SECRETARY,
        lambda w: {"title": "决议", "subject": "task", "text": "内容", "votes_for": "1"},
    ),
    "resolution_withdraw": Page(
        u("resolution_withdraw", "spare_resolution"), R.COUNCIL_SECRETARY, lambda w: {"reason": "误录"}
    ),
    # --- plans and tasks (R-1.4) ---------------------------------------------------------------
    "plan_create": Page(
        u("plan_create", "a.council"),
        R.COUNCIL_SECRETARY,
        lambda w: {"kind": "annual", "year": str(NEXT_YEAR), "title": "明年计划", "content": "内容"},
        lists=(lst("plan_list"),),
    ),
    "plan_update": Page(u("plan_update", "a.plan"), R.COUNCIL_SECRETARY),
    "plan_withdraw": Page(
        u("plan_transition", "a.plan", "withdrawn"),
        R.COUNCIL_SECRETARY,
        lambda w: {"reason": "重新起草", "confirm": "on"},
    ),
    "planopinion_create": Page(
        u("planopinion_create", "a.plan"),
        R.COUNCIL_SECRETARY,
        lambda w: {"source": "resident", "source_name": "居民", "content": "意见"},
    ),
    "planopinion_decide": Page(
        u("planopinion_decide", "a.opinion"),
        R.COUNCIL_SECRETARY,
        lambda w: {"adopted": "1", "reason": "采纳"},
    ),
    "task_create": Page(
        u("task_create", "a.resolution"),
        R.COUNCIL_SECRETARY,
        lambda w: {"title": "新任务", "assignee": w.a.unit.pk},
        lists=(lst("task_list"),),
    ),
    "taskprogress_create": Page(
        u("taskprogress_create", "a.task"), R.COUNCIL_SECRETARY, lambda w: {"percent": "50", "note": "过半"}
    ),
    "task_complete": Page(u("task_complete", "a.task"), R.COUNCIL_SECRETARY, lambda w: {"confirm": "on"}),
    "task_cancel": Page(
        u("task_cancel", "a.task"), R.COUNCIL_SECRETARY, lambda w: {"reason": "取消", "confirm": "on"}
    ),
    # --- the fund (R-1.5 –) --------------------------------------------------------------
    "contribution": Page(
        u("entry_create", "a.council", query="kind=contribution"),
        R.COUNCIL_SECRETARY,
        lambda w: {"amount": "100", "unit": w.a.unit.pk},
        lists=(lst("fund_detail", "a.council"), lst("ledger_list")),
    ),
    "donation_org": Page(
        u("entry_create", "a.council", query="kind=donation_org"),
        R.COUNCIL_SECRETARY,
        lambda w: {"amount": "100", "counterparty": "某企业"},
        lists=(lst("fund_detail", "a.council"), lst("ledger_list")),
    ),
    "donation_person": Page(
        u("entry_create", "a.council", query="kind=donation_person"),
        R.COUNCIL_SECRETARY,
        lambda w: {"amount": "100", "counterparty": "某居民"},
        lists=(lst("fund_detail", "a.council"), lst("ledger_list")),
    ),
    "expenditure": Page(
        u("entry_create", "a.council", query="kind=expenditure"),
        R.COUNCIL_SECRETARY,
        lambda w: {
            "amount": "100",
            "category": w.category.pk,
            "resolution": w.a.resolution.pk,
            "counterparty": "绿化公司",
        },
        lists=(lst("fund_detail", "a.council"), lst("ledger_list")),
    ),
    "entry_reverse": Page(
        u("entry_reverse", "a.expenditure"),
        R.COUNCIL_SECRETARY,
        lambda w: {"reason": "录错", "confirm": "on"},
    ),
    "pledge": Page(
        u("pledge_list", "a.council"),
        R.COUNCIL_SECRETARY,
        lambda w: {"unit": w.a.unit.pk, "year": str(today().year), "amount": "900"},
    ),
    "budget_edit": Page(u("budget_edit", "a.council", NEXT_YEAR), R.COUNCIL_SECRETARY),
    "violation_flag": Page(
        u("violation_flag", "a.entry"),
        R.STREET_STAFF,
        lambda w: {"reason": "票据不全"},
        lists=(lst("violation_list"),),
    ),
    "violation_rectify": Page(
        u("violation_rectify", "a.violation"), R.COUNCIL_SECRETARY, lambda w: {"measures": "补作决议"}
    ),
    # --- patrols, rosters, activities (R-2.1, R-2.2, R-3.2, R-4.1) ------------------------------
    "patrol_create": Page(
        u("patrol_create"),
        R.PATROLLER,
        lambda w: {"community": w.a.community.pk, "started_at": now_local(), "route": "沿街"},
        lists=(lst("patrol_list"),),
    ),
    "finding_create": Page(
        u("finding_create", query=lambda w: f"patrol={w.a.patrol.pk}"),
        R.PATROLLER,
        lambda w: {"category": "posters", "address": "路口", "description": "小广告"},
        lists=(lst("finding_list"),),
    ),
    "finding_order": Page(u("finding_transition", "a.finding", "ordered"), R.PATROLLER),
    "finding_escalate": Page(
        u("finding_transition", "a.finding", "escalated"),
        R.COMMUNITY_STAFF,
        lambda w: {"handover_note": "移交城管"},
    ),
    "finding_close": Page(
        u("finding_transition", "a.finding", "closed"),
        R.COMMUNITY_STAFF,
        lambda w: {"closed_reason": "无法整改"},
    ),
    "finding_rectify": Page(
        u("finding_transition", "ordered_finding", "rectified"),
        R.PATROLLER,
        files=lambda w: {"after_photos": [a_photo()]},
    ),
    "officer_set": Page(
        u("officer_set", "a.building", "publicity"),
        R.COMMUNITY_STAFF,
        lambda w: {"name": "宣传员李", "since": iso(today())},
    ),
    "pact_edit": Page(
        u("pact_edit", "a.building"),
        R.COMMUNITY_STAFF,
        lambda w: {"text": "公约", "adopted_on": iso(today())},
    ),
    "activity_create": Page(
        u("activity_create"),
        R.COMMUNITY_STAFF,
        lambda w: {
            "community": w.a.community.pk,
            "kind": "warmth_visit",
            "title": "走访",
            "held_on": iso(today()),
        },
        lists=(lst("activity_list"),),
    ),
    # --- assessments (R-1.9, R-1.10) -----------------------------------------------------------
    "rubric_revise": Page(
        u("rubric_revise", "a.rubric"), R.CITY_OFFICE, lambda w: {"name": "细则", "note": "修订"}
    ),
    "period_create": Page(
        u("period_create"),
        R.CITY_OFFICE,
        lambda w: {
            "year": str(NEXT_YEAR),
            "half": "1",
            "opens_on": f"{NEXT_YEAR}-06-01",
            "closes_on": f"{NEXT_YEAR}-07-15",
            "excellent_from": "90",
            "good_from": "80",
            "pass_from": "60",
            "points_cap": "10",
        },
    ),
    "point_create": Page(
        u("point_create"),
        R.STREET_STAFF,
        lambda w: {
            "unit": w.a.unit.pk,
            "council": w.a.council.pk,
            "points": "2",
            "occurred_on": iso(today()),
            "reason": "协助",
        },
        lists=(lst("point_list"),),
    ),
    "assessment_return": Page(
        u("assessment_return", "a.assessment"),
        R.STREET_STAFF,
        lambda w: {"comment": "请补充"},
        prepare=assessment_at("submitted"),
    ),
    "assessment_confirm": Page(
        u("assessment_confirm", "a.assessment"), R.STREET_STAFF, prepare=assessment_at("submitted")
    ),
    "assessment_adjust": Page(
        u("assessment_adjust", "a.assessment"),
        R.STREET_STAFF,
        lambda w: {"delta": "-1", "reason": "更正"},
        prepare=assessment_at("published"),
    ),
    "modelcase_create": Page(
        u("modelcase_create"),
        R.STREET_STAFF,
        lambda w: {
            "community": w.a.community.pk,
            "title": "典型",
            "story": "事迹",
            "occurred_on": iso(today()),
        },
        lists=(lst("modelcase_list"),),
    ),
    "modelcase_withdraw": Page(
        u("modelcase_withdraw", "a.model_case"), R.STREET_STAFF, lambda w: {"reason": "撤回"}
    ),
    "bulletin_edit": Page(u("bulletin_edit", "a.bulletin"), R.DISTRICT_OFFICE),
    # --- surveys (R-6.2) -----------------------------------------------------------------------
    "survey_round_create": Page(
        u("survey_round_create"),
        R.CITY_OFFICE,
        lambda w: {
            "name": "新一轮",
            "questionnaire": w.a.survey_questionnaire.pk,
            "opens_on": f"{NEXT_YEAR}-01-01",
            "closes_on": f"{NEXT_YEAR}-01-31",
            "min_sample": "30",
        },
        lists=(lst("survey_round_list"),),
    ),
    "question_create": Page(
        u("question_create", "a.survey_questionnaire"),
        R.CITY_OFFICE,
        lambda w: {"order": "9", "rate": "", "kind": "text", "text": "还有什么建议？", "options_text": ""},
    ),
    "questionnaire_revise": Page(
        u("questionnaire_revise", "a.survey_questionnaire"), R.CITY_OFFICE, lambda w: {"note": "修订"}
    ),
    # --- pages whose only typed values are text ------------------------------------------------
    "user_update": Page(
        lambda w: reverse("user_update", args=[w.users[R.PATROLLER].pk]),
        R.CITY_OFFICE,
        lambda w: {"full_name": "巡"},
    ),
    "bulletin_create": Page(u("bulletin_create"), R.DISTRICT_OFFICE, lambda w: {"scope": w.a.district.pk}),
    # a unit absent from the meeting, with its reason
    "meeting_absent": Page(
        u("meeting_create", "a.council"),
        R.COUNCIL_SECRETARY,
        lambda w: {
            "held_at": now_local(),
            "kind": "regular",
            "place": "会议室",
            f"present_{w.a.membership.pk}": "",
        },
    ),
    # a criterion of a new draft version of the rubric (side A's version is frozen by its period)
    "criterion_create": Page(
        lambda w: reverse("criterion_create", args=[w.draft_rubric.pk]),
        R.CITY_OFFICE,
        lambda w: {"group": "results", "order": "9", "title": "新项目", "max_points": "5"},
        prepare=lambda w: draft_rubric(w),
    ),
    # a choice question without a rate, with its options one per line
    "question_choice": Page(
        u("question_create", "a.survey_questionnaire"),
        R.CITY_OFFICE,
        lambda w: {
            "order": "9",
            "rate": "",
            "kind": "choice",
            "text": "您常去哪里？",
            "options_text": "广场\n公园",
        },
    ),
    # steps whose only choice is a pk (forged in test_forged_ids.py)
    "budget_approve": Page(
        lambda w: reverse("budget_approve", args=[w.draft_budget.pk]),
        R.COUNCIL_SECRETARY,
        lambda w: {"confirm": "on"},
        prepare=lambda w: next_year_budget(w),
    ),
    "plan_approve": Page(
        u("plan_transition", "a.plan", "approved"), R.COUNCIL_SECRETARY, lambda w: {"confirm": "on"}
    ),
    "finding_duplicate": Page(u("finding_duplicate", "later_finding"), R.PATROLLER),
    "membership_update": Page(u("membership_update", "a.membership"), R.STREET_STAFF),
    # a resident answering the open round's questionnaire, anonymous
    "survey_public": Page(u("survey_public", "a.survey_link"), role=None, data=lambda w: survey_choices(w)),
}


def next_year_budget(world) -> None:
    from finance import services

    world.draft_budget = services.budget_save(
        council=world.a.council, year=NEXT_YEAR, lines={world.category: 100}, by=world.a.secretary
    )


def draft_rubric(world) -> None:
    from assessments.services.setup import rubric_revise

    world.draft_rubric = rubric_revise(rubric=world.a.rubric, by=world.users[R.CITY_OFFICE], note="修订")


def survey_choices(world) -> dict:
    """The first option of every choice question of the open round (a resident's answers)."""
    from surveys.models import Question

    questions = Question.objects.filter(questionnaire=world.a.survey_round.questionnaire)
    return {f"q{q.pk}": "0" for q in questions.exclude(kind=Question.Kind.TEXT)}


def value_of(bound) -> object:
    """What a browser sends for a bound field's current value."""
    value = bound.value()
    if value is None:
        return ""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, datetime):
        return (
            timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
            if timezone.is_aware(value)
            else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, list | tuple):
        return [v.pk if isinstance(v, models.Model) else v for v in value]
    return value


def sign_in(client, world, name: str) -> None:
    """As the page's role, or anonymous."""
    page = PAGES[name]
    if page.role is None:
        client.logout()
    else:
        client.force_login(world.users[page.role])


def open_form(client, world, name: str, *, signed_in: bool = False):
    """Sign in as the page's role (unless done), bring the state the page needs, and open its
    form."""
    page = PAGES[name]
    if not signed_in:
        sign_in(client, world, name)
    if page.prepare is not None:
        page.prepare(world)
    response = client.get(page.url(world))
    assert response.status_code == 200, (name, page.url(world), response.status_code)
    return response.context[page.form_key]


def post_form(client, world, name: str, form, overrides: dict | None = None):
    """Post the form as the page offers it (its initial values), with what the page needs typed
    on top, and then `overrides`."""
    page = PAGES[name]
    data = {}
    for field_name in form.fields:
        value = value_of(form[field_name])
        if value not in ("", [], None):
            data[form.add_prefix(field_name)] = value
    data.update(page.data(world))
    if page.files is not None:
        data.update(page.files(world))
    data.update(overrides or {})
    return client.post(page.url(world), data)


def submit(client, world, name: str, overrides: dict | None = None):
    return post_form(client, world, name, open_form(client, world, name), overrides)
