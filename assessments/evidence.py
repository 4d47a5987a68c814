"""What the portal's own records say about one member unit on one council in one half-year
(R-1.9): the evidence behind each criterion's suggested score, and the record sets the points
job derives its events from (R-1.10). One definition of "the unit's findings", "the unit's
violations" and so on serves both, so a suggestion and a points event never disagree."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from councils.models import Attendance, ContactLog, Council, Meeting, Membership, MemberUnit, Task
from councils.periods import today
from finance.models import Pledge, Violation
from finance.selectors import pledges_with_paid
from inspections.models import Activity, Finding

from .defaults import CONTACTS_EXPECTED, VOLUNTEER_HOURS_FULL
from .models import Criterion

ONE_PLACE = Decimal("0.1")


# --- The record sets (shared with the points job) -------------------------------------------------


def attendances(*, start: date, end: date) -> QuerySet:
    """Attendance at held meetings in the window; the unit and council come from the seat."""
    return Attendance.objects.filter(
        meeting__status=Meeting.Status.HELD,
        meeting__held_at__date__gte=start,
        meeting__held_at__date__lte=end,
    )


def tasks_due(*, start: date, end: date) -> QuerySet:
    """Tasks falling due in the window (withdrawn ones excluded)."""
    return Task.objects.filter(due_on__gte=start, due_on__lte=end).exclude(status=Task.Status.CANCELLED)


def tasks_done_on_time(queryset: QuerySet) -> QuerySet:
    return queryset.filter(status=Task.Status.DONE, done_on__lte=F("due_on"))


def tasks_overdue(queryset: QuerySet, *, on: date) -> QuerySet:
    """Done late, or still open after the due date."""
    return queryset.filter(
        Q(status=Task.Status.DONE, done_on__gt=F("due_on")) | (Q(status=Task.Status.OPEN) & Q(due_on__lt=on))
    )


def unit_violations(*, unit: MemberUnit, council: Council) -> QuerySet:
    """Fund violations that concern the unit: on an entry of its own (a contribution), or any
    violation of the council's fund when the unit chairs the council, since the chair unit
    presides over the spending decisions (R-1.8)."""
    chairs = Membership.objects.filter(
        council=council, unit=unit, position=Membership.Position.CHAIR, left_on__isnull=True
    )
    return Violation.objects.filter(entry__fund__council=council).filter(
        Q(entry__unit=unit) | Q(Exists(chairs), entry__unit__isnull=True)
    )


def area_findings(*, unit: MemberUnit, council: Council) -> QuerySet:
    """Findings in the unit's responsible area on this council's community: assigned to the
    unit, or at a building of its area (R-1.3, R-2.1)."""
    in_area = Q(building__responsible_units__membership__unit=unit) & Q(
        building__responsible_units__membership__council=council
    )
    return (
        Finding.objects.filter(community_id=council.community_id, duplicate_of__isnull=True)
        .filter(Q(responsible_unit=unit) | in_area)
        .distinct()
    )


def volunteer_activities(*, unit: MemberUnit, council: Council, start: date, end: date) -> QuerySet:
    return Activity.objects.filter(
        organiser=unit,
        community_id=council.community_id,
        kind__in=Activity.VOLUNTEER,
        held_on__gte=start,
        held_on__lte=end,
    )


# --- Suggestions ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    points: Decimal
    basis: str


def share(max_points: Decimal, part, whole) -> Decimal:
    """max × part / whole, to one place, bounded to [0, max]."""
    if not whole:
        return max_points
    value = max_points * Decimal(part) / Decimal(whole)
    return min(max_points, max(Decimal(0), value)).quantize(ONE_PLACE, ROUND_HALF_UP)


def suggest(
    criterion: Criterion, *, unit: MemberUnit, council: Council, start: date, end: date
) -> Suggestion | None:
    """The suggested score for one criterion from the records, or None for a criterion scored by
    judgement alone."""
    source = criterion.evidence
    top = criterion.max_points
    if not source:
        return None
    if source == Criterion.Evidence.ATTENDANCE:
        rows = attendances(start=start, end=end).filter(membership__unit=unit, membership__council=council)
        total = rows.count()
        present = rows.filter(present=True).count()
        excused = rows.filter(present=False).exclude(absence_reason="").count()
        if not total:
            return Suggestion(top, _("本期无应出席的会议"))
        return Suggestion(
            share(top, present + excused, total),
            _("应出席%(total)d次，出席%(present)d次，请假%(excused)d次，无故缺席%(absent)d次")
            % {"total": total, "present": present, "excused": excused, "absent": total - present - excused},
        )
    if source == Criterion.Evidence.CONTACTS:
        rows = ContactLog.objects.filter(
            membership__unit=unit, membership__council=council, contacted_on__gte=start, contacted_on__lte=end
        )
        agg = rows.aggregate(n=Count("pk"), people=Sum("residents_met"))
        count = agg["n"] or 0
        return Suggestion(
            share(top, min(count, CONTACTS_EXPECTED), CONTACTS_EXPECTED),
            _("联系居民%(count)d次（应不少于%(expected)d次），走访居民%(people)d人")
            % {"count": count, "expected": CONTACTS_EXPECTED, "people": agg["people"] or 0},
        )
    if source == Criterion.Evidence.TASKS:
        # Only tasks already due count: one still within its time (open, due today at the
        # latest) is neither done nor late.
        rows = (
            tasks_due(start=start, end=min(end, today()))
            .filter(assignee=unit, council=council)
            .exclude(status=Task.Status.OPEN, due_on__gte=today())
        )
        total = rows.count()
        if not total:
            return Suggestion(top, _("本期无到期的共建任务"))
        on_time = tasks_done_on_time(rows).count()
        overdue = tasks_overdue(rows, on=today()).count()
        return Suggestion(
            share(top, on_time, total),
            _("到期任务%(total)d项，按期完成%(done)d项，逾期%(overdue)d项")
            % {"total": total, "done": on_time, "overdue": overdue},
        )
    if source == Criterion.Evidence.PLEDGE:
        pledge = pledges_with_paid(Pledge.objects.filter(council=council, unit=unit, year=start.year)).first()
        if pledge is None or not pledge.amount:
            return Suggestion(top, _("本年度未认缴共建资金"))
        return Suggestion(
            share(top, pledge.paid, pledge.amount),
            _("%(year)d年认缴%(amount)s元，已到位%(paid)s元")
            % {"year": pledge.year, "amount": pledge.amount, "paid": pledge.paid},
        )
    if source == Criterion.Evidence.VIOLATIONS:
        rows = unit_violations(unit=unit, council=council)
        open_count = rows.exclude(status=Violation.Status.CLOSED).count()
        in_half = rows.filter(flagged_at__date__gte=start, flagged_at__date__lte=end).count()
        if open_count:
            return Suggestion(
                Decimal("0.0"),
                _("未整改的资金违规问题%(open)d项（本期发现%(half)d项）")
                % {"open": open_count, "half": in_half},
            )
        return Suggestion(
            top, _("无未整改的资金违规问题（本期发现%(half)d项，均已销号）") % {"half": in_half}
        )
    if source == Criterion.Evidence.FINDINGS:
        rows = area_findings(unit=unit, council=council).filter(
            reported_at__date__gte=start, reported_at__date__lte=end
        )
        total = rows.count()
        if not total:
            return Suggestion(top, _("本期责任片区无巡查问题"))
        fixed = rows.filter(status__in=Finding.FIXED).count()
        overdue = rows.filter(status__in=Finding.OPEN, deadline__lt=today()).count()
        # A finding still within its deadline counts neither way.
        return Suggestion(
            share(top, fixed, fixed + overdue),
            _("责任片区问题%(total)d项，已整改%(fixed)d项，逾期未整改%(overdue)d项，整改期内%(pending)d项")
            % {"total": total, "fixed": fixed, "overdue": overdue, "pending": total - fixed - overdue},
        )
    if source == Criterion.Evidence.VOLUNTEER:
        hours = volunteer_activities(unit=unit, council=council, start=start, end=end).aggregate(
            h=Sum("volunteer_hours")
        )["h"] or Decimal(0)
        return Suggestion(
            share(top, min(hours, VOLUNTEER_HOURS_FULL), VOLUNTEER_HOURS_FULL),
            _("志愿服务%(hours)s小时（满分需%(full)s小时）") % {"hours": hours, "full": VOLUNTEER_HOURS_FULL},
        )
    return None


__all__ = [
    "Suggestion",
    "area_findings",
    "attendances",
    "suggest",
    "tasks_done_on_time",
    "tasks_due",
    "tasks_overdue",
    "unit_violations",
    "volunteer_activities",
]
