"""The navigation a user sees, from their roles alone (no query beyond the cached grants)."""

from functools import lru_cache

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import CAPABILITIES, Capability, Level
from .scoping import grants_of

DEPTH = {
    Level.CITY: 0,
    Level.DISTRICT: 1,
    Level.STREET: 2,
    Level.COMMUNITY: 3,
    Level.COUNCIL: 4,
    Level.MEMBER_UNIT: 4,
}

# The city tree, grouped in one menu: (url name, label, deepest level that still sees such rows).
TREE = [
    ("district_list", _("区"), Level.DISTRICT),
    ("street_list", _("街道/镇"), Level.STREET),
    ("community_list", _("社区"), Level.COMMUNITY),
    ("building_list", _("楼栋"), Level.COUNCIL),
]
# Council work, for everyone with a role (each list shows only what is in scope).
WORK = [
    ("council_list", _("理事会")),
    ("unit_list", _("成员单位")),
    ("meeting_list", _("会议")),
    ("plan_list", _("规划计划")),
    ("task_list", _("共建任务")),
    ("ledger_list", _("资金")),
    ("violation_list", _("资金问题")),
]
# Patrols, in one menu.
PATROLS = [
    ("finding_list", _("巡查发现")),
    ("patrol_list", _("巡查记录")),
    ("roster_list", _("楼栋一长五员")),
    ("activity_list", _("志愿服务与教育")),
]
# Half-yearly assessment, in one menu. The pages live in the assessments app;
# the menu names them only by URL, so councils still imports nothing of it.
ASSESSMENTS = [
    ("assessment_list", _("考核工作清单")),
    ("assessment_rankings", _("考核排名")),
    ("point_list", _("动态记分")),
    ("period_list", _("考核期")),
    ("rubric_list", _("考核细则")),
    ("point_rule_list", _("记分规则")),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return menus(tuple(sorted((g.role, g.level, g.node_id or 0) for g in grants_of(user))))


@lru_cache(maxsize=4096)
def menus(grants: tuple[tuple[str, str, int], ...]) -> dict:
    """The menus of everyone holding these (role, level, node) assignments, built once per
    process: some thirty URL reversals that every page would otherwise repeat (issue 8 §2).
    The labels stay lazy, so each page shows them in its own language."""
    if not grants:
        return {"nav_tree": [], "nav_items": [], "nav_patrols": [], "nav_assessments": [], "nav_surveys": []}
    roles = {role for role, _level, _node in grants}

    def holds(capability: str) -> bool:
        return bool(roles & CAPABILITIES[capability])

    top = min(DEPTH[level] for _role, level, _node in grants)
    levels = {level for _role, level, _node in grants}
    tree = [(reverse(name), label, name) for name, label, deepest in TREE if DEPTH[deepest] >= top]
    if levels == {Level.MEMBER_UNIT}:
        tree = []  # a unit contact works with its unit and councils, not the tree
    items = [(reverse(name), label, name) for name, label in WORK]
    patrols = [(reverse(name), label, name) for name, label in PATROLS]
    if holds(Capability.REVIEW_COMPLIANCE):
        items.append((reverse("compliance_list"), _("会议督查"), "compliance_list"))
        patrols.append((reverse("patrol_stats"), _("巡查统计"), "patrol_stats"))
    if holds(Capability.MANAGE_USERS):
        items.append((reverse("user_list"), _("用户与角色"), "user_list"))
    assessments = [(reverse(name), label, name) for name, label in ASSESSMENTS]
    units = [node for _role, level, node in grants if level == Level.MEMBER_UNIT]
    if units:
        assessments.insert(0, (reverse("unit_scorecard", args=[units[0]]), _("本单位考核"), "unit_scorecard"))
    if holds(Capability.REQUEST_REPORTS):
        assessments.insert(2, (reverse("report_list"), _("排名报告"), "report_list"))
    if holds(Capability.MANAGE_BULLETINS):
        items.append((reverse("bulletin_list"), _("通报"), "bulletin_list"))
    if holds(Capability.NOMINATE_CASES):
        assessments.append((reverse("modelcase_list"), _("典型案例"), "modelcase_list"))
    surveys = [(reverse("survey_round_list"), _("调查轮次"), "survey_round_list")]
    if levels & {Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY}:
        surveys.insert(0, (reverse("survey_results"), _("调查结果"), "survey_results"))
    if holds(Capability.PRINT_POSTERS):
        surveys.append((reverse("survey_poster_list"), _("二维码海报"), "survey_poster_list"))
    if holds(Capability.REVIEW_ANSWERS):
        surveys.append((reverse("survey_review_list"), _("待审核答卷"), "survey_review_list"))
    if holds(Capability.MANAGE_SURVEYS):
        surveys.append((reverse("questionnaire_list"), _("问卷版本"), "questionnaire_list"))
    return {
        "nav_tree": tree,
        "nav_items": items,
        "nav_patrols": patrols,
        "nav_assessments": assessments,
        "nav_surveys": surveys,
    }
