"""The assessments part of the demo city (R-1.9, R-1.10): last half-year's period assessed,
confirmed and published with its points and results, and the current half-year in progress
with assessments in every state of the workflow. Deterministic and idempotent: a period that
exists is left as it is."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from councils.periods import today

from . import services
from .models import Assessment, Half, Period, PointEvent, half_of

User = get_user_model()
JUDGEMENT = ["积极认领共建项目，配合社区开展工作", "共建成效明显，居民反映良好", "参与度一般，需加强沟通"]


def previous_half(year: int, half: int) -> tuple[int, int]:
    return (year, Half.FIRST) if half == Half.SECOND else (year - 1, Half.SECOND)


def _score(assessment: Assessment, index: int, by) -> None:
    """Accept the records' suggestion where there is one; judge the rest, and override one
    suggestion in five with a reason, as assessors do."""
    entries = {}
    strong = index % 4 == 0  # a unit in four did everything its records can show, and more
    for n, score in enumerate(services.assessment_prefill(assessment=assessment)):
        top = score.criterion.max_points
        if score.suggested is None:
            share = 100 if strong else 100 - (index * 13 + n * 7) % 45
            points = (top * Decimal(share) / 100).quantize(Decimal("1"))
            entries[score.criterion_id] = services.Entry(points, JUDGEMENT[(index + n) % 3])
        elif score.suggested < top and (strong or (index + n) % 3 == 0):
            better = top if strong else min(top, score.suggested + (top / 2).quantize(Decimal("1")))
            entries[score.criterion_id] = services.Entry(better, "", "单位提供了线下工作台账，核实后加分")
        else:
            entries[score.criterion_id] = services.Entry(score.suggested)
    services.assessment_score(
        assessment=assessment, entries=entries, summary=JUDGEMENT[index % 3] + "。", by=by
    )


def _users():
    archive = User.objects.get(username="demo-archive")
    community = User.objects.filter(username="community").first() or archive
    street = User.objects.filter(username="street").first() or archive
    return archive, community, street


@transaction.atomic
def load_demo() -> dict[str, int]:
    archive, community_user, street_user = _users()
    year, half = half_of(today())
    last_year, last_half = previous_half(year, half)

    if not Period.objects.filter(year=last_year, half=last_half).exists():
        period = Period(year=last_year, half=last_half)
        start, end = period.bounds
        period = services.period_open(
            year=last_year,
            half=last_half,
            opens_on=end - timedelta(days=14),
            closes_on=end + timedelta(days=20),
            by=archive,
        )
        services.points_derive(year=last_year, half=last_half)
        for index, assessment in enumerate(
            period.assessments.select_related("council", "unit").order_by("council__name", "unit__name")
        ):
            _score(assessment, index, archive)
            services.assessment_submit(assessment=assessment, by=archive)
            services.assessment_confirm(assessment=assessment, by=archive)
        services.assessments_publish_many(assessments=period.assessments.all(), by=archive)
        published = period.assessments.order_by("council__name", "unit__name").first()
        services.assessment_adjust(
            assessment=published, delta="-2", reason="复核发现责任片区联系记录有两次重复登记", by=archive
        )
        services.results_compute(period=period)
        services.period_close(period=period, by=archive)

    if not Period.objects.filter(year=year, half=half).exists():
        start, end = Period(year=year, half=half).bounds
        period = services.period_open(
            year=year,
            half=half,
            opens_on=max(start, today() - timedelta(days=20)),
            closes_on=max(today() + timedelta(days=25), end + timedelta(days=20)),
            by=archive,
        )
        services.points_derive(year=year, half=half)
        assessments = list(
            period.assessments.select_related("council__community", "unit").order_by(
                "council__name", "unit__name"
            )
        )
        for index, assessment in enumerate(assessments):
            # The demo community's own: some still untouched, some scored, one returned, one
            # waiting for the street, so each step of the worklist has something to show.
            step = index % 6
            if step == 0:
                continue
            by = community_user if assessment.council.community.name == "高岩社区" else archive
            _score(assessment, index, by)
            if step == 1:
                continue
            services.assessment_submit(assessment=assessment, by=by)
            if step == 2:
                continue
            if step == 3:
                services.assessment_return(
                    assessment=assessment, comment="请补充责任片区联系居民的佐证说明", by=street_user
                )
                continue
            if step >= 4:
                services.assessment_confirm(assessment=assessment, by=street_user)
        # A manual event by street staff.
        first = assessments[0] if assessments else None
        if first is not None:
            services.point_record(
                unit=first.unit,
                council=first.council,
                points=2,
                reason="汛期协助社区转移群众，表现突出",
                occurred_on=today() - timedelta(days=3),
                by=street_user,
            )
    from .bulletins_demo import load_demo as load_demo_bulletins

    bulletins = load_demo_bulletins()
    return {
        **bulletins,
        "periods": Period.objects.count(),
        "assessments": Assessment.objects.count(),
        "point_events": PointEvent.objects.count(),
    }
