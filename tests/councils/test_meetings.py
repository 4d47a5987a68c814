"""Meeting pages: the secretary's form, attendance kept when a unit leaves, quorum and votes on
the page, attachments checked by content, withdrawal with a reason, and query counts that do not
grow with the data (R-1.1 quarterly meetings, R-1.2 collective decisions, R-1.3 members)."""

import io
from datetime import datetime, timedelta
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from councils import services
from councils.models import Attendance, Meeting, MeetingAttachment, Resolution
from councils.periods import SHANGHAI, today
from councils.roles import Role
from councils.services.meetings import Seat
from tests.conftest import PDF_BYTES, build_side, pdf_pages, user_with_role
from tests.factories import MembershipFactory, MemberUnitFactory

pytestmark = pytest.mark.django_db

# A real 1 × 1 PNG: images are checked by Pillow, not by their first bytes alone.
PNG_BYTES = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde"
    b"\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82"
)


def local_input(moment: datetime) -> str:
    """A time as the datetime-local input sends it, in Shanghai time."""
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def seat_council(side, n: int) -> list:
    """Give side's council `n` seats in all (the side already has one); return the memberships."""
    extra = [
        MembershipFactory(
            council=side.council, unit=MemberUnitFactory(street=side.street), representative=f"代表{i}"
        )
        for i in range(n - 1)
    ]
    return [side.membership, *extra]


def record(side, seats_present: int, seats: list, **kwargs) -> Meeting:
    return services.meeting_record(
        council=side.council,
        held_at=kwargs.pop("held_at", timezone.now() - timedelta(hours=2)),
        kind=Meeting.Kind.REGULAR,
        place="社区会议室",
        seats=[Seat(m.pk, present=i < seats_present) for i, m in enumerate(seats)],
        agenda=["议题一"],
        minutes=kwargs.pop("minutes", "纪要"),
        by=side.secretary,
    )


@pytest.fixture
def secretary(client, side_a, side_b):
    user = user_with_role(Role.COUNCIL_SECRETARY, side_a)
    client.force_login(user)
    return user


