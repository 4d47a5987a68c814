"""Hostile dates (issue 8 §5): every date field of the portal refuses a year outside any period
the portal keeps (1900, 2999, year 1 or 9999), a day that does not exist and words; the rules
that tie dates together refuse an order that cannot be (a deadline before the day it is set, an
end before its start, spending before the council existed, a meeting moved away from its
resolutions). Each refusal is a Chinese message on the form, with nothing saved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from councils.periods import today
from councils.roles import Role

from . import hostile
from .hostile import Unchanged, refused_on_form
from .hostile_pages import PAGES, open_form, post_form

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


# (page, field): every date the pages take.
DATE_FIELDS = [
    ("council_create", "term_start"),
    ("council_create", "term_end"),
    ("term_create", "starts_on"),
    ("term_create", "ends_on"),
    ("membership_create", "joined_on"),
    ("membership_leave", "left_on"),
    ("contact_create", "contacted_on"),
    ("planopinion_create", "received_on"),
    ("task_create", "due_on"),
    ("taskprogress_create", "reported_on"),
    ("task_complete", "done_on"),
    ("contribution", "entry_date"),
    ("donation_org", "entry_date"),
    ("donation_person", "entry_date"),
    ("expenditure", "entry_date"),
    ("violation_flag", "deadline"),
    ("finding_order", "deadline"),
    ("officer_set", "since"),
    ("pact_edit", "adopted_on"),
    ("activity_create", "held_on"),
    ("period_create", "opens_on"),
    ("period_create", "closes_on"),
    ("point_create", "occurred_on"),
    ("modelcase_create", "occurred_on"),
    ("survey_round_create", "opens_on"),
    ("survey_round_create", "closes_on"),
]
DATETIME_FIELDS = [
    ("meeting_create", "held_at"),
    ("patrol_create", "started_at"),
]
HOSTILE_DATES = ["1900-01-01", "2999-12-31", "0001-01-01", "2026-02-30", "明天"]
HOSTILE_DATETIMES = ["1900-01-01T09:00", "2999-12-31T09:00", "2026-02-30T09:00", "明天上午"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def date_params():
    for page, field in DATE_FIELDS:
        for typed in HOSTILE_DATES:
            yield pytest.param(page, field, typed, id=f"{page}-{field}-{typed}")
    for page, field in DATETIME_FIELDS:
        for typed in HOSTILE_DATETIMES:
            yield pytest.param(page, field, typed, id=f"{page}-{field}-{typed}")


@pytest.mark.parametrize(("page", "field", "typed"), list(date_params()))
def test_a_date_outside_any_period_is_refused_and_nothing_changes(client, world, page, field, typed):
    """R-1.1 – R-6.2: the portal keeps the years 2000 to 2100; a date outside them, a day that
    does not exist or a word is refused on its field in Chinese and nothing is saved."""
    form = open_form(client, world, page)
    with Unchanged():
        response = post_form(client, world, page, form, {field: typed})
        assert response.status_code == 200, response.status_code
        shown = response.context[PAGES[page].form_key]
        errors = shown.errors.get(field, [])
        assert errors, f"no error on {field}: {dict(shown.errors)}"
        assert all(CHINESE.search(str(e)) for e in errors), errors
        assert shown[field].value() == typed  # what was typed is still in the form


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).isoformat()


# (page, what is typed, the field that refuses, the message): dates that contradict each other.
ORDER_RULES = [
    # spending dated before the council (and so its fund) existed. Side A's council
    # started its first term on 2024-01-01.
    ("expenditure", {"entry_date": "2023-12-31"}, "entry_date", "早于理事会成立"),
    ("donation_person", {"entry_date": "2023-06-30"}, "entry_date", "早于理事会成立"),
    ("contribution", {"entry_date": "2023-12-31"}, "entry_date", "早于理事会成立"),
    # nothing is recorded before it happened.
    ("expenditure", {"entry_date": day(1)}, "entry_date", "发生日期不能晚于今天"),
    # a deadline before the day it is set.
    ("violation_flag", {"deadline": day(-1)}, "deadline", "整改期限不能早于今天"),
    ("finding_order", {"deadline": day(-1)}, "deadline", "整改期限不能早于今天"),
    # a task due before the meeting that decided it.
    ("task_create", {"due_on": "2024-01-01"}, "due_on", "完成时限不能早于作出决议的会议日期"),
    # leaving before joining; contact and membership in the future.
    ("membership_leave", {"left_on": "2023-12-31"}, "left_on", "退出日期不能早于加入日期"),
    ("contact_create", {"contacted_on": day(1)}, "contacted_on", "联系日期不能晚于今天"),
    ("membership_create", {"joined_on": day(1)}, "joined_on", "加入日期不能晚于今天"),
    # a meeting is recorded after it is held; its date cannot move away from its resolutions.
    ("meeting_create", {"held_at": f"{day(2)}T09:00"}, "held_at", "会议时间不能晚于现在"),
    ("meeting_update", {"held_at": f"{day(-40)}T09:00"}, "held_at", "已有决议的会议不能改期"),
    # an end before its start.
    (
        "term_create",
        {"starts_on": "2027-01-01", "ends_on": "2026-12-31"},
        "ends_on",
        "本届截止日期应晚于起始日期",
    ),
    (
        "council_create",
        {"term_start": "2025-01-01", "term_end": "2024-12-31"},
        None,
        "本届截止日期应晚于起始日期",
    ),
    (
        "period_create",
        {"opens_on": "2027-06-01", "closes_on": "2027-05-31"},
        "closes_on",
        "截止日期不能早于开始日期",
    ),
    (
        "survey_round_create",
        {"opens_on": "2027-06-01", "closes_on": "2027-05-31"},
        None,
        "截止日期不能早于开始日期",
    ),
    # progress, activities and points are recorded after the fact.
    ("taskprogress_create", {"reported_on": day(1)}, "reported_on", "填报日期不能晚于今天"),
    ("task_complete", {"done_on": day(1)}, "done_on", "完成日期不能晚于今天"),
    ("planopinion_create", {"received_on": day(1)}, "received_on", "收到日期不能晚于今天"),
]


@pytest.mark.parametrize(
    ("page", "typed", "field", "message"),
    ORDER_RULES,
    ids=[f"{p}-{'-'.join(t)}" for p, t, _f, _m in ORDER_RULES],
)
def test_dates_that_contradict_the_rules_are_refused_and_nothing_changes(
    client, world, page, typed, field, message
):
    """R-1.1, R-1.3, R-1.4, R-1.5, R-1.7, R-1.8, R-1.9, R-2.1, R-6.2: a date that contradicts
    another (an end before its start, a deadline already past, spending before the council
    existed, a meeting moved away from its resolutions) is refused in Chinese; nothing is saved."""
    form = open_form(client, world, page)
    with Unchanged():
        response = post_form(client, world, page, form, typed)
        refused_on_form(response, message, field=field)


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-02-30&end=明天",
        "start=2026-06-30&end=2026-01-01",
        "start=99999-01-01",
        "start=2026-01-01&end=0",
    ],
)
@pytest.mark.parametrize("name", ["statement", "patrol_stats"])
def test_a_report_asked_for_hostile_dates_says_so_and_is_no_server_error(client, world, name, query):
    """R-1.5 – R-1.8, R-2.1, R-6.1: a statement or the patrol statistics asked for days that do
    not exist, words, or an end before the start answer with the page and a Chinese message —
    never a server error. (A long span of real days is a report over it: nothing to refuse.)"""
    role = Role.COUNCIL_SECRETARY if name == "statement" else Role.STREET_STAFF
    client.force_login(world.users[role])
    url = reverse(name, args=[world.a.council.pk]) if name == "statement" else reverse(name)
    with Unchanged():
        response = client.get(f"{url}?{query}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors, "the hostile dates were taken as they are"
    assert all(CHINESE.search(str(e)) for errors in form.errors.values() for e in errors)
