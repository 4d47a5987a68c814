"""A street office's round in a real browser: from the 会议督查 menu, the councils of its street
that have not met this quarter (R-1.1) — the one behind is listed, the one that met is not; then
that council, one of its member units, the unit's assessment record and its submitted assessment
for the current half-year, confirmed on the confirmation page and shown as confirmed (R-1.9)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments import services as assessments
from assessments.models import Assessment, AssessmentEvent
from councils import services as councils
from councils.models import Meeting
from councils.periods import Quarter
from councils.roles import Role
from councils.services.meetings import Seat
from tests.conftest import Side, build_side, user_with_role
from tests.factories import CommunityFactory, CouncilFactory, MembershipFactory, MemberUnitFactory

OFFICER = "街道办小陈"
NOTE = "评分依据充分，同意。"


@pytest.fixture
def side(transactional_db) -> Side:
    """Side 甲: its council met this quarter (yesterday, or just now on a quarter's first day)."""
    side = build_side("甲")
    if Quarter.of(side.meeting.held_at) != Quarter.current():
        councils.meeting_record(
            council=side.council,
            held_at=timezone.now(),
            kind=Meeting.Kind.REGULAR,
            place="社区会议室",
            seats=[Seat(side.membership.pk, present=True, representative="代表")],
            minutes="会议纪要",
            by=side.secretary,
        )
    return side


@pytest.fixture
def behind(side):
    """A second council in the same street that has not met this quarter, with one member unit
    whose assessment for the current half-year the community has scored and submitted."""
    community = CommunityFactory(street=side.street, name="甲二社区")
    council = CouncilFactory(community=community)
    unit = MemberUnitFactory(street=side.street, name="甲二单位")
    MembershipFactory(unit=unit, council=council)
    assessor = user_with_role(Role.COMMUNITY_STAFF, side, username="shequ_a2", first_name="社区小王")
    assessments.period_sync(period=side.period)
    assessment = Assessment.objects.get(period=side.period, council=council, unit=unit)
    entries = {
        score.criterion_id: assessments.Entry(
            score.suggested if score.suggested is not None else score.criterion.max_points, "依据"
        )
        for score in assessments.assessment_prefill(assessment=assessment)
    }
    assessments.assessment_score(assessment=assessment, entries=entries, by=assessor)
    assessments.assessment_submit(assessment=assessment, by=assessor)
    return assessment


@pytest.fixture
def officer(side):
    return user_with_role(Role.STREET_STAFF, side, username="jiedao_a", first_name=OFFICER)


def test_street_office_finds_a_council_behind_on_meetings_and_confirms_a_unit_assessment(
    page, sign_in, live_server, side, behind, officer, browser_log
):
    """R-1.1: the councils of the street without a meeting this quarter; R-1.9: the street confirms
    a member unit's submitted half-yearly assessment."""
    council, unit = behind.council, behind.unit
    sign_in(page, officer.username)
    expect(page).to_have_title("工作台")

    # The 会议督查 menu: every council of the street first, then only the ones behind.
    page.locator("#mainnav").get_by_role("link", name="会议督查", exact=True).click()
    expect(page.get_by_role("heading", name="季度会议督查", level=1)).to_contain_text(str(Quarter.current()))
    rows = page.locator("table tbody tr")
    page.get_by_label("街道/镇").select_option(label=f"{side.district.name} · {side.street.name}")
    page.get_by_label("范围").select_option(label="全部理事会")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"show=all"))
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text=side.council.name)).to_contain_text("已召开")
    expect(rows.filter(has_text=council.name)).to_contain_text("尚未召开")
    expect(page.get_by_text("本季度尚未召开会议的理事会：1 个。")).to_be_visible()

    page.get_by_label("范围").select_option(label="仅未召开")
    page.get_by_role("button", name="筛选").click()
    expect(page).to_have_url(re.compile(r"show=behind"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("尚未召开")
    expect(rows.first).to_contain_text("从未召开")
    expect(page.get_by_role("link", name=side.council.name, exact=True)).to_have_count(0)

    # The council behind: its quarter is still open; its member units with their areas.
    page.get_by_role("link", name=council.name, exact=True).click()
    expect(page.get_by_role("heading", name=council.name, level=1)).to_be_visible()
    expect(page.get_by_text("本季度尚未召开", exact=True)).to_be_visible()
    members = page.locator("table", has=page.get_by_role("columnheader", name="责任楼栋"))
    members.get_by_role("link", name=unit.name, exact=True).click()

    # The unit's seat on the council, and from there its assessment record.
    expect(page.get_by_role("heading", name=unit.name, level=1)).to_be_visible()
    page.get_by_role("link", name="考核档案").click()
    expect(page.get_by_role("heading", name=f"{unit.name} 考核档案", level=1)).to_be_visible()
    row = page.locator("#assessments tbody tr").filter(has_text=str(side.period))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("待街道确认")
    row.get_by_role("link", name=council.name).click()

    # The submitted assessment: confirming it goes through its own page, which says what happens.
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text(unit.name)
    expect(heading).to_contain_text("待街道确认")
    # (An icon's glyph is part of a button's name: the names are matched, not compared.)
    page.locator("#actions").get_by_role("link", name="确认").click()
    expect(page.get_by_role("heading", name="街道确认", level=1)).to_be_visible()
    expect(page.get_by_text("确认社区的评分无误。确认后可以公布；公布前仍可退回。")).to_be_visible()
    page.get_by_label("确认意见").fill(NOTE)
    page.get_by_role("button", name="确认评分").click()

    # Back on the assessment, shown as confirmed by the officer; publishing is the next step.
    expect(page.get_by_text("已确认该考核。")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/assessments/{behind.pk}/")
    expect(heading).to_contain_text("街道已确认")
    confirmed = page.locator("dt", has_text=re.compile("^确认$")).locator("xpath=following-sibling::dd[1]")
    expect(confirmed).to_contain_text(OFFICER)
    actions = page.locator("#actions")
    expect(actions.get_by_role("link", name="确认")).to_have_count(0)
    expect(actions.get_by_role("link", name="公布")).to_be_visible()

    behind.refresh_from_db()
    assert behind.status == Assessment.Status.CONFIRMED
    assert behind.confirmed_by == officer
    event = AssessmentEvent.objects.filter(assessment=behind).latest("pk")
    assert (event.from_status, event.to_status, event.note, event.by) == (
        Assessment.Status.SUBMITTED,
        Assessment.Status.CONFIRMED,
        NOTE,
        officer,
    )

    page.wait_for_load_state("load")
    assert browser_log.foreign_requests() == [], "the portal must work offline"
    assert browser_log.console_errors == []
    assert browser_log.page_errors == []
