"""A year of the demo city's fund (issue 4): contributions against pledges, donations, an
approved budget, spending under carried resolutions, one reversal, and two violations — one
still open, one rectified and closed. Skips a council whose fund already has entries."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from councils.models import Council, Membership, Resolution
from councils.periods import today

from . import services
from .models import Category, LedgerEntry, Pledge

User = get_user_model()
EARMARKED = ["环境整治", "志愿服务", "文化教育", "设施建设与维护"]
SPENDING = [
    ("环境整治", "楼道清理及垃圾清运", "800.00"),
    ("志愿服务", "敬老助残志愿服务物资", "600.00"),
    ("文化教育", "法治宣传讲座场地及资料", "450.00"),
    ("设施建设与维护", "健身器材维修", "1200.00"),
    ("环境整治", "绿化补植", "900.00"),
]


def _on_or_before(day: date) -> date:
    return min(day, today())


@transaction.atomic
def load_demo() -> dict[str, int]:
    services.categories_ensure()
    by = User.objects.get(username="demo-archive")
    street_user = User.objects.filter(username="street").first() or by
    categories = {c.name: c for c in Category.objects.all()}
    year = today().year
    councils = list(
        Council.objects.select_related("community").order_by("community__street__name", "community__name")
    )
    for index, council in enumerate(councils):
        if LedgerEntry.objects.filter(fund__council=council).exists():
            continue
        seats = list(Membership.objects.filter(council=council, left_on__isnull=True).select_related("unit"))
        carried = list(
            Resolution.objects.filter(council=council, outcome=Resolution.Outcome.CARRIED)
            .select_related("meeting")
            .order_by("meeting__held_at")
        )
        if not seats or not carried:
            continue
        start = today() - timedelta(days=330)
        # Pledges (量力而行) and contributions: most pay in full, some in part.
        for n, seat in enumerate(seats):
            pledge = Decimal(2000 + 1000 * ((n + index) % 4))
            Pledge.objects.get_or_create(
                council=council, unit=seat.unit, year=year, defaults={"amount": pledge}
            )
            paid = pledge if (n + index) % 3 else pledge / 2
            services.entry_post(
                council=council,
                kind="contribution",
                amount=paid,
                entry_date=_on_or_before(
                    max(start + timedelta(days=10 + n), seat.joined_on, date(year, 1, 2))
                ),
                unit=seat.unit,
                description=f"{year}年度共建资金",
                by=by,
            )
        services.entry_post(
            council=council,
            kind="donation_org",
            amount=Decimal("3000.00"),
            entry_date=_on_or_before(start + timedelta(days=40)),
            counterparty="市慈善总会",
            description="支持社区共建活动",
            by=by,
        )
        if index % 2 == 0:
            services.entry_post(
                council=council,
                kind="donation_person",
                amount=Decimal("500.00"),
                entry_date=_on_or_before(start + timedelta(days=55)),
                counterparty="热心居民",
                description="个人捐资",
                by=by,
            )
        # The year's budget, approved by the first carried resolution of the year.
        of_year = [r for r in carried if timezone.localdate(r.meeting.held_at).year == year] or carried
        budget = services.budget_save(
            council=council,
            year=year,
            lines={categories[name]: Decimal("2500.00") for name in EARMARKED},
            by=by,
        )
        budget = services.budget_approve(budget=budget, resolution=of_year[0], by=by)
        lines = {line.category.name: line for line in budget.lines.select_related("category")}
        # Spending, each after the resolution that authorised it.
        for n, (category, what, amount) in enumerate(SPENDING[: 3 + index % 3]):
            resolution = carried[min(n, len(carried) - 1)]
            day = _on_or_before(timezone.localdate(resolution.meeting.held_at) + timedelta(days=7))
            if day.year != year:
                day = _on_or_before(date(year, 1, 15) + timedelta(days=20 * n))
            services.entry_post(
                council=council,
                kind="expenditure",
                amount=Decimal(amount),
                entry_date=day,
                category=categories[category],
                resolution=resolution,
                budget_line=lines.get(category),
                counterparty="社区服务供应商",
                description=what,
                by=by,
            )
        if index == 1:  # a mistake corrected by a reversal
            wrong = services.entry_post(
                council=council,
                kind="donation_org",
                amount=Decimal("300.00"),
                entry_date=today(),
                counterparty="重复录入",
                by=by,
            )
            services.entry_reverse(entry=wrong, reason="重复录入，冲正", by=by)
        if index == 4:  # decided, but spent on hospitality: not earmarked, an open violation
            day = today() - timedelta(days=12)
            decided = [r for r in carried if timezone.localdate(r.meeting.held_at) <= day]
            services.entry_post(
                council=council,
                kind="expenditure",
                amount=Decimal("680.00"),
                entry_date=day,
                category=categories["接待招待"],
                resolution=decided[-1] if decided else None,
                counterparty="餐饮店",
                description="工作餐",
                by=by,
            )
        if index == 2:  # spent before the council decided; since rectified and closed
            entry = services.entry_post(
                council=council,
                kind="expenditure",
                amount=Decimal("350.00"),
                entry_date=today() - timedelta(days=60),
                category=categories["环境整治"],
                counterparty="五金店",
                description="购置清扫工具",
                by=by,
            )
            for violation in entry.violations.all():
                services.violation_rectify(
                    violation=violation, measures="已补开理事会议追认，并建立支出先审批制度。", by=by
                )
                services.violation_close(violation=violation, by=street_user)
    from .models import Violation

    return {"ledger_entries": LedgerEntry.objects.count(), "violations": Violation.objects.count()}
