"""Patrol statistics (issue 5 §8): findings by category, rectification rate, median days to
rectify, overdue in Shanghai time, repeat spots, activities and hours (R-2.1, R-3.2, R-4.1),
each office over its own scope only (R-6.1), on screen, in charts and as .xlsx."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from councils.exports import XLSX_CONTENT_TYPE
from councils.periods import SHANGHAI
from councils.roles import Role
from inspections import services
from inspections.models import Activity, Category, Finding
from tests.conftest import build_side, jpeg_bytes, user_with_role
from tests.factories import BuildingFactory, CommunityFactory

pytestmark = pytest.mark.django_db

# A past quarter, so the findings and the activity the fixtures record today fall outside it.
PERIOD = {"start": "2025-04-01", "end": "2025-06-30"}
URL = reverse("patrol_stats")


def at(day: str, hour: int = 10) -> datetime:
    """A moment on a Shanghai calendar."""
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=SHANGHAI)


def report(side, category=Category.PILING, *, on: str, building=None, by=None) -> Finding:
    """A finding recorded through the service, then dated back to `on` (Shanghai)."""
    finding = services.finding_report(
        community=side.community,
        category=category,
        building=building or side.building,
        description="现场问题",
        by=by or side.secretary,
    )
    reported_at = on if isinstance(on, datetime) else at(on)
    Finding.objects.filter(pk=finding.pk).update(reported_at=reported_at)
    finding.refresh_from_db()
    return finding


def after_photo() -> SimpleUploadedFile:
    return SimpleUploadedFile("整改后.jpg", jpeg_bytes())


def rectify(finding: Finding, *, days: float | None = None, by=None) -> Finding:
    """Ordered to rectify, then rectified with an after photo; `days` after it was reported."""
    by = by or finding.reported_by
    services.finding_transition(finding=finding, to=Finding.Status.ORDERED, by=by)
    finding = services.finding_transition(
        finding=finding, to=Finding.Status.RECTIFIED, after_photos=[after_photo()], by=by
    )
    if days is not None:
        Finding.objects.filter(pk=finding.pk).update(fixed_at=finding.reported_at + timedelta(days=days))
    return finding


def dissuade(finding: Finding, *, days: float = 0) -> Finding:
    finding = services.finding_transition(
        finding=finding, to=Finding.Status.DISSUADED, by=finding.reported_by
    )
    Finding.objects.filter(pk=finding.pk).update(fixed_at=finding.reported_at + timedelta(days=days))
    return finding


def close(finding: Finding) -> Finding:
    return services.finding_transition(
        finding=finding,
        to=Finding.Status.CLOSED,
        closed_reason="当事人已搬离，无法整改",
        by=finding.reported_by,
    )


def page(client, user, **params):
    client.force_login(user)
    response = client.get(URL, {**PERIOD, **params})
    assert response.status_code == 200
    return response


def row_of(response, unit):
    rows = {row.unit.pk: row for row in response.context["stats"].rows}
    return rows[unit.pk]


@pytest.fixture
def street_staff(side_a):
    return user_with_role(Role.STREET_STAFF, side_a)


# --- Findings by category and rectification (R-2.1) -------------------------------------------


@pytest.mark.dates
def test_r_2_1_findings_counted_by_category_and_period(client, side_a, street_staff):
    """R-2.1: the street sees how many findings of each kind its communities made in the period;
    duplicates and findings outside the period are left out."""
    original = report(side_a, Category.PILING, on="2025-04-03")
    report(side_a, Category.PILING, on="2025-05-20")
    report(side_a, Category.PARKING, on="2025-06-30")
    report(side_a, Category.ILLEGAL_CONSTRUCTION, on="2025-04-01")
    duplicate = report(side_a, Category.PILING, on="2025-04-04")
    services.finding_mark_duplicate(finding=duplicate, original=original, by=side_a.secretary)
    report(side_a, Category.STALLS, on="2025-03-31")  # before the period
    report(side_a, Category.STALLS, on="2025-07-01")  # after it

    response = page(client, street_staff, level="community")

    row = row_of(response, side_a.community)
    assert row.findings == 4
    assert row.by_category[Category.PILING] == 2
    assert row.by_category[Category.PARKING] == 1
    assert row.by_category[Category.ILLEGAL_CONSTRUCTION] == 1
    assert row.by_category[Category.STALLS] == 0
    table = response.content.decode()
    assert "乱堆放" in table and "违法搭建" in table


def test_r_2_1_period_is_read_on_a_shanghai_calendar(client, side_a, street_staff):
    """R-2.1: 00:30 on 1 April in Shanghai is still 31 March in UTC, and counts in April;
    00:00 on 1 July in Shanghai is still 30 June in UTC, and does not count in the quarter."""
    report(side_a, Category.POSTERS, on=datetime(2025, 3, 31, 16, 30, tzinfo=UTC))
    report(side_a, Category.DRYING, on=at("2025-07-01", hour=0))

    response = page(client, street_staff, level="community")

    row = row_of(response, side_a.community)
    assert (row.by_category[Category.POSTERS], row.by_category[Category.DRYING]) == (1, 0)


def test_r_2_1_closed_without_fix_is_not_counted_as_rectified(client, side_a, street_staff):
    """R-2.1: closing a finding without a fix never raises the rectification rate."""
    rectify(report(side_a, on="2025-04-10"), days=3)
    dissuade(report(side_a, Category.STALLS, on="2025-04-11"))
    close(report(side_a, on="2025-04-12"))
    report(side_a, Category.PARKING, on="2025-04-13")  # still open

    response = page(client, street_staff, level="community")

    row = row_of(response, side_a.community)
    assert (row.findings, row.fixed, row.closed) == (4, 2, 1)
    assert row.rate == 50.0
    assert "50.0%" in response.content.decode()


def test_r_2_1_reopened_finding_is_no_longer_fixed(client, side_a, street_staff):
    """R-2.1: a problem that comes back is reopened and stops counting as fixed."""
    finding = dissuade(report(side_a, on="2025-05-02"))
    assert row_of(page(client, street_staff, level="community"), side_a.community).fixed == 1
    services.finding_transition(finding=finding, to=Finding.Status.REOPENED, by=side_a.secretary)

    row = row_of(page(client, street_staff, level="community"), side_a.community)
    assert (row.fixed, row.rate) == (0, 0.0)


def test_r_2_1_median_days_to_rectify(client, side_a, street_staff):
    """R-2.1: the median of fixed_at − reported_at over the fixed findings, in days."""
    rectify(report(side_a, on="2025-04-01"), days=1)
    rectify(report(side_a, on="2025-04-02"), days=2)
    dissuade(report(side_a, on="2025-04-03"), days=0.5)
    rectify(report(side_a, on="2025-04-04"), days=10)
    close(report(side_a, on="2025-04-05"))  # not fixed: no duration

    response = page(client, street_staff, level="community")

    assert row_of(response, side_a.community).median_days == 1.5
    assert response.context["stats"].total.median_days == 1.5

    rectify(report(side_a, on="2025-04-06"), days=4)
    assert row_of(page(client, street_staff, level="community"), side_a.community).median_days == 2.0


def test_r_2_1_no_findings_shows_no_rate_rather_than_zero(client, side_a, street_staff):
    response = page(client, street_staff, level="community")

    row = row_of(response, side_a.community)
    assert (row.findings, row.rate, row.median_days) == (0, None, None)
    assert "期间内没有重复点位" in response.content.decode()


# --- Overdue in Shanghai time -------------------------------------------------------------------


def ordered_with_deadline(side, deadline: date, on="2025-05-01") -> Finding:
    finding = report(side, on=on)
    services.finding_transition(finding=finding, to=Finding.Status.ORDERED, by=side.secretary)
    Finding.objects.filter(pk=finding.pk).update(deadline=deadline)
    return finding


def test_r_2_1_overdue_is_computed_in_shanghai_time(client, side_a, street_staff):
    """R-2.1: a deadline of 10 May is overdue from 00:00 on 11 May in Shanghai, which is still
    10 May in UTC."""
    ordered_with_deadline(side_a, date(2025, 5, 10))
    client.force_login(street_staff)

    def overdue_at(moment: datetime) -> int:
        with mock.patch("django.utils.timezone.now", return_value=moment):
            response = client.get(URL, {**PERIOD, "level": "community"})
        return row_of(response, side_a.community).overdue

    assert overdue_at(datetime.fromisoformat("2025-05-10T15:30:00+00:00")) == 0  # 23:30 Shanghai
    assert overdue_at(datetime.fromisoformat("2025-05-10T16:30:00+00:00")) == 1  # 00:30 on the 11th


@pytest.mark.dates
def test_r_2_1_overdue_counts_only_open_findings_past_their_deadline(client, side_a, street_staff):
    """R-2.1: rectified or closed findings are never overdue, nor open ones still within time."""
    ordered_with_deadline(side_a, date(2025, 5, 10))
    ordered_with_deadline(side_a, date(2025, 5, 20))  # not yet due
    done = ordered_with_deadline(side_a, date(2025, 5, 5))
    services.finding_transition(
        finding=done, to=Finding.Status.RECTIFIED, after_photos=[after_photo()], by=side_a.secretary
    )
    close(ordered_with_deadline(side_a, date(2025, 5, 5)))

    with mock.patch("councils.periods.today", return_value=date(2025, 5, 15)):
        response = page(client, street_staff, level="community")

    assert row_of(response, side_a.community).overdue == 1
    assert response.context["stats"].total.overdue == 1


# --- Repeat spots -------------------------------------------------------------------------------


def test_r_2_1_repeat_spots_are_buildings_with_a_category_found_twice(client, side_a, street_staff):
    """R-2.1: the same disorder found twice or more at one building in the period is a repeat
    spot; a duplicate report of the same finding is not a second finding."""
    other = BuildingFactory(community=side_a.community, name="甲2号楼")
    first = report(side_a, Category.PILING, on="2025-04-02")
    report(side_a, Category.PILING, on="2025-05-02")
    services.finding_mark_duplicate(
        finding=report(side_a, Category.PILING, on="2025-04-03"), original=first, by=side_a.secretary
    )
    report(side_a, Category.PARKING, on="2025-04-02")
    report(side_a, Category.LITTERING, on="2025-04-20", building=other)
    report(side_a, Category.LITTERING, on="2025-05-20", building=other)
    report(side_a, Category.LITTERING, on="2025-06-20", building=other)
    report(side_a, Category.PILING, on="2025-06-01", building=other)

    response = page(client, street_staff, level="community")

    spots = [(s.building, s.category, s.findings) for s in response.context["stats"].spots]
    assert spots == [("甲2号楼", Category.LITTERING, 3), (side_a.building.name, Category.PILING, 2)]
    assert row_of(response, side_a.community).repeat_spots == 2
    # Each spot links to its findings in the findings list, whatever their state.
    link = f"{reverse('finding_list')}?building={other.pk}&category=littering&status=all"
    assert link.replace("&", "&amp;") in response.content.decode()
    assert client.get(link).status_code == 200


# --- Activities (R-3.2, R-4.1) ------------------------------------------------------------------


def test_r_3_2_r_4_1_activities_and_volunteer_hours_split_by_kind(client, side_a, street_staff):
    """R-3.2, R-4.1: volunteer services and education events are counted apart, with their
    participants, volunteer hours and people served, by the day they were held."""
    record = services.activity_record
    common = {"community": side_a.community, "by": side_a.secretary, "organiser": side_a.unit}
    record(
        kind=Activity.Kind.WARMTH_VISIT,
        title="走访",
        held_on=date(2025, 4, 8),
        participants=6,
        volunteer_hours=Decimal("12.5"),
        people_served=10,
        **common,
    )
    record(
        kind=Activity.Kind.ELDERLY_DISABLED,
        title="助残",
        held_on=date(2025, 6, 30),
        participants=4,
        volunteer_hours=Decimal("8"),
        people_served=3,
        **common,
    )
    record(
        kind=Activity.Kind.LEGAL_EDUCATION,
        title="法律小讲坛",
        held_on=date(2025, 5, 1),
        participants=40,
        volunteer_hours=Decimal("2"),
        people_served=120,
        **common,
    )
    record(
        kind=Activity.Kind.SCIENCE_EDUCATION,
        title="科普",
        held_on=date(2025, 7, 1),
        participants=99,
        volunteer_hours=Decimal("99"),
        people_served=99,
        **common,
    )  # after the period

    response = page(client, street_staff, level="community")

    row = row_of(response, side_a.community)
    assert (row.volunteer.count, row.volunteer.participants, row.volunteer.served) == (2, 10, 13)
    assert row.volunteer.hours == Decimal("20.5")
    assert (row.education.count, row.education.participants, row.education.served) == (1, 40, 120)
    assert (row.activities, row.hours) == (3, Decimal("22.5"))
    assert "22.5" in response.content.decode()


# --- Scope (R-6.1) ------------------------------------------------------------------------------


def test_r_6_1_street_staff_of_side_a_never_see_side_b_numbers(client, side_a, side_b, street_staff):
    """R-6.1: street staff see their own communities only, whatever they ask for."""
    report(side_a, Category.PILING, on="2025-04-10")
    for _i in range(3):
        report(side_b, Category.PARKING, on="2025-04-10")

    response = page(client, street_staff, level="community")
    stats = response.context["stats"]
    assert [row.unit for row in stats.rows] == [side_a.community]
    assert stats.total.findings == 1
    assert stats.total.by_category[Category.PARKING] == 0
    assert side_b.community.name not in response.content.decode()

    # Naming side B's street or district narrows to nothing, never widens.
    assert page(client, street_staff, level="community", street=side_b.street.pk).context["stats"].rows == []
    assert page(client, street_staff, level="street", district=side_b.district.pk).context["stats"].rows == []
    # A level above their own is not offered: the page falls back to theirs and says so.
    response = page(client, street_staff, level="district")
    assert response.context["level"] == "community"
    assert [row.unit for row in response.context["stats"].rows] == [side_a.community]


def test_r_6_1_city_office_sees_every_district(client, side_a, side_b):
    report(side_a, Category.PILING, on="2025-04-10")
    report(side_b, Category.PARKING, on="2025-04-10")

    response = page(client, user_with_role(Role.CITY_OFFICE), level="district")

    stats = response.context["stats"]
    assert {row.unit for row in stats.rows} == {side_a.district, side_b.district}
    assert stats.total.findings == 2
    assert stats.total.by_category[Category.PARKING] == 1


def test_r_6_1_district_office_breaks_down_by_street_by_default(client, side_a, side_b):
    response = page(client, user_with_role(Role.DISTRICT_OFFICE, side_a))
    assert response.context["level"] == "street"
    assert [row.unit for row in response.context["stats"].rows] == [side_a.street]


def test_r_6_1_roles_outside_the_offices_get_403(client, side_a):
    for role in (Role.PATROLLER, Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT, Role.COMMUNITY_STAFF):
        client.force_login(user_with_role(role, side_a))
        assert client.get(URL).status_code == 403


# --- Period, export, charts, queries ------------------------------------------------------------


@pytest.mark.dates
def test_default_period_is_this_quarter(client, side_a, street_staff):
    with mock.patch("councils.periods.today", return_value=date(2025, 5, 15)):
        client.force_login(street_staff)
        response = client.get(URL)
    stats = response.context["stats"]
    assert (stats.start, stats.end) == (date(2025, 4, 1), date(2025, 6, 30))
    assert "2025年第二季度" in response.content.decode()


def test_a_start_after_the_end_is_refused_with_a_message(client, street_staff):
    client.force_login(street_staff)
    response = client.get(URL, {"start": "2025-06-30", "end": "2025-04-01"})
    assert response.status_code == 200
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert client.get(URL, {"start": "2025-06-30", "end": "2025-04-01", "format": "xlsx"}).status_code == 400


def test_xlsx_has_one_line_per_community_and_the_total(client, side_a, street_staff):
    """The table as a workbook: a line per row of the page, then the total."""
    second = CommunityFactory(street=side_a.street, name="甲二社区")
    rectify(report(side_a, Category.PILING, on="2025-04-10"), days=2)
    report(side_a, Category.PARKING, on="2025-04-11")
    close(report(side_a, Category.PARKING, on="2025-04-12"))

    client.force_login(street_staff)
    response = client.get(URL, {**PERIOD, "level": "community", "format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = [[cell.value for cell in line] for line in sheet.iter_rows()]
    header = lines[0]
    assert header[:4] == ["区", "街道/镇", "社区", "发现（件）"]
    by_name = {line[2]: dict(zip(header, line, strict=True)) for line in lines[1:-1]}
    assert set(by_name) == {side_a.community.name, second.name}
    mine = by_name[side_a.community.name]
    assert (mine["发现（件）"], mine["乱停车（件）"], mine["已纠正（件）"], mine["未整改关闭（件）"]) == (
        3,
        2,
        1,
        1,
    )
    assert mine["整改率（%）"] == pytest.approx(33.3)
    assert mine["整改天数中位数"] == pytest.approx(2.0)
    assert by_name[second.name]["发现（件）"] == 0
    total = dict(zip(header, lines[-1], strict=True))
    assert (total["区"], total["发现（件）"]) == ("合计", 3)


def test_chart_data_is_in_the_page_as_json(client, side_a, street_staff):
    """The charts read their figures from a JSON tag; ECharts is served by the portal itself."""
    report(side_a, Category.PILING, on="2025-04-10")
    dissuade(report(side_a, Category.PILING, on="2025-04-11"))
    report(side_a, Category.LITTERING, on="2025-04-12")

    content = page(client, street_staff, level="community").content.decode()

    found = re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', content, re.S)
    data = json.loads(found.group(1))
    counts = dict(zip(data["categories"], data["categoryCounts"], strict=True))
    assert (counts["乱堆放"], counts["乱扔垃圾"], counts["乱停车"]) == (2, 1, 0)
    assert data["units"] == [side_a.community.name]
    assert data["rates"] == [33.3]
    scripts = re.findall(r'<script src="([^"]+)"', content)
    assert any(src.endswith("vendor/echarts/echarts.min.js") for src in scripts)
    assert not any(src.startswith(("http:", "https:", "//")) for src in scripts)


def grow(side, by):
    """More communities, buildings, findings in every state, repeat spots and activities."""
    for n in range(3):
        community = CommunityFactory(street=side.street, name=f"扩充{n}社区")
        building = BuildingFactory(community=community)
        extra = type(side)(
            side.district,
            side.street,
            community,
            building,
            side.council,
            side.unit,
            side.membership,
            secretary=by,
        )
        for category in (Category.PILING, Category.PILING, Category.STALLS):
            report(extra, category, on="2025-04-15")
        rectify(report(extra, Category.PARKING, on="2025-04-16"), days=3)
        close(report(extra, Category.POSTERS, on="2025-04-17"))
        services.activity_record(
            community=community,
            kind=Activity.Kind.CONVENIENCE,
            title="便民",
            held_on=date(2025, 5, 5),
            volunteer_hours=Decimal("3"),
            by=by,
        )
    build_side("丙")


@pytest.mark.parametrize(("role", "level"), [(Role.STREET_STAFF, "community"), (Role.CITY_OFFICE, "street")])
def test_query_count_does_not_grow_with_the_data(client, side_a, role, level):
    client.force_login(user_with_role(role, side_a))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {**PERIOD, "level": level}).status_code == 200
        return len(ctx.captured_queries)

    small = queries()
    grow(side_a, side_a.secretary)
    large = queries()
    assert large == small
    assert small <= 12
