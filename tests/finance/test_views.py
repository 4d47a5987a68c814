"""The ledger, pledge and budget pages (R-1.5 – R-1.8, issue 4 §1–3, §5, §6, §8): forms that refuse
bad amounts and keep what was typed, spending that is saved but flagged, reversals, receipts
that stay within their council, the street's review with its totals, pledges against payments,
budgets against actual spending, and query counts that do not grow with the data."""

from datetime import timedelta
from decimal import Decimal
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from councils import services as council_services
from councils.models import Resolution
from councils.periods import today
from councils.roles import Role
from finance import services
from finance.models import Budget, Category, Fund, LedgerEntry, Violation
from tests.conftest import PDF_BYTES, build_side, pdf_pages, user_with_role
from tests.factories import MembershipFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db


def environment() -> Category:
    return Category.objects.get(name="环境整治")


def balance(side) -> Decimal:
    return Fund.objects.get(council=side.council).balance


def failed_resolution(side) -> Resolution:
    return council_services.resolution_record(
        meeting=side.meeting,
        title="购置音响",
        text="购置音响设备",
        votes_for=0,
        votes_against=1,
        subject=Resolution.Subject.FUNDS,
        by=side.secretary,
    )


@pytest.fixture
def secretary(client, side_a):
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_a))
    return client


def entry_url(side, kind: str) -> str:
    return reverse("entry_create", args=[side.council.pk]) + f"?kind={kind}"


def expenditure_data(side, **extra) -> dict:
    return {
        "entry_date": today().isoformat(),
        "amount": "100.00",
        "category": environment().pk,
        "resolution": side.resolution.pk,
        "counterparty": "绿化公司",
        "description": "小区绿化补种",
        **extra,
    }


# --- Recording through the pages (R-1.5, R-1.7) ----------------------------------------------


def test_contribution_is_recorded_through_the_page_with_its_receipt_R_1_5(secretary, side_a):
    page = secretary.get(entry_url(side_a, "contribution")).content.decode()
    assert "出资单位" in page and side_a.unit.name in page
    response = secretary.post(
        entry_url(side_a, "contribution"),
        {
            "entry_date": today().isoformat(),
            "amount": "1,000.50",
            "unit": side_a.unit.pk,
            "description": "第二季度出资",
            "receipt": SimpleUploadedFile("转账凭证.pdf", PDF_BYTES),
        },
        follow=True,
    )
    entry = LedgerEntry.objects.filter(fund__council=side_a.council).order_by("-pk").first()
    assert entry.kind == "contribution" and entry.amount == Decimal("1000.50")
    assert entry.unit == side_a.unit and entry.receipt_name == "转账凭证.pdf"
    assert response.redirect_chain[-1][0] == entry.get_absolute_url()
    page = response.content.decode()
    assert f"已记录 {entry.number}" in page
    assert "转账凭证.pdf" in page
    assert balance(side_a) == Decimal("1380.50")  # 500 − 120 + 1000.50


@pytest.mark.parametrize(("kind", "label"), [("donation_org", "捐资单位"), ("donation_person", "捐资人")])
def test_donations_name_who_gave_R_1_5(secretary, side_a, kind, label):
    data = {"entry_date": today().isoformat(), "amount": "200"}
    response = secretary.post(entry_url(side_a, kind), data)
    assert f"请填写{label}" in response.content.decode()
    response = secretary.post(entry_url(side_a, kind), {**data, "counterparty": "热心居民王某"})
    entry = LedgerEntry.objects.get(fund__council=side_a.council, kind=kind)
    assert response.url == entry.get_absolute_url()
    assert entry.counterparty == "热心居民王某" and entry.signed_amount == Decimal("200.00")


