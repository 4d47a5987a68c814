"""Pages: dashboards per role, lists with search and filters, forms that keep what was typed,
and query counts that do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from councils.models import Community, MemberUnit
from councils.roles import Role
from tests.conftest import build_side, user_with_role
from tests.factories import (
    BuildingFactory,
    CommunityFactory,
    CouncilFactory,
    MembershipFactory,
    MemberUnitFactory,
    StreetFactory,
)

pytestmark = pytest.mark.django_db


def test_dashboard_shows_counts_below_the_user_and_links_down(client, side_a, side_b):
    client.force_login(user_with_role(Role.DISTRICT_OFFICE, side_a))
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert response.context["summary"] == {
        "districts": 1,
        "streets": 1,
        "communities": 1,
        "buildings": 1,
        "councils": 1,
        "units": 1,
    }
    assert reverse("street_detail", args=[side_a.street.pk]) in page
    assert side_b.street.name not in page


def test_dashboard_of_a_user_without_roles_explains_why_it_is_empty(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    assert "尚未被授予任何角色" in client.get(reverse("home")).content.decode()


def test_breadcrumbs_link_only_what_the_user_may_open(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    page = client.get(reverse("community_detail", args=[side_a.community.pk])).content.decode()
    assert reverse("street_detail", args=[side_a.street.pk]) in page
    assert reverse("district_detail", args=[side_a.district.pk]) not in page
    assert side_a.district.name in page


def test_unit_list_masks_phones_and_searches_by_credit_code(client, side_a, side_b):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    page = client.get(reverse("unit_list")).content.decode()
    assert "138****5678" in page
    assert "13812345678" not in page
    response = client.get(reverse("unit_list"), {"q": side_b.unit.credit_code[-6:]})
    assert [u.name for u in response.context["page_obj"]] == [side_b.unit.name]


def test_community_list_filters_by_street_and_paginates(client, side_a):
    for _ in range(30):
        CommunityFactory(street=side_a.street)
    client.force_login(user_with_role(Role.CITY_OFFICE))
    response = client.get(reverse("community_list"), {"street": side_a.street.pk})
    assert response.context["page_obj"].paginator.count == 31
    assert len(response.context["page_obj"].object_list) == 25
    page2 = client.get(reverse("community_list"), {"street": side_a.street.pk, "page": 2})
    assert len(page2.context["page_obj"].object_list) == 6
    assert f"street={side_a.street.pk}&amp;page=1" in page2.content.decode()


def test_empty_list_says_so(client, db):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    assert "没有符合条件的社区" in client.get(reverse("community_list")).content.decode()


def test_wrong_credit_code_is_refused_with_a_clear_message_and_input_kept(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    data = {
        "name": "新单位",
        "kind": MemberUnit.Kind.COMPANY,
        "credit_code": "91350400MA00000019",
        "street": side_a.street.pk,
        "contact_phone": "13800001234",
        "status": "active",
    }
    response = client.post(reverse("unit_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "校验位错误" in page
    assert 'value="新单位"' in page
    assert not MemberUnit.objects.filter(name="新单位").exists()


def test_street_staff_create_a_community_and_its_council(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    response = client.post(reverse("community_create"), {"street": side_a.street.pk, "name": "新建社区"})
    community = Community.objects.get(name="新建社区")
    assert response.url == community.get_absolute_url()
    response = client.post(
        reverse("council_create"),
        {
            "community": community.pk,
            "name": "新建社区共建理事会",
            "chair": "王",
            "secretary_general": "李",
            "quorum_rule": "more_than_half",
            "term_start": "2026-01-01",
            "term_end": "2025-12-31",
            "status": "active",
        },
    )
    assert "本届截止日期应晚于起始日期" in response.content.decode()
    response = client.post(
        reverse("council_create"),
        {
            "community": community.pk,
            "name": "新建社区共建理事会",
            "chair": "王",
            "secretary_general": "李",
            "quorum_rule": "more_than_half",
            "term_start": "2026-01-01",
            "term_end": "2028-12-31",
            "status": "active",
        },
    )
    assert response.status_code == 302
    community.refresh_from_db()
    assert community.council.name == "新建社区共建理事会"


def grow(side, n=5):
    """Add n of everything below the side's street."""
    for _ in range(n):
        community = CommunityFactory(street=side.street)
        BuildingFactory(community=community)
        council = CouncilFactory(community=community)
        unit = MemberUnitFactory(street=side.street)
        MembershipFactory(unit=unit, council=council)
        MembershipFactory(unit=unit, council=side.council)
        BuildingFactory(community=side.community)
    StreetFactory(district=side.district)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


PAGES = [
    ("home", None),
    ("district_list", None),
    ("district_detail", "district"),
    ("street_list", None),
    ("street_detail", "street"),
    ("community_list", None),
    ("community_detail", "community"),
    ("building_list", None),
    ("building_detail", "building"),
    ("council_list", None),
    ("council_detail", "council"),
    ("unit_list", None),
    ("unit_detail", "unit"),
    ("user_list", None),
]


CASES = [
    (name, obj, role)
    for name, obj in PAGES
    for role in (Role.CITY_OFFICE, Role.STREET_STAFF)
    # The user list is the city office's; districts lie above street staff.
    if not (role == Role.STREET_STAFF and (name == "user_list" or name.startswith("district")))
]


@pytest.mark.parametrize(("name", "obj", "role"), CASES)
def test_query_count_does_not_grow_with_the_data(client, name, obj, role, django_assert_max_num_queries):
    side = build_side("甲")
    user = user_with_role(role, side)
    client.force_login(user)
    url = reverse(name, args=[getattr(side, obj).pk] if obj else [])
    small = queries(client, url)
    grow(side)
    build_side("乙")
    large = queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    # The council page and the dashboard show several panels at once.
    with django_assert_max_num_queries(16 if name in ("council_detail", "home") else 12):
        client.get(url)


def test_street_dashboard_counts_councils_behind_this_quarter(client, side_a):
    """R-1.1: street staff see at a glance how many councils have not met this quarter."""
    from councils.models import Meeting

    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    held = client.get(reverse("home")).context["behind_count"]
    for meeting in Meeting.objects.filter(council=side_a.council):  # saved: the dashboard hears of it
        meeting.status = Meeting.Status.WITHDRAWN
        meeting.save(update_fields=["status"])
    assert client.get(reverse("home")).context["behind_count"] == held + 1
