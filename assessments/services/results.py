"""Results of a period (R-1.9, R-1.10): final score = the unit's published rubric score (the
mean over the councils it sits on, corrections included) + its dynamic points bounded to the
period's cap; a grade by the period's thresholds; ranks within street, district and city where
equal scores share a rank and the next rank skips (1, 1, 3); civilized-unit standing for units
graded 优秀 with no fund violation in the half-year."""

from __future__ import annotations

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Avg, Count, F, Sum
from django.utils import timezone

from councils.models import MemberUnit, Street

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


# One statement computes every result of a period in the database: the mean published score,
# the capped points, the grade, the civilized-unit veto and the three competition ranks
# (RANK(): equal scores share a rank and the next rank skips). Rounding the mean to one place
# with ROUND() on numeric is half away from zero, the same as ROUND_HALF_UP for scores >= 0.
RESULTS_SQL = """
WITH scored AS (
    SELECT a.unit_id, COUNT(*) AS n, ROUND(AVG(a.rubric_score + a.adjustment_total), 1) AS rubric
    FROM {assessment} a
    WHERE a.period_id = %(period)s AND a.status = %(published)s
    GROUP BY a.unit_id
), earned AS (
    SELECT e.unit_id, SUM(e.points) AS points
    FROM {event} e
    WHERE e.year = %(year)s AND e.half = %(half)s
    GROUP BY e.unit_id
), vetoed AS (
    SELECT DISTINCT e.unit_id
    FROM {event} e JOIN {rule} r ON r.id = e.rule_id
    WHERE e.year = %(year)s AND e.half = %(half)s AND r.code = %(violation)s
), counted AS (
    SELECT s.unit_id, s.n, s.rubric, u.street_id, st.district_id,
           COALESCE(p.points, 0) AS points,
           GREATEST(-%(cap)s, LEAST(%(cap)s, COALESCE(p.points, 0))) AS counted,
           v.unit_id IS NOT NULL AS vetoed
    FROM scored s
    JOIN {unit} u ON u.id = s.unit_id
    JOIN {street} st ON st.id = u.street_id
    LEFT JOIN earned p ON p.unit_id = s.unit_id
    LEFT JOIN vetoed v ON v.unit_id = s.unit_id
), final AS (
    SELECT c.*, GREATEST(0, c.rubric + c.counted) AS score FROM counted c
), graded AS (
    SELECT f.*, CASE WHEN f.score >= %(excellent_from)s THEN %(excellent)s
                     WHEN f.score >= %(good_from)s THEN %(good)s
                     WHEN f.score >= %(pass_from)s THEN %(pass)s
                     ELSE %(fail)s END AS grade
    FROM final f
)
INSERT INTO {result} (period_id, unit_id, street_id, district_id, assessments, rubric_score, points,
                      points_counted, final_score, grade, civilized, rank_street, rank_district,
                      rank_city, computed_at)
SELECT %(period)s, unit_id, street_id, district_id, n, rubric, points, counted, score, grade,
       grade = %(excellent)s AND NOT vetoed,
       RANK() OVER (PARTITION BY street_id ORDER BY score DESC),
       RANK() OVER (PARTITION BY district_id ORDER BY score DESC),
       RANK() OVER (ORDER BY score DESC),
       %(computed_at)s
FROM graded
"""


@transaction.atomic
def results_compute(*, period: Period) -> int:
    """Recompute every result of the period from the published assessments and the points
    ledger; safe to run any number of times. Returns the number of ranked units. On PostgreSQL
    one statement does it all (a whole city's in well under a second, so publishing waits for
    it); the embedded SQLite database of `make run` computes the same in Python."""
    Period.objects.select_for_update().filter(pk=period.pk).first()
    Result.objects.filter(period=period).delete()
    if connection.vendor != "postgresql":
        rows = results_rows(period)
        Result.objects.bulk_create(rows, batch_size=2000)
        return len(rows)
    tables = {
        "assessment": Assessment._meta.db_table,
        "event": PointEvent._meta.db_table,
        "rule": PointRule._meta.db_table,
        "unit": MemberUnit._meta.db_table,
        "street": Street._meta.db_table,
        "result": Result._meta.db_table,
    }
    params = {
        "period": period.pk,
        "published": Assessment.Status.PUBLISHED,
        "year": period.year,
        "half": period.half,
        "violation": PointRule.Code.VIOLATION,
        "cap": period.points_cap,
        "excellent_from": period.excellent_from,
        "good_from": period.good_from,
        "pass_from": period.pass_from,
        "computed_at": timezone.now(),
        **{grade.name.lower(): grade.value for grade in Grade},
    }
    with connection.cursor() as cursor:
        # The planner overestimates the rows of the joined aggregates and would spend longer
        # compiling the statement than running it; for this transaction only.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(RESULTS_SQL.format(**tables), params)
        return cursor.rowcount


def results_rows(period: Period) -> list[Result]:
    """The same results as RESULTS_SQL, computed in Python (for databases other than PostgreSQL)."""
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
    return list(rows.values())
