"""The journeys of the load run: who signs in, with what weight, and which pages each role opens
in what order. Plain data here (no load tool is imported), so the suite can check that every
step names a URL that exists; `plan()` turns the steps into paths for given users, choosing the
objects each user may see through the scoping primitive."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Step:
    """One page of a journey. `target` names the kind of object in the user's scope the page is
    about (several are chosen, and each pass picks one); `post` makes it a form that is read,
    filled and sent; `once` does it at most once in the whole run."""

    name: str
    url_name: str
    target: str = ""
    query: str = ""
    post: bool = False
    form_page: str = ""  # URL name of the page whose form is sent (default: the step's own)
    fields: tuple[tuple[str, str], ...] = ()  # sent as given; "{today}" is today's date
    choose: tuple[str, ...] = ()  # selects whose first offered option is sent
    once: bool = False
    every: int = 1  # on every n-th pass of the journey only


@dataclass(frozen=True)
class Journey:
    key: str
    name: str
    username: str  # the demo login (councils.demo.demo_logins)
    weight: int  # share of the simulated users
    steps: tuple[Step, ...] = field(default_factory=tuple)


# Weights: patrollers and secretaries are many (one or more per community and council), street
# staff fewer, a district office a handful.
JOURNEYS = (
    Journey(
        "street_staff",
        "street staff 街道办",
        "street",
        2,
        (
            Step("dashboard 首页", "home"),
            Step("compliance 履职督查", "compliance_list"),
            Step("council page 理事会", "council_detail", target="council"),
            Step("member unit 成员单位", "unit_detail", target="unit"),
            Step("assessments 考核工作", "assessment_list"),
        ),
    ),
    Journey(
        "council_secretary",
        "council secretary 秘书长",
        "secretary",
        3,
        (
            Step("dashboard 首页", "home"),
            Step("council page 理事会", "council_detail", target="council"),
            Step("meetings 会议", "meeting_list"),
            Step("fund 共建资金", "fund_detail", target="council"),
            # A member unit's contribution: a new ledger entry every third pass.
            Step(
                "contribution 登记出资",
                "entry_create",
                target="council",
                query="kind=contribution",
                post=True,
                fields=(("entry_date", "{today}"), ("amount", "100.00"), ("description", "负载测试出资")),
                choose=("unit",),
                every=3,
            ),
            Step("ledger 资金流水", "ledger_list"),
        ),
    ),
    Journey(
        "patroller",
        "patroller 巡查员",
        "patroller",
        4,
        (
            Step("patrols 巡查记录", "patrol_list"),
            Step("patrol 一次巡查", "patrol_detail", target="patrol"),
            Step("findings 巡查发现", "finding_list"),
            Step("finding 一个问题", "finding_detail", target="finding"),
        ),
    ),
    Journey(
        "district_office",
        "district office 区文明办",
        "district",
        1,
        (
            Step("dashboard 首页", "home"),
            Step("rankings 考核排名", "assessment_rankings"),
            Step("bulletins 通报", "bulletin_list"),
            Step("bulletin 一份通报", "bulletin_detail", target="bulletin"),
            # Rendering a bulletin again is a job for the worker: once in the whole run.
            Step(
                "bulletin job 生成通报",
                "bulletin_generate",
                target="bulletin",
                post=True,
                form_page="bulletin_detail",
                once=True,
            ),
        ),
    ),
)

SIGN_IN = "login"
POLL = "bulletin_status"  # the page the bulletin's detail polls while its job runs
TARGETS_EACH = 8  # objects of each kind a user's steps are spread over


TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SELECT = re.compile(r'<select name="(?P<name>[^"]+)"[^>]*>(?P<body>.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')


def form_data(step: dict, page: str) -> dict[str, str] | None:
    """What a person sends with the form of `page` for a planned step: the page's CSRF token, the
    step's fields, and the first offered option of each select it chooses from; None when the
    page has no token or nothing to choose."""
    token = TOKEN.search(page)
    chosen = {}
    for select in SELECT.finditer(page):
        if select.group("name") in step["choose"]:
            values = [v for v in OPTION.findall(select.group("body")) if v]
            if values:
                chosen[select.group("name")] = html.unescape(values[0])
    if token is None or len(chosen) < len(step["choose"]):
        return None
    return {**step["fields"], **chosen, "csrfmiddlewaretoken": html.unescape(token.group(1))}


def targets(user) -> dict[str, list]:
    """Objects of each kind the user may see, a few of each, in a fixed order."""
    from assessments.models_bulletins import Bulletin
    from councils.models import Council, MemberUnit
    from inspections.models import Finding, Patrol

    def first(queryset) -> list:
        return list(queryset.order_by("pk")[:TARGETS_EACH])

    editable = [Bulletin.State.DRAFT, Bulletin.State.READY, Bulletin.State.FAILED]
    return {
        "council": first(Council.objects.visible_to(user)),
        "unit": first(MemberUnit.objects.visible_to(user)),
        "patrol": first(Patrol.objects.visible_to(user)),
        "finding": first(Finding.objects.visible_to(user)),
        # The bulletin its office issues and may render again; the one still being drafted.
        "bulletin": first(Bulletin.objects.manageable_by(user).filter(state__in=editable)),
    }


def plan(users: dict[str, object]) -> dict:
    """The paths of every journey for `users` (journey key → user), as the load run reads them.
    A step whose kind of object the user cannot see is left out and listed under `skipped`."""
    from django.conf import settings
    from django.urls import reverse
    from django.utils import timezone

    today = timezone.localdate().isoformat()

    def path(name: str, obj, query: str = "") -> str:
        return reverse(name, args=[obj.pk] if obj is not None else []) + (f"?{query}" if query else "")

    journeys, skipped = [], []
    for journey in JOURNEYS:
        objects = targets(users[journey.key])
        steps = []
        for step in journey.steps:
            chosen = objects[step.target] if step.target else [None]
            if not chosen:
                skipped.append(f"{journey.key}: {step.name}")
                continue
            entry = {
                "name": step.name,
                "url_name": step.url_name,
                "paths": [path(step.url_name, obj, step.query) for obj in chosen],
                "every": step.every,
            }
            if step.post:
                entry.update(
                    post=True,
                    once=step.once,
                    form_pages=[path(step.form_page or step.url_name, obj, step.query) for obj in chosen],
                    fields={k: v.replace("{today}", today) for k, v in step.fields},
                    choose=list(step.choose),
                )
                if step.url_name == "bulletin_generate":
                    entry["poll"] = [path(POLL, obj, "poll=1") for obj in chosen]
            steps.append(entry)
        journeys.append(
            {
                "key": journey.key,
                "name": journey.name,
                "username": journey.username,
                "weight": journey.weight,
                "steps": steps,
            }
        )
    return {
        "sign_in": reverse(SIGN_IN),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "journeys": journeys,
        "skipped": skipped,
    }
