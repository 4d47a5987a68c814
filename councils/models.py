"""The city tree (district → street/town → community → building), councils, member units and
their memberships, and users' role assignments (R-6.1)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import ROLE_LEVEL, Level, Role
from .scoping import Many, ScopedModel, ScopedQuerySet, Seated
from .uploads import RandomName
from .validators import mask_phone, validate_credit_code, validate_phone


class District(ScopedModel):
    name = models.CharField(_("名称"), max_length=50, unique=True)
    code = models.CharField(_("行政区划代码"), max_length=6, blank=True)

    SCOPE = {Level.DISTRICT: "pk"}

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("district_detail", args=[self.pk])

    def ancestors(self) -> list:
        return []


class Street(ScopedModel):
    class Kind(models.TextChoices):
        STREET = "street", _("街道")
        TOWN = "town", _("镇")

    district = models.ForeignKey(District, models.PROTECT, related_name="streets", verbose_name=_("所属区"))
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STREET)

    SCOPE = {Level.DISTRICT: "district", Level.STREET: "pk"}

    class Meta:
        verbose_name = _("街道/镇")
        verbose_name_plural = _("街道/镇")
        ordering = ["district__name", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("street_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.district]


class Community(ScopedModel):
    street = models.ForeignKey(
        Street, models.PROTECT, related_name="communities", verbose_name=_("所属街道/镇")
    )
    name = models.CharField(_("名称"), max_length=50)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    SCOPE = {
        Level.DISTRICT: "street__district",
        Level.STREET: "street",
        Level.COMMUNITY: "pk",
    }

    class Meta:
        verbose_name = _("社区")
        verbose_name_plural = _("社区")
        ordering = ["street__name", "name"]
        constraints = [models.UniqueConstraint(fields=["street", "name"], name="community_unique_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.street.district, self.street]


class Building(ScopedModel):
    community = models.ForeignKey(
        Community, models.PROTECT, related_name="buildings", verbose_name=_("所属社区")
    )
    name = models.CharField(_("楼栋"), max_length=50, help_text=_("例如：3号楼、幸福苑2幢"))
    address = models.CharField(_("地址"), max_length=200, blank=True)
    households = models.PositiveIntegerField(_("户数"), default=0)

    SCOPE = {
        Level.DISTRICT: "community__street__district",
        Level.STREET: "community__street",
        Level.COMMUNITY: "community",
        # A secretary's council is responsible for the buildings of its community.
        Level.COUNCIL: "community__council",
    }

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        ordering = ["community__name", "name"]
        constraints = [models.UniqueConstraint(fields=["community", "name"], name="building_unique_name")]

    def __str__(self) -> str:
        return f"{self.community.name} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("building_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.community.street.district, self.community.street, self.community]


class QuorumRule(models.TextChoices):
    MORE_THAN_HALF = "more_than_half", _("过半数成员单位到会")
    TWO_THIRDS = "two_thirds", _("三分之二以上成员单位到会")


def quorum_met(*, present: int, eligible: int, rule: str = QuorumRule.MORE_THAN_HALF) -> bool:
    """A quorum (R-1.2, DESIGN.md invariant 4): by default more than half of the current member
    units present; a council with no members has no quorum."""
    if eligible <= 0:
        return False
    if rule == QuorumRule.TWO_THIRDS:
        return present * 3 >= eligible * 2
    return present * 2 > eligible


class Council(ScopedModel):
    """A community's co-construction council (共建理事会)."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("运行中")
        SUSPENDED = "suspended", _("暂停")

    community = models.OneToOneField(
        Community, models.PROTECT, related_name="council", verbose_name=_("社区")
    )
    name = models.CharField(_("名称"), max_length=100)
    chair = models.CharField(_("理事长"), max_length=50, blank=True)
    secretary_general = models.CharField(_("秘书长"), max_length=50, blank=True)
    term_start = models.DateField(_("本届起始日期"), null=True, blank=True)
    term_end = models.DateField(_("本届截止日期"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    quorum_rule = models.CharField(
        _("法定人数规则"), max_length=20, choices=QuorumRule.choices, default=QuorumRule.MORE_THAN_HALF
    )

    SCOPE = {
        Level.DISTRICT: "community__street__district",
        Level.STREET: "community__street",
        Level.COMMUNITY: "community",
        Level.COUNCIL: "pk",
        Level.MEMBER_UNIT: Seated("pk"),
    }

    class Meta:
        verbose_name = _("共建理事会")
        verbose_name_plural = _("共建理事会")
        ordering = ["community__street__name", "community__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True)
                | Q(term_start__isnull=True)
                | Q(term_end__gt=models.F("term_start")),
                name="council_term_ends_after_start",
                violation_error_message=_("本届截止日期应晚于起始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("council_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.community.street.district, self.community.street, self.community]


class MemberUnit(ScopedModel):
    """A member unit (成员单位/驻区单位) stationed in a street; it may sit on several councils."""

    class Kind(models.TextChoices):
        PARTY_GOVERNMENT = "party_government", _("党政机关")
        COURT = "court", _("法院/检察院")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        STATE_FIRM = "state_firm", _("国有企业")
        COMPANY = "company", _("企业")
        SCHOOL = "school", _("学校")
        HOSPITAL = "hospital", _("医院")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        ACTIVE = "active", _("正常")
        INACTIVE = "inactive", _("停用")

    street = models.ForeignKey(Street, models.PROTECT, related_name="units", verbose_name=_("驻在街道/镇"))
    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    kind = models.CharField(_("单位类型"), max_length=20, choices=Kind.choices)
    credit_code = models.CharField(
        _("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code]
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    contact_person = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True, validators=[validate_phone])
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)

    SCOPE = {
        Level.DISTRICT: ("street__district", Many("memberships__council__community__street__district")),
        Level.STREET: ("street", Many("memberships__council__community__street")),
        Level.COMMUNITY: Many("memberships__council__community"),
        Level.COUNCIL: Many("memberships__council"),
        Level.MEMBER_UNIT: "pk",
    }

    class Meta:
        verbose_name = _("成员单位")
        verbose_name_plural = _("成员单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("unit_detail", args=[self.pk])

    def ancestors(self) -> list:
        return [self.street.district, self.street]

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.contact_phone)

    def clean(self) -> None:
        self.credit_code = (self.credit_code or "").strip().upper()


class MembershipQuerySet(ScopedQuerySet):
    def current(self) -> MembershipQuerySet:
        """Seats held now; a seat that ended keeps its row, with `left_on` set (R-1.3)."""
        return self.filter(left_on__isnull=True)


class Membership(ScopedModel):
    """A member unit's seat on a council. Leaving sets `left_on` and keeps the row (R-1.3)."""

    class Position(models.TextChoices):
        CHAIR = "chair", _("理事长单位")
        VICE_CHAIR = "vice_chair", _("副理事长单位")
        MEMBER = "member", _("理事单位")

    unit = models.ForeignKey(
        MemberUnit, models.PROTECT, related_name="memberships", verbose_name=_("成员单位")
    )
    council = models.ForeignKey(Council, models.PROTECT, related_name="memberships", verbose_name=_("理事会"))
    position = models.CharField(_("职务"), max_length=12, choices=Position.choices, default=Position.MEMBER)
    representative = models.CharField(_("代表"), max_length=50, blank=True)
    joined_on = models.DateField(_("加入日期"), default=timezone.localdate)
    left_on = models.DateField(_("退出日期"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    SCOPE = {
        Level.DISTRICT: "council__community__street__district",
        Level.STREET: "council__community__street",
        Level.COMMUNITY: "council__community",
        Level.COUNCIL: "council",
        Level.MEMBER_UNIT: "unit",
    }

    class Meta:
        verbose_name = _("理事会成员")
        verbose_name_plural = _("理事会成员")
        ordering = ["council", "position", "unit__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "council"],
                condition=Q(left_on__isnull=True),
                name="membership_one_current_seat",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="membership_leaves_after_joining",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} @ {self.council}"

    @property
    def is_current(self) -> bool:
        return self.left_on is None


NODE_FIELDS = ("district", "street", "community", "council", "member_unit")


def _exactly_one_node_for_each_role() -> Q:
    """Each role points at exactly the node of its level, and the city office at none."""
    condition = Q(pk__in=[])
    for role, level in ROLE_LEVEL.items():
        condition |= Q(role=role, **{f"{name}__isnull": name != level for name in NODE_FIELDS})
    return condition


class RoleAssignment(models.Model):
    """A user's role at one node of the tree, one council or one member unit."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    district = models.ForeignKey(District, models.PROTECT, null=True, blank=True, verbose_name=_("区"))
    street = models.ForeignKey(Street, models.PROTECT, null=True, blank=True, verbose_name=_("街道/镇"))
    community = models.ForeignKey(Community, models.PROTECT, null=True, blank=True, verbose_name=_("社区"))
    council = models.ForeignKey(Council, models.PROTECT, null=True, blank=True, verbose_name=_("理事会"))
    member_unit = models.ForeignKey(
        MemberUnit, models.PROTECT, null=True, blank=True, verbose_name=_("成员单位")
    )
    created_at = models.DateTimeField(_("授予时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("授予人"),
    )

    NODE_FIELDS = NODE_FIELDS

    class Meta:
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=_exactly_one_node_for_each_role(),
                name="role_assignment_node_matches_role",
                violation_error_message=_("所选角色需要对应层级的范围，且只能选择一个。"),
            ),
        ]

    def __str__(self) -> str:
        node = self.node
        return f"{self.get_role_display()} · {node if node is not None else Level.CITY.label}"

    @property
    def level(self) -> str:
        return ROLE_LEVEL[self.role]

    @property
    def node_id(self) -> int | None:
        level = self.level
        return None if level == Level.CITY else getattr(self, f"{level}_id")

    @property
    def node(self):
        level = self.level
        return None if level == Level.CITY else getattr(self, level)


class SignInCounter(models.Model):
    """Sign-in attempts counted before the password is checked (issue 14 §4), one row per user
    name and client address ("pair") and one per user name alone ("name", a slower limit), for
    known and unknown names alike so names cannot be probed. A try reserves its place here in one
    statement before any hashing; a right password gives the place back."""

    PAIR = "pair"
    NAME = "name"
    SCOPES = [(PAIR, _("用户名与来源地址")), (NAME, _("仅用户名"))]

    scope = models.CharField(_("范围"), max_length=4, choices=SCOPES)
    username = models.CharField(_("用户名"), max_length=150)
    # "" for the name-alone row, so that the unique constraint covers it (NULLs never collide).
    address = models.CharField(_("来源地址"), max_length=45, blank=True, default="")
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("最近尝试时间"), db_index=True)

    class Meta:
        verbose_name = _("登录失败计数")
        verbose_name_plural = _("登录失败计数")
        constraints = [
            models.UniqueConstraint(fields=["scope", "username", "address"], name="sign_in_counter_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.address}".strip()

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()


# --- Councils at work (R-1.1 –) ---------------------------------------------------------


def via_council(prefix: str) -> dict:
    """SCOPE for a row that belongs to one council, reached through `prefix`. A unit contact sees
    the rows of every council its unit sits on now, and none of a council it left: a model that
    holds the unit's own records adds the way through the unit itself."""
    return {
        Level.DISTRICT: f"{prefix}__community__street__district",
        Level.STREET: f"{prefix}__community__street",
        Level.COMMUNITY: f"{prefix}__community",
        Level.COUNCIL: prefix,
        Level.MEMBER_UNIT: Seated(prefix),
    }


class CouncilTerm(ScopedModel):
    """A term (届) of a council, with who chaired it."""

    council = models.ForeignKey(Council, models.PROTECT, related_name="terms", verbose_name=_("理事会"))
    number = models.PositiveSmallIntegerField(_("届次"))
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    chair = models.CharField(_("理事长"), max_length=50, blank=True)
    secretary_general = models.CharField(_("秘书长"), max_length=50, blank=True)

    SCOPE = via_council("council")

    class Meta:
        verbose_name = _("理事会届期")
        verbose_name_plural = _("理事会届期")
        ordering = ["council", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["council", "number"], name="term_unique_number"),
            models.CheckConstraint(
                condition=Q(ends_on__gt=models.F("starts_on")), name="term_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return _("第%(n)d届（%(start)s至%(end)s）") % {
            "n": self.number,
            "start": self.starts_on,
            "end": self.ends_on,
        }


class ResponsibleArea(models.Model):
    """A building in a member unit's responsible area (按楼房分片负责, R-1.3)."""

    membership = models.ForeignKey(
        Membership, models.CASCADE, related_name="areas", verbose_name=_("理事会成员")
    )
    building = models.ForeignKey(
        Building, models.PROTECT, related_name="responsible_units", verbose_name=_("楼栋")
    )

    class Meta:
        verbose_name = _("责任片区")
        verbose_name_plural = _("责任片区")
        constraints = [
            models.UniqueConstraint(fields=["membership", "building"], name="area_unique_building")
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit} → {self.building}"


class ContactLog(ScopedModel):
    """A visit of a member unit to residents of its responsible area (R-1.3)."""

    membership = models.ForeignKey(
        Membership, models.PROTECT, related_name="contacts", verbose_name=_("理事会成员")
    )
    contacted_on = models.DateField(_("联系日期"))
    building = models.ForeignKey(Building, models.PROTECT, related_name="contacts", verbose_name=_("楼栋"))
    residents_met = models.PositiveIntegerField(_("走访居民人数"))
    matters = models.TextField(_("反映事项"))
    follow_up = models.TextField(_("跟进处理"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = {**via_council("membership__council"), Level.MEMBER_UNIT: "membership__unit"}

    class Meta:
        verbose_name = _("联系居民记录")
        verbose_name_plural = _("联系居民记录")
        ordering = ["-contacted_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.membership.unit} {self.contacted_on} {self.building.name}"


class Meeting(ScopedModel):
    """A council meeting (R-1.1). It counts as held once its minutes are in."""

    class Kind(models.TextChoices):
        REGULAR = "regular", _("季度例会")
        EXTRAORDINARY = "extraordinary", _("临时会议")

    class Status(models.TextChoices):
        PLANNED = "planned", _("待录入纪要")
        HELD = "held", _("已召开")
        WITHDRAWN = "withdrawn", _("已撤销")

    council = models.ForeignKey(Council, models.PROTECT, related_name="meetings", verbose_name=_("理事会"))
    held_at = models.DateTimeField(_("会议时间"))
    kind = models.CharField(_("会议类型"), max_length=16, choices=Kind.choices, default=Kind.REGULAR)
    place = models.CharField(_("会议地点"), max_length=200)
    minutes = models.TextField(_("会议纪要"), blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    withdrawn_reason = models.TextField(_("撤销原因"), blank=True)
    # Snapshot at recording time, so later membership changes never rewrite the quorum.
    eligible_count = models.PositiveIntegerField(_("应到单位数"), default=0)
    present_count = models.PositiveIntegerField(_("实到单位数"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = via_council("council")

    class Meta:
        verbose_name = _("理事会会议")
        verbose_name_plural = _("理事会会议")
        ordering = ["-held_at"]
        indexes = [models.Index(fields=["council", "held_at"], name="meeting_council_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(present_count__lte=models.F("eligible_count")),
                name="meeting_present_within_eligible",
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | ~Q(minutes=""), name="meeting_held_has_minutes"
            ),
        ]

    def __str__(self) -> str:
        local = timezone.localtime(self.held_at)
        return _("%(council)s %(date)s %(kind)s") % {
            "council": self.council.name,
            "date": local.strftime("%Y-%m-%d"),
            "kind": self.get_kind_display(),
        }

    def get_absolute_url(self) -> str:
        return reverse("meeting_detail", args=[self.pk])

    def ancestors(self) -> list:
        return self.council.ancestors()

    @property
    def quorum_met(self) -> bool:
        return quorum_met(
            present=self.present_count, eligible=self.eligible_count, rule=self.council.quorum_rule
        )

    @property
    def quarter(self):
        from .periods import Quarter

        return Quarter.of(self.held_at)


class Attendance(ScopedModel):
    """Whether a seat was filled at a meeting. Tied to the membership, which is never deleted,
    so a unit that leaves keeps its past attendance."""

    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="attendances", verbose_name=_("会议"))
    membership = models.ForeignKey(
        Membership, models.PROTECT, related_name="attendances", verbose_name=_("成员单位")
    )
    present = models.BooleanField(_("出席"), default=False)
    representative = models.CharField(_("出席代表"), max_length=50, blank=True)
    absence_reason = models.CharField(_("缺席原因"), max_length=200, blank=True)

    SCOPE = {**via_council("meeting__council"), Level.MEMBER_UNIT: "membership__unit"}

    class Meta:
        verbose_name = _("出席情况")
        verbose_name_plural = _("出席情况")
        ordering = ["meeting", "membership__unit__name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "membership"], name="attendance_one_per_seat")
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit} {'✓' if self.present else '✗'}"


class AgendaItem(ScopedModel):
    meeting = models.ForeignKey(Meeting, models.CASCADE, related_name="agenda_items", verbose_name=_("会议"))
    order = models.PositiveSmallIntegerField(_("序号"), default=1)
    title = models.CharField(_("议题"), max_length=200)
    notes = models.TextField(_("说明"), blank=True)

    SCOPE = via_council("meeting__council")

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["meeting", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class Resolution(ScopedModel):
    """A collective decision on an agenda item (R-1.2, DESIGN.md invariant 4). Valid only with a
    quorum; carried by a majority of those present. A failed or unquorate one is kept but
    authorises nothing."""

    class Outcome(models.TextChoices):
        CARRIED = "carried", _("通过")
        FAILED = "failed", _("未通过")
        UNQUORATE = "unquorate", _("未达法定人数，无效")
        WITHDRAWN = "withdrawn", _("已撤销")

    class Subject(models.TextChoices):
        GENERAL = "general", _("一般事项")
        PLAN = "plan", _("审议规划/计划")
        TASK = "task", _("部署共建任务")
        FUNDS = "funds", _("资金使用")

    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="resolutions", verbose_name=_("会议"))
    agenda_item = models.ForeignKey(
        AgendaItem, models.PROTECT, null=True, blank=True, related_name="resolutions", verbose_name=_("议题")
    )
    council = models.ForeignKey(Council, models.PROTECT, related_name="resolutions", verbose_name=_("理事会"))
    number = models.CharField(_("决议编号"), max_length=30)
    subject = models.CharField(_("事项类别"), max_length=10, choices=Subject.choices, default=Subject.GENERAL)
    title = models.CharField(_("决议事项"), max_length=200)
    text = models.TextField(_("决议内容"))
    votes_for = models.PositiveIntegerField(_("赞成"))
    votes_against = models.PositiveIntegerField(_("反对"), default=0)
    votes_abstain = models.PositiveIntegerField(_("弃权"), default=0)
    outcome = models.CharField(_("表决结果"), max_length=10, choices=Outcome.choices)
    withdrawn_reason = models.TextField(_("撤销原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人")
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = via_council("council")

    class Meta:
        verbose_name = _("理事会决议")
        verbose_name_plural = _("理事会决议")
        ordering = ["-meeting__held_at", "number"]
        constraints = [models.UniqueConstraint(fields=["council", "number"], name="resolution_unique_number")]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("meeting_detail", args=[self.meeting_id]) + f"#resolution-{self.pk}"

    @property
    def authorises(self) -> bool:
        """Only a carried resolution can approve a plan, a task or spending."""
        return self.outcome == self.Outcome.CARRIED


class Plan(ScopedModel):
    """A term plan (届期创建规划) or an annual plan (年度计划), R-1.4."""

    class Kind(models.TextChoices):
        TERM = "term", _("届期创建规划")
        ANNUAL = "annual", _("年度计划")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草案")
        SOLICITING = "soliciting", _("征求意见中")
        APPROVED = "approved", _("理事会已通过")
        IN_FORCE = "in_force", _("执行中")
        WITHDRAWN = "withdrawn", _("已撤回")

    council = models.ForeignKey(Council, models.PROTECT, related_name="plans", verbose_name=_("理事会"))
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True, help_text=_("年度计划填写"))
    term = models.ForeignKey(
        CouncilTerm, models.PROTECT, null=True, blank=True, related_name="plans", verbose_name=_("届期")
    )
    title = models.CharField(_("标题"), max_length=200)
    content = models.TextField(_("内容"))
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.ForeignKey(
        Resolution,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_plans",
        verbose_name=_("通过决议"),
    )
    withdrawn_reason = models.TextField(_("撤回原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("起草人")
    )
    created_at = models.DateTimeField(_("起草时间"), auto_now_add=True)

    SCOPE = via_council("council")

    # The allowed transitions (STYLE: one table); approval also needs a carried resolution.
    TRANSITIONS = {
        Status.DRAFT: {Status.SOLICITING, Status.WITHDRAWN},
        Status.SOLICITING: {Status.APPROVED, Status.DRAFT, Status.WITHDRAWN},
        Status.APPROVED: {Status.IN_FORCE},
        Status.IN_FORCE: set(),
        Status.WITHDRAWN: set(),
    }

    class Meta:
        verbose_name = _("创建规划/计划")
        verbose_name_plural = _("创建规划/计划")
        ordering = ["-year", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="term") | Q(year__isnull=False), name="plan_annual_has_year"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "in_force"]) | Q(approved_by__isnull=False),
                name="plan_approved_names_resolution",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("plan_detail", args=[self.pk])

    def ancestors(self) -> list:
        return self.council.ancestors()


class PlanOpinion(ScopedModel):
    """An opinion solicited on a plan (广泛征求意见, R-1.4): adopted or not, with the reason."""

    class Source(models.TextChoices):
        UNIT = "unit", _("成员单位")
        RESIDENT = "resident", _("居民")
        ORGANISATION = "organisation", _("社会组织")

    plan = models.ForeignKey(Plan, models.PROTECT, related_name="opinions", verbose_name=_("规划/计划"))
    source = models.CharField(_("意见来源"), max_length=12, choices=Source.choices)
    source_name = models.CharField(_("提出者"), max_length=100)
    content = models.TextField(_("意见内容"))
    received_on = models.DateField(_("收到日期"))
    adopted = models.BooleanField(_("是否采纳"), null=True, blank=True)
    reason = models.TextField(_("采纳/不采纳理由"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("记录人")
    )

    SCOPE = via_council("plan__council")

    class Meta:
        verbose_name = _("征求意见")
        verbose_name_plural = _("征求意见")
        ordering = ["plan", "received_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(adopted__isnull=True) | ~Q(reason=""), name="opinion_decision_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_name}: {self.content[:30]}"


class Task(ScopedModel):
    """A co-construction task (共建任务) decided by a carried resolution and assigned to a member
    unit with a due date (R-1.1)."""

    class Status(models.TextChoices):
        OPEN = "open", _("进行中")
        DONE = "done", _("已完成")
        CANCELLED = "cancelled", _("已取消")

    council = models.ForeignKey(Council, models.PROTECT, related_name="tasks", verbose_name=_("理事会"))
    resolution = models.ForeignKey(
        Resolution, models.PROTECT, related_name="tasks", verbose_name=_("依据决议")
    )
    title = models.CharField(_("任务"), max_length=200)
    description = models.TextField(_("任务要求"), blank=True)
    assignee = models.ForeignKey(MemberUnit, models.PROTECT, related_name="tasks", verbose_name=_("责任单位"))
    due_on = models.DateField(_("完成时限"))
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("部署人")
    )
    created_at = models.DateTimeField(_("部署时间"), auto_now_add=True)

    # A unit keeps reading the tasks assigned to it after it leaves the council.
    SCOPE = {**via_council("council"), Level.MEMBER_UNIT: (Seated("council"), "assignee")}

    class Meta:
        verbose_name = _("共建任务")
        verbose_name_plural = _("共建任务")
        ordering = ["status", "due_on"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="task_progress_percent"),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_on__isnull=False), name="task_done_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("task_detail", args=[self.pk])

    def ancestors(self) -> list:
        return self.council.ancestors()

    @property
    def is_overdue(self) -> bool:
        from .periods import today

        return self.status == self.Status.OPEN and self.due_on < today()


class TaskProgress(ScopedModel):
    task = models.ForeignKey(Task, models.CASCADE, related_name="updates", verbose_name=_("任务"))
    reported_on = models.DateField(_("日期"))
    percent = models.PositiveSmallIntegerField(_("进度(%)"))
    note = models.TextField(_("进展情况"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("填报人")
    )
    created_at = models.DateTimeField(_("填报时间"), auto_now_add=True)

    SCOPE = {**via_council("task__council"), Level.MEMBER_UNIT: (Seated("task__council"), "task__assignee")}

    class Meta:
        verbose_name = _("任务进展")
        verbose_name_plural = _("任务进展")
        ordering = ["task", "-reported_on", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(percent__lte=100), name="progress_percent")]

    def __str__(self) -> str:
        return f"{self.task} {self.percent}%"


def attachment_path(instance, filename: str) -> str:
    """Kept for migration 0002; the field's names come from `RandomName("meetings")`."""
    return RandomName("meetings")(instance, filename)


class MeetingAttachment(ScopedModel):
    """A PDF, JPEG or PNG attached to a meeting (≤ 10 MB, type checked by content)."""

    meeting = models.ForeignKey(Meeting, models.PROTECT, related_name="attachments", verbose_name=_("会议"))
    # A random name; the original name is kept in a field, never trusted as a path (issue 14 §1).
    file = models.FileField(_("文件"), upload_to=RandomName("meetings"))
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=40)
    size = models.PositiveIntegerField(_("大小(字节)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    SCOPE = via_council("meeting__council")

    class Meta:
        verbose_name = _("会议附件")
        verbose_name_plural = _("会议附件")
        ordering = ["meeting", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ""
        )

    def get_absolute_url(self) -> str:
        return reverse("attachment_download", args=[self.pk])


class ComplianceFinding(ScopedModel):
    """A quarter in which a council held no meeting (R-1.1), recorded once at quarter close."""

    class Kind(models.TextChoices):
        MISSED_MEETING = "missed_meeting", _("本季度未召开理事会议")

    council = models.ForeignKey(Council, models.PROTECT, related_name="findings", verbose_name=_("理事会"))
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.MISSED_MEETING)
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    SCOPE = via_council("council")

    class Meta:
        verbose_name = _("履职问题")
        verbose_name_plural = _("履职问题")
        ordering = ["-year", "-quarter", "council"]
        constraints = [
            models.UniqueConstraint(
                fields=["council", "year", "quarter", "kind"], name="finding_once_per_quarter"
            ),
            models.CheckConstraint(
                condition=Q(quarter__gte=1, quarter__lte=4), name="finding_quarter_1_to_4"
            ),
        ]

    def __str__(self) -> str:
        from .periods import Quarter

        return f"{self.council} {Quarter(self.year, self.quarter)} {self.get_kind_display()}"


class ChangeLog(models.Model):
    """Who changed what and when, for meetings, resolutions, memberships and plans (issue 3 §8)."""

    content_type = models.ForeignKey("contenttypes.ContentType", models.CASCADE, verbose_name=_("对象类型"))
    object_id = models.PositiveBigIntegerField(_("对象"))
    action = models.CharField(_("操作"), max_length=40)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("操作人")
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("变更记录")
        verbose_name_plural = _("变更记录")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="changelog_object")]

    def __str__(self) -> str:
        return f"{self.action} {self.at:%Y-%m-%d %H:%M}"
