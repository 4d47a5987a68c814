"""Review of answers held as a burst (issue 14 §6): the community's own staff and the city office
accept or reject them after confirming; who and when is kept and shown; other communities'
staff get 404, other roles 403."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.urls import reverse

from councils.periods import SHANGHAI
from councils.roles import Role
from surveys import services
from surveys.models import Response, Round
from tests.conftest import user_with_role

from .helpers import choices, open_since_may

pytestmark = pytest.mark.django_db


@pytest.fixture
def held(clock, side_a, side_b):
    """Side A's community received 6 answers within six minutes: all held (limit 5)."""
    round = open_since_may(Round.current())
    for i in range(6):
        clock.shift(60)
        services.response_submit(
            round=round,
            community=side_a.community,
            answers=choices(round, set()),
            device_token=f"burst-{i}",
            address=f"192.0.2.{i}",
        )
    clock.move_to(datetime(2026, 5, 20, 15, 30, tzinfo=SHANGHAI))
    return list(Response.objects.filter(state=Response.State.HELD).order_by("pk"))


def test_community_staff_accept_held_answers_after_confirming_and_the_decision_is_recorded(
    client, held, side_a
):
    staff = user_with_role(Role.COMMUNITY_STAFF, side_a, first_name="王社区")
    client.force_login(staff)
    url = reverse("survey_review", args=[side_a.community.pk])
    page = client.get(url).content.decode()
    assert len(held) == 6
    assert page.count('name="responses"') == 6 and "一小时内答卷明显多于本社区平常水平" in page

    # Without the confirmation nothing happens, and the page says why.
    response = client.post(url, {"responses": [held[0].pk, held[1].pk], "decision": "accept"})
    assert response.status_code == 200 and "请勾选确认后再提交" in response.content.decode()
    assert Response.objects.filter(state=Response.State.HELD).count() == 6

    response = client.post(
        url, {"responses": [held[0].pk, held[1].pk], "decision": "accept", "confirm": "on"}, follow=True
    )
    assert "已采纳 2 份答卷" in response.content.decode()
    accepted = Response.objects.get(pk=held[0].pk)
    assert accepted.state == Response.State.ACCEPTED and accepted.reviewed_by == staff
    assert accepted.reviewed_at == datetime(2026, 5, 20, 15, 30, tzinfo=SHANGHAI)
    decided = response.content.decode().split('id="decided-table"')[1]
    assert "王社区" in decided and "2026-05-20 15:30" in decided and "审核后计入" in decided

    # The city office rejects the rest: they never count.
    client.force_login(user_with_role(Role.CITY_OFFICE))
    rest = [r.pk for r in held[2:]]
    assert client.post(url, {"responses": rest, "decision": "reject", "confirm": "on"}).status_code == 302
    assert Response.objects.filter(state=Response.State.REJECTED).count() == 4
    assert not Response.objects.filter(state=Response.State.HELD).exists()


def test_other_communities_staff_get_404_and_other_roles_403(client, held, side_a, side_b):
    url = reverse("survey_review", args=[side_a.community.pk])
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_b))
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"responses": [held[0].pk], "decision": "accept", "confirm": "on"}).status_code
        == 404
    )
    assert side_a.community.name not in client.get(reverse("survey_review_list")).content.decode()
    for role in (Role.STREET_STAFF, Role.DISTRICT_OFFICE, Role.PATROLLER):
        client.force_login(user_with_role(role, side_a))
        assert client.get(url).status_code == 403
    assert Response.objects.filter(state=Response.State.HELD).count() == 6


def test_answers_of_another_community_cannot_be_decided_through_this_one(client, held, side_a, side_b):
    """A forged id of side B's answer on side A's page is refused, not decided."""
    other = Response.objects.filter(community=side_b.community).first() or services.response_submit(
        round=Round.current(),
        community=side_b.community,
        answers=choices(Round.current(), set()),
        device_token="side-b",
        address="192.0.2.200",
    )
    Response.objects.filter(pk=other.pk).update(state=Response.State.HELD)
    client.force_login(user_with_role(Role.CITY_OFFICE))
    url = reverse("survey_review", args=[side_a.community.pk])
    response = client.post(url, {"responses": [other.pk], "decision": "accept", "confirm": "on"})
    assert response.status_code == 200 and "所选答卷已不在待审核之列" in response.content.decode()
    assert Response.objects.get(pk=other.pk).state == Response.State.HELD


def test_the_review_list_names_communities_with_answers_waiting(client, held, side_a):
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    page = client.get(reverse("survey_review_list")).content.decode()
    table = page[page.index('id="review-communities"') :]
    assert side_a.community.name in table and ">6<" in table
