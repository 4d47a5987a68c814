"""Seats, responsible areas and contacts with residents (R-1.3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from councils import services
from councils.models import ContactLog, Membership
from councils.roles import Role
from tests.conftest import user_with_role
from tests.factories import BuildingFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db


def test_street_staff_seat_a_unit_with_its_responsible_buildings(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    unit = MemberUnitFactory(street=side_a.street, name="新成员单位")
    second = BuildingFactory(community=side_a.community, name="甲2号楼")
    response = client.post(
        reverse("membership_create", args=[side_a.council.pk]),
        {
            "unit": unit.pk,
            "position": Membership.Position.MEMBER,
            "representative": "赵代表",
            "joined_on": timezone.localdate().isoformat(),
            "buildings": [second.pk],
        },
    )
    assert response.status_code == 302
    seat = Membership.objects.get(unit=unit, council=side_a.council)
    assert [a.building for a in seat.areas.all()] == [second]
    page = client.get(reverse("membership_detail", args=[seat.pk])).content.decode()
    assert "甲2号楼" in page and "加入理事会" in page  # the area and the history entry


def test_the_form_offers_only_the_councils_own_buildings_and_refuses_others(client, side_a, side_b):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    unit = MemberUnitFactory(street=side_a.street)
    form = client.get(reverse("membership_create", args=[side_a.council.pk])).context["form"]
    assert list(form.fields["buildings"].queryset) == [side_a.building]
    response = client.post(
        reverse("membership_create", args=[side_a.council.pk]),
        {"unit": unit.pk, "position": "member", "joined_on": "2026-01-05", "buildings": [side_b.building.pk]},
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(unit=unit).exists()


def test_a_unit_cannot_hold_two_current_seats_on_one_council(side_a):
    with pytest.raises(Exception, match="已是该理事会的成员单位"):
        services.membership_add(
            council=side_a.council, unit=side_a.unit, joined_on=timezone.localdate(), by=side_a.secretary
        )


def test_leaving_keeps_the_seat_and_asks_for_confirmation(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("membership_leave", args=[side_a.membership.pk])
    today = timezone.localdate().isoformat()
    response = client.post(url, {"left_on": today})
    assert response.status_code == 200  # not confirmed: nothing happens
    side_a.membership.refresh_from_db()
    assert side_a.membership.left_on is None
    client.post(url, {"left_on": today, "confirm": "on"})
    side_a.membership.refresh_from_db()
    assert side_a.membership.left_on == timezone.localdate()
    page = client.get(reverse("council_detail", args=[side_a.council.pk])).content.decode()
    assert side_a.unit.name in page  # the former member stays on the council page, greyed


def test_unit_contact_records_a_visit_in_its_own_area_only(client, side_a):
    contact = user_with_role(Role.UNIT_CONTACT, side_a)
    client.force_login(contact)
    other = BuildingFactory(community=side_a.community, name="甲9号楼")
    url = reverse("contact_create", args=[side_a.membership.pk])
    form = client.get(url).context["form"]
    assert list(form.fields["building"].queryset) == [side_a.building]
    response = client.post(
        url,
        {
            "contacted_on": timezone.localdate().isoformat(),
            "building": other.pk,
            "residents_met": 2,
            "matters": "x",
        },
    )
    assert response.status_code == 200
    response = client.post(
        url,
        {
            "contacted_on": timezone.localdate().isoformat(),
            "building": side_a.building.pk,
            "residents_met": 5,
            "matters": "楼道照明损坏",
            "follow_up": "已报物业",
        },
    )
    assert response.status_code == 302
    assert ContactLog.objects.filter(matters="楼道照明损坏", created_by=contact).exists()


def test_a_visit_in_the_future_is_refused(client, side_a):
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_a))
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        reverse("contact_create", args=[side_a.membership.pk]),
        {"contacted_on": tomorrow, "building": side_a.building.pk, "residents_met": 1, "matters": "x"},
    )
    assert "联系日期不能晚于今天" in response.content.decode()


def test_unit_contact_cannot_record_for_another_unit(client, side_a):
    other_unit = MemberUnitFactory(street=side_a.street)
    seat = services.membership_add(
        council=side_a.council,
        unit=other_unit,
        joined_on=timezone.localdate(),
        buildings=[side_a.building],
        by=side_a.secretary,
    )
    client.force_login(user_with_role(Role.UNIT_CONTACT, side_a))
    assert client.get(reverse("contact_create", args=[seat.pk])).status_code == 404


def test_membership_changes_keep_who_when_and_what(side_a):
    services.membership_update(
        membership=side_a.membership,
        position=Membership.Position.VICE_CHAIR,
        representative="钱代表",
        buildings=[],
        by=side_a.secretary,
    )
    entry = services.history_of(side_a.membership).first()
    assert entry.by == side_a.secretary
    assert entry.changes["position"] == ["理事长单位", "副理事长单位"]
    assert entry.changes["area"] == [[side_a.building.name], []]


def test_a_new_term_records_its_number_and_updates_the_councils_chair(client, side_a):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    url = reverse("term_create", args=[side_a.council.pk])
    data = {
        "number": 2,
        "starts_on": "2027-01-01",
        "ends_on": "2029-12-31",
        "chair": "周新",
        "secretary_general": "吴新",
    }
    assert client.post(url, data).status_code == 302
    side_a.council.refresh_from_db()
    assert side_a.council.chair == "周新" and str(side_a.council.term_start) == "2027-01-01"
    response = client.post(url, {**data, "number": 2})
    assert "届次应大于上一届" in response.content.decode()
