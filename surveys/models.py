"""Residents' voice: the five-rates surveys (R-6.2).

The city office keeps the questionnaire in versions, like the assessment rubric: a version that
a round has used is frozen, and a change of wording is a new version. A round runs for a span of
days and freezes the version it opened with and the smallest sample it names in rankings.
Residents answer anonymously on a public page per community (reached by QR code); a response
keeps no name, phone, ID number or address in clear, only salted hashes of the device token and
of the network address, to hold one answer per device per round and to spot floods.

Each of the five rates (赞同率、知晓率、支持率、参与率、满意率) has one question; the rate is the share of
valid answers that fall on the positive side (`Question.positive_options`: the first option of
a yes/no question, the first two of a five-level scale). See `surveys.rates` for the intervals.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from councils.models import Community
from councils.periods import today
from councils.roles import Level
from councils.scoping import ScopedModel

DEFAULT_MIN_SAMPLE = 30


class Rate(models.TextChoices):
    """The five rates of R-6.2, in the order the source document names them."""

    APPROVAL = "approval", _("赞同率")
    AWARENESS = "awareness", _("知晓率")
    SUPPORT = "support", _("支持率")
    PARTICIPATION = "participation", _("参与率")
    SATISFACTION = "satisfaction", _("满意率")


RATES: list[str] = [r.value for r in Rate]


# --- Questionnaires (set by the city office, versioned) ------------------------------------------


class Questionnaire(models.Model):
    """One version of the survey's questions. Frozen once a round uses it."""

    name = models.CharField(_("名称"), max_length=100)
    version = models.PositiveSmallIntegerField(_("版本"), unique=True)
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
        verbose_name = _("调查问卷")
        verbose_name_plural = _("调查问卷")
        ordering = ["-version"]

    def __str__(self) -> str:
        return _("%(name)s（第%(version)d版）") % {"name": self.name, "version": self.version}

    def get_absolute_url(self) -> str:
        return reverse("questionnaire_detail", args=[self.pk])

    @property
    def is_frozen(self) -> bool:
        """A version some round opened with may no longer change."""
        return self.rounds.exists()

    def missing_rates(self) -> list[str]:
        """The rates this version has no question for (a round needs all five)."""
        asked = {q.rate for q in self.questions.all() if q.rate}
        return [rate for rate in RATES if rate not in asked]


