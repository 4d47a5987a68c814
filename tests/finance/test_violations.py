"""Violations of the fund's rules and their rectification (R-1.6, R-1.7, R-1.8): spending without a
valid collective decision, over its budget or outside the earmarked categories is recorded — the
money is gone — and flagged at once; street staff flag what they find, the council reports its
measures with evidence, street staff close; overdue is read on a Shanghai calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from councils import services as council_services
from councils.models import Meeting, Resolution
from councils.periods import today
from councils.roles import Role
from councils.services.meetings import Seat
from finance import services
from finance.models import Category, LedgerEntry, Violation
from tests.conftest import PDF_BYTES, build_side, pdf_pages, user_with_role
from tests.factories import CommunityFactory, CouncilFactory, MembershipFactory, MemberUnitFactory

# A real 1 × 1 PNG: images are checked by Pillow, not by their first bytes alone.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)

pytestmark = pytest.mark.django_db


# --- Data, through the services ------------------------------------------------------------------


def category(name="环境整治") -> Category:
    services.categories_ensure()
    return Category.objects.get(name=name)


def contribute(side, amount="5000.00"):
    return services.entry_post(
        council=side.council,
        kind=LedgerEntry.Kind.CONTRIBUTION,
        amount=Decimal(amount),
        entry_date=today(),
        unit=side.unit,
        by=side.secretary,
    )


def spend(side, amount="100.00", *, resolution=None, on=None, day=None, **extra) -> LedgerEntry:
    return services.entry_post(
        council=side.council,
        kind=LedgerEntry.Kind.EXPENDITURE,
        amount=Decimal(amount),
        entry_date=day or today(),
        category=on or category(),
        resolution=resolution,
        counterparty="供应商",
        description="购置物资",
        by=side.secretary,
        **extra,
    )


def failed_resolution(side) -> Resolution:
    meeting = council_services.meeting_record(
        council=side.council,
        held_at=timezone.now() - timedelta(days=2),
        kind=Meeting.Kind.REGULAR,
        place="会议室",
        seats=[Seat(side.membership.pk, present=True, representative="代表")],
        agenda=["购置物资"],
        minutes="纪要",
        by=side.secretary,
    )
    resolution = council_services.resolution_record(
        meeting=meeting,
        title="购置物资",
        text="是否购置",
        votes_for=0,
        votes_against=1,
        subject=Resolution.Subject.FUNDS,
        by=side.secretary,
    )
    assert resolution.outcome == Resolution.Outcome.FAILED
    return resolution


def open_violation(side) -> Violation:
    """A fresh problem, open and with nothing reported yet: spending with no resolution."""
    contribute(side, "1000.00")
    return spend(side, "100.00").violations.get()


def evidence(name="整改报告.pdf", content=PDF_BYTES):
    return SimpleUploadedFile(name, content)


# --- Automatic flags (R-1.6, R-1.7, R-1.8) ---------------------------------------------------------


def no_resolution(side_a, side_b):
    return {}


def with_failed_resolution(side_a, side_b):
    return {"resolution": failed_resolution(side_a)}


def with_other_councils_resolution(side_a, side_b):
    return {"resolution": side_b.resolution}


def with_later_resolution(side_a, side_b):
    # side A's carried resolution was made yesterday; this money went out ten days ago.
    return {"resolution": side_a.resolution, "day": today() - timedelta(days=10)}


def outside_earmarked_categories(side_a, side_b):
    return {"resolution": side_a.resolution, "on": category("接待招待")}


def over_budget_line(side_a, side_b):
    line = side_a.budget.lines.get()  # 300.00 for 环境整治, approved
    return {"resolution": side_a.resolution, "budget_line": line, "amount": "300.01"}


@pytest.mark.parametrize(
    ("arrange", "kind"),
    [
        (no_resolution, Violation.Kind.NO_RESOLUTION),
        (with_failed_resolution, Violation.Kind.RESOLUTION_NOT_CARRIED),
        (with_other_councils_resolution, Violation.Kind.OTHER_COUNCIL),
        (with_later_resolution, Violation.Kind.RESOLUTION_LATER),
        (outside_earmarked_categories, Violation.Kind.OUTSIDE_CATEGORY),
        (over_budget_line, Violation.Kind.OVER_BUDGET),
    ],
)
def test_unauthorised_spending_is_saved_and_flagged_r1_7_r1_8(client, side_a, side_b, arrange, kind):
    """R-1.7 / R-1.6: the spending is recorded and the balance drops — the money is gone — and
    the problem is on the street's list at once (R-1.8)."""
    contribute(side_a)
    fund = side_a.fund
    fund.refresh_from_db()
    before = fund.balance
    kwargs = arrange(side_a, side_b)
    amount = Decimal(kwargs.pop("amount", "250.00"))
    entry = spend(side_a, amount, **kwargs)

    fund.refresh_from_db()
    assert fund.balance == before - amount
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()
    assert [v.kind for v in entry.violations.all()] == [kind]
    violation = entry.violations.get()
    assert violation.flagged_by is None and violation.status == Violation.Status.OPEN

    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    page = client.get(reverse("violation_list"), {"kind": kind}).content.decode()
    assert entry.number in page and str(violation.get_kind_display()) in page
    assert f'<a href="{entry.get_absolute_url()}">{entry.number}</a>' in page  # the entry is one click away
    detail = client.get(reverse("violation_detail", args=[violation.pk])).content.decode()
    assert "系统自动" in detail


