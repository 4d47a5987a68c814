"""The city office's side: rubric versions, the periods that freeze them, the points rules
(R-1.9, R-1.10)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from councils.models import Council, Membership

from ..models import Assessment, Criterion, Half, Period, PointRule, Rubric


def rubric_is_frozen(rubric: Rubric) -> bool:
    return Period.objects.filter(rubric=rubric).exists()


def _refuse_if_frozen(rubric: Rubric) -> None:
    if rubric_is_frozen(rubric):
        raise ValidationError(
            _("该版本细则已被考核期使用，不能再修改；请另存为新版本后修改。"), code="rubric_frozen"
        )


@transaction.atomic
def rubric_revise(*, rubric: Rubric, by, note: str = "", name: str | None = None) -> Rubric:
    """A new version of the rubric, a copy of `rubric` the city office may then edit. Periods
    keep the version they opened with (R-1.9)."""
    Rubric.objects.select_for_update().filter(pk=rubric.pk).first()
    version = (Rubric.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    new = Rubric.objects.create(name=name or rubric.name, version=version, note=note, created_by=by)
    Criterion.objects.bulk_create(
        Criterion(
            rubric=new,
            group=c.group,
            order=c.order,
            title=c.title,
            max_points=c.max_points,
            guidance=c.guidance,
            evidence=c.evidence,
        )
        for c in rubric.criteria.all()
    )
    return new


@transaction.atomic
def criterion_save(*, criterion: Criterion, by) -> Criterion:
    """Add or change one criterion of a rubric version no period uses yet."""
    _refuse_if_frozen(criterion.rubric)
    criterion.full_clean()
    criterion.save()
    return criterion


@transaction.atomic
def criterion_delete(*, criterion: Criterion, by) -> None:
    _refuse_if_frozen(criterion.rubric)
    criterion.delete()


def defaults_ensure() -> None:
    """The default 100-point rubric and the points rules ship with the portal (a data migration
    loads them); put back whatever is missing, e.g. after a database was emptied."""
    from ..defaults import DEFAULT_CRITERIA, DEFAULT_POINT_RULES, RUBRIC_NAME

    with transaction.atomic():
        if not Rubric.objects.exists():
            rubric = Rubric.objects.create(
                name=RUBRIC_NAME, version=1, note=_("随系统提供的默认细则（满分100分）")
            )
            Criterion.objects.bulk_create(
                Criterion(rubric=rubric, group=g, order=i, title=t, max_points=m, guidance=h, evidence=e)
                for i, (g, t, m, h, e) in enumerate(DEFAULT_CRITERIA, start=1)
            )
        for code, (points, note) in DEFAULT_POINT_RULES.items():
            PointRule.objects.get_or_create(code=code, defaults={"points": points, "note": note})


def current_rubric() -> Rubric | None:
    """The newest version: what a new period opens with unless told otherwise."""
    rubric = Rubric.objects.order_by("-version").first()
    if rubric is None:
        defaults_ensure()
        rubric = Rubric.objects.order_by("-version").first()
    return rubric


@transaction.atomic
def period_open(
    *,
    year: int,
    half: int,
    opens_on: date,
    closes_on: date,
    by,
    rubric: Rubric | None = None,
    excellent_from: Decimal = Decimal("90"),
    good_from: Decimal = Decimal("80"),
    pass_from: Decimal = Decimal("60"),
    points_cap: Decimal = Decimal("10"),
) -> Period:
    """Open a half-year's assessment with a rubric version (frozen from now on) and one draft
    assessment for every current seat on an active council (R-1.9)."""
    rubric = rubric or current_rubric()
    if rubric is None or not rubric.criteria.exists():
        raise ValidationError({"rubric": _("请先制定考核细则。")})
    if Period.objects.filter(year=year, half=half).exists():
        raise ValidationError(
            {"half": _("%(year)d年%(half)s的考核期已存在。") % {"year": year, "half": Half(half).label}}
        )
    period = Period(
        year=year,
        half=half,
        opens_on=opens_on,
        closes_on=closes_on,
        rubric=rubric,
        excellent_from=excellent_from,
        good_from=good_from,
        pass_from=pass_from,
        points_cap=points_cap,
        created_by=by,
    )
    period.full_clean()
    try:
        with transaction.atomic():
            period.save()
    except IntegrityError as exc:
        raise ValidationError(_("考核期设置有误：%(error)s") % {"error": exc}) from exc
    period_sync(period=period)
    return period


def period_sync(*, period: Period) -> int:
    """Add the draft assessments of seats taken since the period opened; safe to repeat. Returns
    how many were added."""
    if period.status == Period.Status.CLOSED:
        raise ValidationError(_("考核期已结束，不能再添加考核对象。"), code="closed")
    start, end = period.bounds
    seats = (
        Membership.objects.filter(council__status=Council.Status.ACTIVE, joined_on__lte=end)
        .exclude(left_on__lt=start)
        .values_list("council_id", "unit_id")
        .distinct()
    )
    before = Assessment.objects.filter(period=period).count()
    Assessment.objects.bulk_create(
        [Assessment(period=period, council_id=c, unit_id=u) for c, u in seats],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return Assessment.objects.filter(period=period).count() - before


@transaction.atomic
def period_close(*, period: Period, by) -> Period:
    period.status = Period.Status.CLOSED
    period.save(update_fields=["status"])
    return period


@transaction.atomic
def point_rule_update(*, rule: PointRule, points: Decimal, active: bool, note: str, by) -> PointRule:
    """Change an automatic rule. Events already derived keep their points; the next run of the
    points job uses the new value for new events (R-1.10)."""
    if points == 0:
        raise ValidationError({"points": _("分值不能为0；不再使用的规则请停用。")})
    rule.points, rule.active, rule.note = points, active, note
    rule.full_clean()
    rule.save()
    return rule
