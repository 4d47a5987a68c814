"""The dashboard's counts are kept a minute per scope (issue 8 §2) and never outlive a write:
a user sees every new community, unit or meeting at once, and another scope's numbers never."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils import caching, dashboard
from councils.models import Council, Meeting, RoleAssignment
from councils.roles import Role
from tests.conftest import user_with_role
from tests.councils.test_io import seat, unit_row, upload, xlsx
from tests.factories import BuildingFactory, CommunityFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db


def home(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, len(queries)


def test_users_with_the_same_scope_share_the_counts_and_other_scopes_get_their_own(client, side_a, side_b):
    """R-6.1: the second street officer of a street is served the counts the first one's visit
    computed, in fewer queries; the other street's officer sees only their street."""
    officer, colleague = user_with_role(Role.STREET_STAFF, side_a), user_with_role(Role.STREET_STAFF, side_a)
    first, computed = home(client, officer)
    second, served = home(client, colleague)
    assert served < computed
    assert second.context["summary"] == first.context["summary"]
    assert side_a.community.name in second.content.decode()
    assert second.context["grants"] == [str(a) for a in RoleAssignment.objects.filter(user=colleague)]

    other, _ = home(client, user_with_role(Role.STREET_STAFF, side_b))
    page = other.content.decode()
    assert side_b.community.name in page and side_a.community.name not in page


def test_a_new_community_building_or_unit_shows_at_once(client, side_a, side_b):
    office = user_with_role(Role.CITY_OFFICE)
    before, _ = home(client, office)
    CommunityFactory(street=side_a.street)
    BuildingFactory(community=side_a.community)
    MemberUnitFactory(street=side_b.street)
    after, _ = home(client, office)
    grown = {k: before.context["summary"][k] + 1 for k in ("communities", "buildings", "units")}
    assert {k: after.context["summary"][k] for k in grown} == grown


def test_a_withdrawn_meeting_counts_the_council_as_behind_at_once(client, side_a):
    """R-1.1 on the street's dashboard, right after the withdrawal."""
    staff = user_with_role(Role.STREET_STAFF, side_a)
    held = home(client, staff)[0].context["behind_count"]
    for meeting in Meeting.objects.filter(council=side_a.council):
        meeting.status = Meeting.Status.WITHDRAWN
        meeting.save(update_fields=["status"])
    assert home(client, staff)[0].context["behind_count"] == held + 1


def test_imported_units_show_on_the_dashboard_at_once(client, side_a):
    """The import saves in bulk, which no signal reports: it drops the counts itself."""
    staff = user_with_role(Role.STREET_STAFF, side_a)
    units = home(client, staff)[0].context["summary"]["units"]
    response = upload(client, staff, xlsx([unit_row(1, side_a, **seat(side_a)), unit_row(2, side_a)]))
    assert response.status_code == 302
    assert home(client, staff)[0].context["summary"]["units"] == units + 2


def test_a_write_the_signals_miss_is_caught_by_bump(client, side_a):
    staff = user_with_role(Role.STREET_STAFF, side_a)
    home(client, staff)
    Council.objects.filter(pk=side_a.council.pk).update(name="改名后的理事会")  # no signal
    assert "改名后的理事会" not in home(client, staff)[0].content.decode()
    caching.bump(dashboard.TAG)
    assert "改名后的理事会" in home(client, staff)[0].content.decode()
