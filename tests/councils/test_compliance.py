"""Quarterly meeting compliance (R-1.1): held, missed or open, on a Shanghai calendar, and the
misses recorded once at quarter close."""

from datetime import date, datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from councils import compliance, services
from councils.models import ComplianceFinding, Meeting
from councils.periods import Quarter
from councils.roles import Role
from councils.services.meetings import Seat
from councils.tasks import compliance_close_quarter
from tests.conftest import build_side, user_with_role

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def record(side, when: datetime, minutes="纪要"):
    return services.meeting_record(
        council=side.council,
        held_at=when,
        kind=Meeting.Kind.REGULAR,
        place="会议室",
        seats=[Seat(side.membership.pk, present=True)],
        minutes=minutes,
        by=side.secretary,
    )


def test_quarters_are_named_the_chinese_way():
    assert str(Quarter(2026, 1)) == "2026年第一季度"
    assert Quarter.parse("2026Q4") == Quarter(2026, 4)
    assert Quarter(2026, 1).last_day == date(2026, 3, 31)
    assert Quarter(2026, 4).next() == Quarter(2027, 1)


def test_a_meeting_at_half_past_eleven_on_31_march_in_shanghai_counts_for_the_first_quarter(side_a):
    """2026-03-31 23:30 in Shanghai is 15:30 UTC: still the first quarter there (R-1.1)."""
    held_at = datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI)
    record(side_a, held_at)
    assert Quarter.of(held_at) == Quarter(2026, 1)
    grid = {q.number: state for q, state, _n in compliance.year_grid(side_a.council, 2026)}
    assert grid[1] == compliance.QuarterState.HELD
    assert not compliance.behind(
        type(side_a.council).objects.filter(pk=side_a.council.pk), Quarter(2026, 1)
    ).exists()
    # 00:30 on 1 April in Shanghai is still 31 March in UTC, but it counts for the second quarter.
    early_april = datetime(2026, 4, 1, 0, 30, tzinfo=SHANGHAI)
    assert Quarter.of(early_april) == Quarter(2026, 2)


@pytest.mark.dates
def test_a_meeting_without_minutes_does_not_count(side_a):
    record(side_a, datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI), minutes="")
    grid = {q.number: state for q, state, _n in compliance.year_grid(side_a.council, 2026)}
    assert grid[1] == compliance.QuarterState.MISSED


@pytest.mark.dates
def test_the_close_job_run_twice_records_each_miss_once(side_a, side_b):
    record(side_a, datetime(2026, 5, 6, 9, 0, tzinfo=SHANGHAI))
    with mock.patch("councils.compliance.today", return_value=date(2026, 7, 1)):
        assert compliance_close_quarter.apply(args=["2026Q2"]).get() == 1
        assert compliance_close_quarter.apply(args=["2026Q2"]).get() == 0
    findings = ComplianceFinding.objects.filter(year=2026, quarter=2)
    assert [f.council for f in findings] == [side_b.council]


@pytest.mark.dates
def test_the_close_job_leaves_a_quarter_that_is_not_over(side_a):
    with mock.patch("councils.compliance.today", return_value=date(2026, 6, 30)):
        assert compliance_close_quarter.apply(args=["2026Q2"]).get() == 0
    assert not ComplianceFinding.objects.exists()


@pytest.mark.dates
def test_a_council_founded_after_the_quarter_is_not_behind(side_a):
    side_a.council.term_start = date(2026, 4, 1)
    side_a.council.save()
    assert not compliance.behind(type(side_a.council).objects.all(), Quarter(2026, 1)).exists()


@pytest.mark.dates
def test_street_staff_see_only_their_councils_behind_this_quarter(client, side_a, side_b):
    quarter = Quarter.current()
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    page = client.get(reverse("compliance_list"), {"quarter": quarter.code}).content.decode()
    # The fixtures' meetings were held yesterday: unless today starts a quarter, both are on time.
    assert side_b.council.name not in page
    third = build_side("丙")
    third_in_a = third.council
    third_in_a.community.street = side_a.street
    third_in_a.community.save()
    Meeting.objects.filter(council=third_in_a).update(status=Meeting.Status.WITHDRAWN)
    page = client.get(reverse("compliance_list"), {"quarter": quarter.code}).content.decode()
    assert third_in_a.name in page
    assert side_b.council.name not in page


def test_compliance_page_query_count_is_fixed(client, side_a, django_assert_max_num_queries):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    url = reverse("compliance_list") + "?show=all"
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for label in "丁戊己":
        build_side(label)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_bad_quarter_parameter_is_a_clear_400(client, side_a):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    assert client.get(reverse("compliance_list"), {"quarter": "2026Q9"}).status_code == 400


@pytest.mark.dates
def test_the_compliance_list_exports_to_xlsx_with_the_same_filter(client, side_a, side_b):
    from io import BytesIO

    from openpyxl import load_workbook

    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("compliance_list"), {"show": "all", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("区", "街道/镇", "社区", "理事会", "本季度")
    assert [r[3] for r in rows[1:]] == [side_a.council.name]  # side B is outside the street's scope
