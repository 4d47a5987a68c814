"""The seven roles of DESIGN.md, the level of the city tree each one is scoped to, and what
each may do (R-6.1: each level sees and steers what is below it)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITY_OFFICE = "city_office", _("市文明办")
    DISTRICT_OFFICE = "district_office", _("区文明办")
    STREET_STAFF = "street_staff", _("街道办")
    COMMUNITY_STAFF = "community_staff", _("社区工作人员")
    COUNCIL_SECRETARY = "council_secretary", _("理事会秘书长")
    PATROLLER = "patroller", _("文明巡查员")
    UNIT_CONTACT = "unit_contact", _("成员单位联络员")


class Level(models.TextChoices):
    """Where a role assignment points. The city level points nowhere: it sees everything."""

    CITY = "city", _("全市")
    DISTRICT = "district", _("区")
    STREET = "street", _("街道/镇")
    COMMUNITY = "community", _("社区")
    COUNCIL = "council", _("理事会")
    MEMBER_UNIT = "member_unit", _("成员单位")


ROLE_LEVEL: dict[str, str] = {
    Role.CITY_OFFICE: Level.CITY,
    Role.DISTRICT_OFFICE: Level.DISTRICT,
    Role.STREET_STAFF: Level.STREET,
    Role.COMMUNITY_STAFF: Level.COMMUNITY,
    Role.COUNCIL_SECRETARY: Level.COUNCIL,
    Role.PATROLLER: Level.COMMUNITY,
    Role.UNIT_CONTACT: Level.MEMBER_UNIT,
}


class Capability(models.TextChoices):
    """Actions beyond reading. Reading is scope alone: whoever sees an object may open it."""

    MANAGE_TREE = "manage_tree", _("维护区、街道与社区")
    MANAGE_BUILDINGS = "manage_buildings", _("维护楼栋")
    MANAGE_COUNCILS = "manage_councils", _("维护理事会")
    MANAGE_UNITS = "manage_units", _("维护成员单位")
    MANAGE_USERS = "manage_users", _("管理用户与角色")
    RECORD_MEETINGS = "record_meetings", _("录入会议与决议")
    MANAGE_PLANS = "manage_plans", _("编制规划与计划")
    MANAGE_TASKS = "manage_tasks", _("部署共建任务")
    REPORT_TASKS = "report_tasks", _("填报任务进展")
    RECORD_CONTACTS = "record_contacts", _("记录联系居民情况")
    REVIEW_COMPLIANCE = "review_compliance", _("查看履职督查")
    RECORD_LEDGER = "record_ledger", _("登记资金收支")
    REVIEW_FUNDS = "review_funds", _("审核资金与违规销号")
    RECORD_PATROLS = "record_patrols", _("记录巡查与发现")
    HANDLE_FINDINGS = "handle_findings", _("处置巡查发现")
    RECORD_ACTIVITIES = "record_activities", _("记录志愿服务与教育活动")
    MANAGE_RUBRICS = "manage_rubrics", _("制定考核细则、考核期与记分规则")
    DRAFT_ASSESSMENTS = "draft_assessments", _("考核评分")
    CONFIRM_ASSESSMENTS = "confirm_assessments", _("确认、公布与更正考核")
    RECORD_POINTS = "record_points", _("登记动态记分")
    REQUEST_REPORTS = "request_reports", _("生成考核排名报告")
    MANAGE_SURVEYS = "manage_surveys", _("设置居民调查轮次与问卷")
    PRINT_POSTERS = "print_posters", _("打印调查二维码海报")
    EXPORT_ANSWERS = "export_answers", _("导出匿名调查答卷")
    REVIEW_ANSWERS = "review_answers", _("审核待审核的调查答卷")
    MANAGE_BULLETINS = "manage_bulletins", _("编发通报")
    NOMINATE_CASES = "nominate_cases", _("推荐典型案例")


# One table: which roles hold which capability, always within their own scope.
CAPABILITIES: dict[str, frozenset[str]] = {
    Capability.MANAGE_TREE: frozenset({Role.CITY_OFFICE, Role.STREET_STAFF}),
    Capability.MANAGE_BUILDINGS: frozenset({Role.CITY_OFFICE, Role.STREET_STAFF, Role.COMMUNITY_STAFF}),
    Capability.MANAGE_COUNCILS: frozenset({Role.CITY_OFFICE, Role.STREET_STAFF}),
    Capability.MANAGE_UNITS: frozenset({Role.CITY_OFFICE, Role.STREET_STAFF}),
    Capability.MANAGE_USERS: frozenset({Role.CITY_OFFICE}),
    Capability.RECORD_MEETINGS: frozenset({Role.COUNCIL_SECRETARY}),
    Capability.MANAGE_PLANS: frozenset({Role.COUNCIL_SECRETARY}),
    Capability.MANAGE_TASKS: frozenset({Role.COUNCIL_SECRETARY}),
    # A unit contact reports only on tasks assigned to its own unit (the view narrows to those).
    Capability.REPORT_TASKS: frozenset({Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT}),
    Capability.RECORD_CONTACTS: frozenset({Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT}),
    Capability.REVIEW_COMPLIANCE: frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.STREET_STAFF}),
    # The secretary keeps the ledger, pledges, budgets and reports rectification;
    # street staff review it, flag problems and close them once rectified.
    Capability.RECORD_LEDGER: frozenset({Role.COUNCIL_SECRETARY}),
    Capability.REVIEW_FUNDS: frozenset({Role.CITY_OFFICE, Role.STREET_STAFF}),
    # Patrollers and community staff record rounds and findings, dissuade, order rectification,
    # mark rectified and reopen; community and street staff also verify, escalate and close.
    Capability.RECORD_PATROLS: frozenset({Role.PATROLLER, Role.COMMUNITY_STAFF}),
    Capability.HANDLE_FINDINGS: frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF}),
    Capability.RECORD_ACTIVITIES: frozenset({Role.COMMUNITY_STAFF, Role.COUNCIL_SECRETARY}),
    # Half-yearly assessment: the city office sets the rules, the community
    # scores, the street confirms, publishes, corrects and records manual points.
    Capability.MANAGE_RUBRICS: frozenset({Role.CITY_OFFICE}),
    Capability.DRAFT_ASSESSMENTS: frozenset({Role.COMMUNITY_STAFF}),
    Capability.CONFIRM_ASSESSMENTS: frozenset({Role.STREET_STAFF}),
    Capability.RECORD_POINTS: frozenset({Role.STREET_STAFF}),
    Capability.REQUEST_REPORTS: frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.STREET_STAFF}),
    # Residents' five-rates surveys (R-6.2): the city office sets rounds and questions and exports
    # the anonymised answers; the offices and community staff print their communities' QR posters.
    Capability.MANAGE_SURVEYS: frozenset({Role.CITY_OFFICE}),
    Capability.PRINT_POSTERS: frozenset(
        {Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.STREET_STAFF, Role.COMMUNITY_STAFF}
    ),
    Capability.EXPORT_ANSWERS: frozenset({Role.CITY_OFFICE}),
    # Answers held as a burst (issue 14 §6) are accepted or rejected by the community's own staff
    # or by the city office.
    Capability.REVIEW_ANSWERS: frozenset({Role.CITY_OFFICE, Role.COMMUNITY_STAFF}),
    # Bulletins: the district office issues its district's, the city office the city's and
    # reads every district's; street, district and city staff nominate model cases.
    Capability.MANAGE_BULLETINS: frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE}),
    Capability.NOMINATE_CASES: frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.STREET_STAFF}),
}
