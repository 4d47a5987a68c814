"""The dynamic-points job on a real worker and Redis (R-1.10; DESIGN.md invariant 6)."""

import pytest
from django.db.models import Sum

from assessments.models import PointEvent, Result
from assessments.tasks import points_derive_half
from tests.assessments.test_services import published
from tests.conftest import build_side
from tests.factories import UserFactory

from .conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def totals():
    return dict(PointEvent.objects.values("unit").annotate(s=Sum("points")).values_list("unit", "s"))


def test_the_worker_derives_points_once_however_often_the_job_runs_and_refreshes_results(worker_queue):
    side = build_side("甲")
    build_side("乙")
    period = side.period
    published(side.assessment, UserFactory())
    Result.objects.all().delete()
    manual_only = totals()
    for _ in range(3):  # a retry or a redelivery must do no harm
        points_derive_half.apply_async(args=[period.year, period.half], queue=worker_queue)
    assert wait_for(lambda: Result.objects.filter(period=period, unit=side.unit).exists())
    # One solo worker takes jobs in order: a fourth job queued after them finishes last.
    Result.objects.all().delete()
    points_derive_half.apply_async(args=[period.year, period.half], queue=worker_queue)
    assert wait_for(lambda: Result.objects.filter(period=period, unit=side.unit).exists())
    after = totals()
    assert after != manual_only
    assert PointEvent.objects.filter(unit=side.unit, rule__code="attended").count() == 1
    result = Result.objects.get(period=period, unit=side.unit)
    assert result.points == after[side.unit.pk]
