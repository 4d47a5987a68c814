"""The bench city generator (bench.city) at a tiny scale: the data it writes straight into the
database keeps the invariants the services keep, and every page `make bench` measures answers."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q, Sum

from assessments.models import Assessment, Period, Result
from assessments.services import competition_ranks
from bench.city import build_city
from councils.models import Attendance, Council, Meeting, Membership, Resolution, quorum_met
from finance.models import Fund, LedgerEntry, Violation
from inspections.models import Finding, FindingEvent

pytestmark = pytest.mark.django_db

UNTIL = date(2026, 6, 30)


@pytest.fixture
def city():
    return build_city(scale=0.002, until=UNTIL, log=lambda *_: None)


def test_tiny_city_has_five_years_of_everything(city):
    counts = city["counts"]
    assert counts["councils"] == 2
    assert counts["units"] == 30
    assert counts["periods"] == 10
    for name in ("meetings", "ledger_entries", "findings", "assessments", "results", "point_events"):
        assert counts[name] > 0, name
    assert city["start"] == "2021-01-01"
    assert not Meeting.objects.exclude(held_at__date__range=(date(2021, 1, 1), UNTIL)).exists()


def test_fund_balances_equal_the_ledger_and_never_went_negative(city):
    """R-1.5 – R-1.7: the balance is the sum of the ledger; numbers run 1, 2, 3 per fund and
    year in date order; no entry ever overdrew the fund."""
    for fund in Fund.objects.all():
        entries = list(LedgerEntry.objects.filter(fund=fund).order_by("year", "sequence"))
        assert entries
        assert fund.balance == sum((e.signed_amount for e in entries), Decimal("0"))
        running = Decimal("0")
        by_year = defaultdict(list)
        for entry in entries:
            running += entry.signed_amount
            assert running >= 0
            by_year[entry.year].append(entry)
        for year, rows in by_year.items():
            assert [e.sequence for e in rows] == list(range(1, len(rows) + 1)), year
            assert [e.entry_date for e in rows] == sorted(e.entry_date for e in rows)


def test_spending_names_a_carried_resolution_or_is_flagged(city):
    """R-1.7, R-1.8: an expenditure either rests on a carried resolution of its own council made
    before it, or carries the violation the service would have flagged."""
    spent = LedgerEntry.objects.filter(kind=LedgerEntry.Kind.EXPENDITURE).select_related(
        "resolution__meeting", "fund", "category"
    )
    assert spent.exists()
    flagged = set(Violation.objects.values_list("entry_id", "kind"))
    for entry in spent:
        if entry.resolution is None:
            assert (entry.pk, Violation.Kind.NO_RESOLUTION) in flagged
        else:
            assert entry.resolution.council_id == entry.fund.council_id
            assert entry.resolution.outcome == Resolution.Outcome.CARRIED
            assert entry.resolution.meeting.held_at.date() <= entry.entry_date
        assert entry.category.earmarked or (entry.pk, Violation.Kind.OUTSIDE_CATEGORY) in flagged


def test_meetings_count_their_attendance_and_votes_follow_the_quorum(city):
    """R-1.1, R-1.2: the quorum snapshot equals the attendance rows; the outcome follows quorum
    and majority as resolution_record decides it."""
    meetings = Meeting.objects.annotate(
        seats=Count("attendances"), here=Count("attendances", filter=Q(attendances__present=True))
    )
    for meeting in meetings:
        assert (meeting.eligible_count, meeting.present_count) == (meeting.seats, meeting.here)
    for resolution in Resolution.objects.select_related("meeting"):
        meeting = resolution.meeting
        if not quorum_met(present=meeting.present_count, eligible=meeting.eligible_count):
            assert resolution.outcome == Resolution.Outcome.UNQUORATE
        elif resolution.votes_for * 2 > meeting.present_count:
            assert resolution.outcome == Resolution.Outcome.CARRIED
        else:
            assert resolution.outcome == Resolution.Outcome.FAILED
    assert not Attendance.objects.exclude(membership__council=F("meeting__council")).exists()


def test_assessments_once_per_seat_and_results_ranked(city):
    """R-1.9, R-1.10: one published assessment per period, council and unit, exactly the seats
    period_sync would open; results ranked as competition ranks of the final score."""
    for period in Period.objects.all():
        start, end = period.bounds
        seats = set(  # the seats period_sync opens an assessment for
            Membership.objects.filter(council__status=Council.Status.ACTIVE, joined_on__lte=end)
            .exclude(left_on__lt=start)
            .values_list("council_id", "unit_id")
        )
        rows = Assessment.objects.filter(period=period)
        assert sorted(rows.values_list("council_id", "unit_id")) == sorted(seats)
        assert not rows.exclude(status=Assessment.Status.PUBLISHED).exists()
        results = list(Result.objects.filter(period=period))
        assert len(results) == rows.values("unit").distinct().count()
        expected = competition_ranks({r.unit_id: r.final_score for r in results})
        assert {r.unit_id: r.rank_city for r in results} == expected
    # Seats that ended before a period are not assessed in it.
    gone = Membership.objects.filter(left_on__isnull=False).first()
    if gone is not None:
        later = Period.objects.filter(opens_on__gt=gone.left_on)
        assert not Assessment.objects.filter(period__in=later, council=gone.council, unit=gone.unit).exists()


def test_findings_have_the_steps_of_their_status(city):
    """R-2.1: every finding has the event history that leads to its status, the after photo a
    rectified one needs, and a reason when closed."""
    last = {}
    for event in FindingEvent.objects.order_by("finding", "at", "pk"):
        last[event.finding_id] = event.to_status
    findings = Finding.objects.annotate(after=Count("photos", filter=Q(photos__stage="after")))
    for finding in findings:
        assert last[finding.pk] == finding.status
        if finding.status in (Finding.Status.RECTIFIED, Finding.Status.VERIFIED):
            assert finding.after == 1
        assert (finding.fixed_at is not None) == (finding.status in Finding.FIXED)


def test_every_measured_page_answers(city):
    """The pages `make bench` times answer 200 to their role with a fixed number of queries."""
    from bench.measure import measure_pages

    results = measure_pages(n=1, warmup=1, log=lambda *_: None)
    measured = [r for r in results if r.note != "not measured yet"]
    assert len(measured) >= 16
    assert [r.key for r in measured if r.status != 200] == []
    assert all(r.queries for r in measured)
    assert Council.objects.count() == 2
    assert Fund.objects.aggregate(s=Sum("balance"))["s"] > 0
