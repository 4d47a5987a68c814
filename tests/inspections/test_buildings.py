"""Building rosters and civility pacts (R-2.2), volunteer and education activities (R-3.2, R-4.1):
the pages users see, what they may change, and query counts that do not grow with the data."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from councils.periods import today
from councils.roles import Role
from inspections import services
from inspections.models import Activity, BuildingOfficer, CivilityPact
from tests.conftest import build_side, user_with_role
from tests.factories import BuildingFactory, MembershipFactory, MemberUnitFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db

Post = BuildingOfficer.Post


def staff(side):
    return user_with_role(Role.COMMUNITY_STAFF, side)


def fill(building, *posts, by):
    for n, post in enumerate(posts):
        services.officer_set(
            building=building, post=post, name=f"居民{n}", phone=f"1380000{n:04d}", since=today(), by=by
        )


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


# --- Rosters (R-2.2) ---------------------------------------------------------------------------


def test_r2_2_a_roster_with_two_posts_filled_shows_four_vacancies(client, side_a):
    """R-2.2: the head and five officers, with the vacancies visible on the building's page and
    counted on the roster list."""
    fill(side_a.building, Post.PUBLICITY, by=side_a.secretary)  # the head is already in post
    client.force_login(staff(side_a))

    page = client.get(reverse("building_roster", args=[side_a.building.pk]))
    assert page.status_code == 200
    assert [row.label for row in page.context["posts"] if row.officer is None] == [
        "治保员",
        "调解员",
        "卫生员",
        "计生员",
    ]
    assert page.context["vacancies"] == 4
    html = page.content.decode()
    assert html.count('<span class="badge text-bg-danger">空缺</span>') == 4
    assert "4 个空缺" in html and "楼栋长张" in html and "居民0" in html

    listing = client.get(reverse("roster_list"), {"community": side_a.community.pk})
    assert listing.context["totals"]["vacancies"] == 4
    assert listing.context["totals"]["with_vacancies"] == 1
    assert listing.content.decode().count('<span class="badge text-bg-danger">空缺</span>') == 4


def test_r2_2_the_vacancy_filter_leaves_out_complete_buildings(client, side_a):
    """R-2.2: "有空缺" shows only buildings still missing someone."""
    complete = BuildingFactory(community=side_a.community, name="配齐楼")
    fill(complete, *Post, by=side_a.secretary)
    client.force_login(staff(side_a))

    everything = client.get(reverse("roster_list"))
    assert {b.name for b in everything.context["page_obj"].object_list} == {side_a.building.name, "配齐楼"}
    vacant = client.get(reverse("roster_list"), {"vacant": "on"})
    assert [b.name for b in vacant.context["page_obj"].object_list] == [side_a.building.name]
    assert vacant.context["totals"]["vacancies"] == 5
    by_name = client.get(reverse("roster_list"), {"q": "居民5"})  # a resident's name finds the building
    assert [b.name for b in by_name.context["page_obj"].object_list] == ["配齐楼"]


def test_r2_2_replacing_a_holder_keeps_one_per_post(client, side_a):
    """R-2.2: a new building head replaces the old one; a post never has two holders."""
    client.force_login(staff(side_a))
    url = reverse("officer_set", args=[side_a.building.pk, Post.HEAD])
    assert client.get(url).context["form"].initial["name"] == "楼栋长张"

    response = client.post(url, {"name": "楼栋长李", "phone": "13911112222", "since": today().isoformat()})
    assert response.status_code == 302
    assert response.url == reverse("building_roster", args=[side_a.building.pk])
    holders = BuildingOfficer.objects.filter(building=side_a.building, post=Post.HEAD)
    assert [o.name for o in holders] == ["楼栋长李"]
    page = client.get(response.url).content.decode()
    assert "楼栋长李" in page and "楼栋长张" not in page


def test_r2_2_a_bad_phone_is_refused_and_what_was_typed_is_kept(client, side_a):
    client.force_login(staff(side_a))
    url = reverse("officer_set", args=[side_a.building.pk, Post.MEDIATION])
    response = client.post(url, {"name": "调解员王", "phone": "12345", "since": today().isoformat()})
    assert response.status_code == 200
    assert "请输入11位手机号" in response.content.decode()
    assert response.context["form"]["name"].value() == "调解员王"
    assert not BuildingOfficer.objects.filter(building=side_a.building, post=Post.MEDIATION).exists()


def test_r2_2_vacating_a_post_asks_first_then_shows_it_vacant(client, side_a):
    client.force_login(staff(side_a))
    url = reverse("officer_set", args=[side_a.building.pk, Post.HEAD]) + "?vacate=1"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "楼栋长张" in confirm.context["question"]
    assert BuildingOfficer.objects.filter(building=side_a.building, post=Post.HEAD).exists()

    assert client.post(url, {}).status_code == 200  # not confirmed: nothing happens
    assert BuildingOfficer.objects.filter(building=side_a.building, post=Post.HEAD).exists()
    response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    assert not BuildingOfficer.objects.filter(building=side_a.building).exists()
    assert client.get(response.url).context["vacancies"] == 6


def test_r2_2_the_edit_page_lists_the_six_posts(client, side_a):
    client.force_login(staff(side_a))
    page = client.get(reverse("officer_set", args=[side_a.building.pk]))
    labels = [row.label for row in page.context["posts"]]
    assert labels == ["楼栋长", "宣传员", "治保员", "调解员", "卫生员", "计生员"]
    assert page.context["form"] is None
    assert client.post(reverse("officer_set", args=[side_a.building.pk]), {}).status_code == 404
    assert client.get(reverse("officer_set", args=[side_a.building.pk, "chairman"])).status_code == 404


def test_r2_2_phones_are_masked_for_a_patroller_and_full_for_community_staff(client, side_a):
    """R-2.2 (resident data kept minimal, DESIGN.md invariant 8): 139****1111 for those who only
    read the roster; the full number only for those who keep it."""
    url = reverse("building_roster", args=[side_a.building.pk])
    client.force_login(user_with_role(Role.PATROLLER, side_a))
    page = client.get(url).content.decode()
    assert "139****1111" in page and "13900001111" not in page
    assert reverse("officer_set", args=[side_a.building.pk]) not in page

    client.force_login(staff(side_a))
    page = client.get(url).content.decode()
    assert "13900001111" in page
    assert reverse("officer_set", args=[side_a.building.pk]) in page


def test_r2_2_only_a_name_and_a_phone_are_stored_about_a_resident():
    """R-2.2, R-2.3: no identity number, address, birth date or household details."""
    stored = {f.name for f in BuildingOfficer._meta.get_fields() if f.concrete}
    assert stored == {"id", "building", "post", "name", "phone", "since"}


def test_r2_2_a_pact_is_saved_and_shown(client, side_a):
    client.force_login(staff(side_a))
    roster_url = reverse("building_roster", args=[side_a.building.pk])
    assert "尚未订立文明公约" in client.get(roster_url).content.decode()

    adopted = today() - timedelta(days=3)
    response = client.post(
        reverse("pact_edit", args=[side_a.building.pk]),
        {"text": "爱护公物，垃圾入桶。\n邻里和睦。", "adopted_on": adopted.isoformat()},
    )
    assert response.status_code == 302
    pact = CivilityPact.objects.get(building=side_a.building)
    assert (pact.text, pact.adopted_on) == ("爱护公物，垃圾入桶。\n邻里和睦。", adopted)
    page = client.get(roster_url).content.decode()
    assert "爱护公物，垃圾入桶。" in page and "尚未订立文明公约" not in page

    # Saving again changes the one pact.
    client.post(reverse("pact_edit", args=[side_a.building.pk]), {"text": "新公约", "adopted_on": adopted})
    assert CivilityPact.objects.get(building=side_a.building).text == "新公约"
    listing = client.get(reverse("roster_list"), {"community": side_a.community.pk})
    assert listing.context["totals"]["without_pact"] == 0


def test_r2_2_a_patroller_gets_403_on_editing_the_roster_and_the_pact(client, side_a):
    client.force_login(user_with_role(Role.PATROLLER, side_a))
    pk = side_a.building.pk
    assert client.get(reverse("officer_set", args=[pk])).status_code == 403
    assert client.get(reverse("officer_set", args=[pk, Post.HEAD])).status_code == 403
    data = {"name": "冒名", "phone": "", "since": today().isoformat()}
    assert client.post(reverse("officer_set", args=[pk, Post.HEAD]), data).status_code == 403
    pact = {"text": "x", "adopted_on": today()}
    assert client.post(reverse("pact_edit", args=[pk]), pact).status_code == 403
    assert BuildingOfficer.objects.get(building_id=pk, post=Post.HEAD).name == "楼栋长张"
    assert not CivilityPact.objects.exists()


def test_r2_2_community_b_buildings_are_404_for_community_a_staff(client, side_a, side_b):
    client.force_login(staff(side_a))
    pk = side_b.building.pk
    assert client.get(reverse("building_roster", args=[pk])).status_code == 404
    assert client.get(reverse("officer_set", args=[pk])).status_code == 404
    data = {"name": "冒名", "phone": "", "since": today().isoformat()}
    assert client.post(reverse("officer_set", args=[pk, Post.HEAD]), data).status_code == 404
    pact = {"text": "x", "adopted_on": today()}
    assert client.post(reverse("pact_edit", args=[pk]), pact).status_code == 404
    listing = client.get(reverse("roster_list"))
    assert [b.pk for b in listing.context["page_obj"].object_list] == [side_a.building.pk]
    assert BuildingOfficer.objects.get(building_id=pk, post=Post.HEAD).name == "楼栋长张"


# --- Activities (R-3.2, R-4.1) -----------------------------------------------------------------


def activity_data(side, **overrides):
    return {
        "community": side.community.pk,
        "kind": Activity.Kind.LEGAL_EDUCATION,
        "title": "法律小讲坛",
        "held_on": today().isoformat(),
        "organiser": side.unit.pk,
        "participants": "30",
        "volunteer_hours": "4.5",
        "people_served": "80",
        "notes": "讲解物业纠纷",
        **overrides,
    }


def test_r4_1_an_activity_is_recorded_with_its_hours(client, side_a):
    """R-4.1: an education event with its organising member unit, participants, volunteer hours
    (one decimal) and audience."""
    client.force_login(staff(side_a))
    form = client.get(reverse("activity_create")).context["form"]
    assert form.initial["community"] == side_a.community.pk  # the only community: chosen already
    assert list(form.fields["organiser"].queryset) == [side_a.unit]

    response = client.post(reverse("activity_create"), activity_data(side_a))
    activity = Activity.objects.get(title="法律小讲坛")
    assert response.status_code == 302 and response.url == activity.get_absolute_url()
    assert (activity.community, activity.organiser) == (side_a.community, side_a.unit)
    counts = (activity.participants, activity.volunteer_hours, activity.people_served)
    assert counts == (30, Decimal("4.5"), 80)
    page = client.get(response.url).content.decode()
    assert "法律小讲坛" in page and "4.5" in page and "宣传教育" in page and side_a.unit.name in page


def test_r3_2_the_council_secretary_records_for_the_council_community(client, side_a):
    """R-3.2: the secretary reaches the community through its council."""
    client.force_login(side_a.secretary)
    RoleAssignmentFactory(user=side_a.secretary, role=Role.COUNCIL_SECRETARY, council=side_a.council)
    data = activity_data(side_a, kind=Activity.Kind.ELDERLY_DISABLED, title="助老理发")
    assert client.post(reverse("activity_create"), data).status_code == 302
    assert Activity.objects.get(title="助老理发").created_by == side_a.secretary


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("held_on", "future", "活动日期不能晚于今天。"),
        ("volunteer_hours", "-1", "0"),
        ("volunteer_hours", "1.25", "1"),
        ("participants", "-3", "0"),
    ],
)
def test_r3_2_future_dates_and_negative_or_imprecise_hours_are_refused(client, side_a, field, value, message):
    client.force_login(staff(side_a))
    if value == "future":
        value = (today() + timedelta(days=1)).isoformat()
    response = client.post(reverse("activity_create"), activity_data(side_a, **{field: value}))
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert message in " ".join(response.context["form"].errors[field])
    assert response.context["form"]["title"].value() == "法律小讲坛"  # what was typed is kept
    assert not Activity.objects.filter(title="法律小讲坛").exists()


def test_r3_2_the_organiser_must_sit_on_the_chosen_community_council(client, side_a):
    """A user working in two communities cannot credit one community's unit to the other."""
    other = build_side("丙")
    user = staff(side_a)
    RoleAssignmentFactory(user=user, role=Role.COMMUNITY_STAFF, community=other.community)
    client.force_login(user)
    response = client.post(reverse("activity_create"), activity_data(side_a, organiser=other.unit.pk))
    assert response.status_code == 200
    assert "该单位不是所选社区理事会的成员单位。" in response.content.decode()
    response = client.post(reverse("activity_create"), activity_data(other, organiser=other.unit.pk))
    assert response.status_code == 302


