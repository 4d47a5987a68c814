"""Civility patrols (R-2.1): patrols and their findings with photos and a lifecycle that keeps
"fixed" apart from "closed"; building heads and officers with the civility pact (R-2.2); and
volunteer and education activities (R-3.2, R-4.1)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from councils.models import Building, Community, MemberUnit
from councils.roles import Level
from councils.scoping import ScopedModel, Seated
from councils.uploads import RandomName
from councils.validators import mask_phone, validate_phone


def via_community(prefix: str) -> dict:
    """SCOPE for a row of one community; a council's secretary and a unit contact reach it
    through the community's council (a unit contact only while its unit sits on it)."""
    return {
        Level.DISTRICT: f"{prefix}__street__district",
        Level.STREET: f"{prefix}__street",
        Level.COMMUNITY: prefix,
        Level.COUNCIL: f"{prefix}__council",
        Level.MEMBER_UNIT: Seated(f"{prefix}__council"),
    }


class Category(models.TextChoices):
    """Illegal construction and the six disorders (R-2.1)."""

    ILLEGAL_CONSTRUCTION = "illegal_construction", _("违法搭建")
    STALLS = "stalls", _("乱设摊")
    PARKING = "parking", _("乱停车")
    POSTERS = "posters", _("乱招贴")
    PILING = "piling", _("乱堆放")
    DRYING = "drying", _("乱晾晒")
    LITTERING = "littering", _("乱扔垃圾")
    OTHER = "other", _("其他")


class Patrol(ScopedModel):
    """A round by a patroller or volunteer (R-2.1)."""

    class Kind(models.TextChoices):
        PATROLLER = "patroller", _("文明巡查员")
        VOLUNTEER = "volunteer", _("志愿者")

    community = models.ForeignKey(Community, models.PROTECT, related_name="patrols", verbose_name=_("社区"))
    patroller = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="patrols", verbose_name=_("巡查人")
    )
    kind = models.CharField(_("身份"), max_length=10, choices=Kind.choices, default=Kind.PATROLLER)
    started_at = models.DateTimeField(_("巡查时间"))
    route = models.CharField(_("路线/区域"), max_length=200)
    notes = models.TextField(_("备注"), blank=True)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = via_community("community")

    class Meta:
        verbose_name = _("巡查")
        verbose_name_plural = _("巡查")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.community.name} {self.started_at:%Y-%m-%d} {self.route}"

    def get_absolute_url(self) -> str:
        return reverse("patrol_detail", args=[self.pk])


class CategoryDeadline(models.Model):
    """How many days a finding of a category gets to be rectified (configurable)."""

    category = models.CharField(_("类别"), max_length=24, choices=Category.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("整改期限（天）"))

    class Meta:
        verbose_name = _("整改期限设置")
        verbose_name_plural = _("整改期限设置")

    def __str__(self) -> str:
        return f"{self.get_category_display()} {self.days}"


DEFAULT_DEADLINE_DAYS = {Category.ILLEGAL_CONSTRUCTION: 30, Category.POSTERS: 3, Category.LITTERING: 1}
OTHER_DEADLINE_DAYS = 7


