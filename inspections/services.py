"""Every write of the patrols app (R-2.1, R-2.2, R-3.2, R-4.1; DESIGN.md invariant 2)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from councils.models import Building, Community, MemberUnit, ResponsibleArea
from councils.periods import today
from councils.uploads import MAX_ATTACHMENT_BYTES, image_check, image_without_metadata

from .models import (
    DEFAULT_DEADLINE_DAYS,
    OTHER_DEADLINE_DAYS,
    Activity,
    BuildingOfficer,
    CategoryDeadline,
    CivilityPact,
    Finding,
    FindingEvent,
    FindingPhoto,
    Patrol,
)

MAX_PHOTO_BYTES = MAX_ATTACHMENT_BYTES
MAX_PHOTO_SIDE = 1600
DUPLICATE_WINDOW = timedelta(days=7)


def photo_process(upload: UploadedFile) -> tuple[ContentFile, int, int]:
    """A JPEG or PNG (told by its content, not its name), turned upright, resized to at most
    1600 px, and re-encoded as JPEG without EXIF — so no GPS tag or camera detail is kept."""
    if upload.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("照片“%(name)s”超过 10 MB 的上限。") % {"name": upload.name})
    try:
        kind, _width, _height = image_check(upload)  # refuses a header claiming too many pixels
    except ValidationError as error:
        if error.code == "image_too_large":
            raise
        raise ValidationError(
            _("文件“%(name)s”不是照片：只接受 JPEG 或 PNG 图片（按文件内容识别，与扩展名无关）。")
            % {"name": upload.name}
        ) from error
    if kind not in ("JPEG", "PNG"):
        raise ValidationError(
            _("照片“%(name)s”是 %(kind)s 格式，只接受 JPEG 或 PNG。") % {"name": upload.name, "kind": kind}
        )
    data, width, height = image_without_metadata(upload, format="JPEG", max_side=MAX_PHOTO_SIDE, quality=85)
    return ContentFile(data, name="photo.jpg"), width, height


def deadline_days(category: str) -> int:
    configured = CategoryDeadline.objects.filter(category=category).values_list("days", flat=True).first()
    return configured if configured is not None else DEFAULT_DEADLINE_DAYS.get(category, OTHER_DEADLINE_DAYS)


def responsible_unit_for(building: Building | None) -> MemberUnit | None:
    """The member unit whose current responsible area holds the building (R-1.3)."""
    if building is None:
        return None
    area = (
        ResponsibleArea.objects.filter(building=building, membership__left_on__isnull=True)
        .select_related("membership__unit")
        .order_by("membership__position", "pk")
        .first()
    )
    return area.membership.unit if area else None


def likely_duplicates(
    *, community: Community, category: str, building: Building | None, at: datetime, exclude=None
):
    """Findings of the same category at the same building within 7 days before."""
    if building is None:
        return Finding.objects.none()
    found = Finding.objects.filter(
        community=community,
        category=category,
        building=building,
        reported_at__gte=at - DUPLICATE_WINDOW,
        reported_at__lte=at,
        duplicate_of__isnull=True,
    )
    return found.exclude(pk=exclude.pk) if exclude is not None else found


@transaction.atomic
def patrol_record(
    *,
    community: Community,
    started_at: datetime,
    route: str,
    by,
    kind: str = Patrol.Kind.PATROLLER,
    notes: str = "",
) -> Patrol:
    if started_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"started_at": _("巡查时间不能晚于现在。")})
    patrol = Patrol(
        community=community, patroller=by, kind=kind, started_at=started_at, route=route, notes=notes
    )
    patrol.full_clean()
    patrol.save()
    return patrol


@transaction.atomic
def finding_report(
    *,
    community: Community,
    category: str,
    description: str,
    by,
    patrol: Patrol | None = None,
    building: Building | None = None,
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    photos: Iterable[UploadedFile] = (),
    duplicate_of: Finding | None = None,
) -> Finding:
    """Record a finding with its before photos; the responsible unit comes from the building's
    responsible area (R-2.1, R-1.3)."""
    if building is not None and building.community_id != community.pk:
        raise ValidationError({"building": _("楼栋不属于该社区。")})
    if patrol is not None and patrol.community_id != community.pk:
        raise ValidationError({"patrol": _("巡查不属于该社区。")})
    if building is None and not address.strip():
        raise ValidationError({"address": _("请选择楼栋或填写位置。")})
    processed = [photo_process(upload) for upload in photos]  # refuse a bad file before saving anything
    finding = Finding(
        community=community,
        patrol=patrol,
        category=category,
        building=building,
        address=address.strip(),
        latitude=latitude,
        longitude=longitude,
        description=description,
        duplicate_of=duplicate_of,
        responsible_unit=responsible_unit_for(building),
        reported_by=by,
        reported_at=timezone.now(),
    )
    finding.full_clean()
    finding.save()
    for content, width, height in processed:
        FindingPhoto.objects.create(
            finding=finding,
            stage=FindingPhoto.Stage.BEFORE,
            image=content,
            width=width,
            height=height,
            uploaded_by=by,
        )
    FindingEvent.objects.create(finding=finding, from_status="", to_status=finding.status, by=by)
    return finding


@transaction.atomic
def photo_add(*, finding: Finding, stage: str, upload: UploadedFile, by) -> FindingPhoto:
    content, width, height = photo_process(upload)
    return FindingPhoto.objects.create(
        finding=finding, stage=stage, image=content, width=width, height=height, uploaded_by=by
    )


@transaction.atomic
def finding_transition(
    *,
    finding: Finding,
    to: str,
    by,
    note: str = "",
    deadline: date | None = None,
    handover_note: str = "",
    closed_reason: str = "",
    after_photos: Iterable[UploadedFile] = (),
) -> Finding:
    """Move a finding one step (R-2.1). Rectified and verified need an after photo; a closed
    finding must be reopened before it can be rectified; closing without a fix needs a reason
    and never counts as fixed."""
    finding = Finding.objects.select_for_update().get(pk=finding.pk)
    before = finding.status
    if to not in Finding.TRANSITIONS.get(before, set()):
        raise ValidationError(
            _("当前状态为“%(from)s”，不能直接变为“%(to)s”。")
            % {"from": finding.get_status_display(), "to": Finding.Status(to).label}
        )
    processed = [photo_process(upload) for upload in after_photos]  # all checked before any is stored
    has_after = bool(processed) or finding.photos.filter(stage=FindingPhoto.Stage.AFTER).exists()
    if to in (Finding.Status.RECTIFIED, Finding.Status.VERIFIED) and not has_after:
        raise ValidationError({"after_photos": _("请上传整改后的现场照片。")})
    if to == Finding.Status.ORDERED:
        if deadline is not None and deadline < today():
            raise ValidationError({"deadline": _("整改期限不能早于今天。")})
        finding.deadline = deadline or today() + timedelta(days=deadline_days(finding.category))
    if to == Finding.Status.ESCALATED:
        if not handover_note.strip():
            raise ValidationError({"handover_note": _("移交执法部门须填写移交说明。")})
        finding.handover_note = handover_note.strip()
    if to == Finding.Status.CLOSED:
        if not closed_reason.strip():
            raise ValidationError({"closed_reason": _("未整改关闭须写明原因。")})
        finding.closed_reason = closed_reason.strip()
    if to in Finding.FIXED and finding.fixed_at is None:
        finding.fixed_at = timezone.now()
    if to == Finding.Status.REOPENED:
        finding.fixed_at = None
        finding.closed_reason = ""
    finding.status = to
    finding.full_clean()
    finding.save()
    for content, width, height in processed:  # stored only once every check has passed
        FindingPhoto.objects.create(
            finding=finding,
            stage=FindingPhoto.Stage.AFTER,
            image=content,
            width=width,
            height=height,
            uploaded_by=by,
        )
    FindingEvent.objects.create(finding=finding, from_status=before, to_status=to, note=note.strip(), by=by)
    return finding


@transaction.atomic
def finding_mark_duplicate(*, finding: Finding, original: Finding, by) -> Finding:
    if original.pk == finding.pk or original.community_id != finding.community_id:
        raise ValidationError(_("只能关联同一社区的另一条发现。"))
    finding.duplicate_of = original.duplicate_of or original
    finding.save(update_fields=["duplicate_of"])
    FindingEvent.objects.create(
        finding=finding,
        from_status=finding.status,
        to_status=finding.status,
        note=_("标记为重复：%(o)s") % {"o": finding.duplicate_of},
        by=by,
    )
    return finding


# --- Buildings: pact and roster (R-2.2) ---------------------------------------------------------


@transaction.atomic
def pact_set(*, building: Building, text: str, adopted_on: date, by) -> CivilityPact:
    pact = CivilityPact.objects.filter(building=building).first() or CivilityPact(building=building)
    pact.text, pact.adopted_on = text, adopted_on
    pact.full_clean()
    pact.save()
    return pact


@transaction.atomic
def officer_set(
    *, building: Building, post: str, name: str, since: date, by, phone: str = ""
) -> BuildingOfficer:
    """Fill a post of the head and five officers; the previous holder is replaced."""
    officer = BuildingOfficer.objects.filter(building=building, post=post).first() or BuildingOfficer(
        building=building, post=post
    )
    officer.name, officer.phone, officer.since = name, phone, since
    officer.full_clean()
    officer.save()
    return officer


@transaction.atomic
def officer_vacate(*, building: Building, post: str, by) -> None:
    BuildingOfficer.objects.filter(building=building, post=post).delete()


# --- Activities (R-3.2, R-4.1) ------------------------------------------------------------------


@transaction.atomic
def activity_record(
    *,
    community: Community,
    kind: str,
    title: str,
    held_on: date,
    by,
    organiser: MemberUnit | None = None,
    participants: int = 0,
    volunteer_hours: Decimal = Decimal("0"),
    people_served: int = 0,
    notes: str = "",
) -> Activity:
    if held_on > today():
        raise ValidationError({"held_on": _("活动日期不能晚于今天。")})
    if (
        organiser is not None
        and not organiser.memberships.filter(council__community=community, left_on__isnull=True).exists()
    ):
        raise ValidationError({"organiser": _("组织单位须是本社区理事会的成员单位。")})
    activity = Activity(
        community=community,
        kind=kind,
        title=title,
        held_on=held_on,
        organiser=organiser,
        participants=participants,
        volunteer_hours=volunteer_hours,
        people_served=people_served,
        notes=notes,
        created_by=by,
    )
    activity.full_clean()
    activity.save()
    return activity