def test_r3_2_a_patroller_and_a_district_office_may_not_record_activities(client, side_a):
    for role in (Role.PATROLLER, Role.DISTRICT_OFFICE):
        client.force_login(user_with_role(role, side_a))
        assert client.post(reverse("activity_create"), activity_data(side_a)).status_code == 403
    assert not Activity.objects.filter(title="法律小讲坛").exists()


def record(side, *, kind, hours, participants, served, days_ago=0, organiser=None):
    return services.activity_record(
        community=side.community,
        kind=kind,
        title=f"{kind}{hours}",
        held_on=today() - timedelta(days=days_ago),
        organiser=organiser,
        participants=participants,
        volunteer_hours=Decimal(hours),
        people_served=served,
        by=side.secretary,
    )


def test_r3_2_r4_1_totals_follow_the_filters(client, side_a, side_b):
    """R-3.2, R-4.1: participants, volunteer hours and people served, summed over the filtered set;
    the fixture's warmth visit (6 people, 12 hours, 10 served) is there already."""
    record(side_a, kind=Activity.Kind.CONVENIENCE, hours="3.5", participants=4, served=20, days_ago=40)
    record(side_a, kind=Activity.Kind.SCIENCE_EDUCATION, hours="0", participants=50, served=50, days_ago=2)
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("activity_list")

    everything = client.get(url)
    assert everything.context["totals"] == {
        "count": 3,
        "participants": 60,
        "hours": Decimal("15.5"),
        "served": 80,
    }
    assert '<div class="fs-5" data-testid="total-hours">15.5</div>' in everything.content.decode()

    volunteer = client.get(url, {"group": "volunteer"}).context["totals"]
    assert (volunteer["count"], volunteer["hours"], volunteer["participants"]) == (2, Decimal("15.5"), 10)
    education = client.get(url, {"group": "education"}).context["totals"]
    assert (education["count"], education["hours"], education["served"]) == (1, Decimal("0"), 50)
    recent = client.get(url, {"date_from": (today() - timedelta(days=7)).isoformat()}).context["totals"]
    assert (recent["count"], recent["hours"]) == (2, Decimal("12"))
    kind = client.get(url, {"kind": Activity.Kind.CONVENIENCE}).context["totals"]
    assert (kind["count"], kind["served"]) == (1, 20)
    organised = client.get(url, {"organiser": side_a.unit.pk}).context["totals"]
    assert (organised["count"], organised["hours"]) == (1, Decimal("12"))
    nothing = client.get(url, {"q": "没有这种活动"})
    assert nothing.context["totals"]["hours"] == Decimal("0")
    assert "没有符合条件的活动。" in nothing.content.decode()


