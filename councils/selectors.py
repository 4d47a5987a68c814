"""Reads that compose several models: counts down the tree for dashboards and detail pages.
Each returns a fixed number of queries whatever the size of the city."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .models import Building, Community, Council, District, Membership, MemberUnit, Street
from .roles import Level
from .scoping import grants_of

TREE_LEVELS = (Level.DISTRICT, Level.STREET, Level.COMMUNITY)
DEPTH = {Level.CITY: 0, Level.DISTRICT: 1, Level.STREET: 2, Level.COMMUNITY: 3, Level.COUNCIL: 4}


def count_of(queryset: QuerySet, outer: str) -> Coalesce:
    """An annotation counting rows of `queryset` whose `outer` points at the outer row."""
    counted = (
        queryset.filter(**{outer: OuterRef("pk")})
        .order_by()
        .values(outer)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def current_memberships() -> QuerySet:
    return Membership.objects.current()


def districts_with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.annotate(
        n_streets=count_of(Street.objects.all(), "district"),
        n_communities=count_of(Community.objects.all(), "street__district"),
        n_councils=count_of(Council.objects.all(), "community__street__district"),
        n_units=count_of(MemberUnit.objects.all(), "street__district"),
    )


def streets_with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("district").annotate(
        n_communities=count_of(Community.objects.all(), "street"),
        n_councils=count_of(Council.objects.all(), "community__street"),
        n_buildings=count_of(Building.objects.all(), "community__street"),
        n_units=count_of(MemberUnit.objects.all(), "street"),
    )


def communities_with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("street__district", "council").annotate(
        n_buildings=count_of(Building.objects.all(), "community"),
        n_members=count_of(current_memberships(), "council__community"),
    )


def councils_with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("community__street__district").annotate(
        n_members=count_of(current_memberships(), "council"),
        n_buildings=count_of(Building.objects.all(), "community"),
    )


def units_with_counts(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("street__district").annotate(
        n_councils=count_of(current_memberships(), "unit"),
    )


def scope_summary(user) -> dict[str, int]:
    """How many of each kind of thing lie within the user's scope: six counts."""
    return {
        "districts": District.objects.visible_to(user).count(),
        "streets": Street.objects.visible_to(user).count(),
        "communities": Community.objects.visible_to(user).count(),
        "buildings": Building.objects.visible_to(user).count(),
        "councils": Council.objects.visible_to(user).count(),
        "units": MemberUnit.objects.visible_to(user).count(),
    }


def can_see_ancestor(user, path: dict[str, int]) -> bool:
    """Whether the tree node with this path (level → id down to the node) is in scope,
    decided from the user's grants alone, without a query."""
    for grant in grants_of(user):
        if grant.level == Level.CITY:
            return True
        if grant.level in path and path[grant.level] == grant.node_id:
            return True
    return False


def breadcrumbs(user, obj) -> list[tuple[str, object]]:
    """(label, object or None) for each ancestor of `obj`; None where the user may not open it."""
    trail = []
    path: dict[str, int] = {}
    for level, ancestor in zip(TREE_LEVELS, obj.ancestors(), strict=False):
        path[level] = ancestor.pk
        trail.append((str(ancestor), ancestor if can_see_ancestor(user, dict(path)) else None))
    return trail