def test_expenditure_with_a_carried_resolution_and_budget_line_is_clean_R_1_7(secretary, side_a):
    page = secretary.get(entry_url(side_a, "expenditure")).content.decode()
    assert side_a.resolution.title in page and "预算科目" in page
    line = side_a.budget.lines.get()
    response = secretary.post(entry_url(side_a, "expenditure"), expenditure_data(side_a, budget_line=line.pk))
    entry = LedgerEntry.objects.get(fund__council=side_a.council, counterparty="绿化公司")
    assert entry.resolution == side_a.resolution and entry.budget_line == line
    assert not entry.violations.exists()
    page = secretary.get(response.url).content.decode()
    assert f"已记录 {entry.number}" in page and "存在问题" not in page
    assert balance(side_a) == Decimal("280.00")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-5", "金额必须大于 0"),
        ("0", "金额必须大于 0"),
        ("10000000.01", "金额不能超过 1000 万元"),
        ("abc", "金额须是数字"),
        ("1.234", "金额最多两位小数"),
        ("", "请填写金额"),
    ],
)
@pytest.mark.parametrize("kind", ["contribution", "expenditure"])
def test_hostile_amounts_are_refused_with_a_message_and_save_nothing(
    secretary, side_a, kind, amount, message
):
    """Amounts are Decimal yuan, more than zero, at most ten million, to the cent (issue 4 §1)."""
    before = LedgerEntry.objects.count()
    data = expenditure_data(side_a) if kind == "expenditure" else {"unit": side_a.unit.pk}
    data.update(entry_date=today().isoformat(), amount=amount)
    response = secretary.post(entry_url(side_a, kind), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert LedgerEntry.objects.count() == before
    assert balance(side_a) == Decimal("380.00")


def test_expenditure_over_the_balance_is_refused_and_the_page_keeps_what_was_typed(secretary, side_a):
    """The balance may not go below zero (issue 4 §3); nothing is saved, nothing retyped."""
    data = expenditure_data(side_a, amount="1000.00", description="购置健身器材一批")
    response = secretary.post(entry_url(side_a, "expenditure"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "余额不足：当前余额 380.00 元" in page
    assert "余额不足" in str(response.context["form"].errors["amount"])  # on the amount field
    assert 'value="1000.00"' in page and "购置健身器材一批" in page and 'value="绿化公司"' in page
    assert f'value="{side_a.resolution.pk}" selected' in page
    assert not LedgerEntry.objects.filter(counterparty="绿化公司").exists()
    assert balance(side_a) == Decimal("380.00")


def test_a_receipt_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_saved(secretary, side_a):
    """Receipts are PDF, JPEG or PNG, told by their content, not their name."""
    before = LedgerEntry.objects.count()
    fake = SimpleUploadedFile("发票.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")
    data = {"entry_date": today().isoformat(), "amount": "50", "unit": side_a.unit.pk, "receipt": fake}
    response = secretary.post(entry_url(side_a, "contribution"), data)
    assert "不是 PDF、JPEG 或 PNG 文件" in str(response.context["form"].errors["receipt"])
    assert 'value="50"' in response.content.decode()
    assert LedgerEntry.objects.count() == before


def test_expenditure_with_a_failed_resolution_is_saved_and_the_page_says_it_is_flagged_R_1_8(
    secretary, side_a
):
    failed = failed_resolution(side_a)
    page = secretary.get(entry_url(side_a, "expenditure")).content.decode()
    assert failed.title in page  # still selectable, so the flag is visible
    response = secretary.post(
        entry_url(side_a, "expenditure"), expenditure_data(side_a, resolution=failed.pk), follow=True
    )
    entry = LedgerEntry.objects.get(counterparty="绿化公司")
    assert entry.violations.get().kind == Violation.Kind.RESOLUTION_NOT_CARRIED
    page = response.content.decode()
    assert f"已记录 {entry.number}" in page
    assert "但存在问题：依据的决议未通过或无效" in page
    assert "alert-warning" in page
    assert balance(side_a) == Decimal("280.00")  # the money is gone all the same


def test_expenditure_without_a_resolution_is_flagged_R_1_7(secretary, side_a):
    response = secretary.post(
        entry_url(side_a, "expenditure"), expenditure_data(side_a, resolution=""), follow=True
    )
    assert "但存在问题：支出未经理事会决议" in response.content.decode()


def test_entry_page_without_a_kind_offers_the_kinds(secretary, side_a):
    page = secretary.get(reverse("entry_create", args=[side_a.council.pk])).content.decode()
    for label in ("成员单位出资", "社会团体捐资", "个人捐资", "支出"):
        assert label in page


def test_fund_page_shows_balance_year_totals_and_the_ledger(secretary, side_a, side_b):
    response = secretary.get(reverse("fund_detail", args=[side_a.council.pk]))
    page = response.content.decode()
    assert response.context["balance"] == Decimal("380.00")
    assert response.context["year_totals"]["income"] == Decimal("500.00")
    assert response.context["year_totals"]["spending"] == Decimal("120.00")
    assert "380.00" in page and "+500.00" in page and "\u2212120.00" in page
    assert "登记收入" in page and "登记支出" in page
    assert side_a.entry.get_absolute_url() in page
    assert side_b.entry.get_absolute_url() not in page
    flagged = secretary.get(reverse("fund_detail", args=[side_a.council.pk]), {"flagged": "on"})
    assert [e.pk for e in flagged.context["page_obj"]] == [side_a.expenditure.pk]


def test_fund_page_has_no_record_buttons_for_readers(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    page = client.get(reverse("fund_detail", args=[side_a.council.pk])).content.decode()
    assert "登记支出" not in page
    assert "380.00" in page


# --- Reversals (issue 4 §2) --------------------------------------------------------------------


def test_reversal_through_the_page_and_a_refused_second_reversal(secretary, side_a):
    url = reverse("entry_reverse", args=[side_a.expenditure.pk])
    assert "确认冲正" in secretary.get(url).content.decode()
    response = secretary.post(url, {"reason": "", "confirm": "on"})
    assert "请填写冲正原因" in response.content.decode()
    response = secretary.post(url, {"reason": "重复登记", "confirm": "on"}, follow=True)
    reversal = LedgerEntry.objects.get(reverses=side_a.expenditure)
    assert reversal.kind == "reversal" and reversal.reason == "重复登记"
    page = response.content.decode()
    assert f"已冲正 {side_a.expenditure.number}" in page and reversal.number in page
    assert balance(side_a) == Decimal("500.00")
    # The button is gone, and the service refuses a second reversal and one of the reversal.
    assert reverse("entry_reverse", args=[side_a.expenditure.pk]) not in page
    response = secretary.post(url, {"reason": "再冲一次", "confirm": "on"})
    assert response.status_code == 200
    assert "已经冲正过" in response.content.decode()
    response = secretary.post(
        reverse("entry_reverse", args=[reversal.pk]), {"reason": "冲正错了", "confirm": "on"}
    )
    assert "冲正记录不能再冲正" in response.content.decode()
    assert LedgerEntry.objects.filter(fund__council=side_a.council, kind="reversal").count() == 1
    assert balance(side_a) == Decimal("500.00")


def test_entry_page_shows_the_reversal_pair_and_violations(secretary, side_a):
    reversal = services.entry_reverse(entry=side_a.expenditure, reason="金额录错", by=side_a.secretary)
    page = secretary.get(reverse("entry_detail", args=[side_a.expenditure.pk])).content.decode()
    assert reversal.get_absolute_url() in page and "金额录错" in page
    assert "支出未经理事会决议" in page  # its violation
    page = secretary.get(reverse("entry_detail", args=[reversal.pk])).content.decode()
    assert side_a.expenditure.get_absolute_url() in page
    assert reverse("entry_reverse", args=[reversal.pk]) not in page


# --- Receipts ----------------------------------------------------------------------------------


def test_receipt_downloads_for_its_council_and_is_404_for_another_councils_secretary(client, side_a, side_b):
    url = reverse("receipt_download", args=[side_a.entry.pk])
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_a))
    response = client.get(url)
    assert response.status_code == 200
    assert pdf_pages(b"".join(response.streaming_content)) == 1
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert quote("收据.pdf") in response["Content-Disposition"]
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_b))
    assert client.get(url).status_code == 404
    assert client.get(reverse("entry_detail", args=[side_a.entry.pk])).status_code == 404
    assert client.get(reverse("fund_detail", args=[side_a.council.pk])).status_code == 404


