"""The one scoping primitive (DESIGN.md invariant 1, R-6.1).

A user holds role assignments: a role and one node of the city tree, one council or one member
unit. Every model that users reach uses `ScopedQuerySet` and declares in `SCOPE` how it is
reached from each level; `Model.objects.visible_to(user)` is then the set of rows under any of
the user's assignments. Views build their querysets from it and fetch with
`get_object_or_404(scoped_qs, ...)`, so an object outside the scope is a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import models
from django.db.models import Q

from .roles import CAPABILITIES, ROLE_LEVEL, Level


@dataclass(frozen=True)
class Many:
    """A lookup path through a to-many relation: matched with a subquery so rows never repeat."""

    path: str


@dataclass(frozen=True)
class Seated:
    """A member unit's way to a council's rows: `path` leads from the model to the council, which
    the unit reaches only through a seat it holds now (a membership not ended, R-1.3). A unit that
    left keeps its own records through the unit itself, never through the council. Matched with
    one subquery on the unit's current seats, so rows never repeat and the query stays the same
    whatever the data."""

    path: str


@dataclass(frozen=True)
class Grant:
    """One role assignment reduced to what scoping needs."""

    role: str
    level: str
    node_id: int | None


def grants_of(user) -> list[Grant]:
    """The user's assignments, read once per request and kept on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_grants", None)
    if cached is None:
        from .models import RoleAssignment

        cached = [
            Grant(role=a.role, level=ROLE_LEVEL[a.role], node_id=a.node_id)
            for a in RoleAssignment.objects.filter(user=user).only(
                "role", "district_id", "street_id", "community_id", "council_id", "member_unit_id"
            )
        ]
        user._grants = cached
    return cached


def roles_of(user) -> set[str]:
    return {g.role for g in grants_of(user)}


def has_capability(user, capability: str) -> bool:
    """Whether any of the user's roles holds `capability` (somewhere in its scope)."""
    return bool(roles_of(user) & CAPABILITIES[capability])


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, capability: str | None = None) -> ScopedQuerySet:
        """Rows under any of the user's assignments; with `capability`, only under the
        assignments whose role holds it."""
        grants: Iterable[Grant] = grants_of(user)
        if capability is not None:
            allowed = CAPABILITIES[capability]
            grants = [g for g in grants if g.role in allowed]
        condition = Q(pk__in=[])
        for grant in grants:
            if grant.level == Level.CITY:
                return self.all()
            part = self.model.scope_q(grant.level, grant.node_id)
            if part is not None:
                condition |= part
        return self.filter(condition)


class ScopedModel(models.Model):
    """Base for every model users reach. `SCOPE` maps a level to the lookup path from this
    model to that level's node; a level missing from it sees none of these rows."""

    SCOPE: dict[str, str | Many | Seated | tuple[str | Many | Seated, ...]] = {}

    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, level: str, node_id: int | None) -> Q | None:
        paths = cls.SCOPE.get(level)
        if paths is None:
            return None
        if not isinstance(paths, tuple):
            paths = (paths,)
        condition = Q(pk__in=[])
        for path in paths:
            if isinstance(path, Many):
                condition |= Q(pk__in=cls._base_manager.filter(**{path.path: node_id}).values("pk"))
            elif isinstance(path, Seated):
                from .models import Membership

                seats = Membership.objects.current().filter(unit_id=node_id).values("council_id")
                condition |= Q(**{f"{path.path}__in": seats})
            else:
                condition |= Q(**{path: node_id})
        return condition
