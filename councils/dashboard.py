"""The dashboard's counts down the tree (R-6.1), computed once per scope and kept for a minute
(issue 8 §2): they are the same for every user with the same role assignments, and every user
opens the dashboard first. Any save or delete of the rows they count drops them (councils.caching)."""

from __future__ import annotations

from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import translation

from . import caching, compliance, selectors
from .models import (
    Building,
    Community,
    Council,
    District,
    Meeting,
    Membership,
    MemberUnit,
    RoleAssignment,
    Street,
    Task,
)
from .periods import Quarter, today
from .roles import Capability, Level
from .scoping import grants_of, has_capability

TAG = "dashboard"
TIMEOUT_S = 60
SHAPE = 3  # of the cached value: changed with what compute() returns, so no deploy reads old ones
# Every model whose rows the dashboard counts or names. Role assignments are not among them:
# the key holds the user's assignments, and the same assignments give the same labels.
COUNTED = (District, Street, Community, Building, Council, MemberUnit, Membership, Meeting, Task)
ROWS = 50
# What the cache keeps besides the HTML: the numbers (the page's context, for whoever reads it).
KEPT = ("summary", "grant_labels", "quarter", "behind_count", "task_counts")


def scope_counts(user) -> dict:
    """The counts, tables and labels of the user's dashboard, and their HTML: from the cache when
    another user with the same scope (or this one) asked within the minute, else computed."""
    day = today()
    parts = (SHAPE, caching.scope_of(user), day.isoformat(), translation.get_language())
    return caching.cached(TAG, parts, lambda: compute(user, day), timeout=TIMEOUT_S)


def compute(user, day) -> dict:
    grants = grants_of(user)
    levels = {g.level for g in grants}
    context: dict = {
        "summary": selectors.scope_summary(user),
        # What the badges say; the same for every user holding the same assignments.
        "grant_labels": [
            str(a)
            for a in RoleAssignment.objects.filter(user=user).select_related(
                "district", "street", "community", "council", "member_unit"
            )
        ],
    }
    if Level.CITY in levels or Level.DISTRICT in levels:
        context["districts"] = list(selectors.districts_with_counts(District.objects.visible_to(user)))
    if levels & {Level.DISTRICT, Level.STREET}:
        context["streets"] = list(selectors.streets_with_counts(Street.objects.visible_to(user))[:ROWS])
    if levels & {Level.STREET, Level.COMMUNITY}:
        context["communities"] = list(
            selectors.communities_with_counts(Community.objects.visible_to(user))[:ROWS]
        )
    if levels & {Level.COUNCIL, Level.MEMBER_UNIT}:
        context["councils"] = list(selectors.councils_with_counts(Council.objects.visible_to(user))[:ROWS])
    if Level.MEMBER_UNIT in levels:
        context["units"] = list(
            selectors.units_with_counts(
                MemberUnit.objects.visible_to(user).filter(
                    pk__in=[g.node_id for g in grants if g.level == Level.MEMBER_UNIT]
                )
            )
        )
    if has_capability(user, Capability.REVIEW_COMPLIANCE):
        quarter = Quarter.current()
        context["quarter"] = quarter
        context["behind_count"] = compliance.behind(Council.objects.visible_to(user), quarter).count()
    context["task_counts"] = (
        Task.objects.visible_to(user)
        .filter(status=Task.Status.OPEN)
        .aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=day)))
    )
    # Rendered here, once, and kept with the numbers instead of the tables' rows: rendering is
    # most of the page's work. Other apps' cards (settings.DASHBOARD_PANELS) go between the two.
    kept = {name: context[name] for name in KEPT if name in context}
    kept["scope_top"] = render_to_string("councils/_dashboard_top.html", context)
    kept["scope_rest"] = render_to_string("councils/_dashboard_rest.html", context)
    return kept
