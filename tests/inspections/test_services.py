"""Patrols and findings in the services (R-2.1, R-2.2): photos, the lifecycle, overdue."""

import io
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from inspections import services
from inspections.models import Category, Finding, FindingPhoto
from tests.conftest import jpeg_bytes

pytestmark = pytest.mark.django_db


def photo(name="p.jpg", **kwargs):
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), "image/jpeg")


def report(side, **kwargs):
    return services.finding_report(
        community=side.community,
        category=kwargs.pop("category", Category.STALLS),
        building=side.building,
        description="占道经营",
        by=side.secretary,
        **kwargs,
    )


def step(finding, to, side, **kwargs):
    return services.finding_transition(finding=finding, to=to, by=side.secretary, **kwargs)


def test_the_stored_photo_has_no_exif_and_no_gps(side_a):
    """R-2.1: photos from phones carry their position; the portal keeps none of it."""
    original = Image.open(io.BytesIO(jpeg_bytes(exif_gps=True)))
    assert original.getexif().get_ifd(0x8825)  # the upload does carry GPS
    finding = report(side_a, photos=[photo(exif_gps=True)])
    stored = finding.photos.get()
    with stored.image.open("rb") as handle:
        image = Image.open(handle)
        image.load()
        assert image.format == "JPEG"
        assert not image.getexif()
        assert "exif" not in image.info


def test_a_big_photo_is_resized(side_a):
    finding = report(side_a, photos=[photo(size=(4000, 3000))])
    stored = finding.photos.get()
    assert (stored.width, stored.height) == (1600, 1200)


def test_a_renamed_non_image_is_refused_with_a_clear_message_and_nothing_is_saved(side_a):
    count = Finding.objects.count()
    fake = SimpleUploadedFile("现场.jpg", b"this is a text file, not a photo", "image/jpeg")
    with pytest.raises(ValidationError, match="不是照片"):
        report(side_a, photos=[fake])
    assert Finding.objects.count() == count


def test_the_responsible_unit_comes_from_the_buildings_area(side_a):
    assert report(side_a).responsible_unit == side_a.unit  # side A's unit is responsible for its building


def test_a_finding_cannot_be_verified_without_an_after_photo(side_a):
    finding = step(report(side_a), Finding.Status.ORDERED, side_a)
    with pytest.raises(ValidationError, match="整改后"):
        step(finding, Finding.Status.RECTIFIED, side_a)
    finding = step(finding, Finding.Status.RECTIFIED, side_a, after_photos=[photo()])
    assert finding.photos.filter(stage=FindingPhoto.Stage.AFTER).count() == 1
    assert step(finding, Finding.Status.VERIFIED, side_a).is_fixed


def test_verifying_straight_from_reported_is_not_a_step(side_a):
    with pytest.raises(ValidationError, match="不能直接变为"):
        step(report(side_a), Finding.Status.VERIFIED, side_a)


def test_closed_without_fix_is_not_rectified_and_must_be_reopened_before_rectifying(side_a):
    with pytest.raises(ValidationError, match="原因"):
        step(report(side_a), Finding.Status.CLOSED, side_a)
    finding = step(report(side_a), Finding.Status.CLOSED, side_a, closed_reason="摊主已搬离，无法处理")
    assert not finding.is_fixed and finding.fixed_at is None
    with pytest.raises(ValidationError, match="不能直接变为"):
        step(finding, Finding.Status.RECTIFIED, side_a, after_photos=[photo()])
    finding = step(finding, Finding.Status.REOPENED, side_a, note="问题复发")
    finding = step(finding, Finding.Status.ORDERED, side_a)
    assert step(finding, Finding.Status.RECTIFIED, side_a, after_photos=[photo()]).is_fixed


def test_escalation_needs_a_handover_note(side_a):
    with pytest.raises(ValidationError, match="移交说明"):
        step(report(side_a), Finding.Status.ESCALATED, side_a)
    finding = step(report(side_a), Finding.Status.ESCALATED, side_a, handover_note="移交城管执法中队")
    assert finding.handover_note


def test_each_step_records_who_and_when(side_a):
    finding = step(report(side_a), Finding.Status.DISSUADED, side_a, note="当场劝离")
    events = list(finding.events.values_list("from_status", "to_status", "by"))
    assert events == [("", "reported", side_a.secretary.pk), ("reported", "dissuaded", side_a.secretary.pk)]


def test_overdue_is_computed_in_shanghai_time(side_a):
    """A deadline of 30 April is overdue from 00:00 on 1 May in Shanghai (still 30 April in UTC)."""
    finding = step(report(side_a), Finding.Status.ORDERED, side_a, deadline=None)
    Finding.objects.filter(pk=finding.pk).update(deadline=date(2026, 4, 30))
    finding.refresh_from_db()
    with mock.patch("councils.periods.timezone.now") as now:
        from datetime import datetime
        from zoneinfo import ZoneInfo

        now.return_value = datetime(2026, 4, 30, 16, 30, tzinfo=ZoneInfo("UTC"))  # 00:30 on 1 May in Shanghai
        assert finding.is_overdue
        now.return_value = datetime(2026, 4, 30, 15, 30, tzinfo=ZoneInfo("UTC"))  # 23:30 on 30 April
        assert not finding.is_overdue


def test_the_deadline_follows_the_category(side_a):
    finding = step(report(side_a, category=Category.ILLEGAL_CONSTRUCTION), Finding.Status.ORDERED, side_a)
    from councils.periods import today

    assert finding.deadline == today() + timedelta(days=30)


def test_likely_duplicates_are_same_category_and_building_within_seven_days(side_a):
    first = report(side_a)
    second = report(side_a)
    found = services.likely_duplicates(
        community=side_a.community,
        category=Category.STALLS,
        building=side_a.building,
        at=second.reported_at,
        exclude=second,
    )
    assert list(found) == [first]
    other = services.likely_duplicates(
        community=side_a.community, category=Category.PARKING, building=side_a.building, at=second.reported_at
    )
    assert not other.exists()
    linked = services.finding_mark_duplicate(finding=second, original=first, by=side_a.secretary)
    assert linked.duplicate_of == first
