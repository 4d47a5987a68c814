"""The quarter-close job on a real worker and Redis (R-1.1; DESIGN.md invariant 6)."""

from datetime import datetime, time, timedelta

import pytest

from councils import services
from councils.models import ComplianceFinding, Meeting
from councils.periods import SHANGHAI, Quarter
from councils.services.meetings import Seat
from councils.tasks import compliance_close_quarter
from tests.conftest import build_side

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_worker_records_each_miss_once_however_often_the_job_runs(worker_queue):
    last = Quarter.current().previous()
    met, missed = build_side("甲"), build_side("乙")
    Meeting.objects.update(status=Meeting.Status.WITHDRAWN)  # the fixtures' meetings do not count
    services.meeting_record(
        council=met.council,
        held_at=datetime.combine(last.first_day + timedelta(days=9), time(9), tzinfo=SHANGHAI),
        kind=Meeting.Kind.REGULAR,
        place="会议室",
        seats=[Seat(met.membership.pk, present=True)],
        minutes="纪要",
        by=met.secretary,
    )
    for _ in range(3):  # a retry or a redelivery must do no harm
        compliance_close_quarter.apply_async(args=[last.code], queue=worker_queue)
    # One solo worker takes jobs in order: once the quarter before is recorded, all three ran.
    earlier = last.previous()
    compliance_close_quarter.apply_async(args=[earlier.code], queue=worker_queue)
    assert wait_for(
        lambda: ComplianceFinding.objects.filter(year=earlier.year, quarter=earlier.number).exists()
    )
    findings = list(ComplianceFinding.objects.filter(year=last.year, quarter=last.number))
    assert [f.council for f in findings] == [missed.council]
