"""Seats on councils, responsible areas and contacts with residents (R-1.3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Building, ContactLog, Council, CouncilTerm, Membership, MemberUnit, ResponsibleArea
from .history import changed, history_record, snapshot

TRACKED = ["position", "representative", "joined_on", "left_on"]


@transaction.atomic
def membership_add(
    *,
    council: Council,
    unit: MemberUnit,
    position: str = Membership.Position.MEMBER,
    representative: str = "",
    joined_on: date,
    buildings: Iterable[Building] = (),
    by,
) -> Membership:
    """Seat a member unit on a council. A unit holds at most one current seat per council."""
    if Membership.objects.filter(council=council, unit=unit, left_on__isnull=True).exists():
        raise ValidationError(_("“%(unit)s”已是该理事会的成员单位。") % {"unit": unit.name})
    membership = Membership(
        council=council, unit=unit, position=position, representative=representative, joined_on=joined_on
    )
    membership.full_clean(validate_constraints=False)
    membership.save()
    _set_area(membership, buildings)
    history_record(obj=membership, action="seated", by=by, changes=snapshot(membership, TRACKED))
    return membership


@transaction.atomic
def membership_update(
    *, membership: Membership, position: str, representative: str, buildings: Iterable[Building], by
) -> Membership:
    """Change a seat's position, representative and responsible area (R-1.3)."""
    if membership.left_on is not None:
        raise ValidationError(_("该单位已退出理事会，记录只读。"))
    before = snapshot(membership, TRACKED)
    old_area = sorted(membership.areas.values_list("building__name", flat=True))
    membership.position = position
    membership.representative = representative
    membership.full_clean(validate_constraints=False)
    membership.save()
    _set_area(membership, buildings)
    diff = changed(before, snapshot(membership, TRACKED))
    new_area = sorted(membership.areas.values_list("building__name", flat=True))
    if new_area != old_area:
        diff["area"] = [old_area, new_area]
    if diff:
        history_record(obj=membership, action="updated", by=by, changes=diff)
    return membership


@transaction.atomic
def membership_leave(*, membership: Membership, left_on: date, by) -> Membership:
    """The unit leaves the council. The seat is kept, with its past attendance (R-1.3)."""
    if membership.left_on is not None:
        raise ValidationError(_("该单位已于%(date)s退出理事会。") % {"date": membership.left_on})
    if left_on < membership.joined_on:
        raise ValidationError(
            {"left_on": _("退出日期不能早于加入日期（%(date)s）。") % {"date": membership.joined_on}}
        )
    membership.left_on = left_on
    membership.save(update_fields=["left_on"])
    history_record(obj=membership, action="left", by=by, changes={"left_on": [None, left_on.isoformat()]})
    return membership


def _set_area(membership: Membership, buildings: Iterable[Building]) -> None:
    buildings = list(buildings)
    foreign = [b for b in buildings if b.community_id != membership.council.community_id]
    if foreign:
        raise ValidationError(
            {
                "buildings": _("责任楼栋必须属于本社区：%(names)s 不在本社区。")
                % {"names": "、".join(map(str, foreign))}
            }
        )
    membership.areas.exclude(building__in=buildings).delete()
    existing = set(membership.areas.values_list("building_id", flat=True))
    ResponsibleArea.objects.bulk_create(
        [ResponsibleArea(membership=membership, building=b) for b in buildings if b.pk not in existing]
    )


@transaction.atomic
def contact_log_record(
    *,
    membership: Membership,
    contacted_on: date,
    building: Building,
    residents_met: int,
    matters: str,
    follow_up: str = "",
    by,
) -> ContactLog:
    """A visit to residents of the unit's own responsible area (R-1.3)."""
    if not membership.areas.filter(building=building).exists():
        raise ValidationError({"building": _("只能记录本单位责任片区内的楼栋。")})
    if contacted_on < membership.joined_on or (membership.left_on and contacted_on > membership.left_on):
        raise ValidationError({"contacted_on": _("联系日期应在该单位担任理事会成员期间。")})
    log = ContactLog(
        membership=membership,
        contacted_on=contacted_on,
        building=building,
        residents_met=residents_met,
        matters=matters,
        follow_up=follow_up,
        created_by=by,
    )
    log.full_clean()
    log.save()
    return log


@transaction.atomic
def term_start(
    *, council: Council, number: int, starts_on: date, ends_on: date, chair: str, secretary_general: str, by
) -> CouncilTerm:
    """Open a new term (届): it is recorded, and the council's current chair, secretary-general
    and term dates follow it."""
    council = Council.objects.select_for_update().get(pk=council.pk)
    last = council.terms.order_by("-number").first()
    if last is not None and number <= last.number:
        raise ValidationError({"number": _("届次应大于上一届（第%(n)d届）。") % {"n": last.number}})
    if last is not None and starts_on < last.ends_on:
        raise ValidationError({"starts_on": _("新一届应在上一届结束（%(d)s）后开始。") % {"d": last.ends_on}})
    term = CouncilTerm(
        council=council,
        number=number,
        starts_on=starts_on,
        ends_on=ends_on,
        chair=chair,
        secretary_general=secretary_general,
    )
    term.full_clean()
    term.save()
    before = snapshot(council, ["chair", "secretary_general", "term_start", "term_end"])
    council.chair, council.secretary_general = chair, secretary_general
    council.term_start, council.term_end = starts_on, ends_on
    council.save(update_fields=["chair", "secretary_general", "term_start", "term_end"])
    history_record(
        obj=council,
        action="term",
        by=by,
        changes={"number": number, **changed(before, snapshot(council, list(before)))},
    )
    return term
