"""Shared fixtures: a small city with two sides, A and B, and one user per role on side A.
Everything on side B is outside every role's scope except the city office's."""

from dataclasses import dataclass

import pytest

from councils.models import Building, Community, Council, District, Membership, MemberUnit, Street
from councils.roles import Role
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CouncilFactory,
    DistrictFactory,
    MembershipFactory,
    MemberUnitFactory,
    RoleAssignmentFactory,
    StreetFactory,
    UserFactory,
)


@dataclass
class Side:
    district: District
    street: Street
    community: Community
    building: Building
    council: Council
    unit: MemberUnit
    membership: Membership


def build_side(label: str) -> Side:
    district = DistrictFactory(name=f"{label}区")
    street = StreetFactory(district=district, name=f"{label}街道")
    community = CommunityFactory(street=street, name=f"{label}社区")
    building = BuildingFactory(community=community, name=f"{label}1号楼")
    council = CouncilFactory(community=community)
    unit = MemberUnitFactory(street=street, name=f"{label}单位")
    membership = MembershipFactory(unit=unit, council=council)
    return Side(district, street, community, building, council, unit, membership)


ROLE_NODE = {
    Role.CITY_OFFICE: None,
    Role.DISTRICT_OFFICE: "district",
    Role.STREET_STAFF: "street",
    Role.COMMUNITY_STAFF: "community",
    Role.COUNCIL_SECRETARY: "council",
    Role.PATROLLER: "community",
    Role.UNIT_CONTACT: "unit",
}


def user_with_role(role: str, side: Side | None = None, **kwargs):
    user = UserFactory(**kwargs)
    node = ROLE_NODE[role]
    field = {"unit": "member_unit"}.get(node, node)
    RoleAssignmentFactory(user=user, role=role, **({field: getattr(side, node)} if node else {}))
    return user


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests sign in thousands of times; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def side_a(db) -> Side:
    return build_side("甲")


@pytest.fixture
def side_b(db) -> Side:
    return build_side("乙")


@pytest.fixture
def role_users(side_a, side_b) -> dict[str, object]:
    """One user per role, each scoped to side A."""
    return {role: user_with_role(role, side_a, username=str(role)) for role in Role}


@pytest.fixture
def login(client):
    def _login(user):
        client.force_login(user)
        return client

    return _login