class Finding(ScopedModel):
    """Something found on a round. "Fixed" (dissuaded, rectified, verified) is kept apart from
    "closed" without a fix; each step records who and when (FindingEvent)."""

    class Status(models.TextChoices):
        REPORTED = "reported", _("已上报")
        DISSUADED = "dissuaded", _("当场劝阻纠正")
        ORDERED = "ordered", _("限期整改")
        RECTIFIED = "rectified", _("已整改待核查")
        VERIFIED = "verified", _("已核查销号")
        ESCALATED = "escalated", _("已移交执法")
        CLOSED = "closed", _("未整改关闭")
        REOPENED = "reopened", _("问题复发重开")

    FIXED = (Status.DISSUADED, Status.RECTIFIED, Status.VERIFIED)
    OPEN = (Status.REPORTED, Status.ORDERED, Status.ESCALATED, Status.REOPENED)
    # The allowed steps (STYLE: one table). Rectifying needs an after photo; so does verifying.
    TRANSITIONS = {
        Status.REPORTED: {Status.DISSUADED, Status.ORDERED, Status.ESCALATED, Status.CLOSED},
        Status.REOPENED: {Status.DISSUADED, Status.ORDERED, Status.ESCALATED, Status.CLOSED},
        Status.ORDERED: {Status.RECTIFIED, Status.ESCALATED, Status.CLOSED},
        Status.ESCALATED: {Status.RECTIFIED, Status.CLOSED},
        Status.RECTIFIED: {Status.VERIFIED, Status.ORDERED},
        Status.DISSUADED: {Status.REOPENED},
        Status.VERIFIED: {Status.REOPENED},
        Status.CLOSED: {Status.REOPENED},
    }

    community = models.ForeignKey(Community, models.PROTECT, related_name="findings", verbose_name=_("社区"))
    patrol = models.ForeignKey(
        Patrol, models.PROTECT, null=True, blank=True, related_name="findings", verbose_name=_("巡查")
    )
    category = models.CharField(_("问题类别"), max_length=24, choices=Category.choices)
    building = models.ForeignKey(
        Building, models.PROTECT, null=True, blank=True, related_name="findings", verbose_name=_("楼栋")
    )
    address = models.CharField(_("位置"), max_length=200, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    description = models.TextField(_("问题描述"))
    responsible_unit = models.ForeignKey(
        MemberUnit, models.PROTECT, null=True, blank=True, related_name="findings", verbose_name=_("责任单位")
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.REPORTED)
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    fixed_at = models.DateTimeField(_("纠正时间"), null=True, blank=True)
    handover_note = models.TextField(_("移交说明"), blank=True)
    closed_reason = models.TextField(_("关闭原因"), blank=True)
    duplicate_of = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="duplicates", verbose_name=_("重复于")
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("上报人")
    )
    reported_at = models.DateTimeField(_("上报时间"))

    SCOPE = via_community("community")

    class Meta:
        verbose_name = _("巡查发现")
        verbose_name_plural = _("巡查发现")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(fields=["community", "category", "reported_at"], name="finding_spot_time"),
            # The list, newest first, and the statistics of a period (issue 8 §2).
            models.Index(fields=["-reported_at", "-id"], name="finding_newest_first"),
            # The counts of open and overdue findings.
            models.Index(fields=["status", "deadline"], name="finding_status_deadline"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | ~Q(closed_reason=""), name="finding_closed_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status="escalated") | ~Q(handover_note=""), name="finding_escalated_has_note"
            ),
        ]

    def __str__(self) -> str:
        where = self.building.name if self.building_id else self.address
        return f"{self.get_category_display()} · {where}"

    def get_absolute_url(self) -> str:
        return reverse("finding_detail", args=[self.pk])

    @property
    def is_fixed(self) -> bool:
        return self.status in self.FIXED

    @property
    def is_overdue(self) -> bool:
        from councils.periods import today

        return self.status in self.OPEN and self.deadline is not None and self.deadline < today()


def photo_path(instance, filename: str) -> str:
    """Kept for migration 0001; the field's names come from `RandomName("findings")`."""
    return RandomName("findings")(instance, filename)


