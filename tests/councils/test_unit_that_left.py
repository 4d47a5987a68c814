"""A unit that left a council stops reading it (issue 14 §2, R-1.3, R-6.1): its contact reaches a
council only through the seats its unit holds now. What stays readable is the unit's own record
there: its seat with its attendance and contact logs, its tasks, its points and activities."""

from datetime import date, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import PointEvent
from councils import services
from councils.models import Attendance, ContactLog, Council, Meeting, Membership, Task
from councils.roles import Role
from councils.services.meetings import Seat
from inspections.models import Activity, Finding
from tests.conftest import build_side, user_with_role
from tests.councils.test_views import grow, queries
from tests.factories import CommunityFactory, CouncilFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def test_the_council_it_left_and_its_meetings_answer_404(client, side_a, left_unit):
    client.force_login(left_unit.contact)
    for url in [
        reverse("council_detail", args=[side_a.council.pk]),
        # held after the unit left, and the one it attended while it sat
        reverse("meeting_detail", args=[side_a.meeting.pk]),
        reverse("meeting_detail", args=[left_unit.meeting.pk]),
        reverse("attachment_download", args=[side_a.attachment.pk]),
        reverse("plan_detail", args=[side_a.plan.pk]),
        reverse("task_detail", args=[side_a.task.pk]),  # another unit's task
        reverse("finding_detail", args=[side_a.finding.pk]),  # a patrol finding of the community
        reverse("activity_detail", args=[side_a.activity.pk]),  # organised by another unit
    ]:
        assert client.get(url).status_code == 404, url


def test_the_lists_no_longer_show_the_council_it_left(client, side_a, left_unit):
    client.force_login(left_unit.contact)
    assert side_a.council.name not in client.get(reverse("council_list")).content.decode()
    assert not list(client.get(reverse("meeting_list")).context["object_list"])
    tasks = client.get(reverse("task_list")).content.decode()
    assert "退出单位任务" in tasks and side_a.task.title not in tasks


def test_it_still_reads_its_seat_with_its_attendance_and_contact_logs(client, side_a, left_unit):
    client.force_login(left_unit.contact)
    response = client.get(reverse("membership_detail", args=[left_unit.membership.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "已于 2024-06-30 退出" in page
    assert "2024-03-15" in page  # the meeting it attended, named without a link it could not open
    assert "退出单位走访" in page  # its contact log
    assert reverse("meeting_detail", args=[left_unit.meeting.pk]) not in page
    assert side_a.council.get_absolute_url() not in page
    # The unit's page lists the seat it left, linked to the seat instead of the council.
    unit_page = client.get(reverse("unit_detail", args=[left_unit.unit.pk])).content.decode()
    assert reverse("membership_detail", args=[left_unit.membership.pk]) in unit_page
    assert side_a.council.get_absolute_url() not in unit_page


def test_it_still_reads_its_tasks_points_and_activities(client, side_a, left_unit):
    client.force_login(left_unit.contact)
    task_page = client.get(reverse("task_detail", args=[left_unit.task.pk]))
    assert task_page.status_code == 200 and "退出单位任务" in task_page.content.decode()
    assert client.get(reverse("activity_detail", args=[left_unit.activity.pk])).status_code == 200
    assert client.get(reverse("unit_scorecard", args=[left_unit.unit.pk])).status_code == 200
    user = left_unit.contact
    assert list(Attendance.objects.visible_to(user)) == list(
        left_unit.meeting.attendances.filter(membership=left_unit.membership)
    )
    assert list(ContactLog.objects.visible_to(user)) == [left_unit.contact_log]
    assert list(Task.objects.visible_to(user)) == [left_unit.task]
    assert list(PointEvent.objects.visible_to(user)) == [left_unit.point_event]
    assert list(Activity.objects.visible_to(user)) == [left_unit.activity]
    assert list(Membership.objects.visible_to(user)) == [left_unit.membership]
    assert not Council.objects.visible_to(user).exists()
    assert not Meeting.objects.visible_to(user).exists()
    assert not Finding.objects.visible_to(user).exists()


def test_a_unit_still_seated_reads_the_whole_council(client, side_a, left_unit):
    """The unit that stayed keeps reading everything, including the meeting the other attended."""
    user = user_with_role(Role.UNIT_CONTACT, side_a)
    assert list(Council.objects.visible_to(user)) == [side_a.council]
    assert set(Meeting.objects.visible_to(user)) == {side_a.meeting, left_unit.meeting}
    assert set(Task.objects.visible_to(user)) == {side_a.task, left_unit.task}
    client.force_login(user)
    assert client.get(reverse("meeting_detail", args=[left_unit.meeting.pk])).status_code == 200


def test_a_unit_that_sits_again_reads_the_council_again(client, side_a, left_unit):
    services.membership_add(
        council=side_a.council, unit=left_unit.unit, joined_on=date(2025, 1, 1), by=side_a.secretary
    )
    client.force_login(left_unit.contact)
    assert client.get(reverse("council_detail", args=[side_a.council.pk])).status_code == 200
    assert client.get(reverse("meeting_detail", args=[side_a.meeting.pk])).status_code == 200


def grow_seats(side, left) -> None:
    """More of the left unit's past on side A's council (meetings it attended, contact logs) and
    more councils it sat on: two it left and one it sits on now."""
    for day in (1, 2, 3):
        services.meeting_record(
            council=side.council,
            held_at=timezone.make_aware(datetime(2024, 4, day, 15, 0)),
            kind=Meeting.Kind.EXTRAORDINARY,
            place="社区会议室",
            seats=[Seat(side.membership.pk, present=True), Seat(left.membership.pk, present=False)],
            minutes="临时会议纪要",
            by=side.secretary,
        )
        ContactLog.objects.create(
            membership=left.membership,
            contacted_on=date(2024, 5, day),
            building=side.building,
            residents_met=1,
            matters="走访",
            created_by=side.secretary,
        )
    for left_on in (date(2024, 6, 30), date(2025, 6, 30), None):
        council = CouncilFactory(community=CommunityFactory(street=side.street))
        MembershipFactory(unit=left.unit, council=council, left_on=left_on)


@pytest.mark.parametrize(
    ("name", "obj"),
    [
        ("council_list", None),
        ("meeting_list", None),
        ("task_list", None),
        ("ledger_list", None),
        ("unit_detail", "unit"),
        ("membership_detail", "membership"),
        ("task_detail", "task"),
        ("entry_detail", "entry"),
    ],
)
def test_query_count_of_the_left_units_pages_does_not_grow(client, side_a, left_unit, name, obj):
    # The unit sits on one other council now, so the lists are not empty to begin with.
    MembershipFactory(
        unit=left_unit.unit, council=CouncilFactory(community=CommunityFactory(street=side_a.street))
    )
    client.force_login(left_unit.contact)
    url = reverse(name, args=[getattr(left_unit, obj).pk] if obj else [])
    small = queries(client, url)
    grow(side_a)
    grow_seats(side_a, left_unit)
    build_side("乙")
    assert queries(client, url) == small, url
