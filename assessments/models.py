"""Half-yearly assessment of member units, dynamic points and ranking reports (R-1.9, R-1.10).

A period (year + half) opens with one rubric version and freezes it: criteria of a rubric that
any period uses can no longer change, the city office revises by publishing a new version.
Community staff draft one assessment per unit per council per period, street staff confirm (or
return) and publish; a published assessment is locked and corrected only by recorded
adjustments. Dynamic points are a ledger per unit, each automatic event linked to the record
that caused it. Results (final score, grade, ranks, civilized-unit standing) are materialised
per unit and period by `assessments.services.results_compute`.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from councils.models import Council, District, MemberUnit, Street, via_council
from councils.periods import HalfYear
from councils.roles import Level
from councils.scoping import Many, ScopedModel
from councils.uploads import RandomName

ZERO = Decimal("0.0")


class Half(models.IntegerChoices):
    FIRST = 1, _("上半年")
    SECOND = 2, _("下半年")


def half_bounds(year: int, half: int) -> tuple[date, date]:
    """First and last day of a half-year."""
    span = HalfYear(year, half)
    return span.first_day, span.last_day


def half_of(day: date) -> tuple[int, int]:
    span = HalfYear.of(day)
    return span.year, span.number


# --- Rubrics (set by the city office) -------------------------------------------------------------


class Rubric(models.Model):
    """One version of the assessment rubric. Frozen once a period uses it (R-1.9)."""

    name = models.CharField(_("名称"), max_length=100)
    version = models.PositiveSmallIntegerField(_("版本"))
    note = models.TextField(_("修订说明"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("制定人"),
    )
    created_at = models.DateTimeField(_("制定时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核细则")
        verbose_name_plural = _("考核细则")
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["version"], name="rubric_version_unique")]

    def __str__(self) -> str:
        return f"{self.name}（第{self.version}版）"

    def get_absolute_url(self) -> str:
        return reverse("rubric_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        """A rubric some period opened with may no longer change."""
        return self.periods.exists()

    @property
    def total(self) -> Decimal:
        return sum((c.max_points for c in self.criteria.all()), ZERO)


class Criterion(models.Model):
    class Group(models.TextChoices):
        ATTITUDE = "attitude", _("态度")
        MEASURES = "measures", _("措施")
        RESULTS = "results", _("成效")

    class Evidence(models.TextChoices):
        """Which of the portal's own records suggest a score for this criterion."""

        NONE = "", _("无（人工评分）")
        ATTENDANCE = "attendance", _("理事会会议出席")
        CONTACTS = "contacts", _("责任区联系居民")
        TASKS = "tasks", _("共建任务完成")
        PLEDGE = "pledge", _("共建资金认缴到位")
        VIOLATIONS = "violations", _("资金违规未整改")
        FINDINGS = "findings", _("责任区巡查问题整改")
        VOLUNTEER = "volunteer", _("志愿服务时长")

    rubric = models.ForeignKey(Rubric, models.CASCADE, related_name="criteria", verbose_name=_("考核细则"))
    group = models.CharField(_("类别"), max_length=10, choices=Group.choices)
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    title = models.CharField(_("考核内容"), max_length=200)
    max_points = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal("0.5"))]
    )
    guidance = models.TextField(_("评分标准"), blank=True)
    evidence = models.CharField(
        _("数据来源"), max_length=12, choices=Evidence.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("考核项目")
        verbose_name_plural = _("考核项目")
        ordering = ["rubric", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.get_group_display()}·{self.title}"


# --- Periods --------------------------------------------------------------------------------------


class Period(models.Model):
    """One half-year of assessment, with the rubric version and scoring policy it opened with.
    Everyone signed in may read periods; only the city office creates and closes them."""

    class Status(models.TextChoices):
        OPEN = "open", _("考核中")
        CLOSED = "closed", _("已结束")

    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.PositiveSmallIntegerField(_("半年"), choices=Half.choices)
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"), help_text=_("社区须在此日期前完成考核评分"))
    rubric = models.ForeignKey(Rubric, models.PROTECT, related_name="periods", verbose_name=_("考核细则版本"))
    status = models.CharField(_("状态"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # The scoring policy, frozen with the period like the rubric.
    excellent_from = models.DecimalField(
        _("优秀分数线"), max_digits=5, decimal_places=1, default=Decimal("90")
    )
    good_from = models.DecimalField(_("良好分数线"), max_digits=5, decimal_places=1, default=Decimal("80"))
    pass_from = models.DecimalField(_("合格分数线"), max_digits=5, decimal_places=1, default=Decimal("60"))
    points_cap = models.DecimalField(
        _("动态记分上下限"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("10"),
        validators=[MinValueValidator(ZERO)],
        help_text=_("计入总分的动态记分不超过正负此值"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("创建人"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核期")
        verbose_name_plural = _("考核期")
        ordering = ["-year", "-half"]
        constraints = [
            models.UniqueConstraint(fields=["year", "half"], name="period_year_half_unique"),
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="period_closes_after_opens"
            ),
            models.CheckConstraint(
                condition=Q(excellent_from__gt=models.F("good_from"))
                & Q(good_from__gt=models.F("pass_from")),
                name="period_grade_thresholds_ordered",
            ),
        ]

    def __str__(self) -> str:
        return str(HalfYear(self.year, self.half))

    def get_absolute_url(self) -> str:
        return reverse("period_detail", args=[self.pk])

    @property
    def bounds(self) -> tuple[date, date]:
        """The half-year the period assesses (its records and its points)."""
        return half_bounds(self.year, self.half)

    @property
    def code(self) -> str:
        return f"{self.year}H{self.half}"


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


# --- Assessments ----------------------------------------------------------------------------------


class Assessment(ScopedModel):
    """One member unit on one council in one period (R-1.9)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待街道确认")
        RETURNED = "returned", _("退回修改")
        CONFIRMED = "confirmed", _("街道已确认")
        PUBLISHED = "published", _("已公布")

    # The one table of allowed steps (STYLE.md: state lives on the model).
    TRANSITIONS = {
        Status.DRAFT: {Status.SUBMITTED},
        Status.RETURNED: {Status.SUBMITTED},
        Status.SUBMITTED: {Status.CONFIRMED, Status.RETURNED},
        Status.CONFIRMED: {Status.PUBLISHED, Status.RETURNED},
        Status.PUBLISHED: set(),
    }
    EDITABLE = {Status.DRAFT, Status.RETURNED}

    period = models.ForeignKey(Period, models.PROTECT, related_name="assessments", verbose_name=_("考核期"))
    council = models.ForeignKey(Council, models.PROTECT, related_name="assessments", verbose_name=_("理事会"))
    unit = models.ForeignKey(
        MemberUnit, models.PROTECT, related_name="assessments", verbose_name=_("成员单位")
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    rubric_score = models.DecimalField(_("考核得分"), max_digits=5, decimal_places=1, default=ZERO)
    adjustment_total = models.DecimalField(_("更正分"), max_digits=5, decimal_places=1, default=ZERO)
    summary = models.TextField(_("总体评价"), blank=True)
    return_comment = models.TextField(_("退回意见"), blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("评分人"),
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)

    SCOPE = {**via_council("council"), Level.MEMBER_UNIT: "unit"}

    class Meta:
        verbose_name = _("成员单位考核")
        verbose_name_plural = _("成员单位考核")
        ordering = ["period", "council", "unit"]
        constraints = [
            models.UniqueConstraint(fields=["period", "council", "unit"], name="assessment_once_per_period"),
        ]
        indexes = [models.Index(fields=["period", "status"], name="assessment_period_status")]

    def __str__(self) -> str:
        return f"{self.period} {self.unit}（{self.council}）"

    def get_absolute_url(self) -> str:
        return reverse("assessment_detail", args=[self.pk])

    @property
    def score(self) -> Decimal:
        """The rubric score with recorded corrections."""
        return self.rubric_score + self.adjustment_total

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS.get(self.status, set())


class Score(models.Model):
    """One criterion of one assessment: the score, what the records suggested and why it
    differs."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="scores", verbose_name=_("考核"))
    criterion = models.ForeignKey(Criterion, models.PROTECT, related_name="+", verbose_name=_("考核项目"))
    points = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    suggested = models.DecimalField(_("建议分"), max_digits=5, decimal_places=1, null=True, blank=True)
    suggestion_basis = models.CharField(_("建议依据"), max_length=300, blank=True)
    evidence_note = models.TextField(_("评分依据"), blank=True)
    override_reason = models.TextField(_("调整建议分的理由"), blank=True)

    class Meta:
        verbose_name = _("考核评分")
        verbose_name_plural = _("考核评分")
        ordering = ["criterion__order", "criterion__pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "criterion"], name="score_once_per_criterion")
        ]

    def __str__(self) -> str:
        return f"{self.criterion}: {self.points}"


class AssessmentEvent(models.Model):
    """Who took which step of the workflow, when, and what they said."""

    assessment = models.ForeignKey(Assessment, models.CASCADE, related_name="events", verbose_name=_("考核"))
    from_status = models.CharField(_("原状态"), max_length=10, choices=Assessment.Status.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=10, choices=Assessment.Status.choices)
    note = models.TextField(_("说明"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核流转记录")
        verbose_name_plural = _("考核流转记录")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.from_status} → {self.to_status}"


class Adjustment(models.Model):
    """A correction to a published assessment: never an edit, always a recorded delta with a
    reason (DESIGN.md invariant 3)."""

    assessment = models.ForeignKey(
        Assessment, models.PROTECT, related_name="adjustments", verbose_name=_("考核")
    )
    delta = models.DecimalField(_("更正分值"), max_digits=5, decimal_places=1)
    reason = models.TextField(_("更正理由"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("更正人")
    )
    at = models.DateTimeField(_("更正时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考核更正")
        verbose_name_plural = _("考核更正")
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="adjustment_not_zero")]

    def __str__(self) -> str:
        return f"{self.assessment_id}: {self.delta:+}"


# --- Dynamic points (R-1.10) ----------------------------------------------------------------------


class PointRule(models.Model):
    """One automatic source of dynamic points; the city office sets the points and may switch a
    rule off. Events already derived keep the points they were given."""

    class Code(models.TextChoices):
        ATTENDED = "attended", _("出席理事会会议")
        ABSENT = "absent", _("无故缺席理事会会议")
        TASK_DONE = "task_done", _("按期完成共建任务")
        TASK_OVERDUE = "task_overdue", _("共建任务逾期未完成")
        VIOLATION = "violation", _("共建资金违规")
        FINDING_RECTIFIED = "finding_rectified", _("责任区问题整改销号")
        FINDING_OVERDUE = "finding_overdue", _("责任区问题逾期未整改")
        VOLUNTEER = "volunteer", _("志愿服务（每10小时）")

    code = models.CharField(_("事项"), max_length=20, choices=Code.choices, unique=True)
    points = models.DecimalField(_("分值"), max_digits=4, decimal_places=1)
    active = models.BooleanField(_("启用"), default=True)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("动态记分规则")
        verbose_name_plural = _("动态记分规则")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.get_code_display()} {self.points:+}"


class PointEvent(ScopedModel):
    """One line of a unit's points ledger. Automatic events name the rule and the record that
    caused them (unique together, so deriving twice adds nothing); manual events name the
    person and the reason."""

    unit = models.ForeignKey(
        MemberUnit, models.PROTECT, related_name="point_events", verbose_name=_("成员单位")
    )
    council = models.ForeignKey(
        Council, models.PROTECT, related_name="point_events", verbose_name=_("理事会")
    )
    occurred_on = models.DateField(_("发生日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    half = models.PositiveSmallIntegerField(_("半年"), choices=Half.choices)
    points = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    rule = models.ForeignKey(
        PointRule, models.PROTECT, null=True, blank=True, related_name="events", verbose_name=_("记分规则")
    )
    reason = models.CharField(_("事由"), max_length=300)
    source_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("来源类型")
    )
    source_id = models.PositiveBigIntegerField(_("来源记录"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("记分人"),
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = {**via_council("council"), Level.MEMBER_UNIT: "unit"}

    class Meta:
        verbose_name = _("动态记分")
        verbose_name_plural = _("动态记分")
        ordering = ["-occurred_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "source_type", "source_id", "unit"],
                condition=Q(rule__isnull=False),
                name="point_event_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(rule__isnull=False, source_type__isnull=False, source_id__isnull=False)
                | Q(rule__isnull=True, created_by__isnull=False),
                name="point_event_automatic_or_manual",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="point_event_not_zero"),
        ]
        indexes = [models.Index(fields=["unit", "year", "half"], name="point_event_unit_half")]

    def __str__(self) -> str:
        return f"{self.unit} {self.points:+} {self.reason}"

    @property
    def is_manual(self) -> bool:
        return self.rule_id is None


# --- Results --------------------------------------------------------------------------------------


class Result(ScopedModel):
    """A unit's standing in a period, recomputed whenever an assessment is published or
    corrected and when the points job runs (R-1.9, R-1.10)."""

    period = models.ForeignKey(Period, models.CASCADE, related_name="results", verbose_name=_("考核期"))
    unit = models.ForeignKey(MemberUnit, models.PROTECT, related_name="results", verbose_name=_("成员单位"))
    street = models.ForeignKey(Street, models.PROTECT, related_name="+", verbose_name=_("街道/镇"))
    district = models.ForeignKey(District, models.PROTECT, related_name="+", verbose_name=_("区"))
    assessments = models.PositiveSmallIntegerField(_("考核份数"), default=0)
    rubric_score = models.DecimalField(_("考核得分"), max_digits=5, decimal_places=1)
    points = models.DecimalField(_("动态记分"), max_digits=6, decimal_places=1, default=ZERO)
    points_counted = models.DecimalField(_("计入记分"), max_digits=5, decimal_places=1, default=ZERO)
    final_score = models.DecimalField(_("总分"), max_digits=5, decimal_places=1)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices)
    rank_street = models.PositiveIntegerField(_("街道排名"))
    rank_district = models.PositiveIntegerField(_("区排名"))
    rank_city = models.PositiveIntegerField(_("全市排名"))
    civilized = models.BooleanField(_("文明单位资格"), default=False)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    SCOPE = {
        Level.DISTRICT: "district",
        Level.STREET: "street",
        Level.COMMUNITY: Many("unit__memberships__council__community"),
        Level.COUNCIL: Many("unit__memberships__council"),
        Level.MEMBER_UNIT: "unit",
    }

    class Meta:
        verbose_name = _("考核结果")
        verbose_name_plural = _("考核结果")
        ordering = ["period", "rank_city", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["period", "unit"], name="result_once_per_period")]
        indexes = [
            models.Index(fields=["period", "rank_city"], name="result_period_rank"),
            models.Index(fields=["period", "street", "rank_street"], name="result_period_street_rank"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.unit} {self.final_score}"


# --- Ranking reports ------------------------------------------------------------------------------


def report_path(instance, filename: str) -> str:
    """Kept for migration 0001; the field's names come from `RandomName("reports")`."""
    return RandomName("reports")(instance, filename)


class RankingReport(ScopedModel):
    """A PDF ranking of one street, district or the city for one period, rendered by a job whose
    state the page shows (DESIGN.md invariant 6)."""

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    period = models.ForeignKey(Period, models.PROTECT, related_name="reports", verbose_name=_("考核期"))
    level = models.CharField(
        _("范围"),
        max_length=10,
        choices=[(Level.CITY, _("全市")), (Level.DISTRICT, _("区")), (Level.STREET, _("街道/镇"))],
    )
    district = models.ForeignKey(
        District, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("区")
    )
    street = models.ForeignKey(
        Street, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("街道/镇")
    )
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.QUEUED)
    error = models.TextField(_("失败原因"), blank=True)
    file = models.FileField(_("文件"), upload_to=RandomName("reports"), blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("页数"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    SCOPE = {
        Level.DISTRICT: "district",
        Level.STREET: "street",
    }

    class Meta:
        verbose_name = _("排名报告")
        verbose_name_plural = _("排名报告")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level=Level.CITY, district__isnull=True, street__isnull=True)
                | Q(level=Level.DISTRICT, district__isnull=False, street__isnull=True)
                | Q(level=Level.STREET, district__isnull=False, street__isnull=False),
                name="report_scope_matches_level",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.scope_name} {self.period} 考核排名"

    def get_absolute_url(self) -> str:
        return reverse("report_detail", args=[self.pk])

    @property
    def scope_name(self) -> str:
        if self.street_id:
            return self.street.name
        if self.district_id:
            return self.district.name
        return str(_("全市"))

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.QUEUED, self.State.RUNNING)


__all__ = [
    "Adjustment",
    "Assessment",
    "AssessmentEvent",
    "Criterion",
    "Grade",
    "Half",
    "Period",
    "PointEvent",
    "PointRule",
    "RankingReport",
    "Result",
    "Rubric",
    "Score",
]
from .models_bulletins import Bulletin, BulletinCounter, BulletinDownload, BulletinEvent, ModelCase  # noqa: E402, F401
