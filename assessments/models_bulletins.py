"""Bulletins (通报, R-6.3): the city's or one district's document that praises good councils,
units and communities and names problems (R-1.8, R-1.9), compiled from the portal's own records
and rendered as a Chinese official document by a job (DESIGN.md invariants 5 – 7).

A bulletin's life: draft → compiling → ready → publishing → published, or failed with the
reason (a retry picks up where it failed). Its document number (明文明办〔2026〕3号) is taken from
the issuer's counter for the year only when it is published, so abandoned drafts leave no gaps.
A published bulletin never changes again. Model cases (典型, R-5.2) are nominated by staff and
gathered into the bulletins of their period.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from councils.models import Community, District, MemberUnit
from councils.periods import HalfYear, Quarter
from councils.roles import CAPABILITIES, Capability, Level, Role
from councils.scoping import ScopedModel, ScopedQuerySet, grants_of
from councils.uploads import RandomName

from .models import half_bounds


class Span(models.TextChoices):
    QUARTER = "quarter", _("季度")
    HALF = "half", _("半年")


class BulletinQuerySet(ScopedQuerySet):
    def manageable_by(self, user) -> BulletinQuerySet:
        """The bulletins the user may write, generate and publish: the city office issues the
        city's bulletins, a district office its own district's (it reads nothing else)."""
        allowed = CAPABILITIES[Capability.MANAGE_BULLETINS]
        condition = Q(pk__in=[])
        for grant in grants_of(user):
            if grant.role not in allowed:
                continue
            if grant.role == Role.CITY_OFFICE:
                condition |= Q(district__isnull=True)
            elif grant.level == Level.DISTRICT:
                condition |= Q(district_id=grant.node_id)
        return self.filter(condition)


class Bulletin(ScopedModel):
    """One bulletin of the city (no district) or of one district, for a quarter or a half-year."""

    class State(models.TextChoices):
        DRAFT = "draft", _("草稿")
        COMPILING = "compiling", _("生成中")
        READY = "ready", _("待发布")
        PUBLISHING = "publishing", _("发布中")
        PUBLISHED = "published", _("已发布")
        FAILED = "failed", _("生成失败")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("手工创建")
        SCHEDULE = "schedule", _("季度定时创建")

    class Step(models.TextChoices):
        """What the job is doing, shown with the percentage while it runs."""

        IDLE = "", _("—")
        QUEUED = "queued", _("排队等待")
        MEETINGS = "meetings", _("统计理事会会议")
        FUNDS = "funds", _("统计资金违规问题")
        ASSESSMENTS = "assessments", _("汇总考核结果")
        PATROLS = "patrols", _("统计巡查整改")
        CASES = "cases", _("汇集典型案例")
        STREETS = "streets", _("分街道汇总")
        WRITING = "writing", _("撰写通报文字")
        RENDERING = "rendering", _("排版生成PDF")
        SAVING = "saving", _("保存文件")
        DONE = "done", _("完成")
        FAILED = "failed", _("失败")

    PENDING = (State.COMPILING, State.PUBLISHING)
    EDITABLE = (State.DRAFT, State.READY, State.FAILED)

    district = models.ForeignKey(
        District,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="bulletins",
        verbose_name=_("区"),
        help_text=_("不选为全市通报"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    span = models.CharField(_("通报周期"), max_length=8, choices=Span.choices, default=Span.QUARTER)
    part = models.PositiveSmallIntegerField(_("季度/半年"), help_text=_("季度填 1–4，半年填 1（上半年）或 2"))
    origin = models.CharField(_("来源"), max_length=10, choices=Origin.choices, default=Origin.MANUAL)

    title = models.CharField(_("标题"), max_length=200)
    issuer = models.CharField(_("发文机关"), max_length=100)
    prefix = models.CharField(_("发文字号代字"), max_length=30, help_text=_("例如：明文明办"))
    main_recipients = models.CharField(_("主送"), max_length=300, blank=True)
    copy_recipients = models.CharField(_("抄送"), max_length=300, blank=True)
    number_year = models.PositiveSmallIntegerField(_("文号年份"), null=True, blank=True)
    serial = models.PositiveIntegerField(_("文号序号"), null=True, blank=True)
    number = models.CharField(_("发文字号"), max_length=60, blank=True)

    # The compiled text, which the office may edit before publishing, and the figures it came from.
    overview = models.TextField(_("总体情况"), blank=True)
    praise = models.TextField(_("表扬"), blank=True)
    problems = models.TextField(_("通报问题"), blank=True)
    commentary = models.TextField(_("点评与工作要求"), blank=True)
    facts = models.JSONField(_("汇总数据"), default=dict, blank=True)
    compiled_at = models.DateTimeField(_("汇总时间"), null=True, blank=True)
    needs_compile = models.BooleanField(_("需从数据重新汇总"), default=True)
    revision = models.PositiveIntegerField(_("修订版本"), default=0)

    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.DRAFT)
    step = models.CharField(_("当前步骤"), max_length=12, choices=Step.choices, blank=True, default="")
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    attempts = models.PositiveIntegerField(_("本次生成已启动次数"), default=0)
    job_started_at = models.DateTimeField(_("开始生成时间"), null=True, blank=True)
    job_finished_at = models.DateTimeField(_("完成生成时间"), null=True, blank=True)

    file = models.FileField(_("文件"), upload_to=RandomName("bulletins"), blank=True, max_length=200)
    rendered_revision = models.PositiveIntegerField(_("文件对应版本"), null=True, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("大小(字节)"), null=True, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("签发人"),
    )
    published_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    issued_on = models.DateField(_("成文日期"), null=True, blank=True)

    SCOPE = {Level.DISTRICT: "district"}

    objects = BulletinQuerySet.as_manager()

    class Meta:
        verbose_name = _("通报")
        verbose_name_plural = _("通报")
        ordering = ["-year", "-part", "district__name", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(span="quarter", part__gte=1, part__lte=4)
                | Q(span="half", part__gte=1, part__lte=2),
                name="bulletin_part_fits_span",
            ),
            # One number once per issuer and year, and a number only with its year.
            models.UniqueConstraint(
                fields=["prefix", "number_year", "serial"],
                condition=Q(serial__isnull=False),
                name="bulletin_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(serial__isnull=True, number_year__isnull=True, number="")
                | Q(serial__isnull=False, number_year__isnull=False) & ~Q(number=""),
                name="bulletin_number_complete",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["publishing", "published"]) | Q(serial__isnull=False),
                name="bulletin_published_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(state="published") | ~Q(checksum=""), name="bulletin_published_has_file"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="bulletin_progress_percent"),
            # The quarterly job creates each scope's draft once (the city's has no district).
            models.UniqueConstraint(
                fields=["district", "year", "span", "part"],
                condition=Q(origin="schedule", district__isnull=False),
                name="bulletin_scheduled_once_per_district",
            ),
            models.UniqueConstraint(
                fields=["year", "span", "part"],
                condition=Q(origin="schedule", district__isnull=True),
                name="bulletin_scheduled_once_for_city",
            ),
        ]
        indexes = [models.Index(fields=["state", "district"], name="bulletin_state_district")]

    def __str__(self) -> str:
        return self.number or self.title

    def get_absolute_url(self) -> str:
        return reverse("bulletin_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.district] if self.district_id else []

    # --- The period --------------------------------------------------------------------------

    @property
    def start(self) -> date:
        if self.span == Span.HALF:
            return half_bounds(self.year, self.part)[0]
        return Quarter(self.year, self.part).first_day

    @property
    def end(self) -> date:
        if self.span == Span.HALF:
            return half_bounds(self.year, self.part)[1]
        return Quarter(self.year, self.part).last_day

    @property
    def quarters(self) -> list[Quarter]:
        if self.span == Span.HALF:
            return HalfYear(self.year, self.part).quarters
        return [Quarter(self.year, self.part)]

    @property
    def period_label(self) -> str:
        """2026年第三季度, 2026年上半年."""
        if self.span == Span.HALF:
            return str(HalfYear(self.year, self.part))
        return str(Quarter(self.year, self.part))

    @property
    def scope_name(self) -> str:
        return self.district.name if self.district_id else str(_("全市"))

    # --- State ---------------------------------------------------------------------------------

    @property
    def is_pending(self) -> bool:
        return self.state in self.PENDING

    @property
    def is_waiting_for_queue(self) -> bool:
        """Queued while the job queue was unreachable: `error` says so until the job is handed over."""
        return self.is_pending and self.job_started_at is None and bool(self.error)

    @property
    def is_editable(self) -> bool:
        return self.state in self.EDITABLE

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED

    @property
    def has_file(self) -> bool:
        return bool(self.file) and bool(self.checksum)


class BulletinCounter(models.Model):
    """The last document number an issuer (named by its 代字) gave in a year. Locked while a
    number is taken, so numbers never skip or repeat (DESIGN.md invariant 5)."""

    prefix = models.CharField(_("发文字号代字"), max_length=30)
    year = models.PositiveSmallIntegerField(_("年份"))
    last = models.PositiveIntegerField(_("已用至"), default=0)

    class Meta:
        verbose_name = _("发文字号计数")
        verbose_name_plural = _("发文字号计数")
        ordering = ["-year", "prefix"]
        constraints = [models.UniqueConstraint(fields=["prefix", "year"], name="bulletin_counter_once")]

    def __str__(self) -> str:
        return f"{self.prefix}〔{self.year}〕{self.last}"


class BulletinEvent(models.Model):
    """Who did what to a bulletin and when; the job's own steps carry no person."""

    class Action(models.TextChoices):
        CREATED = "created", _("创建")
        GENERATE = "generate", _("申请生成")
        RECOMPILE = "recompile", _("申请从数据重新汇总")
        COMPILED = "compiled", _("完成数据汇总")
        RENDERED = "rendered", _("生成文件")
        EDITED = "edited", _("修改文字")
        PUBLISH = "publish", _("签发并取号")
        PUBLISHED = "published", _("发布")
        FAILED = "failed", _("生成失败")
        RETRY = "retry", _("重试")

    bulletin = models.ForeignKey(Bulletin, models.CASCADE, related_name="events", verbose_name=_("通报"))
    action = models.CharField(_("操作"), max_length=12, choices=Action.choices)
    note = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("通报操作记录")
        verbose_name_plural = _("通报操作记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.get_action_display()}"


class BulletinDownload(ScopedModel):
    """One download of a bulletin's file: who, when, from where, which file."""

    bulletin = models.ForeignKey(Bulletin, models.CASCADE, related_name="downloads", verbose_name=_("通报"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("下载人")
    )
    at = models.DateTimeField(_("下载时间"), auto_now_add=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    checksum = models.CharField(_("文件SHA-256"), max_length=64)

    SCOPE = {Level.DISTRICT: "bulletin__district"}

    class Meta:
        verbose_name = _("通报下载记录")
        verbose_name_plural = _("通报下载记录")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.bulletin_id} {self.user_id} {self.at:%Y-%m-%d %H:%M}"


class ModelCase(ScopedModel):
    """A model case (典型, R-5.2) nominated by street, district or city staff: a community's (and
    perhaps one member unit's) good practice, gathered into the bulletins of its period."""

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("已推荐")
        WITHDRAWN = "withdrawn", _("已撤回")

    community = models.ForeignKey(
        Community, models.PROTECT, related_name="model_cases", verbose_name=_("社区")
    )
    unit = models.ForeignKey(
        MemberUnit,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="model_cases",
        verbose_name=_("成员单位"),
        help_text=_("典型属于某个成员单位时选择"),
    )
    title = models.CharField(_("典型名称"), max_length=100)
    story = models.TextField(_("主要事迹"), max_length=2000)
    occurred_on = models.DateField(_("事迹时间"), help_text=_("计入该日期所在季度、半年的通报"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.NOMINATED)
    withdrawn_reason = models.TextField(_("撤回原因"), blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("推荐人")
    )
    nominated_at = models.DateTimeField(_("推荐时间"), auto_now_add=True)

    SCOPE = {
        Level.DISTRICT: "community__street__district",
        Level.STREET: "community__street",
        Level.COMMUNITY: "community",
    }

    class Meta:
        verbose_name = _("典型案例")
        verbose_name_plural = _("典型案例")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="withdrawn") | ~Q(withdrawn_reason=""),
                name="model_case_withdrawn_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("modelcase_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.community.street.district, self.community.street, self.community]


__all__ = ["Bulletin", "BulletinCounter", "BulletinDownload", "BulletinEvent", "ModelCase", "Span"]
