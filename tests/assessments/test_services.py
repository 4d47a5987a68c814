"""The assessment of member units (R-1.9) and dynamic points (R-1.10), through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone

from assessments import services
from assessments.models import (
    Assessment,
    AssessmentEvent,
    Criterion,
    Grade,
    Half,
    Period,
    PointEvent,
    PointRule,
    Result,
    half_of,
)
from councils import services as council_services
from councils.models import Meeting, Membership, Task
from councils.periods import today
from councils.services.meetings import Seat
from tests.clock import earlier_this_quarter
from tests.factories import MembershipFactory, MemberUnitFactory, UserFactory

D = Decimal


@pytest.fixture
def by(db):
    return UserFactory()


def scored(assessment: Assessment, by, **overrides) -> Assessment:
    """Score every criterion: the suggestion where there is one, else the maximum; `overrides`
    maps a criterion title to (points, reason)."""
    entries = {}
    for score in services.assessment_prefill(assessment=assessment):
        points, reason = overrides.get(score.criterion.title, (None, ""))
        if points is None:
            points = score.suggested if score.suggested is not None else score.criterion.max_points
        entries[score.criterion_id] = services.Entry(points, "依据", reason)
    return services.assessment_score(assessment=assessment, entries=entries, by=by)


def published(assessment: Assessment, by, **overrides) -> Assessment:
    scored(assessment, by, **overrides)
    services.assessment_submit(assessment=assessment, by=by)
    services.assessment_confirm(assessment=assessment, by=by)
    return services.assessment_publish(assessment=assessment, by=by)


@pytest.mark.dates
def test_period_opens_one_draft_per_current_seat_and_sync_adds_only_new_seats(side_a, side_b, by):
    """R-1.9: one assessment per member unit per council per period."""
    period = side_a.period
    assert set(period.assessments.values_list("unit", "council")) == {
        (side_a.unit.pk, side_a.council.pk),
        (side_b.unit.pk, side_b.council.pk),
    }
    assert all(a.status == Assessment.Status.DRAFT for a in period.assessments.all())
    newcomer = MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street))
    assert services.period_sync(period=period) == 1
    assert services.period_sync(period=period) == 0
    assert period.assessments.filter(unit=newcomer.unit).count() == 1


def test_a_seat_left_before_the_half_year_is_not_assessed(side_a, by):
    start, _ = side_a.period.bounds
    gone = MembershipFactory(
        council=side_a.council, joined_on=start - timedelta(days=400), left_on=start - timedelta(days=1)
    )
    services.period_sync(period=side_a.period)
    assert not side_a.period.assessments.filter(unit=gone.unit).exists()


def test_a_second_period_for_the_same_half_is_refused(side_a, by):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        services.period_open(
            year=side_a.period.year, half=side_a.period.half, opens_on=today, closes_on=today, by=by
        )
    assert "half" in error.value.message_dict


@pytest.mark.dates
def test_suggestions_come_from_the_units_own_records(side_a):
    """R-1.9 §3: attendance, contacts, tasks, pledge, violations, findings, volunteer hours."""
    rows = {s.criterion.evidence: s for s in services.assessment_prefill(assessment=side_a.assessment)}
    # Present at the one meeting held this half-year.
    assert rows["attendance"].suggested == D("10.0")
    assert "出席1次" in rows["attendance"].suggestion_basis
    # One contact of the two expected: half the points.
    assert rows["contacts"].suggested == D("5.0")
    # The unit chairs the council, whose fund has a violation not yet closed: no points.
    assert rows["violations"].suggested == D("0.0")
    # Pledged 800, paid 500: 10 × 5/8 = 6.25 → 6.3.
    assert rows["pledge"].suggested == D("6.3")
    assert "已到位500.00元" in rows["pledge"].suggestion_basis
    # 12 of the 20 volunteer hours for a full score.
    assert rows["volunteer"].suggested == D("6.0")
    # The task is not yet due and the finding is within its deadline: neither counts against.
    assert rows["tasks"].suggested == D("15.0")
    assert rows["findings"].suggested == D("15.0")
    assert "整改期内1项" in rows["findings"].suggestion_basis
    # Judgement criteria carry no suggestion.
    assert rows[""].suggested is None


@pytest.mark.dates
def test_a_task_due_today_and_still_open_counts_neither_for_nor_against(side_a):
    """R-1.9 §3: on its due day a task is still within its time, not failed."""
    Task.objects.filter(pk=side_a.task.pk).update(due_on=today())
    rows = {s.criterion.evidence: s for s in services.assessment_prefill(assessment=side_a.assessment)}
    assert rows["tasks"].suggested == D("15.0")
    assert rows["tasks"].suggestion_basis == "本期无到期的共建任务"


@pytest.mark.dates
def test_absence_without_reason_lowers_the_attendance_suggestion(side_a, by):
    other = MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street))
    council_services.meeting_record(
        council=side_a.council,
        held_at=earlier_this_quarter(timedelta(hours=3)),
        kind=Meeting.Kind.REGULAR,
        place="会议室",
        seats=[
            Seat(side_a.membership.pk, present=False),
            Seat(other.pk, present=True, representative="代表"),
        ],
        agenda=["议题"],
        minutes="纪要",
        by=side_a.secretary,
    )
    rows = {s.criterion.evidence: s for s in services.assessment_prefill(assessment=side_a.assessment)}
    assert rows["attendance"].suggested == D("5.0")
    assert "无故缺席1次" in rows["attendance"].suggestion_basis


def test_overriding_a_suggestion_needs_a_reason_and_nothing_is_saved_without_it(side_a, by):
    """R-1.9 §3: the assessor accepts the suggestion or overrides it with a reason."""
    assessment = side_a.assessment
    rows = {s.criterion.evidence: s for s in services.assessment_prefill(assessment=assessment)}
    pledge, contacts = rows["pledge"], rows["contacts"]
    entries = {
        pledge.criterion_id: services.Entry("10", "已补缴"),
        contacts.criterion_id: services.Entry("11"),
    }
    with pytest.raises(ValidationError) as error:
        services.assessment_score(assessment=assessment, entries=entries, by=by)
    assert set(error.value.message_dict) == {
        f"reason_{pledge.criterion_id}",
        f"score_{contacts.criterion_id}",
    }
    assert assessment.scores.filter(points__isnull=False).count() == 0
    entries[pledge.criterion_id] = services.Entry("10", "已补缴", "12月已补缴300元，票据附后")
    entries[contacts.criterion_id] = services.Entry("5.0")
    services.assessment_score(assessment=assessment, entries=entries, by=by)
    saved = assessment.scores.get(criterion=pledge.criterion)
    assert (saved.points, saved.suggested, saved.override_reason) == (
        D("10.0"),
        D("6.3"),
        "12月已补缴300元，票据附后",
    )
    assert Assessment.objects.get(pk=assessment.pk).rubric_score == D("15.0")


@pytest.mark.parametrize("typed", ["abc", "-1", "10.25", "NaN", "1e9"])
def test_scores_that_are_not_a_number_in_range_are_refused(side_a, by, typed):
    score = services.assessment_prefill(assessment=side_a.assessment)[1]
    with pytest.raises(ValidationError) as error:
        services.assessment_score(
            assessment=side_a.assessment, entries={score.criterion_id: services.Entry(typed)}, by=by
        )
    assert f"score_{score.criterion_id}" in error.value.message_dict


def test_workflow_draft_submitted_returned_confirmed_published_and_history(side_a, by):
    """R-1.9: drafted, submitted, confirmed by the street (or returned with comments), published."""
    assessment = side_a.assessment
    with pytest.raises(ValidationError, match="尚未评分"):
        services.assessment_submit(assessment=assessment, by=by)
    scored(assessment, by)
    with pytest.raises(ValidationError, match="不能"):
        services.assessment_confirm(assessment=assessment, by=by)
    services.assessment_submit(assessment=assessment, by=by)
    with pytest.raises(ValidationError, match="已提交"):
        scored(assessment, by)
    with pytest.raises(ValidationError) as error:
        services.assessment_return(assessment=assessment, comment=" ", by=by)
    assert "comment" in error.value.message_dict
    services.assessment_return(assessment=assessment, comment="请补充联系居民佐证", by=by)
    assessment.refresh_from_db()
    assert (assessment.status, assessment.return_comment) == (
        Assessment.Status.RETURNED,
        "请补充联系居民佐证",
    )
    scored(assessment, by)  # editable again
    services.assessment_submit(assessment=assessment, by=by)
    services.assessment_confirm(assessment=assessment, by=by)
    services.assessment_publish(assessment=assessment, by=by)
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.PUBLISHED and assessment.published_at
    steps = list(AssessmentEvent.objects.filter(assessment=assessment).values_list("to_status", flat=True))
    assert steps == ["submitted", "returned", "submitted", "confirmed", "published"]


def test_published_assessment_is_locked_and_corrected_only_by_recorded_adjustments(side_a, by):
    """R-1.9: locked after publication; corrections are adjustments with a reason."""
    assessment = side_a.assessment
    with pytest.raises(ValidationError, match="只有已公布"):
        services.assessment_adjust(assessment=assessment, delta="1", reason="r", by=by)
    published(assessment, by)
    with pytest.raises(ValidationError):
        scored(assessment, by)
    with pytest.raises(ValidationError):
        services.assessment_return(assessment=assessment, comment="再改改", by=by)
    before = Assessment.objects.get(pk=assessment.pk).score
    with pytest.raises(ValidationError) as error:
        services.assessment_adjust(assessment=assessment, delta="0", reason="", by=by)
    assert set(error.value.message_dict) == {"delta", "reason"}
    services.assessment_adjust(assessment=assessment, delta="-2.5", reason="联系记录重复登记", by=by)
    assessment.refresh_from_db()
    assert assessment.score == before - D("2.5")
    assert assessment.adjustments.get().reason == "联系记录重复登记"
    # The scores themselves stay as published.
    assert assessment.rubric_score == before


def test_a_rubric_change_after_a_period_opened_does_not_touch_that_period(side_a, by):
    """R-1.9: a period freezes the rubric version it opened with."""
    rubric = side_a.period.rubric
    first = rubric.criteria.first()
    first.max_points = D("30")
    with pytest.raises(ValidationError, match="不能再修改"):
        services.criterion_save(criterion=first, by=by)
    with pytest.raises(ValidationError):
        services.criterion_delete(criterion=first, by=by)
    revised = services.rubric_revise(rubric=rubric, note="加重会议出席", by=by)
    changed = revised.criteria.get(title=first.title)
    changed.max_points = D("30")
    services.criterion_save(criterion=changed, by=by)
    services.criterion_save(
        criterion=Criterion(rubric=revised, group="results", title="新增项目", max_points=D("5")), by=by
    )
    period = Period.objects.get(pk=side_a.period.pk)
    assert period.rubric_id == rubric.pk
    assert Criterion.objects.get(pk=first.pk).max_points == D("10.0")
    assert rubric.total == D("100")
    assert revised.total == D("125")
    assert services.current_rubric() == revised
    titles = [s.criterion.title for s in services.assessment_prefill(assessment=side_a.assessment)]
    assert "新增项目" not in titles


def test_the_points_job_run_twice_leaves_every_total_unchanged(side_a, side_b):
    """R-1.10: the job that derives events is idempotent."""
    year, half = side_a.period.year, side_a.period.half
    added = services.points_derive(year=year, half=half)
    assert added > 0
    totals = dict(PointEvent.objects.values("unit").annotate(s=Sum("points")).values_list("unit", "s"))
    assert services.points_derive(year=year, half=half) == 0
    assert (
        dict(PointEvent.objects.values("unit").annotate(s=Sum("points")).values_list("unit", "s")) == totals
    )
    codes = set(PointEvent.objects.filter(unit=side_a.unit).values_list("rule__code", flat=True))
    # Attended the meeting, the volunteer activity, the council's open violation (the unit
    # chairs it), and the manual event of the fixture.
    assert {"attended", "volunteer", "violation", None} <= codes
    volunteer = PointEvent.objects.get(unit=side_a.unit, rule__code="volunteer")
    assert volunteer.points == D("1.2")  # 12 hours at 1 point per 10 hours
    assert volunteer.source == side_a.activity


@pytest.mark.dates
def test_a_rule_change_keeps_the_points_already_given(side_a):
    """R-1.10: the city office changes the rule table; derived events keep their points."""
    year, half = side_a.period.year, side_a.period.half
    services.points_derive(year=year, half=half)
    rule = PointRule.objects.get(code="attended")
    services.point_rule_update(rule=rule, points=D("3"), active=True, note="", by=None)
    services.points_derive(year=year, half=half)
    assert PointEvent.objects.get(rule=rule, unit=side_a.unit).points == D("1.0")
    other = MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street))
    council_services.meeting_record(
        council=side_a.council,
        held_at=earlier_this_quarter(timedelta(hours=2)),
        kind=Meeting.Kind.EXTRAORDINARY,
        place="会议室",
        seats=[Seat(other.pk, present=True, representative="代表")],
        agenda=["议题"],
        minutes="纪要",
        by=side_a.secretary,
    )
    services.points_derive(year=year, half=half)
    assert PointEvent.objects.get(rule=rule, unit=other.unit).points == D("3.0")


def test_a_switched_off_rule_derives_nothing(side_a):
    PointRule.objects.filter(code="attended").update(active=False)
    services.points_derive(year=side_a.period.year, half=side_a.period.half)
    assert not PointEvent.objects.filter(rule__code="attended").exists()


def test_manual_points_need_a_reason_a_seat_and_a_sensible_value(side_a, side_b, by):
    """R-1.10: manual events with a reason from street staff."""
    with pytest.raises(ValidationError) as error:
        services.point_record(
            unit=side_a.unit,
            council=side_b.council,
            points="0",
            reason=" ",
            occurred_on=timezone.localdate() + timedelta(days=1),
            by=by,
        )
    assert set(error.value.message_dict) == {"points", "reason", "occurred_on", "council"}
    event = services.point_record(
        unit=side_a.unit,
        council=side_a.council,
        points="-1.5",
        reason="迟报材料",
        occurred_on=timezone.localdate(),
        by=by,
    )
    assert (
        event.is_manual
        and event.points == D("-1.5")
        and (event.year, event.half) == half_of(event.occurred_on)
    )


def test_competition_ranks_share_a_rank_and_skip_the_next():
    ranks = services.competition_ranks({1: D("90"), 2: D("95"), 3: D("90"), 4: D("80"), 5: D("95")})
    assert ranks == {2: 1, 5: 1, 1: 3, 3: 3, 4: 5}


def test_results_rank_ties_bound_points_grade_and_civilized_standing(side_a, side_b, by):
    """R-1.9, R-1.10: final = rubric score + points bounded by the period's cap; equal scores
    share a rank; the grade follows the thresholds; a fund violation bars civilized standing."""
    period = side_a.period
    third = MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street))
    services.period_sync(period=period)
    third_assessment = period.assessments.get(unit=third.unit)
    # Everyone gets full marks where judged; overrides make side A and the third unit equal.
    all_max = {
        title: (max_points, "核实后给满分")
        for title, max_points in period.rubric.criteria.values_list("title", "max_points")
    }
    published(side_a.assessment, by, **all_max)
    published(third_assessment, by, **all_max)
    published(side_b.assessment, by, **{**all_max, "共建成效与居民评价": (D("0"), "成效不明显")})
    PointEvent.objects.all().delete()
    services.point_record(
        unit=side_a.unit,
        council=side_a.council,
        points="-3",
        reason="迟报",
        occurred_on=timezone.localdate(),
        by=by,
    )
    services.point_record(
        unit=third.unit,
        council=side_a.council,
        points="-3",
        reason="迟报",
        occurred_on=timezone.localdate(),
        by=by,
    )
    for n in range(3):
        services.point_record(
            unit=side_b.unit,
            council=side_b.council,
            points="-15",
            reason=f"严重问题{n}",
            occurred_on=timezone.localdate(),
            by=by,
        )
    assert services.results_compute(period=period) == 3
    results = {r.unit_id: r for r in Result.objects.filter(period=period)}
    a, t, b = results[side_a.unit.pk], results[third.unit.pk], results[side_b.unit.pk]
    assert (a.final_score, t.final_score) == (D("97.0"), D("97.0"))
    assert (a.rank_city, t.rank_city, b.rank_city) == (1, 1, 3)
    assert (a.rank_street, t.rank_street, b.rank_street) == (1, 1, 1)
    # 85 − 45 points, bounded to −10.
    assert (b.rubric_score, b.points, b.points_counted, b.final_score) == (
        D("85.0"),
        D("-45.0"),
        D("-10.0"),
        D("75.0"),
    )
    assert (a.grade, b.grade) == (Grade.EXCELLENT, Grade.PASS)
    assert a.civilized and t.civilized
    # Recomputing changes nothing.
    services.results_compute(period=period)
    assert Result.objects.get(period=period, unit=side_a.unit).rank_city == 1
    # A fund violation in the half-year takes civilized standing away.
    services.points_derive(year=period.year, half=period.half)
    services.results_compute(period=period)
    assert not Result.objects.get(period=period, unit=side_a.unit).civilized


def test_publishing_refreshes_the_results(side_a, by, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        published(side_a.assessment, by)
    assert Result.objects.filter(period=side_a.period, unit=side_a.unit).exists()


def test_unassessed_units_are_not_ranked(side_a, side_b, by):
    published(side_a.assessment, by)
    services.results_compute(period=side_a.period)
    assert list(Result.objects.values_list("unit", flat=True)) == [side_a.unit.pk]


def test_grade_thresholds_come_from_the_period():
    period = Period(excellent_from=D("95"), good_from=D("85"), pass_from=D("70"))
    assert [services.grade_for(D(s), period) for s in ("95", "94.9", "85", "70", "69.9")] == [
        "excellent",
        "good",
        "good",
        "pass",
        "fail",
    ]


def test_half_helpers():
    period = Period(year=2026, half=Half.SECOND)
    assert [str(d) for d in period.bounds] == ["2026-07-01", "2026-12-31"]
    assert period.code == "2026H2"


def test_only_current_chair_units_answer_for_council_violations(side_a, side_b):
    """R-1.8/R-1.10: a plain member unit does not lose points for the council's spending."""
    member = MembershipFactory(council=side_a.council, unit=MemberUnitFactory(street=side_a.street))
    assert member.position == Membership.Position.MEMBER
    services.points_derive(year=side_a.period.year, half=side_a.period.half)
    assert not PointEvent.objects.filter(unit=member.unit, rule__code="violation").exists()
    assert PointEvent.objects.filter(unit=side_a.unit, rule__code="violation").exists()