class Question(models.Model):
    class Kind(models.TextChoices):
        YES_NO = "yes_no", _("是/否")
        SCALE = "scale", _("五级量表")
        CHOICE = "choice", _("单选")
        TEXT = "text", _("文字意见")

    # How many options each kind offers (None: any number from 2 to 10; TEXT offers none).
    OPTION_COUNT = {Kind.YES_NO: 2, Kind.SCALE: 5}
    MAX_OPTIONS = 10
    TEXT_LENGTH = 300

    questionnaire = models.ForeignKey(
        Questionnaire, models.CASCADE, related_name="questions", verbose_name=_("问卷")
    )
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    rate = models.CharField(
        _("对应指标"),
        max_length=16,
        choices=Rate.choices,
        blank=True,
        default="",
        help_text=_("五率题目各对应一个指标；选填题目留空"),
    )
    kind = models.CharField(_("题型"), max_length=8, choices=Kind.choices)
    text = models.CharField(_("题目"), max_length=200)
    options = models.JSONField(_("选项"), default=list, blank=True)
    positive_options = models.PositiveSmallIntegerField(
        _("计为肯定的选项数"),
        default=0,
        help_text=_(
            "从第一个选项起，计入该指标的选项个数：是/否题为1，五级量表通常为2（非常满意、比较满意）"
        ),
    )
    required = models.BooleanField(_("必答"), default=False)

    class Meta:
        verbose_name = _("调查题目")
        verbose_name_plural = _("调查题目")
        ordering = ["questionnaire", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "rate"],
                condition=~Q(rate=""),
                name="question_one_per_rate",
                violation_error_message=_("每个指标在一版问卷中只能有一道题目。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.text}"

    def get_absolute_url(self) -> str:
        return self.questionnaire.get_absolute_url()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        options = [str(o).strip() for o in (self.options or []) if str(o).strip()]
        self.options = options
        expected = self.OPTION_COUNT.get(self.kind)
        if self.kind == self.Kind.TEXT:
            if options:
                errors["options"] = _("文字意见题不设选项。")
        elif expected is not None and len(options) != expected:
            errors["options"] = _("%(kind)s须有 %(n)d 个选项。") % {
                "kind": self.get_kind_display(),
                "n": expected,
            }
        elif expected is None and not 2 <= len(options) <= self.MAX_OPTIONS:
            errors["options"] = _("单选题须有 2 至 %(n)d 个选项。") % {"n": self.MAX_OPTIONS}
        if self.rate:
            if self.kind not in (self.Kind.YES_NO, self.Kind.SCALE):
                errors["kind"] = _("五率题目须为是/否题或五级量表。")
            elif not 1 <= self.positive_options < (len(options) or 2):
                errors["positive_options"] = _("计为肯定的选项数须至少为1，且少于选项总数。")
            self.required = True  # a rate's sample is the residents who answered it: all do
        else:
            self.positive_options = 0
        if errors:
            raise ValidationError(errors)


# --- Rounds ----------------------------------------------------------------------------------------


class Round(models.Model):
    """One survey round across the city, set by the city office. It freezes the questionnaire
    version it opened with and the smallest sample for naming a community in rankings."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("未开始")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    name = models.CharField(_("名称"), max_length=100, unique=True, help_text=_("例如：2026年上半年居民调查"))
    questionnaire = models.ForeignKey(
        Questionnaire, models.PROTECT, related_name="rounds", verbose_name=_("问卷版本")
    )
    opens_on = models.DateField(_("开始日期"))
    closes_on = models.DateField(_("截止日期"), help_text=_("当天仍可填写"))
    min_sample = models.PositiveSmallIntegerField(
        _("排名最少样本"),
        default=DEFAULT_MIN_SAMPLE,
        validators=[MinValueValidator(1), MaxValueValidator(10000)],
        help_text=_("答卷少于此数的社区不在“满意率较低的社区”中点名"),
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
        verbose_name = _("调查轮次")
        verbose_name_plural = _("调查轮次")
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="round_closes_after_opens",
                violation_error_message=_("截止日期不能早于开始日期。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("survey_round_detail", args=[self.pk])

    def status_on(self, day: date) -> str:
        if day < self.opens_on:
            return self.Status.SCHEDULED
        if day > self.closes_on:
            return self.Status.CLOSED
        return self.Status.OPEN

    @property
    def status(self) -> str:
        return self.status_on(today())

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    def is_open_on(self, day: date) -> bool:
        return self.status_on(day) == self.Status.OPEN

    @classmethod
    def current(cls, day: date | None = None) -> Round | None:
        """The round open today (rounds never overlap, so there is at most one)."""
        day = day or today()
        return (
            cls.objects.select_related("questionnaire").filter(opens_on__lte=day, closes_on__gte=day).first()
        )


# --- Responses -------------------------------------------------------------------------------------


class Response(ScopedModel):
    """One resident's anonymous answers in one round, for one community. No name, phone or ID
    number is asked for; the device token and the address are kept only as salted hashes (see
    `surveys.guard`), and a device answers once per round (the unique constraint).

    An answer that arrives in a burst (see `surveys.bursts`) is held: it is kept but left out of
    every published rate until the community's staff or the city office accept it (then it
    counts) or reject it (then it never does). Who decided and when is kept on the response."""

    class State(models.TextChoices):
        COUNTED = "counted", _("已计入")
        HELD = "held", _("待审核")
        ACCEPTED = "accepted", _("审核后计入")
        REJECTED = "rejected", _("审核后剔除")

    # The states whose answers make the published rates.
    COUNTED_STATES = (State.COUNTED, State.ACCEPTED)

    class HoldReason(models.TextChoices):
        NONE = "", _("—")
        BURST = "burst", _("一小时内答卷明显多于本社区平常水平")
        ADDRESS = "address", _("同一网络地址一小时内提交过多")

    round = models.ForeignKey(Round, models.PROTECT, related_name="responses", verbose_name=_("调查轮次"))
    community = models.ForeignKey(
        Community, models.PROTECT, related_name="survey_responses", verbose_name=_("社区")
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    device_hash = models.CharField(_("设备标识摘要"), max_length=64)
    address_hash = models.CharField(_("网络地址摘要"), max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=8, choices=State.choices, default=State.COUNTED)
    hold_reason = models.CharField(
        _("待审核原因"), max_length=8, choices=HoldReason.choices, blank=True, default=""
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)

    SCOPE = {
        Level.DISTRICT: "community__street__district",
        Level.STREET: "community__street",
        Level.COMMUNITY: "community",
    }

    class Meta:
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")
        ordering = ["round", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "device_hash"], name="response_once_per_device"),
        ]
        indexes = [
            models.Index(fields=["round", "community"], name="response_round_community"),
            models.Index(fields=["community", "submitted_at"], name="response_community_time"),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.community}"

    @property
    def is_counted(self) -> bool:
        return self.state in self.COUNTED_STATES


class Answer(models.Model):
    """One question of one response: the option chosen (its position, counted from 0) or the
    text typed, with phone and ID numbers blotted out."""

    response = models.ForeignKey(Response, models.CASCADE, related_name="answers", verbose_name=_("答卷"))
    question = models.ForeignKey(Question, models.PROTECT, related_name="answers", verbose_name=_("题目"))
    choice = models.PositiveSmallIntegerField(_("选项"), null=True, blank=True)
    text = models.CharField(_("文字意见"), max_length=Question.TEXT_LENGTH, blank=True)

    class Meta:
        verbose_name = _("答案")
        verbose_name_plural = _("答案")
        ordering = ["response", "question__order", "question__pk"]
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.choice is not None and self.choice < len(self.question.options):
            return self.question.options[self.choice]
        return self.text
