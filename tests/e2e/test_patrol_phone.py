"""A patroller's round on a phone (R-2.1): open the patrol, record a finding on a building with a
photo from the camera, order rectification, upload the after photo and report it rectified —
at 390 px, without sideways scrolling, with nothing fetched from outside the portal."""

import re

import pytest
from playwright.sync_api import Page, expect

from councils.roles import Role
from inspections.models import Finding, FindingPhoto
from tests.conftest import Side, build_side, jpeg_bytes, user_with_role

PATROLLER = "巡查员小林"


@pytest.fixture
def side(transactional_db) -> Side:
    return build_side("甲")


@pytest.fixture
def patroller(side):
    return user_with_role(Role.PATROLLER, side, username="xuncha_a", first_name=PATROLLER)


def camera_photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(size=(640, 480), exif_gps=True)}


def assert_fits_the_phone(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} scrolls sideways on a phone ({width} px)"


def test_patroller_records_a_finding_and_its_rectification_on_a_phone(
    phone_page, sign_in, live_server, side, patroller, browser_log
):
    page = phone_page
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"latitude": 26.263812, "longitude": 117.638722, "accuracy": 12})
    sign_in(page, patroller.username)
    expect(page).to_have_title("工作台")

    # The patrol list, and the patrol of this round.
    page.goto("/patrols/")
    assert_fits_the_phone(page)
    page.get_by_role("link", name=re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")).first.tap()
    expect(page).to_have_url(f"{live_server.url}/patrols/{side.patrol.pk}/")
    assert_fits_the_phone(page)
    page.get_by_role("link", name="记录发现").tap()

    # The finding: a category as a big button, the building, the position, a photo from the camera.
    expect(page.get_by_role("heading", name="记录发现")).to_be_visible()
    assert_fits_the_phone(page)
    photos = page.get_by_label("现场照片（整改前）")
    expect(photos).to_have_attribute("capture", "environment")
    page.locator("label", has_text=re.compile("^乱堆放$")).tap()
    page.get_by_label("楼栋").select_option(label=str(side.building))
    page.get_by_role("button", name="使用当前位置").tap()
    expect(page.get_by_label("纬度")).to_have_value("26.263812")
    expect(page.get_by_label("经度")).to_have_value("117.638722")
    page.get_by_label("问题描述").fill("楼道口堆放旧家具")
    photos.set_input_files(camera_photo("IMG_0001.jpg"))
    page.get_by_role("button", name="提交发现").tap()

    # The same pile was reported today: the form asks, keeping what was typed and the photo.
    expect(page.get_by_text("可能是重复上报")).to_be_visible()
    assert_fits_the_phone(page)
    expect(page.get_by_label("问题描述")).to_have_value("楼道口堆放旧家具")
    assert photos.evaluate("input => input.files.length") == 1
    page.get_by_text("不是重复，记录为新发现").tap()
    page.get_by_role("button", name="提交发现").tap()

    expect(page.get_by_role("heading", name="乱堆放", level=1)).to_be_visible()
    finding = Finding.objects.get(description="楼道口堆放旧家具")
    expect(page).to_have_url(f"{live_server.url}/findings/{finding.pk}/")
    expect(page.get_by_text("已上报").first).to_be_visible()
    expect(page.get_by_text("26.263812, 117.638722")).to_be_visible()
    assert_fits_the_phone(page)

    # Order rectification: the deadline comes prefilled from the category.
    page.get_by_role("link", name="责令限期整改").tap()
    expect(page.get_by_role("heading", name="责令限期整改")).to_be_visible()
    assert_fits_the_phone(page)
    expect(page.get_by_label("整改期限")).not_to_have_value("")
    page.get_by_role("button", name="确认责令限期整改").tap()
    expect(page.get_by_text("已记录：限期整改。")).to_be_visible()

    # Rectified, with the after photo taken on the spot.
    page.get_by_role("link", name="报告已整改").tap()
    expect(page.get_by_role("heading", name="报告已整改")).to_be_visible()
    assert_fits_the_phone(page)
    page.get_by_label("整改后照片").set_input_files(camera_photo("IMG_0002.jpg"))
    page.get_by_label("说明").fill("已清运")
    page.get_by_role("button", name="确认报告已整改").tap()

    expect(page).to_have_url(f"{live_server.url}/findings/{finding.pk}/")
    expect(page.get_by_role("heading", name="乱堆放", level=1)).to_be_visible()
    expect(page.locator("h1 + div").get_by_text("已整改待核查")).to_be_visible()
    before = page.get_by_role("img", name="整改前照片 1")
    after = page.get_by_role("img", name="整改后照片 1")
    for image in (before, after):
        expect(image).to_be_visible()
        image.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert_fits_the_phone(page)
    assert finding.photos.filter(stage=FindingPhoto.Stage.BEFORE).count() == 1
    assert finding.photos.filter(stage=FindingPhoto.Stage.AFTER).count() == 1

    page.wait_for_load_state("load")
    assert browser_log.foreign_requests() == [], "the portal must work offline"
    assert browser_log.console_errors == []
    assert browser_log.page_errors == []
