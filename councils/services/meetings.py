"""Meetings, attendance, resolutions and attachments (R-1.1, R-1.2; DESIGN.md invariant 4)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import (
    AgendaItem,
    Attendance,
    Council,
    Meeting,
    MeetingAttachment,
    Membership,
    Resolution,
    quorum_met,
)
from ..uploads import document_clean
from .history import changed, history_record, snapshot

MEETING_FIELDS = ["held_at", "kind", "place", "minutes", "status", "eligible_count", "present_count"]


@dataclass(frozen=True)
class Seat:
    """What the secretary ticks for one seat: present, who came, or why absent."""

    membership_id: int
    present: bool
    representative: str = ""
    absence_reason: str = ""


def seats_at(council: Council, moment: datetime):
    """The memberships that held a seat on the meeting's day (joined on or before, not yet left)."""
    day = timezone.localdate(moment)
    return (
        Membership.objects.filter(council=council, joined_on__lte=day)
        .filter(Q(left_on__isnull=True) | Q(left_on__gt=day))
        .select_related("unit")
        .order_by("unit__name")
    )


def _refuse_future(held_at: datetime) -> None:
    if held_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"held_at": _("会议时间不能晚于现在：请在会后录入。")})


@transaction.atomic
def meeting_record(
    *,
    council: Council,
    held_at: datetime,
    kind: str,
    place: str,
    seats: Iterable[Seat],
    agenda: Iterable[str] = (),
    minutes: str = "",
    by,
) -> Meeting:
    """Record a council meeting with the attendance of every seat (R-1.1). With minutes it
    counts as held; without, it waits for them."""
    _refuse_future(held_at)
    meeting = Meeting(
        council=council, held_at=held_at, kind=kind, place=place, minutes=minutes.strip(), created_by=by
    )
    meeting.status = Meeting.Status.HELD if meeting.minutes else Meeting.Status.PLANNED
    _apply_seats(meeting, seats, creating=True)
    for order, title in enumerate((t.strip() for t in agenda if t.strip()), start=1):
        AgendaItem.objects.create(meeting=meeting, order=order, title=title[:200])
    history_record(obj=meeting, action="recorded", by=by, changes=snapshot(meeting, MEETING_FIELDS))
    return meeting


@transaction.atomic
def meeting_update(
    *,
    meeting: Meeting,
    held_at: datetime,
    kind: str,
    place: str,
    minutes: str,
    seats: Iterable[Seat] | None = None,
    by,
) -> Meeting:
    """Correct a meeting or add its minutes. Attendance is fixed once a resolution was voted on,
    since the quorum of that vote rests on it."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == Meeting.Status.WITHDRAWN:
        raise ValidationError(_("会议已撤销，不能再修改。"))
    _refuse_future(held_at)
    before = snapshot(meeting, MEETING_FIELDS)
    has_votes = meeting.resolutions.exists()
    if has_votes and timezone.localdate(held_at) != timezone.localdate(meeting.held_at):
        raise ValidationError({"held_at": _("已有决议的会议不能改期。")})
    meeting.held_at, meeting.kind, meeting.place, meeting.minutes = held_at, kind, place, minutes.strip()
    if meeting.status == Meeting.Status.HELD and not meeting.minutes:
        raise ValidationError({"minutes": _("已召开的会议必须保留会议纪要。")})
    meeting.status = Meeting.Status.HELD if meeting.minutes else Meeting.Status.PLANNED
    if seats is not None:
        if has_votes:
            current = {a.membership_id: a.present for a in meeting.attendances.all()}
            if {s.membership_id: s.present for s in seats} != current:
                raise ValidationError(
                    _("会议已有表决的决议，出席情况不能再修改；如确有错误，请先撤销相关决议。")
                )
        _apply_seats(meeting, seats, creating=False)
    else:
        meeting.full_clean()
        meeting.save()
    diff = changed(before, snapshot(meeting, MEETING_FIELDS))
    if diff:
        history_record(obj=meeting, action="updated", by=by, changes=diff)
    return meeting


def _apply_seats(meeting: Meeting, seats: Iterable[Seat], *, creating: bool) -> None:
    eligible = {m.pk: m for m in seats_at(meeting.council, meeting.held_at)}
    given = {s.membership_id: s for s in seats}
    strangers = set(given) - set(eligible)
    if strangers:
        raise ValidationError(_("出席名单中有不属于本理事会（或会议当日不在任）的单位。"))
    for seat in given.values():
        if seat.present and seat.absence_reason:
            raise ValidationError(_("出席的单位不需要填写缺席原因。"))
    meeting.eligible_count = len(eligible)
    meeting.present_count = sum(1 for s in given.values() if s.present)
    meeting.full_clean()
    meeting.save()
    if not creating:
        meeting.attendances.all().delete()
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=meeting,
                membership_id=pk,
                present=given[pk].present if pk in given else False,
                representative=(given[pk].representative if pk in given and given[pk].present else "")[:50],
                absence_reason=(given[pk].absence_reason if pk in given else "")[:200],
            )
            for pk in eligible
        ]
    )


@transaction.atomic
def meeting_withdraw(*, meeting: Meeting, reason: str, by) -> Meeting:
    """Withdraw a meeting recorded in error. Nothing is deleted; its resolutions stop
    authorising anything, which is refused while a plan or task rests on one."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if meeting.status == Meeting.Status.WITHDRAWN:
        raise ValidationError(_("会议已撤销。"))
    if meeting.resolutions.filter(Q(approved_plans__isnull=False) | Q(tasks__isnull=False)).exists():
        raise ValidationError(_("本次会议的决议已批准规划或部署任务，不能撤销会议。"))
    meeting.status = Meeting.Status.WITHDRAWN
    meeting.withdrawn_reason = reason.strip()
    meeting.save(update_fields=["status", "withdrawn_reason"])
    meeting.resolutions.exclude(outcome=Resolution.Outcome.WITHDRAWN).update(
        outcome=Resolution.Outcome.WITHDRAWN,
        withdrawn_reason=_("会议已撤销：%(reason)s") % {"reason": reason},
    )
    history_record(obj=meeting, action="withdrawn", by=by, changes={"reason": reason.strip()})
    return meeting