def test_receipt_is_404_when_the_entry_has_none(secretary, side_a):
    assert secretary.get(reverse("receipt_download", args=[side_a.expenditure.pk])).status_code == 404


# --- The street's review (issue 4 §8) ----------------------------------------------------------


def test_street_review_totals_are_right_and_scoped(client, side_a, side_b):
    services.entry_post(
        council=side_b.council,
        kind="donation_org",
        amount=Decimal("9999"),
        entry_date=today(),
        counterparty="乙方企业",
        by=side_b.secretary,
    )
    services.entry_reverse(entry=side_a.expenditure, reason="重复", by=side_a.secretary)
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("ledger_list"))
    page = response.content.decode()
    entries = list(response.context["page_obj"])
    assert {e.fund.council_id for e in entries} == {side_a.council.pk}
    assert "乙方企业" not in page and side_b.council.name not in page
    totals = response.context["totals"]
    # 500 in; 120 out and reversed: spending nets to nothing.
    assert (totals["income"], totals["spending"], totals["net"]) == (
        Decimal("500"),
        Decimal("0"),
        Decimal("500"),
    )
    assert totals["count"] == 3

    response = client.get(reverse("ledger_list"), {"kind": "expenditure", "flagged": "on"})
    assert [e.pk for e in response.context["page_obj"]] == [side_a.expenditure.pk]
    assert response.context["totals"]["spending"] == Decimal("120.00")
    assert response.context["totals"]["net"] == Decimal("-120.00")

    response = client.get(reverse("ledger_list"), {"council": side_b.council.pk})
    assert response.context["totals"]["count"] == 0  # not a choice for this street

    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = client.get(reverse("ledger_list"), {"date_from": tomorrow})
    assert response.context["totals"]["count"] == 0 and "没有符合条件的收支记录" in response.content.decode()


