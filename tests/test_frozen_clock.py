"""The date sweep's clock (issue 14 §0): under `--frozen-at` the whole session runs from that
moment, and the shared city's past lies in the quarter, half-year and year of that moment, even
minutes after one begins. Without the option the same holds for the real day."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from councils.periods import SHANGHAI, HalfYear, Quarter, today

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


@pytest.fixture
def moment(request) -> datetime:
    """The moment the session runs at: --frozen-at's, or now."""
    option = request.config.getoption("frozen_at")
    return datetime.fromisoformat(option) if option else timezone.now()


def test_the_clock_runs_from_the_frozen_moment(request, moment):
    if not request.config.getoption("frozen_at"):
        pytest.skip("the clock is frozen only under --frozen-at (make datesweep)")
    now = timezone.now()
    assert moment <= now + timedelta(seconds=1) and now - moment < timedelta(hours=1)
    assert today() == now.astimezone(SHANGHAI).date()


def test_the_shared_city_lies_in_the_quarter_the_clock_is_in(side_a):
    # The clock ticks from the frozen moment, so a sweep at 23:30 may have passed midnight by the
    # time the city is built: read the quarter from the clock now, as the fixture did.
    now = timezone.now()
    quarter, half = Quarter.of(now), HalfYear.of(now)
    assert Quarter.of(side_a.meeting.held_at) == quarter
    assert Quarter.of(side_a.patrol.started_at) == quarter
    assert Quarter.of(side_a.task.due_on) == quarter and side_a.task.due_on >= today()
    assert (side_a.period.year, side_a.period.half) == (half.year, half.number)
    assert side_a.period.opens_on <= today() <= side_a.period.closes_on
    assert side_a.survey_round.opens_on <= today() <= side_a.survey_round.closes_on
    assert (side_a.plan.year, side_a.budget.year) == (today().year,) * 2