@transaction.atomic
def resolution_record(
    *,
    meeting: Meeting,
    title: str,
    text: str,
    votes_for: int,
    votes_against: int = 0,
    votes_abstain: int = 0,
    subject: str = Resolution.Subject.GENERAL,
    agenda_item: AgendaItem | None = None,
    by,
) -> Resolution:
    """Record a vote (R-1.2). Without a quorum it is kept as unquorate; otherwise it carries
    only with more than half of those present voting for it."""
    council = Council.objects.select_for_update().get(pk=meeting.council_id)  # numbers in order
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status == Meeting.Status.WITHDRAWN:
        raise ValidationError(_("会议已撤销，不能再录入决议。"))
    if agenda_item is not None and agenda_item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": _("议题不属于本次会议。")})
    total = votes_for + votes_against + votes_abstain
    if total > meeting.present_count:
        raise ValidationError(
            _("表决票数合计 %(total)d 超过实到单位数 %(present)d。")
            % {"total": total, "present": meeting.present_count}
        )
    if not quorum_met(
        present=meeting.present_count, eligible=meeting.eligible_count, rule=council.quorum_rule
    ):
        outcome = Resolution.Outcome.UNQUORATE
    elif votes_for * 2 > meeting.present_count:
        outcome = Resolution.Outcome.CARRIED
    else:
        outcome = Resolution.Outcome.FAILED
    year = timezone.localtime(meeting.held_at).year
    count = Resolution.objects.filter(council=council, number__startswith=f"{year}-").count()
    resolution = Resolution(
        meeting=meeting,
        council=council,
        agenda_item=agenda_item,
        number=f"{year}-{count + 1:02d}",
        subject=subject,
        title=title,
        text=text,
        votes_for=votes_for,
        votes_against=votes_against,
        votes_abstain=votes_abstain,
        outcome=outcome,
        created_by=by,
    )
    resolution.full_clean()
    resolution.save()
    history_record(
        obj=resolution,
        action="voted",
        by=by,
        changes=snapshot(
            resolution, ["number", "title", "votes_for", "votes_against", "votes_abstain", "outcome"]
        ),
    )
    return resolution


@transaction.atomic
def resolution_withdraw(*, resolution: Resolution, reason: str, by) -> Resolution:
    """Withdraw a resolution recorded in error; refused once it approved a plan or a task."""
    resolution = Resolution.objects.select_for_update().get(pk=resolution.pk)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if resolution.approved_plans.exists() or resolution.tasks.exists():
        raise ValidationError(_("该决议已批准规划或部署任务，不能撤销。"))
    before = resolution.outcome
    resolution.outcome = Resolution.Outcome.WITHDRAWN
    resolution.withdrawn_reason = reason.strip()
    resolution.save(update_fields=["outcome", "withdrawn_reason"])
    history_record(
        obj=resolution, action="withdrawn", by=by, changes={"outcome": [before, resolution.outcome]}
    )
    return resolution


@transaction.atomic
def attachment_add(*, meeting: Meeting, upload: UploadedFile, by) -> MeetingAttachment:
    """Attach a PDF, JPEG or PNG of at most 10 MB to a meeting, checked by content."""
    if meeting.status == Meeting.Status.WITHDRAWN:
        raise ValidationError(_("会议已撤销，不能再上传附件。"))
    content, content_type = document_clean(upload)
    attachment = MeetingAttachment(
        meeting=meeting,
        original_name=(upload.name or "file")[-200:],
        content_type=content_type,
        size=content.size,
        uploaded_by=by,
    )
    attachment.file.save(content.name, content, save=False)
    attachment.save()
    history_record(obj=meeting, action="attachment_added", by=by, changes={"file": attachment.original_name})
    return attachment
