"""The 考核 menu (R-1.9, R-1.10): every role finds the assessment pages; each link opens."""

import pytest
from django.urls import reverse

from councils.roles import Role

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", list(Role))
def test_every_role_finds_the_assessment_menu_and_its_links_open(client, role, role_users, side_a):
    client.force_login(role_users[role])
    menu = client.get(reverse("home")).context["nav_assessments"]
    names = [name for _url, _label, name in menu]
    assert {"assessment_list", "assessment_rankings", "point_list", "period_list"} <= set(names)
    assert ("report_list" in names) == (role in {Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.STREET_STAFF})
    assert ("unit_scorecard" in names) == (role == Role.UNIT_CONTACT)
    for url, _label, _name in menu:
        assert client.get(url).status_code == 200, url
    if role == Role.UNIT_CONTACT:
        assert menu[0][0] == reverse("unit_scorecard", args=[side_a.unit.pk])