def test_authorised_spending_within_budget_is_not_flagged(side_a):
    """R-1.7: a carried resolution of the same council, made before the spending, within the
    approved line and in an earmarked category, flags nothing."""
    entry = spend(side_a, "120.00", resolution=side_a.resolution, budget_line=side_a.budget.lines.get())
    assert not entry.violations.exists()


# --- Flagging by street staff -------------------------------------------------------------------


@pytest.mark.dates
def test_street_staff_flag_an_entry_with_a_reason_r1_8(client, side_a):
    staff = user_with_role(Role.STREET_STAFF, side_a, first_name="张审核")
    client.force_login(staff)
    url = reverse("violation_flag", args=[side_a.entry.pk])
    assert client.get(url).status_code == 200
    deadline = today() + timedelta(days=15)

    response = client.post(url, {"reason": "收据抬头与出资单位不符", "deadline": deadline.isoformat()})

    violation = side_a.entry.violations.get()
    assert response.status_code == 302 and response.url == violation.get_absolute_url()
    assert violation.kind == Violation.Kind.FLAGGED
    assert violation.flagged_by == staff and violation.deadline == deadline
    page = client.get(violation.get_absolute_url()).content.decode()
    assert "收据抬头与出资单位不符" in page and "张审核" in page


def test_flagging_without_a_reason_is_refused(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.post(
        reverse("violation_flag", args=[side_a.entry.pk]), {"reason": "  ", "deadline": today().isoformat()}
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not side_a.entry.violations.exists()


# --- Rectification and closing ------------------------------------------------------------------


def test_secretary_rectifies_with_evidence_r1_8(client, side_a):
    """The council reports what it did and shows it (及时纠正); the file comes back to whoever
    may read the problem."""
    violation = open_violation(side_a)
    client.force_login(secretary(side_a))
    url = reverse("violation_rectify", args=[violation.pk])
    assert client.get(url).status_code == 200

    response = client.post(
        url, {"measures": "已召开理事会议补作决议，并建立支出审批制度。", "evidence": evidence()}
    )

    assert response.status_code == 302
    violation.refresh_from_db()
    assert violation.status == Violation.Status.RECTIFYING
    assert violation.measures.startswith("已召开理事会议补作决议")
    assert violation.evidence_name == "整改报告.pdf"
    download = client.get(reverse("evidence_download", args=[violation.pk]))
    assert download.status_code == 200
    assert pdf_pages(b"".join(download.streaming_content)) == 1
    assert download["Content-Type"] == "application/pdf"
    assert "attachment" in download["Content-Disposition"]
    page = client.get(violation.get_absolute_url()).content.decode()
    assert reverse("evidence_download", args=[violation.pk]) in page


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("整改报告.pdf", b"just text pretending to be a PDF"),
        ("整改报告.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    ],
    ids=["not-a-pdf-by-content", "over-10-mb"],
)
def test_evidence_must_be_a_pdf_jpeg_or_png_of_at_most_10_mb(client, side_a, name, content):
    violation = open_violation(side_a)
    client.force_login(secretary(side_a))
    response = client.post(
        reverse("violation_rectify", args=[violation.pk]),
        {"measures": "已整改", "evidence": evidence(name, content)},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["evidence"]
    assert response.context["form"]["measures"].value() == "已整改"  # what was typed is kept
    violation.refresh_from_db()
    assert violation.status == Violation.Status.OPEN and not violation.evidence


def test_a_png_is_accepted_as_evidence(client, side_a):
    violation = open_violation(side_a)
    client.force_login(secretary(side_a))
    client.post(
        reverse("violation_rectify", args=[violation.pk]),
        {"measures": "已整改", "evidence": evidence("现场.png", PNG_BYTES)},
    )
    download = client.get(reverse("evidence_download", args=[violation.pk]))
    assert download["Content-Type"] == "image/png"


def test_evidence_download_is_404_without_evidence(client, side_a):
    violation = open_violation(side_a)
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    assert client.get(reverse("evidence_download", args=[violation.pk])).status_code == 404


def test_closing_without_measures_is_refused_r1_8(client, side_a):
    violation = open_violation(side_a)
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("violation_close", args=[violation.pk])
    page = client.get(url)
    assert page.status_code == 200 and "尚未报送整改措施" in page.content.decode()

    response = client.post(url, {"confirm": "on"})

    assert response.status_code == 200
    assert "尚未填写整改措施，不能销号" in response.content.decode()
    violation.refresh_from_db()
    assert violation.status == Violation.Status.OPEN and violation.closed_at is None


def test_street_staff_close_a_rectified_violation_r1_8(client, side_a):
    services.violation_rectify(
        violation=side_a.violation, measures="已补作决议", evidence=evidence(), by=side_a.secretary
    )
    staff = user_with_role(Role.STREET_STAFF, side_a, first_name="王街道")
    client.force_login(staff)

    response = client.post(reverse("violation_close", args=[side_a.violation.pk]), {"confirm": "on"})

    assert response.status_code == 302
    side_a.violation.refresh_from_db()
    assert side_a.violation.status == Violation.Status.CLOSED and side_a.violation.closed_by == staff
    detail = client.get(side_a.violation.get_absolute_url()).content.decode()
    assert "王街道" in detail and "已整改销号" in detail
    assert reverse("violation_close", args=[side_a.violation.pk]) not in detail  # nothing left to do
    # Closed problems leave the default list, and come back when asked for.
    assert side_a.violation not in client.get(reverse("violation_list")).context["object_list"]
    assert side_a.violation in client.get(reverse("violation_list"), {"status": "all"}).context["object_list"]
    # A closed problem cannot be reopened by the rectify page.
    client.force_login(secretary(side_a))
    assert client.get(reverse("violation_rectify", args=[side_a.violation.pk])).status_code == 302


def test_the_close_page_needs_a_confirmation(client, side_a):
    services.violation_rectify(violation=side_a.violation, measures="已整改", by=side_a.secretary)
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.post(reverse("violation_close", args=[side_a.violation.pk]), {})
    assert response.status_code == 200
    side_a.violation.refresh_from_db()
    assert side_a.violation.status == Violation.Status.RECTIFYING


# --- Who may do what ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role",
    [Role.PATROLLER, Role.COMMUNITY_STAFF, Role.DISTRICT_OFFICE, Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT],
)
def test_only_reviewers_flag_and_close(client, side_a, role):
    """Flagging and closing are the street's (and the city's); everyone else gets 403 and nothing
    changes."""
    client.force_login(user_with_role(role, side_a))
    flag = reverse("violation_flag", args=[side_a.entry.pk])
    close = reverse("violation_close", args=[side_a.violation.pk])
    assert client.get(flag).status_code == 403
    assert client.post(flag, {"reason": "x", "deadline": today().isoformat()}).status_code == 403
    assert client.get(close).status_code == 403
    assert client.post(close, {"confirm": "on"}).status_code == 403
    assert not side_a.entry.violations.exists()


def test_street_staff_may_not_report_rectification(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("violation_rectify", args=[side_a.violation.pk])
    assert client.post(url, {"measures": "代为整改"}).status_code == 403


@pytest.mark.parametrize("role", [r for r in Role if r != Role.CITY_OFFICE])
def test_side_b_violations_never_show_for_side_a(client, side_a, side_b, role):
    """DESIGN.md invariant 1: another council's problems are not listed, counted, exported or
    opened (404)."""
    client.force_login(user_with_role(role, side_a))
    listing = client.get(reverse("violation_list"), {"status": "all"})
    assert side_a.violation in listing.context["object_list"]
    assert side_b.violation not in listing.context["object_list"]
    assert listing.context["counts"] == {"open": 1, "overdue": 0}
    assert side_b.council.name not in listing.content.decode()
    workbook = load_workbook(
        BytesIO(client.get(reverse("violation_list"), {"format": "xlsx", "status": "all"}).content)
    )
    cells = {str(c.value) for row in workbook.active.iter_rows() for c in row}
    assert side_a.council.name in cells and side_b.council.name not in cells
    for name in ("violation_detail", "evidence_download"):
        assert client.get(reverse(name, args=[side_b.violation.pk])).status_code == 404


def test_secretary_cannot_rectify_or_flag_another_councils_violation(client, side_a, side_b):
    client.force_login(secretary(side_a))
    response = client.post(reverse("violation_rectify", args=[side_b.violation.pk]), {"measures": "x"})
    assert response.status_code == 404
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    assert client.get(reverse("violation_flag", args=[side_b.entry.pk])).status_code == 404
    assert (
        client.post(reverse("violation_close", args=[side_b.violation.pk]), {"confirm": "on"}).status_code
        == 404
    )


# --- Overdue, counts and filters --------------------------------------------------------------


@pytest.mark.dates
def test_overdue_is_read_on_a_shanghai_calendar_r1_8(client, side_a, monkeypatch):
    """At 01:00 on 2 March in Shanghai it is still 1 March in UTC: a problem due on 1 March is
    overdue already."""
    Violation.objects.filter(pk=side_a.violation.pk).update(deadline=date(2026, 3, 1))
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 1, 17, 0, tzinfo=UTC))
    side_a.violation.refresh_from_db()
    assert side_a.violation.is_overdue

    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("violation_list"), {"overdue": "on"})
    assert response.context["counts"] == {"open": 1, "overdue": 1}
    assert list(response.context["object_list"]) == [side_a.violation]
    assert "逾期" in response.content.decode()

    monkeypatch.setattr(
        timezone, "now", lambda: datetime(2026, 3, 1, 15, 59, tzinfo=UTC)
    )  # 23:59 in Shanghai
    response = client.get(reverse("violation_list"), {"overdue": "on"})
    assert response.context["counts"] == {"open": 1, "overdue": 0}
    assert list(response.context["object_list"]) == []