def test_city_office_reviews_both_sides(client, side_a, side_b):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    response = client.get(reverse("ledger_list"))
    assert response.context["totals"]["net"] == Decimal("760.00")
    response = client.get(reverse("ledger_list"), {"council": side_b.council.pk})
    assert response.context["totals"]["net"] == Decimal("380.00")


def test_street_review_exports_the_filtered_set_as_xlsx(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    page = client.get(reverse("ledger_list"), {"kind": "expenditure"}).content.decode()
    assert "kind=expenditure&amp;format=xlsx" in page
    response = client.get(reverse("ledger_list"), {"kind": "expenditure", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("理事会", "编号")
    assert [(r[0], r[1], Decimal(str(r[7]))) for r in rows[1:]] == [
        (side_a.council.name, side_a.expenditure.number, Decimal("120"))
    ]
    assert rows[1][10] == "是"  # flagged


# --- Pledges (R-1.5) ---------------------------------------------------------------------------


def test_pledge_outstanding_is_pledge_minus_paid_R_1_5(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("pledge_list", args=[side_a.council.pk]))
    [pledge] = response.context["pledges"]
    assert (pledge.amount, pledge.paid, pledge.outstanding) == (
        Decimal("800"),
        Decimal("500"),
        Decimal("300"),
    )
    assert "300.00" in response.content.decode()
    assert "登记认缴" not in response.content.decode()  # readers only read
    services.entry_post(
        council=side_a.council,
        kind="contribution",
        amount=Decimal("350"),
        entry_date=today(),
        unit=side_a.unit,
        by=side_a.secretary,
    )
    [pledge] = client.get(reverse("pledge_list", args=[side_a.council.pk])).context["pledges"]
    assert pledge.outstanding == Decimal("-50.00")
    assert "已缴清" in client.get(reverse("pledge_list", args=[side_a.council.pk])).content.decode()


def test_secretary_sets_a_pledge_and_units_without_one_are_listed(secretary, side_a):
    newcomer = MemberUnitFactory(street=side_a.street, name="新成员单位")
    MembershipFactory(unit=newcomer, council=side_a.council)
    url = reverse("pledge_list", args=[side_a.council.pk])
    response = secretary.get(url)
    assert [u.name for u in response.context["unpledged"]] == ["新成员单位"]
    response = secretary.post(url, {"unit": newcomer.pk, "year": today().year, "amount": "abc"})
    assert "金额须是数字" in response.content.decode()
    response = secretary.post(
        url, {"unit": newcomer.pk, "year": today().year, "amount": "600", "note": "分两次缴"}
    )
    assert response.status_code == 302
    response = secretary.get(response.url)
    assert "已登记 新成员单位" in response.content.decode()
    assert not list(response.context["unpledged"])
    outstanding = {p.unit.name: p.outstanding for p in response.context["pledges"]}
    assert outstanding == {side_a.unit.name: Decimal("300.00"), "新成员单位": Decimal("600.00")}
    assert response.context["totals"]["outstanding"] == Decimal("900.00")


def test_setting_a_pledge_needs_the_secretary(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("pledge_list", args=[side_a.council.pk])
    response = client.post(url, {"unit": side_a.unit.pk, "year": today().year, "amount": "1"})
    assert response.status_code == 403


def test_pledge_overview_lists_outstanding_pledges_in_scope(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("pledge_overview"))
    assert [p.pk for p in response.context["page_obj"]] == [side_a.pledge.pk]
    assert response.context["totals"]["outstanding"] == Decimal("300.00")
    assert side_b.unit.name not in response.content.decode()
    services.entry_post(
        council=side_a.council,
        kind="contribution",
        amount=Decimal("300"),
        entry_date=today(),
        unit=side_a.unit,
        by=side_a.secretary,
    )
    response = client.get(reverse("pledge_overview"))
    assert not list(response.context["page_obj"])
    assert "没有未缴清的认缴" in response.content.decode()


# --- Budgets (R-1.7) ---------------------------------------------------------------------------


def test_budget_shows_actual_against_approved_and_an_over_budget_line(secretary, side_a):
    url = reverse("budget_detail", args=[side_a.budget.pk])
    response = secretary.get(url)
    [line] = response.context["lines"]
    assert (line.amount, line.spent, line.remaining) == (Decimal("300"), Decimal("120"), Decimal("180"))
    page = response.content.decode()
    assert "超出预算" not in page and side_a.resolution.number in page
    services.entry_post(
        council=side_a.council,
        kind="expenditure",
        amount=Decimal("250"),
        entry_date=today(),
        category=environment(),
        resolution=side_a.resolution,
        by=side_a.secretary,
    )
    response = secretary.get(url)
    [line] = response.context["lines"]
    assert (line.spent, line.remaining) == (Decimal("370"), Decimal("-70"))
    page = response.content.decode()
    assert "超出预算" in page and 'class="table-danger"' in page
    # The council's budget page shows the same budget in place.
    current = secretary.get(reverse("budget_current", args=[side_a.council.pk]))
    assert current.context["budget"] == side_a.budget and "超出预算" in current.content.decode()


def test_budget_page_shows_spending_outside_the_budget(secretary, side_a):
    services.entry_post(
        council=side_a.council,
        kind="expenditure",
        amount=Decimal("60"),
        entry_date=today(),
        category=Category.objects.get(name="文化教育"),
        resolution=side_a.resolution,
        by=side_a.secretary,
    )
    response = secretary.get(reverse("budget_detail", args=[side_a.budget.pk]))
    assert response.context["outside"] == [("文化教育", Decimal("60.00"))]
    assert "预算外支出" in response.content.decode()


def test_budget_is_drafted_and_approved_through_the_pages_R_1_7(secretary, side_a):
    year = today().year + 1
    empty = secretary.get(reverse("budget_current", args=[side_a.council.pk]), {"year": year})
    assert "还没有编制预算" in empty.content.decode()
    url = reverse("budget_edit", args=[side_a.council.pk, year])
    environment_field = f"category_{environment().pk}"
    culture = Category.objects.get(name="文化教育")
    response = secretary.post(url, {environment_field: "-1", f"category_{culture.pk}": "200"})
    assert "预算金额不能为负数" in response.content.decode()
    assert not Budget.objects.filter(council=side_a.council, year=year).exists()
    response = secretary.post(url, {environment_field: "1,500", f"category_{culture.pk}": "200"})
    budget = Budget.objects.get(council=side_a.council, year=year)
    assert response.url == budget.get_absolute_url()
    assert {line.category.name: line.amount for line in budget.lines.all()} == {
        "环境整治": Decimal("1500.00"),
        "文化教育": Decimal("200.00"),
    }
    approve = reverse("budget_approve", args=[budget.pk])
    failed = failed_resolution(side_a)
    response = secretary.post(approve, {"resolution": failed.pk, "confirm": "on"})
    assert "不能批准预算" in response.content.decode()
    budget.refresh_from_db()
    assert budget.status == Budget.Status.DRAFT
    response = secretary.post(approve, {"resolution": side_a.resolution.pk, "confirm": "on"}, follow=True)
    budget.refresh_from_db()
    assert budget.status == Budget.Status.APPROVED and budget.approved_by == side_a.resolution
    assert "已经理事会批准" in response.content.decode()


def test_an_approved_budget_cannot_be_edited(secretary, side_a):
    url = reverse("budget_edit", args=[side_a.council.pk])  # this year's
    page = secretary.get(url).content.decode()
    assert "不能再修改" in page and "保存草案" not in page
    response = secretary.post(url, {f"category_{environment().pk}": "9999"})
    assert "预算已经理事会批准，不能再修改" in response.content.decode()
    assert side_a.budget.lines.get().amount == Decimal("300.00")


def test_budget_pages_are_404_for_another_councils_secretary(client, side_a, side_b):
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_b))
    assert client.get(reverse("budget_detail", args=[side_a.budget.pk])).status_code == 404
    assert client.get(reverse("budget_edit", args=[side_a.council.pk])).status_code == 404
    assert client.get(reverse("pledge_list", args=[side_a.council.pk])).status_code == 404
    response = client.post(
        reverse("pledge_list", args=[side_a.council.pk]),
        {"unit": side_a.unit.pk, "year": today().year, "amount": "1"},
    )
    assert response.status_code == 404


# --- Query counts ------------------------------------------------------------------------------


def grow(side, n=4):
    """More units, pledges, entries of every kind, reversals and violations in the side's council."""
    by, council = side.secretary, side.council
    categories = list(Category.objects.filter(active=True))
    for i in range(n):
        unit = MemberUnitFactory(street=side.street)
        MembershipFactory(unit=unit, council=council)
        services.pledge_set(council=council, unit=unit, year=today().year, amount=Decimal("100"), by=by)
        services.entry_post(
            council=council,
            kind="contribution",
            amount=Decimal("80"),
            entry_date=today(),
            unit=unit,
            receipt=SimpleUploadedFile("r.pdf", PDF_BYTES),
            by=by,
        )
        services.entry_post(
            council=council,
            kind="donation_person",
            amount=Decimal("50"),
            entry_date=today(),
            counterparty="某",
            by=by,
        )
        spent = services.entry_post(
            council=council,
            kind="expenditure",
            amount=Decimal("10"),
            entry_date=today(),
            category=categories[i % len(categories)],
            resolution=side.resolution if i % 2 else None,
            budget_line=side.budget.lines.get(),
            by=by,
        )
        services.violation_flag(entry=spent, reason="票据不全", by=by)
        services.entry_reverse(entry=spent, reason="录错", by=by)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [
    ("fund_detail", "council"),
    ("ledger_list", None),
    ("entry_detail", "expenditure"),
    ("pledge_list", "council"),
    ("pledge_overview", None),
    ("budget_detail", "budget"),
    ("budget_current", "council"),
]


@pytest.mark.parametrize("role", [Role.COUNCIL_SECRETARY, Role.STREET_STAFF])
@pytest.mark.parametrize(("name", "obj"), PAGES)
def test_query_count_does_not_grow_with_the_data(client, name, obj, role, django_assert_max_num_queries):
    side = build_side("甲")
    client.force_login(user_with_role(role, side))
    url = reverse(name, args=[getattr(side, obj).pk] if obj else [])
    small = queries(client, url)
    grow(side)
    build_side("乙")
    large = queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    with django_assert_max_num_queries(14):
        client.get(url)
