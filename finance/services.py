"""Every write to the fund (R-1.5 – R-1.8; DESIGN.md invariants 2–5). The fund row is locked
while an entry is numbered, checked against the balance and written, so concurrent entries
never overdraw the fund and numbers never skip or repeat."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from councils.models import Council, MemberUnit, Resolution
from councils.periods import today
from councils.services import history_record
from councils.uploads import document_clean

from .models import Budget, BudgetLine, Category, Fund, LedgerEntry, Pledge, Violation

RECTIFY_DAYS = getattr(settings, "FINANCE_RECTIFY_DAYS", 30)


DEFAULT_CATEGORIES = [
    ("环境整治", True),
    ("志愿服务", True),
    ("文化教育", True),
    ("设施建设与维护", True),
    ("其他共建活动", True),
    ("接待招待", False),
    ("人员福利补贴", False),
]


def categories_ensure() -> list[Category]:
    """The default purpose categories (also created by migration 0002); idempotent."""
    return [
        Category.objects.get_or_create(name=name, defaults={"earmarked": earmarked, "order": order})[0]
        for order, (name, earmarked) in enumerate(DEFAULT_CATEGORIES, start=1)
    ]


def fund_of(council: Council) -> Fund:
    fund, _created = Fund.objects.get_or_create(council=council)
    return fund


def council_founded_on(council: Council) -> date | None:
    """The first day the council existed, as recorded: its first term's start (or the current
    term's, when no term is recorded) or its first unit's joining, whichever is earlier."""
    days = [
        council.term_start,
        council.terms.aggregate(first=Min("starts_on"))["first"],
        council.memberships.aggregate(first=Min("joined_on"))["first"],
    ]
    known = [d for d in days if d is not None]
    return min(known) if known else None


def check_upload(upload: UploadedFile | None, *, field: str = "receipt") -> tuple[ContentFile | None, str]:
    """A receipt or evidence file, checked like every document of the portal and stripped of its
    metadata (what is stored), with the name the user gave it (what the download is called)."""
    if upload is None:
        return None, ""
    content, _content_type = document_clean(upload, field=field)
    return content, (upload.name or "file")[-200:]


@transaction.atomic
def entry_post(
    *,
    council: Council,
    kind: str,
    amount: Decimal,
    entry_date: date,
    by,
    counterparty: str = "",
    unit: MemberUnit | None = None,
    category: Category | None = None,
    description: str = "",
    receipt: UploadedFile | None = None,
    resolution: Resolution | None = None,
    budget_line: BudgetLine | None = None,
) -> LedgerEntry:
    """Record money coming in (R-1.5) or going out (R-1.7). Spending without a valid authorising
    resolution, over its budget line, or outside the earmarked categories is saved — the money
    is gone — and flagged as a violation at once (R-1.8)."""
    if kind == LedgerEntry.Kind.REVERSAL:
        raise ValidationError(_("冲正请在原记录上操作。"))
    if entry_date > today():
        raise ValidationError({"entry_date": _("发生日期不能晚于今天。")})
    founded = council_founded_on(council)
    if founded is not None and entry_date < founded:
        message = _("发生日期早于理事会成立（%(date)s），专项资金当时尚不存在。") % {"date": founded}
        raise ValidationError({"entry_date": message})
    amount = Decimal(amount).quantize(Decimal("0.01"))
    if kind == LedgerEntry.Kind.CONTRIBUTION:
        if unit is None:
            raise ValidationError({"unit": _("成员单位出资须选择出资单位。")})
        if not council.memberships.filter(unit=unit, joined_on__lte=entry_date).exists():
            raise ValidationError({"unit": _("出资单位须是本理事会的成员单位。")})
        counterparty = counterparty or unit.name
    if kind == LedgerEntry.Kind.EXPENDITURE and category is None:
        raise ValidationError({"category": _("支出须选择用途类别。")})
    if budget_line is not None and (
        budget_line.budget.council_id != council.pk or budget_line.budget.year != entry_date.year
    ):
        raise ValidationError({"budget_line": _("预算科目须是本理事会当年的预算。")})
    receipt_content, receipt_name = check_upload(receipt)

    fund = Fund.objects.select_for_update().get(pk=fund_of(council).pk)
    signed = amount if kind in LedgerEntry.INCOME else -amount
    if fund.balance + signed < 0:
        raise ValidationError(
            {
                "amount": _("余额不足：当前余额 %(balance)s 元，本次支出 %(amount)s 元。")
                % {"balance": fund.balance, "amount": amount}
            }
        )
    entry = LedgerEntry(
        fund=fund,
        year=entry_date.year,
        sequence=_next_sequence(fund, entry_date.year),
        kind=kind,
        entry_date=entry_date,
        amount=amount,
        signed_amount=signed,
        counterparty=counterparty,
        unit=unit if kind == LedgerEntry.Kind.CONTRIBUTION else None,
        category=category,
        description=description,
        receipt_name=receipt_name,
        resolution=resolution if kind == LedgerEntry.Kind.EXPENDITURE else None,
        budget_line=budget_line if kind == LedgerEntry.Kind.EXPENDITURE else None,
        created_by=by,
    )
    if receipt_content is not None:
        entry.receipt.save(receipt_content.name, receipt_content, save=False)
    entry.full_clean()
    entry.save()
    Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + signed)
    if kind == LedgerEntry.Kind.EXPENDITURE:
        _flag_expenditure(entry, council=council)
    return entry


def _next_sequence(fund: Fund, year: int) -> int:
    """The next number in the fund's year; the caller holds the fund's row lock."""
    last = LedgerEntry.objects.filter(fund=fund, year=year).aggregate(m=Max("sequence"))["m"]
    return (last or 0) + 1


def _flag_expenditure(entry: LedgerEntry, *, council: Council) -> list[Violation]:
    """The automatic checks of R-1.7 / R-1.6 on a new expenditure."""
    found: list[tuple[str, str]] = []
    resolution = entry.resolution
    if resolution is None:
        found.append((Violation.Kind.NO_RESOLUTION, _("支出未注明理事会决议。")))
    elif resolution.council_id != council.pk:
        found.append(
            (Violation.Kind.OTHER_COUNCIL, _("所依据的决议“%(r)s”属于其他理事会。") % {"r": resolution})
        )
    elif not resolution.authorises:
        found.append(
            (
                Violation.Kind.RESOLUTION_NOT_CARRIED,
                _("所依据的决议“%(r)s”%(outcome)s。")
                % {"r": resolution, "outcome": resolution.get_outcome_display()},
            )
        )
    elif timezone.localdate(resolution.meeting.held_at) > entry.entry_date:
        found.append(
            (
                Violation.Kind.RESOLUTION_LATER,
                _("决议作出于 %(d)s，晚于支出日期 %(e)s：先支出后决议。")
                % {"d": timezone.localdate(resolution.meeting.held_at), "e": entry.entry_date},
            )
        )
    if entry.category is not None and not entry.category.earmarked:
        found.append(
            (
                Violation.Kind.OUTSIDE_CATEGORY,
                _("用途“%(c)s”不属于共建用途，违反专款专用。") % {"c": entry.category},
            )
        )
    line = entry.budget_line
    if line is not None:
        if line.budget.status != Budget.Status.APPROVED:
            found.append((Violation.Kind.OVER_BUDGET, _("预算尚未经理事会批准。")))
        else:
            spent = -(
                LedgerEntry.objects.filter(Q(budget_line=line) | Q(reverses__budget_line=line)).aggregate(
                    s=Sum("signed_amount")
                )["s"]
                or Decimal("0")
            )
            if spent > line.amount:
                found.append(
                    (
                        Violation.Kind.OVER_BUDGET,
                        _("预算科目“%(c)s”批准 %(a)s 元，累计支出 %(s)s 元，超出预算。")
                        % {"c": line.category, "a": line.amount, "s": spent},
                    )
                )
    deadline = today() + timedelta(days=RECTIFY_DAYS)
    return [
        Violation.objects.create(entry=entry, kind=kind, reason=reason, deadline=deadline)
        for kind, reason in found
    ]


@transaction.atomic
def entry_reverse(*, entry: LedgerEntry, reason: str, by, entry_date: date | None = None) -> LedgerEntry:
    """Correct a mistake with a reversal entry (one per entry, reason required); the original
    stays as it was."""
    if not reason.strip():
        raise ValidationError({"reason": _("请填写冲正原因。")})
    if entry.kind == LedgerEntry.Kind.REVERSAL:
        raise ValidationError(_("冲正记录不能再冲正；如有错误请重新录入正确的记录。"))
    fund = Fund.objects.select_for_update().get(pk=entry.fund_id)
    if LedgerEntry.objects.filter(reverses=entry).exists():
        raise ValidationError(_("记录 %(n)s 已经冲正过。") % {"n": entry.number})
    signed = -entry.signed_amount
    if fund.balance + signed < 0:
        raise ValidationError(
            _("冲正后余额将为负数（当前余额 %(b)s 元）：这笔收入已被支出，不能直接冲正。")
            % {"b": fund.balance}
        )
    day = entry_date or today()
    reversal = LedgerEntry(
        fund=fund,
        year=day.year,
        sequence=_next_sequence(fund, day.year),
        kind=LedgerEntry.Kind.REVERSAL,
        entry_date=day,
        amount=entry.amount,
        signed_amount=signed,
        counterparty=entry.counterparty,
        category=entry.category,
        description=_("冲正 %(n)s") % {"n": entry.number},
        reverses=entry,
        reason=reason.strip(),
        created_by=by,
    )
    reversal.full_clean()
    reversal.save()
    Fund.objects.filter(pk=fund.pk).update(balance=F("balance") + signed)
    return reversal


# --- Violations and their rectification (R-1.8) ------------------------------------------------


@transaction.atomic
def violation_flag(*, entry: LedgerEntry, reason: str, by, deadline: date | None = None) -> Violation:
    """Street staff name a problem with an entry."""
    if not reason.strip():
        raise ValidationError({"reason": _("请写明问题。")})
    if deadline is not None and deadline < today():
        raise ValidationError({"deadline": _("整改期限不能早于今天。")})
    violation = Violation(
        entry=entry,
        kind=Violation.Kind.FLAGGED,
        reason=reason.strip(),
        flagged_by=by,
        deadline=deadline or today() + timedelta(days=RECTIFY_DAYS),
    )
    violation.full_clean()
    violation.save()
    history_record(obj=violation, action="flagged", by=by, changes={"reason": violation.reason})
    return violation


@transaction.atomic
def violation_rectify(
    *,
    violation: Violation,
    measures: str,
    by,
    evidence: UploadedFile | None = None,
    deadline: date | None = None,
) -> Violation:
    """The council reports what it did to correct the problem (及时纠正)."""
    violation = Violation.objects.select_for_update().get(pk=violation.pk)
    if violation.status == Violation.Status.CLOSED:
        raise ValidationError(_("该问题已整改销号。"))
    if not measures.strip():
        raise ValidationError({"measures": _("请填写整改措施。")})
    content, name = check_upload(evidence, field="evidence")
    violation.measures = measures.strip()
    if content is not None:
        violation.evidence.save(content.name, content, save=False)
        violation.evidence_name = name
    if deadline is not None:
        violation.deadline = deadline
    violation.status = Violation.Status.RECTIFYING
    violation.save()
    history_record(obj=violation, action="rectified", by=by, changes={"measures": violation.measures})
    return violation


@transaction.atomic
def violation_close(*, violation: Violation, by) -> Violation:
    """Street staff accept the rectification and close the problem."""
    violation = Violation.objects.select_for_update().get(pk=violation.pk)
    if violation.status == Violation.Status.CLOSED:
        raise ValidationError(_("该问题已整改销号。"))
    if not violation.measures:
        raise ValidationError(_("尚未填写整改措施，不能销号。"))
    violation.status = Violation.Status.CLOSED
    violation.closed_by = by
    violation.closed_at = timezone.now()
    violation.save()
    history_record(obj=violation, action="closed", by=by)
    return violation


# --- Pledges and budgets -------------------------------------------------------------------------


@transaction.atomic
def pledge_set(
    *, council: Council, unit: MemberUnit, year: int, amount: Decimal, note: str = "", by
) -> Pledge:
    """A member unit's yearly pledge, as it can afford (量力而行, R-1.5)."""
    if not council.memberships.filter(unit=unit).exists():
        raise ValidationError({"unit": _("认缴单位须是本理事会的成员单位。")})
    pledge = Pledge.objects.filter(council=council, unit=unit, year=year).first() or Pledge(
        council=council, unit=unit, year=year
    )
    pledge.amount, pledge.note = Decimal(amount).quantize(Decimal("0.01")), note
    pledge.full_clean()
    pledge.save()
    return pledge