def test_list_filters_by_kind_council_and_status(client, side_a):
    contribute(side_a)
    other = spend(side_a, resolution=side_a.resolution, on=category("接待招待"))
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    by_kind = client.get(reverse("violation_list"), {"kind": Violation.Kind.OUTSIDE_CATEGORY})
    assert list(by_kind.context["object_list"]) == list(other.violations.all())
    by_council = client.get(reverse("violation_list"), {"council": side_a.council.pk})
    assert len(by_council.context["object_list"]) == 2
    assert client.get(reverse("violation_list"), {"status": "closed"}).context["object_list"].count() == 0
    assert (
        "没有符合条件的问题" in client.get(reverse("violation_list"), {"status": "closed"}).content.decode()
    )


def test_list_exports_the_filtered_problems_as_xlsx(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("violation_list"), {"format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "流水号"
    assert rows[1][0] == side_a.expenditure.number
    assert "系统自动" in rows[1] and "支出未经理事会决议" in rows[1]


# --- Query counts -----------------------------------------------------------------------------


def grow(side, n=4):
    """More councils in the side's street, each with flagged spending, rectified and flagged again."""
    street_staff = user_with_role(Role.STREET_STAFF, side)
    for _ in range(n):
        council = CouncilFactory(community=CommunityFactory(street=side.street))
        unit = MemberUnitFactory(street=side.street)
        MembershipFactory(unit=unit, council=council)
        services.entry_post(
            council=council,
            kind="contribution",
            amount=Decimal("900"),
            entry_date=today(),
            unit=unit,
            by=side.secretary,
        )
        entry = services.entry_post(
            council=council,
            kind="expenditure",
            amount=Decimal("100"),
            entry_date=today(),
            category=category("接待招待"),
            by=side.secretary,
        )
        for violation in entry.violations.all():
            services.violation_rectify(
                violation=violation, measures="已整改", evidence=evidence(), by=side.secretary
            )
        services.violation_flag(entry=entry, reason="再查", by=street_staff)
    services.violation_rectify(
        violation=side.violation, measures="已整改", evidence=evidence(), by=side.secretary
    )
    services.violation_flag(entry=side.expenditure, reason="复查", by=street_staff)


def queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, data or {})
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("role", [Role.STREET_STAFF, Role.COUNCIL_SECRETARY, Role.CITY_OFFICE])
@pytest.mark.parametrize("page", ["violation_list", "violation_detail", "violation_list_xlsx"])
def test_query_count_does_not_grow_with_the_data(client, role, page, django_assert_max_num_queries):
    side = build_side("甲")
    client.force_login(user_with_role(role, side))
    name = page.removesuffix("_xlsx")
    url = reverse(name, args=[side.violation.pk] if name == "violation_detail" else [])
    data = {"format": "xlsx", "status": "all"} if page.endswith("_xlsx") else {"status": "all"}
    small = queries(client, url, data)
    grow(side)
    build_side("乙")
    large = queries(client, url, data)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    with django_assert_max_num_queries(12):
        client.get(url, data)


def secretary(side):
    return user_with_role(Role.COUNCIL_SECRETARY, side)