def test_r3_2_activities_export_to_xlsx_with_the_filters(client, side_a, side_b):
    record(side_a, kind=Activity.Kind.CONVENIENCE, hours="3.5", participants=4, served=20)
    client.force_login(staff(side_a))
    query = {"group": "volunteer", "kind": "convenience", "format": "xlsx"}
    response = client.get(reverse("activity_list"), query)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("社区", "活动日期", "类别", "类型", "活动名称")
    assert len(rows) == 2
    assert rows[1][0] == side_a.community.name and rows[1][2] == "志愿服务" and rows[1][7] == 3.5


def test_r3_2_community_a_staff_get_404_on_community_b_activities(client, side_a, side_b):
    client.force_login(staff(side_a))
    assert client.get(reverse("activity_detail", args=[side_b.activity.pk])).status_code == 404
    listing = client.get(reverse("activity_list"))
    assert [a.pk for a in listing.context["page_obj"].object_list] == [side_a.activity.pk]


# --- Query counts ------------------------------------------------------------------------------


def grow(side, n=4):
    """More buildings with officers and pacts, more activities, more units on the council."""
    for i in range(n):
        building = BuildingFactory(community=side.community)
        fill(building, Post.HEAD, Post.SANITATION, by=side.secretary)
        services.pact_set(building=building, text="公约", adopted_on=today(), by=side.secretary)
        unit = MemberUnitFactory(street=side.street)
        MembershipFactory(unit=unit, council=side.council)
        kind = Activity.Kind.WARMTH_VISIT
        record(side, kind=kind, hours=f"{i}.5", participants=i, served=i, organiser=unit)
    fill(side.building, Post.PUBLICITY, Post.SECURITY, by=side.secretary)


PAGES = [
    ("roster_list", None),
    ("building_roster", "building"),
    ("officer_set", "building"),
    ("pact_edit", "building"),
    ("activity_list", None),
    ("activity_create", None),
    ("activity_detail", "activity"),
]


CASES = [
    (name, obj, role)
    for name, obj in PAGES
    for role in (Role.CITY_OFFICE, Role.COMMUNITY_STAFF)
    if not (role == Role.CITY_OFFICE and name == "activity_create")  # the city office records none
]


@pytest.mark.parametrize(("name", "obj", "role"), CASES)
def test_query_count_does_not_grow_with_the_data(client, name, obj, role, django_assert_max_num_queries):
    side = build_side("甲")
    client.force_login(user_with_role(role, side))
    url = reverse(name, args=[getattr(side, obj).pk] if obj else [])
    small = queries(client, url)
    grow(side)
    build_side("乙")
    large = queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    with django_assert_max_num_queries(12):
        client.get(url)
