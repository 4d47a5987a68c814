"""The period's results computed by one database statement (issue 8 §2: publishing no longer
waits for a row-by-row computation) are the results of R-1.9 and R-1.10, row for row."""

from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.utils import timezone

from assessments import services
from assessments.models import Result
from assessments.services.results import results_rows
from tests.assessments.test_services import by, published  # noqa: F401 (a fixture)
from tests.factories import MembershipFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db

FIELDS = (
    "unit_id",
    "street_id",
    "district_id",
    "assessments",
    "rubric_score",
    "points",
    "points_counted",
    "final_score",
    "grade",
    "civilized",
    "rank_street",
    "rank_district",
    "rank_city",
)


def as_rows(results) -> dict:
    return {r.unit_id: tuple(getattr(r, f) for f in FIELDS) for r in results}


def test_the_statement_gives_the_results_of_the_rules(side_a, side_b, by):  # noqa: F811
    period = side_a.period
    # Side A's unit also sits on side B's council: its score is the mean of two assessments.
    MembershipFactory(council=side_b.council, unit=side_a.unit)
    tied, tied_too, ahead = (
        MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street)).unit
        for _ in range(3)
    )
    services.period_sync(period=period)
    for assessment in period.assessments.all():
        published(assessment, by)
    # A correction makes the two scores' sum odd in tenths: the mean ends in .x5, rounded half up.
    first, second = period.assessments.filter(unit=side_a.unit).order_by("council")
    odd = (first.score + second.score) * 10 % 2 == 1
    services.assessment_adjust(assessment=second, delta="-0.2" if odd else "-0.1", reason="核减", by=by)
    for points, unit, council in (
        ("-5", ahead, side_a.council),  # within the cap
        ("-15", side_b.unit, side_b.council),  # beyond it, twice: bounded
        ("-15", side_b.unit, side_b.council),
    ):
        services.point_record(
            unit=unit, council=council, points=points, reason="记分", occurred_on=timezone.localdate(), by=by
        )
    services.points_derive(year=period.year, half=period.half)  # side A's flagged spending: a veto

    expected = as_rows(results_rows(period))
    assert services.results_compute(period=period) == len(expected) == 5
    assert as_rows(Result.objects.filter(period=period)) == expected

    results = {r.unit_id: r for r in Result.objects.filter(period=period)}
    a = results[side_a.unit.pk]
    mean = sum(x.score for x in period.assessments.filter(unit=side_a.unit)) / 2
    assert mean % Decimal("0.1") == Decimal("0.05")
    assert (a.assessments, a.rubric_score) == (2, mean.quantize(Decimal("0.1"), ROUND_HALF_UP))
    b = results[side_b.unit.pk]
    assert b.points < -period.points_cap and b.points_counted == -period.points_cap
    assert results[tied.pk].rank_city == results[tied_too.pk].rank_city
    assert results[ahead.pk].final_score == results[tied.pk].final_score - 5
