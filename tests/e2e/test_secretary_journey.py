"""A council secretary's quarter in a real browser: the quarterly meeting logged with who came and
who did not (R-1.1), a resolution on the use of funds voted and carried (R-1.2), an expenditure
paid under it and the fund's new balance (R-1.7); then an expenditure with no resolution, which
is still booked (the money is gone) but flagged at once as a violation to rectify (R-1.8)."""

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from councils.models import Meeting, Resolution
from councils.roles import Role
from finance.models import Fund, LedgerEntry, Violation
from tests.conftest import Side, build_side, user_with_role
from tests.factories import MembershipFactory, MemberUnitFactory

SECRETARY = "秘书长小李"
PAID = Decimal("150.00")
UNAUTHORISED = Decimal("30.00")


@pytest.fixture
def side(transactional_db) -> Side:
    """Side 甲, its council with three member units (side 甲's unit and two more)."""
    side = build_side("甲")
    for name in ("甲二单位", "甲三单位"):
        MembershipFactory(unit=MemberUnitFactory(street=side.street, name=name), council=side.council)
    return side


@pytest.fixture
def secretary(side):
    return user_with_role(Role.COUNCIL_SECRETARY, side, username="mishuzhang_a", first_name=SECRETARY)


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f}"


def balance(page: Page):
    return page.get_by_test_id("balance")


