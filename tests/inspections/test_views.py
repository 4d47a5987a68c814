"""Patrol and finding pages (R-2.1): a finding reported from a phone with its photos, photos
checked by content and stored without EXIF, the lifecycle step by step with its refusals,
duplicates suggested and linked, overdue findings counted, scope (404 on another community's
patrols, findings and photos), and query counts that do not grow with the data."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from councils.periods import today
from councils.roles import Role
from inspections import services
from inspections.models import Category, Finding, FindingPhoto, Patrol
from tests.conftest import build_side, jpeg_bytes, user_with_role
from tests.factories import BuildingFactory, RoleAssignmentFactory

pytestmark = pytest.mark.django_db

S = Finding.Status
NOT_A_PHOTO = "不是照片"


def photo(name="现场.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), "image/jpeg")


@pytest.fixture
def patroller(side_a):
    return user_with_role(Role.PATROLLER, side_a, first_name="巡查员甲")


@pytest.fixture
def staff(side_a):
    """Community staff: record patrols and handle findings."""
    return user_with_role(Role.COMMUNITY_STAFF, side_a, first_name="社区小王")


def create_url(side) -> str:
    return reverse("finding_create") + f"?patrol={side.patrol.pk}"


def step_url(finding, status) -> str:
    return reverse("finding_transition", args=[finding.pk, status])


def report(side, by, *, category=Category.STALLS, building=None, photos=(), **extra) -> Finding:
    return services.finding_report(
        community=side.community,
        patrol=side.patrol,
        category=category,
        building=building if building is not None else side.building,
        description=extra.pop("description", "占道经营"),
        photos=list(photos),
        by=by,
        **extra,
    )


def rectified(side, by) -> Finding:
    finding = report(side, by)
    services.finding_transition(finding=finding, to=S.ORDERED, by=by)
    return services.finding_transition(finding=finding, to=S.RECTIFIED, after_photos=[photo("后.jpg")], by=by)


# --- Patrols -----------------------------------------------------------------------------------


def test_patroller_records_a_patrol_with_the_community_preselected_R_2_1(client, side_a, patroller):
    client.force_login(patroller)
    form = client.get(reverse("patrol_create")).context["form"]
    assert form["community"].value() == side_a.community.pk
    assert form["started_at"].value() is not None

    started = timezone.localtime().replace(second=0, microsecond=0) - timedelta(minutes=30)
    response = client.post(
        reverse("patrol_create"),
        {
            "community": side_a.community.pk,
            "kind": Patrol.Kind.VOLUNTEER,
            "started_at": started.strftime("%Y-%m-%dT%H:%M"),
            "route": "幸福路沿街",
        },
    )
    patrol = Patrol.objects.get(route="幸福路沿街")
    assert response.status_code == 302
    assert response.url == reverse("patrol_detail", args=[patrol.pk])
    assert (patrol.patroller, patrol.kind, patrol.started_at) == (patroller, Patrol.Kind.VOLUNTEER, started)
    page = client.get(response.url).content.decode()
    assert "记录发现" in page
    assert f"{reverse('finding_create')}?patrol={patrol.pk}" in page


def test_a_patrol_in_the_future_is_refused_and_the_route_kept(client, side_a, patroller):
    client.force_login(patroller)
    later = timezone.localtime() + timedelta(days=1)
    response = client.post(
        reverse("patrol_create"),
        {
            "community": side_a.community.pk,
            "kind": Patrol.Kind.PATROLLER,
            "started_at": later.strftime("%Y-%m-%dT%H:%M"),
            "route": "明天的路线",
        },
    )
    assert response.status_code == 200
    assert "巡查时间不能晚于现在" in response.content.decode()
    assert "明天的路线" in response.content.decode()
    assert not Patrol.objects.filter(route="明天的路线").exists()


@pytest.mark.dates
def test_patrol_list_filters_by_kind_and_date(client, side_a, patroller):
    volunteer = services.patrol_record(
        community=side_a.community,
        kind=Patrol.Kind.VOLUNTEER,
        started_at=timezone.now() - timedelta(days=3),
        route="志愿者巡查",
        by=patroller,
    )
    client.force_login(patroller)
    by_kind = client.get(reverse("patrol_list"), {"kind": Patrol.Kind.VOLUNTEER}).context["page_obj"]
    assert list(by_kind) == [volunteer]
    day = timezone.localtime(volunteer.started_at).date().isoformat()
    by_day = client.get(reverse("patrol_list"), {"date": day}).context["page_obj"]
    assert list(by_day) == [volunteer]


# --- Reporting a finding -----------------------------------------------------------------------


def test_patroller_reports_a_finding_with_a_photo_through_the_page_R_2_1(client, side_a, patroller):
    client.force_login(patroller)
    page = client.get(create_url(side_a)).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "multiple" in page
    assert "使用当前位置" in page

    response = client.post(
        create_url(side_a),
        {
            "category": Category.STALLS,
            "building": side_a.building.pk,
            "latitude": "26.263812",
            "longitude": "117.638722",
            "description": "楼下占道摆摊",
            "photos": [photo("摊位.jpg"), photo("摊位2.jpg")],
        },
    )
    finding = Finding.objects.get(description="楼下占道摆摊")
    assert response.status_code == 302
    assert response.url == finding.get_absolute_url()
    assert finding.patrol == side_a.patrol
    assert finding.responsible_unit == side_a.unit  # the building lies in the unit's area
    assert finding.photos.filter(stage=FindingPhoto.Stage.BEFORE).count() == 2

    detail = client.get(finding.get_absolute_url()).content.decode()
    assert "乱设摊" in detail and "已上报" in detail and side_a.unit.name in detail
    assert "26.263812, 117.638722" in detail
    for stored in finding.photos.all():
        assert reverse("photo_view", args=[stored.pk]) in detail
    assert "巡查员甲" in detail  # who reported it, in the step history


def test_a_finding_needs_a_building_or_an_address(client, side_a, patroller):
    client.force_login(patroller)
    response = client.post(create_url(side_a), {"category": Category.POSTERS, "description": "电线杆小广告"})
    assert "请选择楼栋或填写位置" in response.content.decode()
    ok = client.post(
        create_url(side_a),
        {"category": Category.POSTERS, "address": "幸福路口", "description": "电线杆小广告"},
    )
    assert ok.status_code == 302
    assert Finding.objects.get(description="电线杆小广告").address == "幸福路口"


def test_a_renamed_text_file_is_refused_as_a_photo_and_nothing_is_saved_R_2_1(client, side_a, patroller):
    client.force_login(patroller)
    findings, photos = Finding.objects.count(), FindingPhoto.objects.count()
    fake = SimpleUploadedFile("现场照片.jpg", b"just some text, not an image\n" * 20, "image/jpeg")
    response = client.post(
        create_url(side_a),
        {
            "category": Category.STALLS,
            "building": side_a.building.pk,
            "description": "输入的描述要保留",
            "photos": [photo(), fake],
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["photos"]
    assert any("现场照片.jpg" in e and NOT_A_PHOTO in e and "JPEG 或 PNG" in e for e in errors)
    assert "输入的描述要保留" in response.content.decode()
    assert (Finding.objects.count(), FindingPhoto.objects.count()) == (findings, photos)


def test_a_photo_over_10_mb_is_refused_R_2_1(client, side_a, patroller):
    client.force_login(patroller)
    big = SimpleUploadedFile("大图.jpg", jpeg_bytes() + b"\0" * (10 * 1024 * 1024), "image/jpeg")
    response = client.post(
        create_url(side_a),
        {"category": Category.STALLS, "building": side_a.building.pk, "description": "太大", "photos": [big]},
    )
    assert "超过 10 MB" in " ".join(response.context["form"].errors["photos"])
    assert not Finding.objects.filter(description="太大").exists()


def test_the_stored_photo_has_no_exif_and_no_gps_R_2_1(client, side_a, patroller):
    client.force_login(patroller)
    upload = photo("带定位.jpg", size=(800, 600), exif_gps=True)
    with Image.open(io.BytesIO(upload.read())) as original:  # the test photo does carry a position
        assert original.getexif().get_ifd(0x8825)
    upload.seek(0)
    client.post(
        create_url(side_a),
        {
            "category": Category.STALLS,
            "building": side_a.building.pk,
            "description": "带定位",
            "photos": [upload],
        },
    )
    stored = Finding.objects.get(description="带定位").photos.get()

    response = client.get(reverse("photo_view", args=[stored.pk]))
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as served:
        assert served.format == "JPEG"
        exif = served.getexif()
        assert len(exif) == 0
        assert not exif.get_ifd(0x8825)  # no GPS IFD
        assert "exif" not in served.info


def test_htmx_submission_is_sent_to_the_finding_page(client, side_a, patroller):
    """The phone form posts through htmx (which keeps chosen photos when the form comes back);
    on success the page is told where to go instead of having it swapped into the form."""
    client.force_login(patroller)
    response = client.post(
        create_url(side_a),
        {"category": Category.PARKING, "building": side_a.building.pk, "description": "占用消防通道"},
        headers={"HX-Request": "true"},
    )
    finding = Finding.objects.get(description="占用消防通道")
    assert response.status_code == 204
    assert response["HX-Redirect"] == finding.get_absolute_url()


def test_staff_of_two_communities_choose_where_the_finding_is(client, side_a, side_b):
    staff = user_with_role(Role.COMMUNITY_STAFF, side_a)
    RoleAssignmentFactory(user=staff, role=Role.COMMUNITY_STAFF, community=side_b.community)
    client.force_login(staff)
    response = client.get(reverse("finding_create"))
    assert response.context["form"] is None
    page = response.content.decode()
    assert f"?community={side_a.community.pk}" in page and f"?community={side_b.community.pk}" in page
    chosen = client.get(reverse("finding_create"), {"community": side_b.community.pk})
    assert list(chosen.context["form"].fields["building"].queryset) == [side_b.building]


def test_a_malformed_patrol_or_community_is_404(client, side_a, patroller):
    client.force_login(patroller)
    assert client.get(reverse("finding_create"), {"patrol": "1 or 1=1"}).status_code == 404
    assert client.get(reverse("finding_create"), {"community": ""}).status_code == 404


# --- Duplicates --------------------------------------------------------------------------------


def test_likely_duplicates_are_suggested_before_saving_and_linked_R_2_1(client, side_a, patroller):
    """Same category and building within 7 days: the form asks first, then links to the original."""
    client.force_login(patroller)
    original = side_a.finding  # piling at building 1, reported today
    data = {"category": Category.PILING, "building": side_a.building.pk, "description": "楼道又堆了纸箱"}
    count = Finding.objects.count()

    asked = client.post(create_url(side_a), data)
    assert asked.status_code == 200
    assert [d.pk for d in asked.context["duplicates"]] == [original.pk]
    page = asked.content.decode()
    assert "可能是重复上报" in page and original.get_absolute_url() in page
    assert "楼道又堆了纸箱" in page
    assert Finding.objects.count() == count

    linked = client.post(create_url(side_a), {**data, "duplicate": str(original.pk)})
    duplicate = Finding.objects.get(description="楼道又堆了纸箱")
    assert linked.status_code == 302
    assert duplicate.duplicate_of == original
    original_page = client.get(original.get_absolute_url()).content.decode()
    assert duplicate.get_absolute_url() in original_page
    assert "重复上报" in client.get(duplicate.get_absolute_url()).content.decode()

    client.post(create_url(side_a), {**data, "description": "另一处堆放", "duplicate": "new"})
    assert Finding.objects.get(description="另一处堆放").duplicate_of is None


def test_a_finding_is_marked_as_duplicate_of_an_earlier_one_afterwards(client, side_a, staff):
    later = report(side_a, staff, category=Category.PILING, description="同一处堆物")  # asked nothing
    client.force_login(staff)
    assert "标记为重复" in client.get(later.get_absolute_url()).content.decode()
    page = client.get(reverse("finding_duplicate", args=[later.pk]))
    assert [c.pk for c in page.context["candidates"]] == [side_a.finding.pk]
    response = client.post(reverse("finding_duplicate", args=[later.pk]), {"original": side_a.finding.pk})
    assert response.status_code == 302
    later.refresh_from_db()
    assert later.duplicate_of == side_a.finding
    assert "标记为重复" in later.events.last().note


# --- The lifecycle -----------------------------------------------------------------------------


@pytest.mark.dates
def test_ordering_rectification_prefills_the_category_deadline(client, side_a, patroller):
    client.force_login(patroller)
    finding = side_a.finding  # piling: the default deadline is 7 days
    form = client.get(step_url(finding, S.ORDERED)).context["form"]
    assert form["deadline"].value() == today() + timedelta(days=services.deadline_days(Category.PILING))
    response = client.post(step_url(finding, S.ORDERED), {"deadline": "", "note": "限三日内清理"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == S.ORDERED
    assert finding.deadline == today() + timedelta(days=7)
    page = client.get(finding.get_absolute_url()).content.decode()
    assert "限三日内清理" in page and "巡查员甲" in page


def test_rectifying_without_an_after_photo_is_refused_on_the_page_R_2_1(client, side_a, patroller):
    finding = side_a.finding
    services.finding_transition(finding=finding, to=S.ORDERED, by=patroller)
    client.force_login(patroller)
    response = client.post(step_url(finding, S.RECTIFIED), {"note": "已清理"})
    assert response.status_code == 200
    assert "请上传整改后的现场照片" in " ".join(response.context["form"].errors["after_photos"])
    finding.refresh_from_db()
    assert finding.status == S.ORDERED


def test_a_bad_after_photo_is_refused_on_the_photo_field(client, side_a, patroller):
    finding = side_a.finding
    services.finding_transition(finding=finding, to=S.ORDERED, by=patroller)
    client.force_login(patroller)
    fake = SimpleUploadedFile("整改后.png", b"%PDF-1.4 not a photo", "image/png")
    response = client.post(step_url(finding, S.RECTIFIED), {"after_photos": [fake], "note": "保留的说明"})
    assert NOT_A_PHOTO in " ".join(response.context["form"].errors["after_photos"])
    assert "保留的说明" in response.content.decode()
    assert not finding.photos.filter(stage=FindingPhoto.Stage.AFTER).exists()


def test_verifying_without_an_after_photo_is_refused_on_the_page_R_2_1(client, side_a, staff):
    finding = rectified(side_a, staff)
    finding.photos.filter(stage=FindingPhoto.Stage.AFTER).delete()  # the after photo is gone
    client.force_login(staff)
    response = client.post(step_url(finding, S.VERIFIED), {"note": "核查"})
    assert response.status_code == 200
    assert "请上传整改后的现场照片" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == S.RECTIFIED


def test_verifying_with_the_after_photo_shows_both_photos_and_verifies(client, side_a, staff):
    finding = rectified(side_a, staff)
    client.force_login(staff)
    page = client.get(step_url(finding, S.VERIFIED)).content.decode()
    for stored in finding.photos.all():
        assert reverse("photo_view", args=[stored.pk]) in page
    assert client.post(step_url(finding, S.VERIFIED), {"note": "现场已清理"}).status_code == 302
    finding.refresh_from_db()
    assert finding.status == S.VERIFIED and finding.is_fixed


def test_a_closed_finding_must_be_reopened_before_it_is_rectified_R_2_1(client, side_a, staff, patroller):
    finding = side_a.finding
    client.force_login(staff)
    refused = client.post(step_url(finding, S.CLOSED), {"closed_reason": ""})
    assert "未整改关闭须写明原因" in refused.content.decode()
    client.post(step_url(finding, S.CLOSED), {"closed_reason": "住户已搬离，无法联系"})
    finding.refresh_from_db()
    assert finding.status == S.CLOSED and not finding.is_fixed

    client.force_login(patroller)
    page = client.get(step_url(finding, S.RECTIFIED)).content.decode()
    assert "不能进行“报告已整改”" in page and "问题复发，重新打开" in page
    response = client.post(step_url(finding, S.RECTIFIED), {"after_photos": [photo("后.jpg")]})
    assert response.status_code == 200
    assert "当前状态为“未整改关闭”，不能直接变为“已整改待核查”" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == S.CLOSED
    assert not finding.photos.filter(stage=FindingPhoto.Stage.AFTER).exists()

    assert client.post(step_url(finding, S.REOPENED), {"note": "又堆上了"}).status_code == 302
    assert client.post(step_url(finding, S.ORDERED), {}).status_code == 302
    done = client.post(step_url(finding, S.RECTIFIED), {"after_photos": [photo("后.jpg")]})
    assert done.status_code == 302
    finding.refresh_from_db()
    assert finding.status == S.RECTIFIED
    history = client.get(finding.get_absolute_url()).content.decode()
    assert "住户已搬离，无法联系" in history and "又堆上了" in history


def test_escalating_needs_a_handover_note(client, side_a, staff):
    client.force_login(staff)
    finding = side_a.finding
    refused = client.post(step_url(finding, S.ESCALATED), {"handover_note": "  "})
    assert "移交执法部门须填写移交说明" in " ".join(refused.context["form"].errors["handover_note"])
    client.post(step_url(finding, S.ESCALATED), {"handover_note": "移交城管执法中队"})
    finding.refresh_from_db()
    assert finding.status == S.ESCALATED
    assert "移交城管执法中队" in client.get(finding.get_absolute_url()).content.decode()


def test_a_patroller_may_not_verify_escalate_or_close(client, side_a, patroller):
    client.force_login(patroller)
    finding = rectified(side_a, patroller)
    for status in (S.VERIFIED, S.ESCALATED, S.CLOSED):
        assert client.get(step_url(finding, status)).status_code == 403
        assert (
            client.post(step_url(finding, status), {"closed_reason": "x", "handover_note": "x"}).status_code
            == 403
        )
    finding.refresh_from_db()
    assert finding.status == S.RECTIFIED
    steps = [status for status, _label in client.get(finding.get_absolute_url()).context["steps"]]
    assert steps == [S.ORDERED]  # verifying is left to community and street staff


def test_the_detail_page_offers_the_steps_the_user_may_take(client, side_a, staff, patroller):
    client.force_login(staff)
    steps = [s for s, _label in client.get(side_a.finding.get_absolute_url()).context["steps"]]
    assert steps == [S.DISSUADED, S.ORDERED, S.ESCALATED, S.CLOSED]
    client.force_login(user_with_role(Role.COUNCIL_SECRETARY, side_a))
    assert client.get(side_a.finding.get_absolute_url()).context["steps"] == []
    page = client.get(reverse("finding_transition", args=[side_a.finding.pk]))
    assert page.status_code == 403


def test_an_unknown_step_is_404(client, side_a, staff):
    client.force_login(staff)
    assert client.get(step_url(side_a.finding, "deleted")).status_code == 404
    assert client.get(step_url(side_a.finding, S.REPORTED)).status_code == 404


# --- Lists -------------------------------------------------------------------------------------


@pytest.mark.dates
def test_the_overdue_filter_and_the_counts_R_2_1(client, side_a, side_b, staff):
    late = side_a.finding
    services.finding_transition(finding=late, to=S.ORDERED, by=staff)
    Finding.objects.filter(pk=late.pk).update(deadline=today() - timedelta(days=1))  # the deadline passed
    on_time = report(side_a, staff, category=Category.DRYING)
    services.finding_transition(finding=on_time, to=S.ORDERED, by=staff)
    fixed = report(side_a, staff, category=Category.LITTERING)
    services.finding_transition(finding=fixed, to=S.DISSUADED, by=staff)
    # Side B's overdue finding is not counted on side A.
    services.finding_transition(finding=side_b.finding, to=S.ORDERED, by=staff)
    Finding.objects.filter(pk=side_b.finding.pk).update(deadline=today() - timedelta(days=3))

    client.force_login(staff)
    response = client.get(reverse("finding_list"))
    assert response.context["counts"] == {"open": 2, "overdue": 1}
    assert set(response.context["page_obj"]) == {late, on_time}
    overdue = client.get(reverse("finding_list"), {"overdue": "on"})
    assert list(overdue.context["page_obj"]) == [late]
    assert "逾期" in overdue.content.decode()
    assert list(client.get(reverse("finding_list"), {"status": "fixed"}).context["page_obj"]) == [fixed]
    everything = client.get(reverse("finding_list"), {"status": "all"}).context["page_obj"]
    assert set(everything) == {late, on_time, fixed}


def test_finding_list_filters_by_building_category_and_search(client, side_a, staff):
    other = BuildingFactory(community=side_a.community, name="2号楼")
    elsewhere = report(side_a, staff, building=other, category=Category.DRYING, description="阳台外晾晒")
    client.force_login(staff)
    assert list(client.get(reverse("finding_list"), {"building": other.pk}).context["page_obj"]) == [
        elsewhere
    ]
    by_category = client.get(reverse("finding_list"), {"category": Category.DRYING}).context["page_obj"]
    assert list(by_category) == [elsewhere]
    assert list(client.get(reverse("finding_list"), {"q": "阳台"}).context["page_obj"]) == [elsewhere]


def test_finding_list_exports_the_filtered_scope_as_xlsx(client, side_a, side_b, staff):
    client.force_login(staff)
    response = client.get(reverse("finding_list"), {"format": "xlsx", "status": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "社区", "街道/镇", "问题类别")
    assert [r[0] for r in rows[1:]] == [side_a.finding.pk]
    assert rows[1][3] == "乱堆放"


# --- Scope -------------------------------------------------------------------------------------


def test_a_patroller_of_one_community_gets_404_on_anothers_patrols_findings_and_photos(
    client, side_a, side_b, patroller
):
    client.force_login(patroller)
    b = side_b
    for url in (
        reverse("patrol_detail", args=[b.patrol.pk]),
        reverse("finding_detail", args=[b.finding.pk]),
        reverse("photo_view", args=[b.photo.pk]),
        reverse("finding_transition", args=[b.finding.pk]),
        step_url(b.finding, S.ORDERED),
        reverse("finding_duplicate", args=[b.finding.pk]),
        reverse("finding_create") + f"?patrol={b.patrol.pk}",
        reverse("finding_create") + f"?community={b.community.pk}",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(step_url(b.finding, S.DISSUADED), {}).status_code == 404
    b.finding.refresh_from_db()
    assert b.finding.status == S.REPORTED
    assert b.patrol not in client.get(reverse("patrol_list")).context["page_obj"]
    assert b.finding not in client.get(reverse("finding_list"), {"status": "all"}).context["page_obj"]
    # Side A's are there.
    assert client.get(reverse("photo_view", args=[side_a.photo.pk])).status_code == 200


def test_a_building_of_another_community_cannot_be_chosen(client, side_a, side_b, patroller):
    client.force_login(patroller)
    response = client.post(
        create_url(side_a),
        {"category": Category.STALLS, "building": side_b.building.pk, "description": "越界"},
    )
    assert "building" in response.context["form"].errors
    assert not Finding.objects.filter(description="越界").exists()


# --- Query counts ------------------------------------------------------------------------------


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def grow(side, by) -> None:
    """More of everything the pages show: patrols, findings with photos and steps, duplicates."""
    for n in range(3):
        patrol = services.patrol_record(
            community=side.community,
            started_at=timezone.now() - timedelta(hours=n + 3),
            route=f"路线{n}",
            by=by,
        )
        building = BuildingFactory(community=side.community)
        finding = services.finding_report(
            community=side.community,
            patrol=patrol,
            category=Category.POSTERS,
            building=building,
            description=f"小广告{n}",
            photos=[photo()],
            by=by,
        )
        services.finding_transition(finding=finding, to=S.ORDERED, by=by)
        services.finding_transition(finding=finding, to=S.RECTIFIED, after_photos=[photo()], by=by)
        services.finding_report(
            community=side.community,
            patrol=side.patrol,
            category=Category.PILING,
            building=side.building,
            description=f"重复{n}",
            photos=[photo()],
            duplicate_of=side.finding,
            by=by,
        )
    services.finding_transition(finding=side.finding, to=S.ORDERED, by=by)


PAGES = [
    ("patrol_list", None),
    ("patrol_detail", "patrol"),
    ("finding_list", None),
    ("finding_detail", "finding"),
]


@pytest.mark.parametrize("role", [Role.PATROLLER, Role.STREET_STAFF, Role.CITY_OFFICE])
@pytest.mark.parametrize(("name", "obj"), PAGES)
def test_query_count_does_not_grow_with_the_data(client, name, obj, role, django_assert_max_num_queries):
    side = build_side("甲")
    user = user_with_role(role, side)
    client.force_login(user)
    url = reverse(name, args=[getattr(side, obj).pk] if obj else [])
    small = queries(client, url)
    grow(side, user_with_role(Role.COMMUNITY_STAFF, side))
    build_side("乙")
    large = queries(client, url)
    assert large == small, f"{url}: {small} queries with little data, {large} with more"
    with django_assert_max_num_queries(10):
        client.get(url)
