"""From a member unit's page and from its seat on a council, the unit's assessment record (考核档案)
is one link away (R-1.9): street staff confirming a unit's assessment start from its council."""

import pytest
from django.urls import reverse

from councils.roles import Role
from tests.conftest import user_with_role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.COUNCIL_SECRETARY])
@pytest.mark.parametrize("page", ["unit_detail", "membership_detail"])
def test_a_unit_s_pages_link_to_its_assessment_record(client, side_a, role, page):
    client.force_login(user_with_role(role, side_a))
    pk = side_a.unit.pk if page == "unit_detail" else side_a.membership.pk
    response = client.get(reverse(page, args=[pk]))
    scorecard = reverse("unit_scorecard", args=[side_a.unit.pk])
    assert response.status_code == 200
    assert f'href="{scorecard}"' in response.content.decode()
    assert client.get(scorecard).status_code == 200


def test_the_assessment_record_leads_to_the_unit_s_assessment_on_the_council(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    content = client.get(reverse("unit_scorecard", args=[side_a.unit.pk])).content.decode()
    assert f'href="{side_a.assessment.get_absolute_url()}">{side_a.council.name}</a>' in content
