"""Dynamic points (动态记分, R-1.10): a ledger per unit. The job derives automatic events from the
records of a half-year through the rule table; each event names its rule and the record that
caused it, and a unique constraint on (rule, record, unit) makes a second run add nothing.
Street staff add manual events with a reason."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from councils.models import Attendance, Council, Membership, ResponsibleArea, Task
from councils.periods import SHANGHAI, today
from finance.models import Violation
from inspections.models import Activity, Category, Finding

from ..evidence import attendances, tasks_done_on_time, tasks_due, tasks_overdue
from ..models import PointEvent, PointRule, half_bounds, half_of

ONE_PLACE = Decimal("0.1")
Code = PointRule.Code


@dataclass(frozen=True)
class Cause:
    """One record that earns or costs one unit points under one rule."""

    code: str
    record: object  # the model class
    record_id: int
    unit_id: int
    council_id: int
    on: date
    reason: str
    factor: Decimal = Decimal(1)


def _local_date(moment) -> date:
    return moment.astimezone(SHANGHAI).date()


def _causes(*, start: date, end: date) -> list[Cause]:
    """Every cause in the window, read in a handful of queries whatever the data size."""
    causes: list[Cause] = []
    for row in attendances(start=start, end=end).values(
        "pk", "present", "absence_reason", "membership__unit_id", "meeting__council_id", "meeting__held_at"
    ):
        if row["present"]:
            code, reason = Code.ATTENDED, _("出席理事会会议")
        elif not row["absence_reason"].strip():
            code, reason = Code.ABSENT, _("无故缺席理事会会议")
        else:
            continue
        causes.append(
            Cause(
                code,
                Attendance,
                row["pk"],
                row["membership__unit_id"],
                row["meeting__council_id"],
                _local_date(row["meeting__held_at"]),
                reason,
            )
        )
    due = tasks_due(start=start, end=end)
    for row in tasks_done_on_time(due).values("pk", "assignee_id", "council_id", "done_on", "title"):
        causes.append(
            Cause(
                Code.TASK_DONE,
                Task,
                row["pk"],
                row["assignee_id"],
                row["council_id"],
                row["done_on"],
                _("按期完成任务：%(title)s") % {"title": row["title"]},
            )
        )
    for row in tasks_overdue(due, on=today()).values("pk", "assignee_id", "council_id", "due_on", "title"):
        causes.append(
            Cause(
                Code.TASK_OVERDUE,
                Task,
                row["pk"],
                row["assignee_id"],
                row["council_id"],
                row["due_on"],
                _("任务逾期：%(title)s") % {"title": row["title"]},
            )
        )
    # Fund violations concern the unit of the entry, or the council's chair unit (evidence.py).
    chairs: dict[int, list[int]] = defaultdict(list)
    for unit_id, council_id in Membership.objects.filter(
        position=Membership.Position.CHAIR, left_on__isnull=True
    ).values_list("unit_id", "council_id"):
        chairs[council_id].append(unit_id)
    for row in Violation.objects.filter(flagged_at__date__gte=start, flagged_at__date__lte=end).values(
        "pk", "entry__unit_id", "entry__fund__council_id", "flagged_at", "kind"
    ):
        council_id = row["entry__fund__council_id"]
        units = [row["entry__unit_id"]] if row["entry__unit_id"] else chairs.get(council_id, [])
        label = Violation.Kind(row["kind"]).label
        for unit_id in units:
            causes.append(
                Cause(
                    Code.VIOLATION,
                    Violation,
                    row["pk"],
                    unit_id,
                    council_id,
                    _local_date(row["flagged_at"]),
                    _("资金违规：%(kind)s") % {"kind": label},
                )
            )
    # Findings concern the responsible unit, or the units whose area holds the building.
    council_of_community = dict(Council.objects.values_list("community_id", "pk"))
    area: dict[tuple[int, int], list[int]] = defaultdict(list)
    for building_id, unit_id, council_id in ResponsibleArea.objects.filter(
        membership__left_on__isnull=True
    ).values_list("building_id", "membership__unit_id", "membership__council_id"):
        area[(building_id, council_id)].append(unit_id)

    def finding_units(row) -> tuple[int | None, set[int]]:
        council_id = council_of_community.get(row["community_id"])
        units = set(area.get((row["building_id"], council_id), [])) if row["building_id"] else set()
        if row["responsible_unit_id"]:
            units.add(row["responsible_unit_id"])
        return council_id, units

    fields = ("pk", "community_id", "building_id", "responsible_unit_id", "category")
    base = Finding.objects.filter(duplicate_of__isnull=True).exclude(
        responsible_unit__isnull=True, building__isnull=True
    )
    for row in base.filter(
        status__in=Finding.FIXED, fixed_at__date__gte=start, fixed_at__date__lte=end
    ).values(*fields, "fixed_at"):
        council_id, units = finding_units(row)
        for unit_id in units if council_id else ():
            causes.append(
                Cause(
                    Code.FINDING_RECTIFIED,
                    Finding,
                    row["pk"],
                    unit_id,
                    council_id,
                    _local_date(row["fixed_at"]),
                    _("责任片区问题整改：%(category)s") % {"category": Category(row["category"]).label},
                )
            )
    for row in base.filter(
        status__in=Finding.OPEN, deadline__gte=start, deadline__lte=end, deadline__lt=today()
    ).values(*fields, "deadline"):
        council_id, units = finding_units(row)
        for unit_id in units if council_id else ():
            causes.append(
                Cause(
                    Code.FINDING_OVERDUE,
                    Finding,
                    row["pk"],
                    unit_id,
                    council_id,
                    row["deadline"],
                    _("责任片区问题逾期未整改：%(category)s") % {"category": Category(row["category"]).label},
                )
            )
    for row in Activity.objects.filter(
        organiser__isnull=False,
        kind__in=Activity.VOLUNTEER,
        held_on__gte=start,
        held_on__lte=end,
        volunteer_hours__gt=0,
    ).values("pk", "organiser_id", "community_id", "held_on", "volunteer_hours", "title"):
        council_id = council_of_community.get(row["community_id"])
        if council_id:
            causes.append(
                Cause(
                    Code.VOLUNTEER,
                    Activity,
                    row["pk"],
                    row["organiser_id"],
                    council_id,
                    row["held_on"],
                    _("志愿服务%(hours)s小时：%(title)s")
                    % {"hours": row["volunteer_hours"], "title": row["title"]},
                    factor=row["volunteer_hours"] / Decimal(10),
                )
            )
    return causes


def points_derive(*, year: int, half: int) -> int:
    """Add the automatic events of one half-year that are not in the ledger yet; returns how many
    were added. Running it again adds nothing (R-1.10)."""
    from .setup import defaults_ensure

    if not PointRule.objects.exists():
        defaults_ensure()
    start, end = half_bounds(year, half)
    rules = {r.code: r for r in PointRule.objects.filter(active=True)}
    types = ContentType.objects.get_for_models(Attendance, Task, Violation, Finding, Activity)
    events = []
    for cause in _causes(start=start, end=end):
        rule = rules.get(cause.code)
        if rule is None:
            continue
        points = (rule.points * cause.factor).quantize(ONE_PLACE, ROUND_HALF_UP)
        if not points:
            continue
        y, h = half_of(cause.on)
        events.append(
            PointEvent(
                unit_id=cause.unit_id,
                council_id=cause.council_id,
                occurred_on=cause.on,
                year=y,
                half=h,
                points=points,
                rule=rule,
                reason=cause.reason[:300],
                source_type=types[cause.record],
                source_id=cause.record_id,
            )
        )
    with transaction.atomic():
        before = PointEvent.objects.filter(rule__isnull=False).count()
        PointEvent.objects.bulk_create(events, ignore_conflicts=True, batch_size=2000)
        return PointEvent.objects.filter(rule__isnull=False).count() - before


@transaction.atomic
def point_record(*, unit, council, points, reason: str, occurred_on: date, by) -> PointEvent:
    """A manual event by street staff, with its reason (R-1.10)."""
    errors = {}
    try:
        value = Decimal(str(points).strip())
        if not value.is_finite() or value != value.quantize(ONE_PLACE):
            raise ArithmeticError
    except (ArithmeticError, ValueError):
        errors["points"] = _("请输入最多一位小数的分值。")
    else:
        if value == 0:
            errors["points"] = _("分值不能为0。")
        elif abs(value) > 20:
            errors["points"] = _("单次记分不超过正负20分。")
    if not (reason or "").strip():
        errors["reason"] = _("请填写记分事由。")
    if occurred_on and occurred_on > today():
        errors["occurred_on"] = _("发生日期不能晚于今天。")
    if not Membership.objects.filter(unit=unit, council=council).exists():
        errors["council"] = _("该单位不是所选理事会的成员。")
    if errors:
        raise ValidationError(errors)
    year, half = half_of(occurred_on)
    return PointEvent.objects.create(
        unit=unit,
        council=council,
        occurred_on=occurred_on,
        year=year,
        half=half,
        points=value,
        reason=reason.strip()[:300],
        created_by=by,
    )


def points_of(*, unit, year: int, half: int) -> Decimal:
    from django.db.models import Sum

    return PointEvent.objects.filter(unit=unit, year=year, half=half).aggregate(s=Sum("points"))[
        "s"
    ] or Decimal("0.0")
