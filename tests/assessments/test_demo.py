"""The demo city's assessments (issue 6): one published period and one in progress."""

import pytest

from assessments.demo import load_demo
from assessments.models import Assessment, Grade, Period, PointEvent, Result
from councils.demo import load_demo_city
from finance.demo import load_demo as load_demo_fund
from inspections.demo import load_demo as load_demo_patrols

pytestmark = pytest.mark.django_db


def test_demo_has_a_published_period_with_results_and_one_in_progress():
    """R-1.9, R-1.10."""
    load_demo_city()
    load_demo_fund()
    load_demo_patrols()
    load_demo()
    closed, current = Period.objects.order_by("year", "half")
    assert closed.status == Period.Status.CLOSED and current.status == Period.Status.OPEN
    assert set(closed.assessments.values_list("status", flat=True)) == {Assessment.Status.PUBLISHED}
    assert closed.assessments.filter(adjustments__isnull=False).exists()
    results = Result.objects.filter(period=closed)
    assert results.count() == closed.assessments.values("unit").distinct().count()
    # A spread worth ranking: more than one grade, and civilized units to name.
    assert len(set(results.values_list("grade", flat=True))) >= 2
    assert results.filter(grade=Grade.EXCELLENT).exists() and results.filter(civilized=True).exists()
    # The current period shows every step of the workflow.
    assert set(current.assessments.values_list("status", flat=True)) == {
        "draft",
        "submitted",
        "returned",
        "confirmed",
    }
    assert current.assessments.filter(council__community__name="高岩社区", status="draft").exists()
    assert PointEvent.objects.filter(rule__isnull=True).exists()
    assert PointEvent.objects.filter(rule__isnull=False).exists()
    counts = (Assessment.objects.count(), PointEvent.objects.count())
    load_demo()
    assert (Assessment.objects.count(), PointEvent.objects.count()) == counts
