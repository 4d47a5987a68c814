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
from .scoping import Many, ScopedModel
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

    SCOPE = {
        Level.DISTRICT: "community__street__district",
        Level.STREET: "community__street",
        Level.COMMUNITY: "community",
        Level.COUNCIL: "pk",
        Level.MEMBER_UNIT: Many("memberships__unit"),
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


class SignInLock(models.Model):
    """Failed sign-ins in a row for one user name (known or not, so names cannot be probed)."""

    username = models.CharField(_("用户名"), max_length=150, unique=True)
    failures = models.PositiveIntegerField(_("连续失败次数"), default=0)
    locked_until = models.DateTimeField(_("锁定至"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("最近失败时间"), null=True, blank=True)
    last_address = models.GenericIPAddressField(_("最近来源地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")

    def __str__(self) -> str:
        return self.username

    @property
    def is_locked(self) -> bool:
        return self.locked_until is not None and self.locked_until > timezone.now()