class FindingPhoto(ScopedModel):
    """A photo before or after: re-encoded as JPEG, resized, with EXIF and GPS tags removed."""

    class Stage(models.TextChoices):
        BEFORE = "before", _("整改前")
        AFTER = "after", _("整改后")

    finding = models.ForeignKey(Finding, models.CASCADE, related_name="photos", verbose_name=_("巡查发现"))
    stage = models.CharField(_("阶段"), max_length=6, choices=Stage.choices)
    image = models.FileField(_("照片"), upload_to=RandomName("findings"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    SCOPE = via_community("finding__community")

    class Meta:
        verbose_name = _("现场照片")
        verbose_name_plural = _("现场照片")
        ordering = ["finding", "stage", "uploaded_at"]

    def __str__(self) -> str:
        return f"{self.finding} {self.get_stage_display()}"

    def get_absolute_url(self) -> str:
        return reverse("photo_view", args=[self.pk])


class FindingEvent(models.Model):
    """One step of a finding: from which status to which, who, when, and a note."""

    finding = models.ForeignKey(Finding, models.CASCADE, related_name="events", verbose_name=_("巡查发现"))
    from_status = models.CharField(_("原状态"), max_length=12, choices=Finding.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=12, choices=Finding.Status.choices)
    note = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("处置记录")
        verbose_name_plural = _("处置记录")
        ordering = ["finding", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class CivilityPact(ScopedModel):
    """A building's civility pact (文明公约, R-2.2)."""

    building = models.OneToOneField(Building, models.CASCADE, related_name="pact", verbose_name=_("楼栋"))
    text = models.TextField(_("公约内容"))
    adopted_on = models.DateField(_("订立日期"))

    SCOPE = via_community("building__community")

    class Meta:
        verbose_name = _("文明公约")
        verbose_name_plural = _("文明公约")

    def __str__(self) -> str:
        return str(_("%(b)s文明公约") % {"b": self.building})


class BuildingOfficer(ScopedModel):
    """One head and five officers per building (一长五员, R-2.2). Only a name and a phone are kept
    about the resident (R-2.3)."""

    class Post(models.TextChoices):
        HEAD = "head", _("楼栋长")
        PUBLICITY = "publicity", _("宣传员")
        SECURITY = "security", _("治保员")
        MEDIATION = "mediation", _("调解员")
        SANITATION = "sanitation", _("卫生员")
        FAMILY_PLANNING = "family_planning", _("计生员")

    building = models.ForeignKey(Building, models.CASCADE, related_name="officers", verbose_name=_("楼栋"))
    post = models.CharField(_("职务"), max_length=16, choices=Post.choices)
    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    since = models.DateField(_("任职日期"))

    SCOPE = via_community("building__community")

    class Meta:
        verbose_name = _("楼栋一长五员")
        verbose_name_plural = _("楼栋一长五员")
        ordering = ["building", "post"]
        constraints = [models.UniqueConstraint(fields=["building", "post"], name="officer_one_per_post")]

    def __str__(self) -> str:
        return f"{self.building} {self.get_post_display()} {self.name}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Activity(ScopedModel):
    """A volunteer service or an education event (R-3.2, R-4.1)."""

    class Kind(models.TextChoices):
        WARMTH_VISIT = "warmth_visit", _("送温暖献爱心")
        ELDERLY_DISABLED = "elderly_disabled", _("扶老助残")
        CONVENIENCE = "convenience", _("便民利民服务")
        LEGAL_EDUCATION = "legal_education", _("法制宣传教育")
        MORAL_EDUCATION = "moral_education", _("思想道德教育")
        SCIENCE_EDUCATION = "science_education", _("科普教育")

    VOLUNTEER = (Kind.WARMTH_VISIT, Kind.ELDERLY_DISABLED, Kind.CONVENIENCE)

    community = models.ForeignKey(
        Community, models.PROTECT, related_name="activities", verbose_name=_("社区")
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("活动名称"), max_length=200)
    held_on = models.DateField(_("活动日期"))
    organiser = models.ForeignKey(
        MemberUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("组织单位"),
    )
    participants = models.PositiveIntegerField(_("参与人数"), default=0)
    volunteer_hours = models.DecimalField(
        _("志愿服务时长（小时）"),
        max_digits=8,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"), message=_("时长不能为负数。"))],
    )
    people_served = models.PositiveIntegerField(_("服务/受众人数"), default=0)
    notes = models.TextField(_("活动情况"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = {**via_community("community"), Level.MEMBER_UNIT: "organiser"}

    class Meta:
        verbose_name = _("志愿服务与教育活动")
        verbose_name_plural = _("志愿服务与教育活动")
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("activity_detail", args=[self.pk])
