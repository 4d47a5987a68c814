"""The navigation a user sees, from their roles alone (no query beyond the cached grants)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Capability, Level
from .scoping import grants_of, has_capability

DEPTH = {
    Level.CITY: 0,
    Level.DISTRICT: 1,
    Level.STREET: 2,
    Level.COMMUNITY: 3,
    Level.COUNCIL: 4,
    Level.MEMBER_UNIT: 4,
}

# (url name, label, deepest level that still sees such rows)
NAV = [
    ("district_list", _("区"), Level.DISTRICT),
    ("street_list", _("街道/镇"), Level.STREET),
    ("community_list", _("社区"), Level.COMMUNITY),
    ("building_list", _("楼栋"), Level.COUNCIL),
    ("council_list", _("理事会"), Level.MEMBER_UNIT),
    ("unit_list", _("成员单位"), Level.MEMBER_UNIT),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    grants = grants_of(user)
    if not grants:
        return {"nav_items": [], "user_roles": []}
    top = min(DEPTH[g.level] for g in grants)
    items = [(reverse(name), label, name) for name, label, deepest in NAV if DEPTH[deepest] >= top]
    if top == DEPTH[Level.MEMBER_UNIT]:
        # A unit contact sees its unit and its councils, not buildings.
        items = [i for i in items if i[2] in ("council_list", "unit_list")]
    if has_capability(user, Capability.MANAGE_USERS):
        items.append((reverse("user_list"), _("用户与角色"), "user_list"))
    return {"nav_items": items, "user_roles": sorted({g.role for g in grants})}
