"""The dashboard shows the residents' five rates of what the user sees (R-6.2)."""

import pytest
from django.urls import reverse

from councils.roles import Role
from surveys.models import Response, Round
from tests.surveys.helpers import answer_many

pytestmark = pytest.mark.django_db


def test_offices_see_the_five_rates_of_their_scope_on_the_dashboard(client, side_a, side_b, role_users):
    Response.objects.all().delete()
    round = Round.current()
    answer_many(round, side_a.community, satisfied=3, unsatisfied=1)
    answer_many(round, side_b.community, satisfied=0, unsatisfied=6)
    client.force_login(role_users[Role.STREET_STAFF])
    page = client.get(reverse("home"))
    card = next(p for p in page.context["panels"] if p["template"] == "surveys/_dashboard_card.html")
    assert card["responses"] == 4  # side B's answers are outside the street's scope
    satisfaction = card["rates"][-1]
    assert (satisfaction["label"], satisfaction["pct"], satisfaction["n"]) == ("满意率", 75.0, 4)
    html = page.content.decode()
    assert "居民五率" in html and 'id="survey-card-chart"' in html and "75.0%" in html
    client.force_login(role_users[Role.CITY_OFFICE])
    city = client.get(reverse("home")).context["panels"][0]
    assert city["responses"] == 10


@pytest.mark.parametrize("role", [Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT])
def test_roles_that_see_no_community_get_no_card(client, role, role_users):
    client.force_login(role_users[role])
    assert client.get(reverse("home")).context["panels"] == []


def test_the_card_costs_the_same_queries_however_many_answers(
    client, side_a, role_users, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(role_users[Role.STREET_STAFF])
    client.get(reverse("home"))  # the dashboard's own counts are now cached: both requests below read them
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    answer_many(Round.current(), side_a.community, satisfied=20, unsatisfied=20)
    with django_assert_num_queries(len(before)):
        client.get(reverse("home"))
