"""The city office's setup pages and the points ledger (R-1.9, R-1.10): rubric versions frozen by
the periods that use them, periods opened with errors on the right field, points rules whose
changes leave recorded events alone, manual points by street staff within their scope, the
ledger linking automatic events to their records, and query counts that do not grow."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from assessments import services
from assessments.models import Assessment, Criterion, Half, Period, PointEvent, PointRule, Rubric, half_of
from councils import services as council_services
from councils.models import Meeting
from councils.roles import Role
from councils.services.meetings import Seat
from inspections import services as activity_services
from inspections.models import Activity
from tests.conftest import build_side, user_with_role
from tests.factories import MembershipFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def city(side_a):
    return user_with_role(Role.CITY_OFFICE, first_name="市文明办")


@pytest.fixture
def street_staff(side_a):
    return user_with_role(Role.STREET_STAFF, side_a, first_name="街道小李")


def criterion_data(criterion: Criterion, **changes) -> dict:
    data = {
        "group": criterion.group,
        "order": criterion.order,
        "title": criterion.title,
        "max_points": str(criterion.max_points),
        "guidance": criterion.guidance,
        "evidence": criterion.evidence,
    }
    return {**data, **changes}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- Rubrics (R-1.9) -----------------------------------------------------------------------------


def test_a_rubric_a_period_uses_is_frozen_and_a_new_version_is_edited_instead_R_1_9(client, side_a, city):
    """R-1.9: changing the rubric after a period opened does not touch that period: the period's
    version refuses edits (as a message on the form, not a 403), a new version takes them, and
    the period still shows the old criteria and total."""
    client.force_login(city)
    old = side_a.rubric
    first = old.criteria.order_by("order", "pk").first()
    original_points, original_title = first.max_points, first.title

    page = client.get(reverse("criterion_update", args=[first.pk]))
    assert page.status_code == 200
    assert "已被考核期使用" in page.content.decode()

    refused = client.post(
        reverse("criterion_update", args=[first.pk]),
        criterion_data(first, title="改过的标题", max_points="20"),
    )
    assert refused.status_code == 200
    assert any("已被考核期使用" in e for e in refused.context["form"].non_field_errors())
    assert refused.context["form"]["title"].value() == "改过的标题"  # what was typed stays
    first.refresh_from_db()
    assert (first.max_points, first.title) == (original_points, original_title)

    refused = client.post(reverse("criterion_delete", args=[first.pk]), {"confirm": "on"})
    assert refused.status_code == 200
    assert refused.context["form"].non_field_errors()
    assert Criterion.objects.filter(pk=first.pk).exists()

    revised = client.post(reverse("rubric_revise", args=[old.pk]), {"name": old.name, "note": "提高会议分值"})
    new = Rubric.objects.get(version=old.version + 1)
    assert revised.status_code == 302 and revised.url == new.get_absolute_url()
    assert new.criteria.count() == old.criteria.count()
    assert new.note == "提高会议分值"

    copy = new.criteria.get(title=original_title)
    saved = client.post(
        reverse("criterion_update", args=[copy.pk]), criterion_data(copy, max_points="20"), follow=True
    )
    copy.refresh_from_db()
    assert copy.max_points == D("20")
    total = old.total + D("20") - original_points
    assert any("不是100分" in m for m in messages_of(saved))  # saving is allowed, with a warning
    detail = client.get(new.get_absolute_url())
    assert detail.context["total"] == total and not detail.context["total_is_100"]
    assert "不是100分" in detail.content.decode()

    added = client.post(
        reverse("criterion_create", args=[new.pk]),
        {
            "group": "results",
            "order": 9,
            "title": "新增的考核项目",
            "max_points": "5",
            "guidance": "",
            "evidence": "",
        },
    )
    assert added.status_code == 302
    extra = new.criteria.get(title="新增的考核项目")
    assert client.post(reverse("criterion_delete", args=[extra.pk]), {"confirm": "on"}).status_code == 302
    assert not Criterion.objects.filter(pk=extra.pk).exists()

    period_page = client.get(side_a.period.get_absolute_url())
    assert period_page.context["period"].rubric == old
    assert period_page.context["total"] == D("100")
    shown = {c.pk for g in period_page.context["groups"] for c in g.criteria}
    assert shown == set(old.criteria.values_list("pk", flat=True))


def test_everyone_reads_rubrics_but_only_the_city_office_sees_how_to_change_them(
    client, side_a, street_staff
):
    client.force_login(street_staff)
    page = client.get(side_a.rubric.get_absolute_url())
    assert page.status_code == 200
    assert "已冻结" in page.content.decode()
    assert reverse("rubric_revise", args=[side_a.rubric.pk]) not in page.content.decode()
    assert [g.label for g in page.context["groups"]] == ["态度", "措施", "成效"]
    assert client.get(reverse("rubric_revise", args=[side_a.rubric.pk])).status_code == 403


# --- Periods -------------------------------------------------------------------------------------


def period_data(**changes) -> dict:
    year = timezone.localdate().year + 1
    data = {
        "year": str(year),
        "half": "1",
        "opens_on": f"{year}-06-20",
        "closes_on": f"{year}-07-15",
        "rubric": str(Rubric.objects.order_by("-version").first().pk),
        "excellent_from": "90",
        "good_from": "80",
        "pass_from": "60",
        "points_cap": "10",
    }
    return {**data, **changes}


@pytest.mark.dates
def test_period_form_errors_land_on_their_fields_and_keep_what_was_typed(client, side_a, city):
    client.force_login(city)
    before = Period.objects.count()
    response = client.post(
        reverse("period_create"),
        period_data(
            closes_on=f"{timezone.localdate().year + 1}-06-01", excellent_from="70", points_cap="7.5"
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "closes_on" in form.errors and "excellent_from" in form.errors
    assert form["points_cap"].value() == "7.5"
    assert 'value="7.5"' in response.content.decode()
    assert Period.objects.count() == before


def test_a_second_period_for_the_same_half_is_refused_on_the_half(client, side_a, city):
    client.force_login(city)
    period = side_a.period
    before = Period.objects.count()
    response = client.post(
        reverse("period_create"),
        period_data(
            year=str(period.year),
            half=str(period.half),
            opens_on=period.opens_on.isoformat(),
            closes_on=period.closes_on.isoformat(),
        ),
    )
    assert response.status_code == 200
    assert "已存在" in " ".join(response.context["form"].errors["half"])
    assert Period.objects.count() == before


@pytest.mark.dates
def test_city_office_opens_a_period_with_a_chosen_version_which_freezes_it_R_1_9(
    client, side_a, side_b, city
):
    client.force_login(city)
    new = services.rubric_revise(rubric=side_a.rubric, note="新版", by=city)
    initial = client.get(reverse("period_create")).context["form"].initial
    assert initial["rubric"] == new.pk  # the newest version by default
    response = client.post(reverse("period_create"), period_data(rubric=str(new.pk), points_cap="8"))
    period = Period.objects.get(year=timezone.localdate().year + 1, half=Half.FIRST)
    assert response.status_code == 302 and response.url == period.get_absolute_url()
    assert (period.rubric, period.points_cap) == (new, D("8"))
    assert period.assessments.count() == 2  # one per seat: sides A and B
    criterion = new.criteria.first()
    refused = client.post(
        reverse("criterion_update", args=[criterion.pk]), criterion_data(criterion, title="x")
    )
    assert refused.context["form"].non_field_errors()


def test_progress_counts_only_the_assessments_in_the_users_scope(client, side_a, side_b, city, street_staff):
    Assessment.objects.filter(pk=side_a.assessment.pk).update(status=Assessment.Status.SUBMITTED)
    client.force_login(city)
    row = next(p for p in client.get(reverse("period_list")).context["periods"] if p == side_a.period)
    assert row.progress.total == 2 and row.progress.counts["submitted"] == 1
    client.force_login(street_staff)
    row = next(p for p in client.get(reverse("period_list")).context["periods"] if p == side_a.period)
    assert row.progress.total == 1 and row.progress.counts == {**row.progress.counts, "submitted": 1}
    detail = client.get(side_a.period.get_absolute_url())
    assert [s.label for s in detail.context["streets"]] == [f"{side_a.district.name} {side_a.street.name}"]


def test_sync_adds_new_seats_and_close_needs_confirmation(client, side_a, city):
    client.force_login(city)
    period = side_a.period
    newcomer = MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street))
    synced = client.post(reverse("period_sync", args=[period.pk]), {"confirm": "on"}, follow=True)
    assert period.assessments.filter(unit=newcomer.unit).exists()
    assert any("1份" in m for m in messages_of(synced))

    unconfirmed = client.post(reverse("period_close", args=[period.pk]), {})
    assert unconfirmed.status_code == 200 and "confirm" in unconfirmed.context["form"].errors
    period.refresh_from_db()
    assert period.status == Period.Status.OPEN
    assert (
        client.get(reverse("period_close", args=[period.pk])).context["unfinished"]
        == period.assessments.count()
    )

    client.post(reverse("period_close", args=[period.pk]), {"confirm": "on"})
    period.refresh_from_db()
    assert period.status == Period.Status.CLOSED
    assert client.get(reverse("period_close", args=[period.pk])).status_code == 302


# --- Points rules (R-1.10) -----------------------------------------------------------------------


def rules_data(**points) -> dict:
    data = {}
    for rule in PointRule.objects.all():
        data[f"{rule.code}-points"] = points.get(rule.code, str(rule.points))
        data[f"{rule.code}-note"] = rule.note
        if rule.active:
            data[f"{rule.code}-active"] = "on"
    return data


def period_of(day) -> Period:
    year, half = half_of(day)
    return Period.objects.filter(year=year, half=half).first() or services.period_open(
        year=year, half=half, opens_on=day, closes_on=day + timedelta(days=30), by=None
    )


@pytest.mark.dates
def test_a_rule_change_applies_to_new_events_only_R_1_10(client, side_a, city):
    """R-1.10: points already recorded keep the value they were given; the job run after the
    change gives new events the new value."""
    client.force_login(city)
    held_before = timezone.localtime(side_a.meeting.held_at).date()
    services.points_derive(year=held_before.year, half=half_of(held_before)[1])
    old = PointEvent.objects.get(rule__code="attended", source_id=side_a.meeting.attendances.get().pk)
    assert old.points == D("1.0")

    page = client.get(reverse("point_rule_edit"))
    assert "已记录的记分保持原分值" in page.content.decode()
    saved = client.post(reverse("point_rule_edit"), rules_data(attended="3"), follow=True)
    assert PointRule.objects.get(code="attended").points == D("3")
    assert any("保持原分值" in m for m in messages_of(saved))

    now = timezone.now() - timedelta(minutes=5)
    meeting = council_services.meeting_record(
        council=side_a.council,
        held_at=now,
        kind=Meeting.Kind.REGULAR,
        place="社区会议室",
        seats=[Seat(side_a.membership.pk, present=True, representative="代表")],
        minutes="第二次会议纪要",
        by=side_a.secretary,
    )
    period = period_of(timezone.localtime(now).date())
    derived = client.post(reverse("points_derive"), {"period": period.pk})
    assert derived.status_code == 302
    new = PointEvent.objects.get(rule__code="attended", source_id=meeting.attendances.get().pk)
    old.refresh_from_db()
    assert (old.points, new.points) == (D("1.0"), D("3.0"))


def test_a_refused_rule_change_saves_none_of_the_rows(client, side_a, city):
    client.force_login(city)
    response = client.post(reverse("point_rule_edit"), rules_data(attended="2", absent="0"))
    assert response.status_code == 200
    rows = {row.rule.code: row for row in response.context["rows"]}
    assert rows["absent"].errors["points"]
    assert rows["attended"]["points"].value() == "2"
    assert PointRule.objects.get(code="attended").points == D("1")


# --- Points ledger (R-1.10) ----------------------------------------------------------------------


def point_data(side, **changes) -> dict:
    data = {
        "unit": side.unit.pk,
        "council": side.council.pk,
        "points": "-1.5",
        "occurred_on": timezone.localdate().isoformat(),
        "reason": "未按要求参加共建活动",
    }
    return {**data, **changes}


def test_street_staff_record_a_manual_point_in_their_scope_R_1_10(client, side_a, street_staff):
    client.force_login(street_staff)
    assert client.get(reverse("point_create")).status_code == 200
    response = client.post(reverse("point_create"), point_data(side_a))
    assert response.status_code == 302
    event = PointEvent.objects.get(reason="未按要求参加共建活动")
    assert (event.unit, event.council, event.points, event.created_by) == (
        side_a.unit,
        side_a.council,
        D("-1.5"),
        street_staff,
    )
    ledger = client.get(response.url)
    assert event in ledger.context["events"]
    assert "人工记分" in ledger.content.decode()


@pytest.mark.parametrize("forged", ["unit", "council"])
def test_a_unit_or_council_outside_the_scope_is_a_form_error_and_saves_nothing(
    client, side_a, side_b, street_staff, forged
):
    client.force_login(street_staff)
    before = PointEvent.objects.count()
    response = client.post(
        reverse("point_create"), point_data(side_a, **{forged: getattr(side_b, forged).pk})
    )
    assert response.status_code == 200
    assert forged in response.context["form"].errors
    assert response.context["form"]["reason"].value() == "未按要求参加共建活动"
    assert PointEvent.objects.count() == before


def test_a_unit_not_seated_on_the_council_is_refused_on_the_council(client, side_a, street_staff):
    client.force_login(street_staff)
    stranger = MemberUnitFactory(street=side_a.street)
    before = PointEvent.objects.count()
    response = client.post(reverse("point_create"), point_data(side_a, unit=stranger.pk))
    assert response.status_code == 200
    assert "成员" in " ".join(response.context["form"].errors["council"])
    assert PointEvent.objects.count() == before


def test_community_staff_may_not_record_points(client, side_a):
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    assert client.get(reverse("point_create")).status_code == 403
    assert client.post(reverse("point_create"), point_data(side_a)).status_code == 403
    assert client.get(reverse("point_list")).status_code == 200


def derive_all() -> None:
    today = timezone.localdate()
    for day in {today, today - timedelta(days=1)}:
        year, half = half_of(day)
        services.points_derive(year=year, half=half)


def test_ledger_links_automatic_events_to_their_records_and_filters(client, side_a, side_b, street_staff):
    derive_all()
    client.force_login(street_staff)
    page = client.get(reverse("point_list"))
    events = page.context["events"]
    assert {e.unit for e in events} == {side_a.unit}  # side B's ledger is out of scope
    html = page.content.decode()
    assert reverse("meeting_detail", args=[side_a.meeting.pk]) in html
    assert reverse("activity_detail", args=[side_a.activity.pk]) in html
    assert reverse("violation_detail", args=[side_a.violation.pk]) in html
    assert reverse("meeting_detail", args=[side_b.meeting.pk]) not in html

    manual = client.get(reverse("point_list"), {"kind": "manual"}).context["events"]
    assert [e.pk for e in manual] == [side_a.point_event.pk]
    rule = PointRule.objects.get(code="volunteer")
    only = client.get(reverse("point_list"), {"rule": rule.pk}).context["events"]
    assert only and all(e.rule_id == rule.pk for e in only)
    found = client.get(reverse("point_list"), {"q": side_a.unit.name[:2], "period": side_a.period.pk})
    assert found.context["totals"]["n"] == len(found.context["events"])


def test_the_filtered_ledger_exports_to_xlsx(client, side_a, side_b, street_staff):
    derive_all()
    client.force_login(street_staff)
    response = client.get(reverse("point_list"), {"kind": "manual", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "成员单位" in rows[0] and "事由" in rows[0]
    assert [r[rows[0].index("事由")] for r in rows[1:] if any(r)] == [side_a.point_event.reason]


def test_unit_contact_sees_only_its_own_units_ledger(client, side_a, side_b):
    derive_all()
    client.force_login(user_with_role(Role.UNIT_CONTACT, side_a))
    events = client.get(reverse("point_list")).context["events"]
    assert events and {e.unit for e in events} == {side_a.unit}


# --- Query counts --------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def grow(side, rubric: Rubric, city) -> None:
    """More of everything the pages list: versions, periods, seats, assessments, events."""
    for _ in range(3):
        services.rubric_revise(rubric=rubric, note="再修订", by=city)
    for n in range(4):
        services.criterion_save(
            criterion=Criterion(
                rubric=rubric, group="measures", order=20 + n, title=f"新增{n}", max_points=2
            ),
            by=city,
        )
    this_year = timezone.localdate().year
    for year in (this_year - 2, this_year - 3):
        for half in Half:
            services.period_open(
                year=year,
                half=half,
                opens_on=timezone.localdate(),
                closes_on=timezone.localdate(),
                rubric=rubric,
                by=city,
            )
    for _ in range(3):
        MembershipFactory(council=side.council, unit=MemberUnitFactory(street=side.street))
    services.period_sync(period=side.period)
    for n in range(5):
        services.point_record(
            unit=side.unit,
            council=side.council,
            points=1,
            reason=f"加分{n}",
            occurred_on=timezone.localdate(),
            by=city,
        )
    for hours in (2, 3):  # more automatic events on the same page: meetings and volunteering
        council_services.meeting_record(
            council=side.council,
            held_at=timezone.now() - timedelta(minutes=hours),
            kind=Meeting.Kind.REGULAR,
            place="社区会议室",
            seats=[Seat(side.membership.pk, present=True, representative="代表")],
            minutes="纪要",
            by=side.secretary,
        )
        activity_services.activity_record(
            community=side.community,
            kind=Activity.Kind.WARMTH_VISIT,
            title=f"走访{hours}",
            held_on=timezone.localdate(),
            organiser=side.unit,
            participants=3,
            volunteer_hours=Decimal(hours * 10),
            people_served=5,
            by=side.secretary,
        )
    build_side("丙")
    derive_all()


PAGES = ["rubric_list", "rubric_detail", "period_list", "period_detail", "point_rule_list", "point_list"]


@pytest.mark.parametrize("role", [Role.CITY_OFFICE, Role.STREET_STAFF, Role.UNIT_CONTACT])
@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(
    client, side_a, side_b, role, page, django_assert_num_queries
):
    city = user_with_role(Role.CITY_OFFICE)
    client.force_login(user_with_role(role, side_a))
    rubric = services.rubric_revise(rubric=side_a.rubric, note="待修订", by=city)
    derive_all()
    args = {"rubric_detail": [rubric.pk], "period_detail": [side_a.period.pk]}.get(page, [])
    url = reverse(page, args=args)
    queries(client, url)  # warm the caches a first request fills (content types)
    small = queries(client, url)
    grow(side_a, rubric, city)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
