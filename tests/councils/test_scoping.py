"""The one scoping primitive (DESIGN.md invariant 1, R-6.1): each level sees what is below it,
forms offer only what the user may manage, and forged ids change nothing."""

import pytest
from django.urls import reverse

from councils.models import (
    Building,
    Community,
    Council,
    District,
    Membership,
    MemberUnit,
    RoleAssignment,
    Street,
)
from councils.roles import Capability, Role
from tests.conftest import user_with_role
from tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def names(queryset):
    return sorted(str(o) for o in queryset)


def test_city_office_sees_both_districts(side_a, side_b):
    user = user_with_role(Role.CITY_OFFICE)
    assert names(District.objects.visible_to(user)) == sorted([side_a.district.name, side_b.district.name])


def test_street_staff_see_their_street_and_nothing_of_the_other(side_a, side_b):
    user = user_with_role(Role.STREET_STAFF, side_a)
    assert list(Street.objects.visible_to(user)) == [side_a.street]
    assert list(Community.objects.visible_to(user)) == [side_a.community]
    assert list(Council.objects.visible_to(user)) == [side_a.council]
    assert list(MemberUnit.objects.visible_to(user)) == [side_a.unit]
    assert not District.objects.visible_to(user).exists()  # the level above is not theirs


def test_secretary_sees_one_council_and_its_buildings(side_a, side_b):
    user = user_with_role(Role.COUNCIL_SECRETARY, side_a)
    assert list(Council.objects.visible_to(user)) == [side_a.council]
    assert list(Building.objects.visible_to(user)) == [side_a.building]
    assert not Community.objects.visible_to(user).exists()


def test_unit_contact_sees_every_council_its_unit_sits_on_once(side_a, side_b):
    user = user_with_role(Role.UNIT_CONTACT, side_a)
    # The unit leaves side B's council after sitting on it, and sits again: two rows, one council.
    MembershipFactory(unit=side_a.unit, council=side_b.council, left_on="2025-01-31")
    MembershipFactory(unit=side_a.unit, council=side_b.council)
    assert names(Council.objects.visible_to(user)) == sorted([side_a.council.name, side_b.council.name])
    assert list(MemberUnit.objects.visible_to(user)) == [side_a.unit]


def test_a_user_without_roles_sees_nothing(side_a):
    user = UserFactory()
    assert not Council.objects.visible_to(user).exists()
    assert not Membership.objects.visible_to(user).exists()


def test_two_roles_see_the_union(side_a, side_b):
    user = user_with_role(Role.COMMUNITY_STAFF, side_a)
    RoleAssignment.objects.create(user=user, role=Role.COUNCIL_SECRETARY, council=side_b.council)
    assert names(Council.objects.visible_to(user)) == sorted([side_a.council.name, side_b.council.name])


def test_capability_narrows_to_roles_that_hold_it(side_a, side_b):
    user = user_with_role(Role.PATROLLER, side_a)
    assert Community.objects.visible_to(user).exists()
    assert not Community.objects.visible_to(user, capability=Capability.MANAGE_BUILDINGS).exists()


def test_role_assignment_must_point_at_its_level(side_a):
    from django.core.exceptions import ValidationError

    assignment = RoleAssignment(user=UserFactory(), role=Role.STREET_STAFF, community=side_a.community)
    with pytest.raises(ValidationError):
        assignment.full_clean()


def test_community_form_offers_only_the_users_street(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    form = client.get(reverse("community_create")).context["form"]
    assert list(form.fields["street"].queryset) == [side_a.street]


def test_forged_parent_id_is_refused_and_nothing_is_saved(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.post(reverse("community_create"), {"street": side_b.street.pk, "name": "伪造社区"})
    assert response.status_code == 200
    assert "选择一个有效的选项" in response.content.decode()
    assert not Community.objects.filter(name="伪造社区").exists()


def test_update_of_another_streets_community_is_404_and_changes_nothing(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("community_update", args=[side_b.community.pk])
    response = client.post(url, {"street": side_b.street.pk, "name": "改名"})
    assert response.status_code == 404
    side_b.community.refresh_from_db()
    assert side_b.community.name != "改名"


def test_role_form_rejects_a_role_without_its_scope(client, side_a):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    target = UserFactory()
    response = client.post(reverse("roleassignment_create", args=[target.pk]), {"role": Role.STREET_STAFF})
    assert response.status_code == 200
    assert "需要选择街道/镇" in response.content.decode()
    assert not target.role_assignments.exists()


def test_city_office_grants_and_revokes_a_role(client, side_a):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    target = UserFactory()
    response = client.post(
        reverse("roleassignment_create", args=[target.pk]),
        {"role": Role.STREET_STAFF, "street": side_a.street.pk, "community": side_a.community.pk},
    )
    assert response.status_code == 302
    assignment = target.role_assignments.get()
    assert assignment.street == side_a.street and assignment.community is None
    assert Street.objects.visible_to(target).get() == side_a.street
    # Revoking asks for confirmation first.
    client.post(reverse("roleassignment_delete", args=[assignment.pk]), {})
    assert target.role_assignments.exists()
    client.post(reverse("roleassignment_delete", args=[assignment.pk]), {"confirm": "on"})
    assert not target.role_assignments.exists()
