"""Quarterly meeting compliance (R-1.1): for every council and quarter, held, missed or still
open, on a Shanghai calendar; and the misses recorded once at quarter close."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, Max, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .models import ComplianceFinding, Council, Meeting
from .periods import Quarter, today


class QuarterState:
    HELD = "held"
    MISSED = "missed"
    OPEN = "open"
    NOT_DUE = "not_due"  # the council did not exist yet

    LABELS = {HELD: _("已召开"), MISSED: _("未召开"), OPEN: _("尚未召开"), NOT_DUE: _("—")}


def held_meetings(quarter: Quarter) -> QuerySet:
    """Meetings that count for `quarter`: minutes in, held within it in Shanghai time."""
    return Meeting.objects.filter(
        status=Meeting.Status.HELD, held_at__gte=quarter.start, held_at__lt=quarter.end
    )


def with_quarter(councils: QuerySet, quarter: Quarter) -> QuerySet:
    """Annotate councils with their meetings held in `quarter` and their last held meeting."""
    in_quarter = held_meetings(quarter).filter(council=OuterRef("pk"))
    counted = in_quarter.order_by().values("council").annotate(n=Count("pk")).values("n")
    last = (
        Meeting.objects.filter(council=OuterRef("pk"), status=Meeting.Status.HELD)
        .order_by()
        .values("council")
    )
    return councils.annotate(
        quarter_held=Exists(in_quarter),
        quarter_meetings=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
        last_held_at=Subquery(last.annotate(m=Max("held_at")).values("m")),
    )


def state_of(council: Council, quarter: Quarter, *, held: bool) -> str:
    if council.term_start and council.term_start > quarter.last_day:
        return QuarterState.NOT_DUE
    if held:
        return QuarterState.HELD
    return QuarterState.MISSED if quarter.last_day < today() else QuarterState.OPEN


def behind(councils: QuerySet, quarter: Quarter) -> QuerySet:
    """Councils with no meeting held in `quarter` (R-1.1) — missed if it is over, else open."""
    return (
        with_quarter(councils, quarter)
        .filter(quarter_held=False)
        .filter(Q(term_start__isnull=True) | Q(term_start__lte=quarter.last_day))
    )


def year_grid(council: Council, year: int) -> list[tuple[Quarter, str, int]]:
    """The four quarters of `year` for one council: (quarter, state, meetings held). One query."""
    held = Meeting.objects.filter(
        council=council,
        status=Meeting.Status.HELD,
        held_at__gte=Quarter(year, 1).start,
        held_at__lt=Quarter(year + 1, 1).start,
    ).values_list("held_at", flat=True)
    per_quarter: dict[Quarter, int] = {}
    for held_at in held:
        per_quarter[Quarter.of(held_at)] = per_quarter.get(Quarter.of(held_at), 0) + 1
    grid = []
    for number in range(1, 5):
        quarter = Quarter(year, number)
        n = per_quarter.get(quarter, 0)
        due = quarter.first_day <= today()
        grid.append((quarter, state_of(council, quarter, held=n > 0) if due else QuarterState.NOT_DUE, n))
    return grid


@transaction.atomic
def compliance_record_misses(*, quarter: Quarter) -> int:
    """Record each council that held no meeting in a quarter that is over, once (R-1.1).
    Running it again records nothing new. Returns how many findings were added."""
    if quarter.last_day >= today():
        return 0
    missing = behind(Council.objects.filter(status=Council.Status.ACTIVE), quarter).values_list(
        "pk", flat=True
    )
    findings = [ComplianceFinding(council_id=pk, year=quarter.year, quarter=quarter.number) for pk in missing]
    before = ComplianceFinding.objects.filter(year=quarter.year, quarter=quarter.number).count()
    ComplianceFinding.objects.bulk_create(findings, ignore_conflicts=True)
    return ComplianceFinding.objects.filter(year=quarter.year, quarter=quarter.number).count() - before
