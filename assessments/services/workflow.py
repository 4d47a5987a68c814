"""One assessment from draft to publication (R-1.9): community staff score and submit, street
staff confirm or return, and publish; a published assessment changes only by recorded
adjustments. Who may take a step is the capability table in councils/roles.py; the views check
it and fetch the assessment through `visible_to(user, capability)`, so these functions trust
their caller on scope and guard only the state."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ..evidence import suggest
from ..models import Adjustment, Assessment, AssessmentEvent, Score

ZERO = Decimal("0.0")


def _lock(assessment: Assessment) -> Assessment:
    return (
        Assessment.objects.select_for_update()
        .select_related("period", "council", "unit")
        .get(pk=assessment.pk)
    )


def _move(assessment: Assessment, to: str, *, by, note: str = "") -> None:
    if not assessment.can_move_to(to):
        raise ValidationError(
            _("“%(status)s”状态的考核不能%(action)s。")
            % {"status": assessment.get_status_display(), "action": Assessment.Status(to).label},
            code="bad_transition",
        )
    AssessmentEvent.objects.create(
        assessment=assessment, from_status=assessment.status, to_status=to, note=note, by=by
    )
    assessment.status = to


@transaction.atomic
def assessment_prefill(*, assessment: Assessment) -> list[Score]:
    """One score row per criterion of the period's rubric, each with the score the records
    suggest and what they show (R-1.9 §3). Refreshes suggestions; never touches a score the
    assessor entered."""
    assessment = _lock(assessment)
    start, end = assessment.period.bounds
    existing = {s.criterion_id: s for s in assessment.scores.all()}
    rows = []
    for criterion in assessment.period.rubric.criteria.all():
        found = suggest(criterion, unit=assessment.unit, council=assessment.council, start=start, end=end)
        score = existing.get(criterion.pk) or Score(assessment=assessment, criterion=criterion)
        if assessment.is_editable:
            score.suggested = found.points if found else None
            score.suggestion_basis = found.basis[:300] if found else ""
            score.save()
        rows.append(score)
    return rows


@dataclass(frozen=True)
class Entry:
    """What the assessor typed for one criterion."""

    points: str | Decimal | None
    evidence_note: str = ""
    override_reason: str = ""


@transaction.atomic
def assessment_score(
    *, assessment: Assessment, entries: dict[int, Entry], summary: str | None = None, by
) -> Assessment:
    """Save the assessor's scores. Every error is reported at once, keyed `score_<criterion id>`
    or `reason_<criterion id>`, and nothing is saved unless all are right."""
    assessment = _lock(assessment)
    if not assessment.is_editable:
        raise ValidationError(_("考核已提交，不能再修改评分。"), code="locked")
    scores = {s.criterion_id: s for s in assessment_prefill(assessment=assessment)}
    errors: dict[str, list[str]] = {}
    for criterion_id, entry in entries.items():
        score = scores.get(criterion_id)
        if score is None:
            errors.setdefault("__all__", []).append(_("考核项目不属于本期细则。"))
            continue
        top = score.criterion.max_points
        points = entry.points
        if points in (None, ""):
            value = None
        else:
            try:
                value = Decimal(str(points).strip())
            except InvalidOperation:
                errors[f"score_{criterion_id}"] = [_("请输入数字。")]
                continue
            if not value.is_finite() or value < 0 or value > top:
                errors[f"score_{criterion_id}"] = [_("得分应在0到%(max)s之间。") % {"max": top}]
                continue
            if value != value.quantize(Decimal("0.1")):
                errors[f"score_{criterion_id}"] = [_("得分最多保留一位小数。")]
                continue
        reason = (entry.override_reason or "").strip()
        if value is not None and score.suggested is not None and value != score.suggested and not reason:
            errors[f"reason_{criterion_id}"] = [
                _("得分与系统建议分%(suggested)s不同，请说明理由。") % {"suggested": score.suggested}
            ]
            continue
        score.points = value
        score.evidence_note = (entry.evidence_note or "").strip()
        score.override_reason = reason if value is not None and value != score.suggested else ""
    if errors:
        raise ValidationError(errors)
    for score in scores.values():
        score.save()
    if summary is not None:
        assessment.summary = summary.strip()
    assessment.rubric_score = sum((s.points or ZERO for s in scores.values()), ZERO)
    assessment.drafted_by = by
    assessment.save()
    return assessment


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by) -> Assessment:
    """Community staff hand a fully scored assessment to the street (R-1.9)."""
    assessment = _lock(assessment)
    missing = [
        str(s.criterion)
        for s in assessment_prefill(assessment=assessment)
        if s.points is None and assessment.is_editable
    ]
    if missing:
        raise ValidationError(
            _("以下考核项目尚未评分：%(items)s") % {"items": "、".join(missing)}, code="incomplete"
        )
    _move(assessment, Assessment.Status.SUBMITTED, by=by)
    assessment.submitted_at = timezone.now()
    assessment.return_comment = ""
    assessment.save()
    return assessment


@transaction.atomic
def assessment_return(*, assessment: Assessment, comment: str, by) -> Assessment:
    """Street staff send it back with what to change."""
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("请填写退回意见。")})
    assessment = _lock(assessment)
    _move(assessment, Assessment.Status.RETURNED, by=by, note=comment)
    assessment.return_comment = comment
    assessment.confirmed_by, assessment.confirmed_at = None, None
    assessment.save()
    return assessment


@transaction.atomic
def assessment_confirm(*, assessment: Assessment, by, note: str = "") -> Assessment:
    assessment = _lock(assessment)
    _move(assessment, Assessment.Status.CONFIRMED, by=by, note=note)
    assessment.confirmed_by, assessment.confirmed_at = by, timezone.now()
    assessment.save()
    return assessment


@transaction.atomic
def assessment_publish(*, assessment: Assessment, by) -> Assessment:
    """Publish a confirmed assessment: locked from now on, counted in the results (R-1.10)."""
    from .results import results_compute

    assessment = _lock(assessment)
    _move(assessment, Assessment.Status.PUBLISHED, by=by)
    assessment.published_at = timezone.now()
    assessment.save()
    transaction.on_commit(lambda: results_compute(period=assessment.period))
    return assessment


@transaction.atomic
def assessment_adjust(*, assessment: Assessment, delta, reason: str, by) -> Adjustment:
    """Correct a published assessment by a recorded delta with a reason; the scores stay as
    published (DESIGN.md invariant 3)."""
    from .results import results_compute

    assessment = _lock(assessment)
    if assessment.status != Assessment.Status.PUBLISHED:
        raise ValidationError(_("只有已公布的考核才需要更正；未公布的请退回修改评分。"), code="not_published")
    errors = {}
    try:
        delta = Decimal(str(delta).strip())
        if not delta.is_finite() or delta != delta.quantize(Decimal("0.1")):
            raise InvalidOperation
    except InvalidOperation:
        errors["delta"] = _("请输入最多一位小数的分值。")
    else:
        if delta == 0:
            errors["delta"] = _("更正分值不能为0。")
        elif not ZERO <= assessment.score + delta <= assessment.period.rubric.total:
            errors["delta"] = _("更正后的得分应在0到%(max)s之间。") % {"max": assessment.period.rubric.total}
    if not (reason or "").strip():
        errors["reason"] = _("请填写更正理由。")
    if errors:
        raise ValidationError(errors)
    adjustment = Adjustment.objects.create(assessment=assessment, delta=delta, reason=reason.strip(), by=by)
    assessment.adjustment_total = assessment.adjustments.aggregate(s=Sum("delta"))["s"] or ZERO
    assessment.save(update_fields=["adjustment_total", "updated_at"])
    transaction.on_commit(lambda: results_compute(period=assessment.period))
    return adjustment


@transaction.atomic
def assessments_confirm_many(*, assessments, by) -> int:
    """Confirm every submitted assessment in the given (already scoped) queryset."""
    done = 0
    for assessment in assessments.filter(status=Assessment.Status.SUBMITTED):
        assessment_confirm(assessment=assessment, by=by)
        done += 1
    return done


@transaction.atomic
def assessments_publish_many(*, assessments, by) -> int:
    """Publish every confirmed assessment in the given (already scoped) queryset; the results are
    computed once at the end."""
    from .results import results_compute

    periods = set()
    done = 0
    for assessment in assessments.filter(status=Assessment.Status.CONFIRMED).select_related("period"):
        assessment = _lock(assessment)
        _move(assessment, Assessment.Status.PUBLISHED, by=by)
        assessment.published_at = timezone.now()
        assessment.save()
        periods.add(assessment.period)
        done += 1
    for period in periods:
        transaction.on_commit(lambda p=period: results_compute(period=p))
    return done
