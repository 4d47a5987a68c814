"""Results of a period (R-1.9, R-1.10): final score = the unit's published rubric score (the
mean over the councils it sits on, corrections included) + its dynamic points bounded to the
period's cap; a grade by the period's thresholds; ranks within street, district and city where
equal scores share a rank and the next rank skips (1, 1, 3); civilized-unit standing for units
graded 优秀 with no fund violation in the half-year."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.db.models import Avg, Count, F, Sum

from councils.models import MemberUnit

from ..models import Assessment, Grade, Period, PointEvent, PointRule, Result

ONE_PLACE = Decimal("0.1")
ZERO = Decimal("0.0")


def grade_for(score: Decimal, period: Period) -> str:
    if score >= period.excellent_from:
        return Grade.EXCELLENT
    if score >= period.good_from:
        return Grade.GOOD
    if score >= period.pass_from:
        return Grade.PASS
    return Grade.FAIL


def competition_ranks(scores: dict[int, Decimal]) -> dict[int, int]:
    """Rank by score, highest first; equal scores share a rank and the next rank skips."""
    ranks: dict[int, int] = {}
    previous, rank = None, 0
    for position, (key, score) in enumerate(sorted(scores.items(), key=lambda kv: -kv[1]), start=1):
        if score != previous:
            rank, previous = position, score
        ranks[key] = rank
    return ranks


@transaction.atomic
def results_compute(*, period: Period) -> int:
    """Recompute every result of the period from the published assessments and the points
    ledger; safe to run any number of times. Returns the number of ranked units."""
    Period.objects.select_for_update().filter(pk=period.pk).first()
    rubric_scores = {
        row["unit_id"]: row
        for row in Assessment.objects.filter(period=period, status=Assessment.Status.PUBLISHED)
        .values("unit_id")
        .annotate(score=Avg(F("rubric_score") + F("adjustment_total")), n=Count("pk"))
    }
    points = dict(
        PointEvent.objects.filter(year=period.year, half=period.half, unit_id__in=rubric_scores)
        .values("unit_id")
        .annotate(s=Sum("points"))
        .values_list("unit_id", "s")
    )
    vetoed = set(
        PointEvent.objects.filter(
            year=period.year, half=period.half, rule__code=PointRule.Code.VIOLATION
        ).values_list("unit_id", flat=True)
    )
    places = {
        pk: (street, district)
        for pk, street, district in MemberUnit.objects.filter(pk__in=rubric_scores).values_list(
            "pk", "street_id", "street__district_id"
        )
    }
    cap = period.points_cap
    final: dict[int, Decimal] = {}
    rows: dict[int, Result] = {}
    for unit_id, row in rubric_scores.items():
        rubric = Decimal(row["score"]).quantize(ONE_PLACE, ROUND_HALF_UP)
        earned = points.get(unit_id) or ZERO
        counted = max(-cap, min(cap, earned))
        score = max(ZERO, rubric + counted)
        street_id, district_id = places[unit_id]
        final[unit_id] = score
        grade = grade_for(score, period)
        rows[unit_id] = Result(
            period=period,
            unit_id=unit_id,
            street_id=street_id,
            district_id=district_id,
            assessments=row["n"],
            rubric_score=rubric,
            points=earned,
            points_counted=counted,
            final_score=score,
            grade=grade,
            civilized=grade == Grade.EXCELLENT and unit_id not in vetoed,
            rank_street=0,
            rank_district=0,
            rank_city=0,
        )
    by_street, by_district = defaultdict(dict), defaultdict(dict)
    for unit_id, score in final.items():
        street_id, district_id = places[unit_id]
        by_street[street_id][unit_id] = score
        by_district[district_id][unit_id] = score
    for unit_id, rank in competition_ranks(final).items():
        rows[unit_id].rank_city = rank
    for group in by_street.values():
        for unit_id, rank in competition_ranks(group).items():
            rows[unit_id].rank_street = rank
    for group in by_district.values():
        for unit_id, rank in competition_ranks(group).items():
            rows[unit_id].rank_district = rank
    Result.objects.filter(period=period).delete()
    Result.objects.bulk_create(rows.values(), batch_size=2000)
    return len(rows)
