"""The findings list filters by building (R-2.1) without offering a whole city's buildings at once
(issue 8 §2): above a community the buildings are offered once a community is chosen."""

import pytest
from django.urls import reverse

from councils.roles import Role
from tests.conftest import user_with_role
from tests.factories import BuildingFactory
from tests.inspections.test_views import report

pytestmark = pytest.mark.django_db


def offered(response) -> set[int]:
    return {b.pk for b in response.context["filter"].form.fields["building"].queryset}


def test_the_street_chooses_a_community_then_one_of_its_buildings(client, side_a, side_b):
    staff = user_with_role(Role.STREET_STAFF, side_a)
    other = BuildingFactory(community=side_a.community, name="2号楼")
    there = report(side_a, staff, building=other)
    client.force_login(staff)
    first = client.get(reverse("finding_list"))
    assert offered(first) == set()
    assert "选择社区后可选楼栋" in first.content.decode()
    assert side_a.finding in first.context["page_obj"]  # the list itself is not narrowed

    chosen = client.get(reverse("finding_list"), {"community": side_a.community.pk})
    assert offered(chosen) == {side_a.building.pk, other.pk}
    assert f'<option value="{other.pk}">' in chosen.content.decode()

    narrowed = client.get(reverse("finding_list"), {"community": side_a.community.pk, "building": other.pk})
    assert list(narrowed.context["page_obj"]) == [there]


def test_the_statistics_link_to_a_building_works_without_a_community(client, side_a, side_b):
    """A repeat spot on the statistics page links to ?building=…&status=all."""
    again = report(side_b, side_b.secretary, building=side_b.building)  # a repeat spot
    client.force_login(user_with_role(Role.CITY_OFFICE))
    response = client.get(reverse("finding_list"), {"building": side_b.building.pk, "status": "all"})
    assert offered(response) == {side_b.building.pk}
    assert f'<option value="{side_b.building.pk}" selected>' in response.content.decode()
    assert set(response.context["page_obj"]) == {side_b.finding, again}


def test_a_building_outside_the_scope_finds_nothing(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.get(reverse("finding_list"), {"building": side_b.building.pk, "status": "all"})
    assert list(response.context["page_obj"]) == []
    assert offered(response) == set()


def test_a_community_patroller_is_offered_its_buildings_at_once(client, side_a, side_b):
    client.force_login(user_with_role(Role.PATROLLER, side_a))
    assert offered(client.get(reverse("finding_list"))) == {side_a.building.pk}