def page(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode()


# --- The secretary's form (R-1.1) --------------------------------------------------------------


def test_r1_1_secretary_records_attendance_and_agenda_in_one_post_then_adds_minutes(
    client, side_a, secretary
):
    seats = seat_council(side_a, 3)
    url = reverse("meeting_create", args=[side_a.council.pk])
    form = page(client, url)
    for m in seats:
        assert m.unit.name in form
        assert f'name="present_{m.pk}"' in form
    assert 'type="datetime-local"' in form
    held_at = timezone.now() - timedelta(days=2)
    response = client.post(
        url,
        {
            "held_at": local_input(held_at),
            "kind": Meeting.Kind.REGULAR,
            "place": "幸福社区二楼会议室",
            f"present_{seats[0].pk}": "on",
            f"representative_{seats[0].pk}": "王主任",
            f"present_{seats[1].pk}": "on",
            f"representative_{seats[1].pk}": "李科长",
            f"reason_{seats[2].pk}": "外出执法",
            f"representative_{seats[2].pk}": seats[2].representative,
            "agenda": "审议年度计划\n\n部署楼道整治\n",
            "minutes": "",
        },
    )
    meeting = Meeting.objects.get(place="幸福社区二楼会议室")
    assert response.status_code == 302
    assert response.url == meeting.get_absolute_url()
    assert (meeting.present_count, meeting.eligible_count) == (2, 3)
    assert [a.title for a in meeting.agenda_items.all()] == ["审议年度计划", "部署楼道整治"]

    detail = page(client, response.url)
    assert "已录入会议：实到 2 家 / 应到 3 家" in detail
    assert "待录入纪要" in detail
    assert "实到 2 家 / 应到 3 家，达到法定人数" in detail
    assert "王主任" in detail and "李科长" in detail and "外出执法" in detail
    absent = Attendance.objects.get(meeting=meeting, membership=seats[2])
    assert not absent.present and absent.representative == "" and absent.absence_reason == "外出执法"

    edit = reverse("meeting_update", args=[meeting.pk])
    assert "王主任" in page(client, edit)
    response = client.post(
        edit,
        {
            "held_at": local_input(held_at),
            "kind": Meeting.Kind.REGULAR,
            "place": "幸福社区二楼会议室",
            f"present_{seats[0].pk}": "on",
            f"representative_{seats[0].pk}": "王主任",
            f"present_{seats[1].pk}": "on",
            f"representative_{seats[1].pk}": "李科长",
            f"reason_{seats[2].pk}": "外出执法",
            "minutes": "会议审议通过年度计划。",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    detail = page(client, meeting.get_absolute_url())
    assert '<span class="badge text-bg-success">已召开</span>' in detail
    assert "会议审议通过年度计划。" in detail
    assert "状态：待录入纪要 → 已召开" in detail  # the history says who changed what


@pytest.mark.dates
def test_r1_1_a_meeting_recorded_in_the_future_is_refused_and_typed_text_is_kept(client, side_a, secretary):
    url = reverse("meeting_create", args=[side_a.council.pk])
    before = Meeting.objects.count()
    response = client.post(
        url,
        {
            "held_at": local_input(timezone.now() + timedelta(days=1)),
            "kind": Meeting.Kind.EXTRAORDINARY,
            "place": "明天的会议室",
            f"present_{side_a.membership.pk}": "on",
            "agenda": "提前录入的议题",
            "minutes": "提前写好的纪要",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "会议时间不能晚于现在" in text
    assert "明天的会议室" in text and "提前录入的议题" in text and "提前写好的纪要" in text
    assert Meeting.objects.count() == before


def test_r1_1_a_seat_taken_after_the_meeting_day_is_left_out_and_refused_when_ticked(
    client, side_a, secretary
):
    unit = MemberUnitFactory(street=side_a.street)
    newcomer = MembershipFactory(council=side_a.council, unit=unit, joined_on=today())
    url = reverse("meeting_create", args=[side_a.council.pk])
    data = {
        "held_at": local_input(timezone.now() - timedelta(days=3)),
        "kind": Meeting.Kind.REGULAR,
        "place": "三天前的会议室",
        f"present_{side_a.membership.pk}": "on",
        "minutes": "纪要",
    }
    response = client.post(url, {**data, f"present_{newcomer.pk}": "on"})
    assert response.status_code == 200
    assert "会议当日不在任" in response.content.decode()
    assert not Meeting.objects.filter(place="三天前的会议室").exists()
    response = client.post(url, data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(place="三天前的会议室")
    assert (meeting.present_count, meeting.eligible_count) == (1, 1)


def test_r1_1_a_meeting_cannot_be_moved_into_the_future(client, side_a, secretary):
    meeting = side_a.meeting
    response = client.post(
        reverse("meeting_update", args=[meeting.pk]),
        {
            "held_at": local_input(timezone.now() + timedelta(days=2)),
            "kind": meeting.kind,
            "place": meeting.place,
            "minutes": meeting.minutes,
        },
    )
    assert response.status_code == 200
    assert "会议时间不能晚于现在" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).held_at == meeting.held_at


def test_r1_3_a_unit_that_leaves_keeps_its_past_attendance(client, side_a, secretary):
    seats = seat_council(side_a, 2)
    leaving = seats[1]
    url = reverse("meeting_create", args=[side_a.council.pk])
    response = client.post(
        url,
        {
            "held_at": local_input(timezone.now() - timedelta(days=3)),
            "kind": Meeting.Kind.REGULAR,
            "place": "会议室",
            f"present_{seats[0].pk}": "on",
            f"present_{leaving.pk}": "on",
            f"representative_{leaving.pk}": "离任代表",
            "minutes": "纪要",
        },
    )
    assert response.status_code == 302
    meeting_url = response.url
    services.membership_leave(membership=leaving, left_on=today(), by=secretary)

    detail = page(client, meeting_url)
    assert leaving.unit.name in detail and "离任代表" in detail and "已退出" in detail
    assert "实到 2 家 / 应到 2 家" in detail
    form = page(client, url)
    assert f'name="present_{leaving.pk}"' not in form
    assert f'name="present_{seats[0].pk}"' in form


# --- Quorum and votes (R-1.2) ------------------------------------------------------------------


def vote(client, meeting, votes_for, against=0, abstain=0, title="增设停车位"):
    return client.post(
        reverse("resolution_create", args=[meeting.pk]),
        {
            "title": title,
            "subject": Resolution.Subject.GENERAL,
            "agenda_item": meeting.agenda_items.first().pk,
            "text": "决议内容",
            "votes_for": votes_for,
            "votes_against": against,
            "votes_abstain": abstain,
        },
        follow=True,
    )


def test_r1_2_two_of_five_present_is_unquorate_and_the_page_says_so(client, side_a, secretary):
    meeting = record(side_a, 2, seat_council(side_a, 5))
    assert "未达到法定人数" in page(client, reverse("resolution_create", args=[meeting.pk]))
    response = vote(client, meeting, 2)
    text = response.content.decode()
    assert "未达到法定人数，决议无效" in text
    assert "未达到法定人数：本次会议的决议无效" in text
    assert "未达法定人数" in text
    assert Resolution.objects.get(meeting=meeting).outcome == Resolution.Outcome.UNQUORATE


def test_r1_2_three_of_five_present_carries_with_two_for_and_fails_with_one(client, side_a, secretary):
    meeting = record(side_a, 3, seat_council(side_a, 5))
    carried = vote(client, meeting, 2, against=1, title="增设停车位").content.decode()
    assert "决议“增设停车位”" in carried and "：通过。" in carried
    assert "实到 3 家 / 应到 5 家，达到法定人数" in carried
    failed = vote(client, meeting, 1, against=1, abstain=1, title="拆除花坛").content.decode()
    assert "决议“拆除花坛”" in failed and "：未通过。" in failed
    outcomes = dict(Resolution.objects.filter(meeting=meeting).values_list("title", "outcome"))
    assert outcomes == {"增设停车位": Resolution.Outcome.CARRIED, "拆除花坛": Resolution.Outcome.FAILED}
    assert 'text-bg-success">通过' in failed and 'text-bg-secondary">未通过' in failed


def test_r1_2_votes_above_those_present_are_refused_and_nothing_is_saved(client, side_a, secretary):
    meeting = record(side_a, 3, seat_council(side_a, 5))
    response = vote(client, meeting, 2, against=1, abstain=1, title="多投的决议")
    text = response.content.decode()
    assert response.redirect_chain == []
    assert "表决票数合计 4 超过实到单位数 3" in text
    assert "多投的决议" in text  # what was typed stays on the form
    assert not Resolution.objects.filter(meeting=meeting).exists()


def test_r1_2_attendance_is_fixed_once_a_resolution_was_voted(client, side_a, secretary):
    seats = seat_council(side_a, 3)
    meeting = record(side_a, 2, seats)
    vote(client, meeting, 2)
    response = client.post(
        reverse("meeting_update", args=[meeting.pk]),
        {
            "held_at": local_input(meeting.held_at),
            "kind": meeting.kind,
            "place": meeting.place,
            "minutes": meeting.minutes,
            **{f"present_{m.pk}": "on" for m in seats},
        },
    )
    assert response.status_code == 200
    assert "出席情况不能再修改" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).present_count == 2


# --- Attachments -------------------------------------------------------------------------------


def upload(client, meeting, name, content, content_type="application/pdf"):
    return client.post(
        reverse("attachment_upload", args=[meeting.pk]),
        {"file": SimpleUploadedFile(name, content, content_type)},
    )


def test_a_real_pdf_and_png_are_accepted_and_downloaded_with_their_type(client, side_a, secretary):
    meeting = side_a.meeting
    assert upload(client, meeting, "签到表.pdf", PDF_BYTES).status_code == 302
    assert upload(client, meeting, "现场照片.png", PNG_BYTES, "image/png").status_code == 302
    detail = page(client, meeting.get_absolute_url())
    assert "签到表.pdf" in detail and "现场照片.png" in detail
    photo = MeetingAttachment.objects.get(original_name="现场照片.png")
    assert photo.content_type == "image/png"
    response = client.get(reverse("attachment_download", args=[photo.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert quote("现场照片.png") in response["Content-Disposition"]
    served = Image.open(io.BytesIO(b"".join(response.streaming_content)))
    assert served.format == "PNG" and served.tobytes() == Image.open(io.BytesIO(PNG_BYTES)).tobytes()


def test_a_text_file_renamed_pdf_is_refused_with_a_clear_message(client, side_a, secretary):
    response = upload(client, side_a.meeting, "伪装.pdf", b"just some text, not a PDF")
    assert response.status_code == 200
    assert "不是 PDF、JPEG 或 PNG 文件" in response.content.decode()
    assert not MeetingAttachment.objects.filter(original_name="伪装.pdf").exists()


def test_a_file_over_10_mb_is_refused(client, side_a, secretary):
    big = PDF_BYTES + b"0" * (10 * 1024 * 1024)
    response = upload(client, side_a.meeting, "扫描件.pdf", big)
    assert response.status_code == 200
    assert "超过 10 MB 的上限" in response.content.decode()
    assert not MeetingAttachment.objects.filter(original_name="扫描件.pdf").exists()


def test_another_councils_attachment_is_404_for_a_secretary(client, side_a, side_b, secretary):
    assert client.get(reverse("attachment_download", args=[side_b.attachment.pk])).status_code == 404
    response = client.get(reverse("attachment_download", args=[side_a.attachment.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert pdf_pages(b"".join(response.streaming_content)) == 1


# --- Withdrawal --------------------------------------------------------------------------------


def test_withdrawal_needs_a_reason_keeps_the_meeting_and_withdraws_its_resolutions(client, side_a, secretary):
    meeting = record(side_a, 1, [side_a.membership])
    vote(client, meeting, 1, title="待撤销的决议")
    url = reverse("meeting_withdraw", args=[meeting.pk])
    assert "撤销原因" in page(client, url)
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 200
    assert "请填写撤销原因" in response.content.decode()
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.HELD

    response = client.post(url, {"reason": "重复录入"}, follow=True)
    text = response.content.decode()
    assert "会议已撤销，记录保留" in text and "重复录入" in text
    assert Meeting.objects.get(pk=meeting.pk).status == Meeting.Status.WITHDRAWN
    assert Resolution.objects.get(meeting=meeting).outcome == Resolution.Outcome.WITHDRAWN
    listing = page(client, reverse("meeting_list"), status=Meeting.Status.WITHDRAWN)
    assert meeting.get_absolute_url() in listing and "已撤销" in listing
    assert reverse("meeting_update", args=[meeting.pk]) not in text  # nothing left to edit


def test_a_meeting_whose_resolution_deployed_a_task_cannot_be_withdrawn(client, side_a, secretary):
    response = client.post(reverse("meeting_withdraw", args=[side_a.meeting.pk]), {"reason": "误录"})
    assert response.status_code == 200
    assert "不能撤销会议" in response.content.decode()
    assert Meeting.objects.get(pk=side_a.meeting.pk).status == Meeting.Status.HELD


def test_a_resolution_is_withdrawn_with_a_reason_and_kept(client, side_a, secretary):
    meeting = record(side_a, 1, [side_a.membership])
    vote(client, meeting, 1, title="误录的决议")
    resolution = Resolution.objects.get(meeting=meeting)
    url = reverse("resolution_withdraw", args=[resolution.pk])
    response = client.post(url, {"reason": "票数录错"}, follow=True)
    text = response.content.decode()
    assert "误录的决议" in text and "票数录错" in text and "已撤销" in text
    assert Resolution.objects.get(pk=resolution.pk).outcome == Resolution.Outcome.WITHDRAWN


# --- The list ----------------------------------------------------------------------------------


@pytest.mark.dates
def test_r1_1_list_filters_by_quarter_on_a_shanghai_calendar(client, side_a, side_b, secretary):
    year = today().year - 1
    late_march = datetime(year, 3, 31, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, still Q1 in Shanghai
    early_april = datetime(year, 4, 1, 0, 30, tzinfo=SHANGHAI)  # 31 March in UTC, Q2 in Shanghai
    record(side_a, 1, [side_a.membership], held_at=late_march)
    record(side_a, 1, [side_a.membership], held_at=early_april)
    q1 = page(client, reverse("meeting_list"), year=year, quarter=1)
    assert f"{year}-03-31 23:30" in q1 and f"{year}-04-01 00:30" not in q1
    q2 = page(client, reverse("meeting_list"), year=year, quarter=2)
    assert f"{year}-04-01 00:30" in q2 and f"{year}-03-31 23:30" not in q2
    assert "第一季度" in q1


def test_list_is_scoped_searchable_and_offers_the_secretary_a_button(client, side_a, side_b, secretary):
    listing = page(client, reverse("meeting_list"))
    assert side_a.meeting.get_absolute_url() in listing
    assert side_b.meeting.get_absolute_url() not in listing
    assert side_b.council.name not in listing  # neither a row nor a filter choice
    assert reverse("meeting_create", args=[side_a.council.pk]) in listing
    assert '<option value="" selected>全部</option>' in listing  # no year or quarter unless chosen
    assert "没有符合条件的会议" in page(client, reverse("meeting_list"), q="不存在的地点")


def test_street_staff_read_meetings_but_get_no_record_button(client, side_a, side_b):
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    listing = page(client, reverse("meeting_list"))
    assert side_a.meeting.get_absolute_url() in listing
    assert reverse("meeting_create", args=[side_a.council.pk]) not in listing
    detail = page(client, side_a.meeting.get_absolute_url())
    assert reverse("resolution_create", args=[side_a.meeting.pk]) not in detail
    assert client.get(reverse("meeting_create", args=[side_a.council.pk])).status_code == 403


# --- Query counts ------------------------------------------------------------------------------


def grow(side) -> None:
    seats = seat_council(side, 4)
    for days in range(1, 4):
        meeting = record(side, 3, seats, held_at=timezone.now() - timedelta(days=days, hours=1))
        services.resolution_record(meeting=meeting, title="决议", text="内容", votes_for=3, by=side.secretary)
        services.attachment_add(
            meeting=meeting, upload=SimpleUploadedFile("a.pdf", PDF_BYTES), by=side.secretary
        )
    services.meeting_update(
        meeting=side.meeting,
        held_at=side.meeting.held_at,
        kind=side.meeting.kind,
        place="改过的地点",
        minutes="改过的纪要",
        by=side.secretary,
    )
    by = side.secretary
    services.resolution_record(meeting=side.meeting, title="追加决议", text="内容", votes_for=1, by=by)
    services.attachment_add(meeting=side.meeting, upload=SimpleUploadedFile("b.png", PNG_BYTES), by=by)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["meeting_list", "meeting_detail"])
@pytest.mark.parametrize("role", [Role.CITY_OFFICE, Role.STREET_STAFF, Role.COUNCIL_SECRETARY])
def test_query_count_does_not_grow_with_the_data(client, name, role, django_assert_max_num_queries):
    side = build_side("甲")
    client.force_login(user_with_role(role, side))
    url = reverse(name, args=[side.meeting.pk] if name == "meeting_detail" else [])
    client.get(url)  # warm the content-type cache
    small = queries(client, url)
    grow(side)
    build_side("乙")
    large = queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    with django_assert_max_num_queries(12):
        client.get(url)