def test_secretary_logs_a_meeting_a_resolution_and_spending_with_and_without_it(
    page, sign_in, live_server, side, secretary, browser_log
):
    """R-1.1, R-1.2: a quarterly meeting with attendance and a carried resolution; R-1.7: spending
    under it lowers the balance; R-1.8: spending without one is booked and flagged."""
    council = side.council
    start = Fund.objects.get(council=council).balance  # what side 甲's fund holds already
    sign_in(page, secretary.username)
    expect(page).to_have_title("工作台")

    # The secretary's council, from the 理事会 menu.
    page.locator("#mainnav").get_by_role("link", name="理事会", exact=True).click()
    page.get_by_role("link", name=council.name, exact=True).click()
    expect(page.get_by_role("heading", name=council.name, level=1)).to_be_visible()
    page.get_by_role("link", name="录入会议").click()

    # The meeting, after it was held: time prefilled with now, two units present, one absent.
    expect(page.get_by_role("heading", name=f"录入会议：{council.name}")).to_be_visible()
    expect(page.get_by_label("会议时间")).not_to_have_value("")
    expect(page.get_by_label("会议类型")).to_have_value(Meeting.Kind.REGULAR)
    page.get_by_label("会议地点").fill("社区党群服务中心")
    page.get_by_label(side.unit.name, exact=True).check()
    page.get_by_label(f"{side.unit.name}的出席代表").fill("王代表")
    page.get_by_label("甲二单位", exact=True).check()
    page.get_by_label("甲二单位的出席代表").fill("赵代表")
    expect(page.get_by_label("甲三单位", exact=True)).not_to_be_checked()
    page.get_by_label("甲三单位的缺席原因").fill("外出培训")
    page.get_by_label("议题").fill("楼道保洁工具购置")
    page.get_by_label("会议纪要").fill("会议研究楼道保洁工具购置事项，同意从共建资金列支。")
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_text("已录入会议：实到 2 家 / 应到 3 家，已召开。")).to_be_visible()
    meeting = Meeting.objects.filter(council=council).latest("pk")
    expect(page).to_have_url(f"{live_server.url}/meetings/{meeting.pk}/")
    expect(page.get_by_text("实到 2 家 / 应到 3 家，达到法定人数")).to_be_visible()
    attendance = page.locator("table", has=page.get_by_role("columnheader", name="缺席原因"))
    expect(attendance.locator("tr", has_text=side.unit.name)).to_contain_text("出席")
    expect(attendance.locator("tr", has_text="甲二单位")).to_contain_text("赵代表")
    expect(attendance.locator("tr", has_text="甲三单位")).to_contain_text("缺席")
    expect(attendance.locator("tr", has_text="甲三单位")).to_contain_text("外出培训")

    # The resolution on the agenda item: two of the two present for it, so it carries.
    page.get_by_role("link", name="录入决议").click()
    expect(page.get_by_text("实到 2 家 / 应到 3 家。")).to_be_visible()
    page.get_by_label("决议事项").fill("购置楼道保洁工具")
    page.get_by_label("事项类别").select_option(label="资金使用")
    page.get_by_label("对应议题").select_option(label="1. 楼道保洁工具购置")
    page.get_by_label("决议内容").fill("同意从共建资金列支不超过200元购置楼道保洁工具。")
    page.get_by_label("赞成").fill("2")
    page.get_by_role("button", name="保存").click()

    resolution = Resolution.objects.get(meeting=meeting)
    expect(page.get_by_text(f"决议“购置楼道保洁工具”（{resolution.number}）已录入：通过。")).to_be_visible()
    row = page.locator(f"#resolution-{resolution.pk}")
    expect(row).to_contain_text("2 / 0 / 0")
    expect(row.get_by_text("通过", exact=True)).to_be_visible()

    # The fund, from the council's page: the balance before spending.
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name=council.name).click()
    page.get_by_role("link", name="专项资金").click()
    expect(page.get_by_role("heading", name=f"{council.name}专项资金")).to_be_visible()
    expect(balance(page)).to_have_text(yuan(start))

    # Spending under the resolution: booked without a problem, the balance lower by the amount.
    page.get_by_role("link", name="登记支出").click()
    expect(page.get_by_role("heading", name="登记支出")).to_be_visible()
    expect(page.get_by_label("发生日期")).not_to_have_value("")
    page.get_by_label("金额（元）").fill(str(PAID))
    page.get_by_label("用途类别").select_option(label="环境整治")
    held_on = timezone.localtime(meeting.held_at).date().isoformat()
    page.get_by_label("依据的理事会决议").select_option(
        label=f"{resolution.number} 购置楼道保洁工具（通过，{held_on}会议）"
    )
    page.get_by_label("收款方").fill("五金店")
    page.get_by_role("button", name="保存").click()

    paid = LedgerEntry.objects.get(fund__council=council, resolution=resolution)
    expect(page.get_by_text(f"已记录 {paid.number}：支出 {yuan(PAID)} 元。")).to_be_visible()
    expect(page.get_by_role("link", name=f"{resolution.number} 购置楼道保洁工具")).to_be_visible()
    expect(page.get_by_text("没有发现问题。")).to_be_visible()
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name="专项资金").click()
    expect(balance(page)).to_have_text(yuan(start - PAID))
    ledger = page.locator("table", has=page.get_by_role("columnheader", name="标记"))
    expect(ledger.locator("tr", has_text=paid.number)).to_contain_text(f"−{yuan(PAID)}")
    expect(ledger.locator("tr", has_text=paid.number).get_by_text("有问题")).to_have_count(0)
    expect(page.get_by_text("有 1 个资金使用问题尚未整改销号。")).to_be_visible()  # from before

    # Spending with no resolution: still booked, and flagged as a violation at once.
    page.get_by_role("link", name="登记支出").click()
    page.get_by_label("金额（元）").fill(str(UNAUTHORISED))
    page.get_by_label("用途类别").select_option(label="环境整治")
    expect(page.get_by_label("依据的理事会决议")).to_have_value("")  # （未经理事会决议）
    page.get_by_label("收款方").fill("保洁员")
    page.get_by_role("button", name="保存").click()

    unauthorised = LedgerEntry.objects.get(fund__council=council, counterparty="保洁员")
    expect(
        page.get_by_text(
            f"已记录 {unauthorised.number}（支出 {yuan(UNAUTHORISED)} 元），但存在问题：支出未经理事会决议。"
            "已列为违规问题，须限期整改。"
        )
    ).to_be_visible()
    expect(page.get_by_text("未经理事会决议", exact=True)).to_be_visible()
    problems = page.locator("table", has=page.get_by_role("columnheader", name="问题类型"))
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems).to_contain_text("支出未经理事会决议")
    expect(problems).to_contain_text("系统自动发现")
    expect(problems).to_contain_text("待整改")

    # The fund page: the money is gone from the balance, the entry marked, one more open problem.
    page.get_by_role("navigation", name="当前位置").get_by_role("link", name="专项资金").click()
    expect(balance(page)).to_have_text(yuan(start - PAID - UNAUTHORISED))
    expect(ledger.locator("tr", has_text=unauthorised.number)).to_contain_text(f"−{yuan(UNAUTHORISED)}")
    expect(ledger.locator("tr", has_text=unauthorised.number).get_by_text("有问题")).to_be_visible()
    expect(page.get_by_text("有 2 个资金使用问题尚未整改销号。")).to_be_visible()

    # And on the council's list of violations, the new one waiting for rectification.
    page.get_by_role("link", name="查看问题清单").click()
    expect(page.get_by_role("heading", name="资金违规问题", level=1)).to_be_visible()
    flagged = page.locator("table tbody tr", has_text=unauthorised.number)
    expect(flagged).to_contain_text("支出未经理事会决议")
    expect(flagged).to_contain_text("系统自动")
    expect(flagged).to_contain_text(yuan(UNAUTHORISED))

    assert Fund.objects.get(council=council).balance == start - PAID - UNAUTHORISED
    assert not paid.violations.exists()
    violation = unauthorised.violations.get()
    assert (violation.kind, violation.status) == (Violation.Kind.NO_RESOLUTION, Violation.Status.OPEN)
    assert (meeting.status, meeting.present_count, meeting.eligible_count) == (Meeting.Status.HELD, 2, 3)
    assert resolution.outcome == Resolution.Outcome.CARRIED

    page.wait_for_load_state("load")
    assert browser_log.foreign_requests() == [], "the portal must work offline"
    assert browser_log.console_errors == []
    assert browser_log.page_errors == []