@transaction.atomic
def budget_save(*, council: Council, year: int, lines: dict[Category, Decimal], by) -> Budget:
    """Create or change a draft budget: one amount per category (zero or empty removes it)."""
    budget = Budget.objects.select_for_update().filter(council=council, year=year).first()
    if budget is None:
        budget = Budget.objects.create(council=council, year=year, created_by=by)
    if budget.status == Budget.Status.APPROVED:
        raise ValidationError(_("预算已经理事会批准，不能再修改。"))
    for category, amount in lines.items():
        if not amount:
            budget.lines.filter(category=category).delete()
            continue
        line = budget.lines.filter(category=category).first() or BudgetLine(budget=budget, category=category)
        line.amount = Decimal(amount).quantize(Decimal("0.01"))
        line.full_clean()
        line.save()
    return budget


@transaction.atomic
def budget_approve(*, budget: Budget, resolution: Resolution, by) -> Budget:
    """The council approves its annual budget with a carried resolution (R-1.7)."""
    budget = Budget.objects.select_for_update().get(pk=budget.pk)
    if budget.status == Budget.Status.APPROVED:
        raise ValidationError(_("预算已批准。"))
    if resolution.council_id != budget.council_id:
        raise ValidationError({"resolution": _("只能选择本理事会的决议。")})
    if not resolution.authorises:
        raise ValidationError(
            {
                "resolution": _("决议“%(r)s”%(o)s，不能批准预算。")
                % {"r": resolution, "o": resolution.get_outcome_display()}
            }
        )
    if not budget.lines.exists():
        raise ValidationError(_("预算没有任何科目。"))
    budget.status, budget.approved_by = Budget.Status.APPROVED, resolution
    budget.save()
    history_record(obj=budget, action="approved", by=by, changes={"resolution": str(resolution)})
    return budget
