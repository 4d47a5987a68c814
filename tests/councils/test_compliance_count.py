"""The count of councils behind on meetings (R-1.1) above the compliance list follows the list's
own filters: a district office looking at one street reads that street's number, not the district's."""

from datetime import timedelta

import pytest
from django.urls import reverse

from councils import services
from councils.models import Meeting
from councils.periods import Quarter
from councils.roles import Role
from councils.services.meetings import Seat
from tests.conftest import user_with_role
from tests.factories import CommunityFactory, CouncilFactory, StreetFactory

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def test_the_count_of_councils_behind_is_the_filtered_street_s(client, side_a):
    """Last quarter: side A's council met, a second council of its street and one of another
    street of the district did not. Filtered to side A's street, one council is behind."""
    quarter = Quarter.current().previous()
    services.meeting_record(
        council=side_a.council,
        held_at=quarter.start + timedelta(days=10),
        kind=Meeting.Kind.REGULAR,
        place="会议室",
        seats=[Seat(side_a.membership.pk, present=True)],
        minutes="纪要",
        by=side_a.secretary,
    )
    same_street = CouncilFactory(community=CommunityFactory(street=side_a.street))
    other_street = StreetFactory(district=side_a.district)
    elsewhere = CouncilFactory(community=CommunityFactory(street=other_street))
    client.force_login(user_with_role(Role.DISTRICT_OFFICE, side_a))
    url = reverse("compliance_list")

    whole = client.get(url, {"quarter": quarter.code, "show": "all"})
    assert {c.pk for c in whole.context["object_list"]} == {side_a.council.pk, same_street.pk, elsewhere.pk}
    assert "本季度尚未召开会议的理事会：2 个。" in whole.content.decode()

    street = client.get(url, {"quarter": quarter.code, "show": "all", "street": side_a.street.pk})
    assert {c.pk for c in street.context["object_list"]} == {side_a.council.pk, same_street.pk}
    assert street.context["behind_count"] == 1
    assert "本季度尚未召开会议的理事会：1 个。" in street.content.decode()
