"""Signing in, finding one's way down the city tree and signing out, in a real browser: what a
street officer sees on a phone and on a desktop, with the vendored assets only (R-6.1)."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Locator, Page, expect

from councils.roles import Role
from tests.conftest import Side, build_side, user_with_role
from tests.factories import PASSWORD

STREET_OFFICER = "张街道"


@dataclass
class City:
    a: Side
    b: Side


@pytest.fixture
def city(transactional_db) -> City:
    return City(a=build_side("甲"), b=build_side("乙"))


@pytest.fixture
def street_staff(city):
    return user_with_role(Role.STREET_STAFF, city.a, username="jiedao_a", first_name=STREET_OFFICER)


def page_width(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


def press(locator: Locator, on_phone: bool) -> None:
    """A finger taps, a mouse clicks."""
    if on_phone:
        locator.tap()
    else:
        locator.click()


def fill_sign_in_form(page: Page, username: str, password: str) -> None:
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)


def test_phone_sign_in_lands_on_dashboard_with_collapsed_menu(phone_page, live_server, street_staff, city):
    page = phone_page
    page.goto("/")

    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/")
    expect(page).to_have_title(re.compile("登录"))
    # Bootstrap's vendored stylesheet is applied: a bare <nav> would be display: block.
    assert page.locator("nav.navbar").evaluate("el => getComputedStyle(el).display") == "flex"
    assert page_width(page) <= 390

    fill_sign_in_form(page, street_staff.username, PASSWORD)
    page.get_by_role("button", name="登录").tap()

    expect(page).to_have_url(live_server.url + "/")
    expect(page).to_have_title("工作台")
    expect(page.get_by_role("heading", name=f"{STREET_OFFICER}，您好")).to_be_visible()
    expect(page.get_by_text(f"街道办 · {city.a.street.name}")).to_be_visible()
    expect(page.get_by_role("link", name=city.a.community.name, exact=True)).to_be_visible()
    expect(page.get_by_text(city.b.street.name)).to_have_count(0)
    expect(page.get_by_text(city.b.community.name)).to_have_count(0)

    # At 390 px the menu hides behind the toggler, and Bootstrap's script opens it on a tap.
    menu = page.locator("#mainnav")
    toggler = page.get_by_role("button", name="展开菜单")
    communities = menu.get_by_role("link", name="社区", exact=True)
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(communities).to_be_hidden()
    toggler.tap()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    # The city tree sits in one 区划 menu inside the collapsed navigation.
    menu.get_by_role("button", name="区划").tap()
    expect(communities).to_be_visible()
    expect(menu.get_by_role("link", name="工作台", exact=True)).to_be_visible()
    expect(menu).to_have_class(re.compile(r"\bshow\b"))

    assert page_width(page) <= 390, "the dashboard scrolls sideways on a phone"
    communities.tap()
    expect(page).to_have_url(live_server.url + "/communities/")
    expect(page.get_by_role("link", name=city.a.community.name, exact=True)).to_be_visible()
    assert page_width(page) <= 390, "the community list scrolls sideways on a phone"


def test_wrong_password_shows_chinese_error_and_keeps_username(page, live_server, street_staff):
    page.goto("/accounts/login/")
    fill_sign_in_form(page, street_staff.username, "not-the-password")
    page.get_by_role("button", name="登录").click()

    expect(page.get_by_text("用户名或密码错误")).to_be_visible()
    expect(page).to_have_url(live_server.url + "/accounts/login/")
    expect(page).to_have_title(re.compile("登录"))
    expect(page.get_by_label("用户名")).to_have_value(street_staff.username)
    expect(page.get_by_label("密码")).to_have_value("")


def test_street_staff_walks_down_to_a_community_with_vendored_assets_only(
    page, sign_in, live_server, street_staff, city, browser_log
):
    sign_in(page, street_staff.username)
    expect(page).to_have_title("工作台")

    page.get_by_role("link", name=city.a.community.name, exact=True).click()

    expect(page).to_have_url(f"{live_server.url}/communities/{city.a.community.pk}/")
    expect(page.get_by_role("heading", name=city.a.community.name, level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name="当前位置")).to_contain_text(city.a.street.name)
    expect(page.get_by_role("link", name=city.a.building.name, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name=city.a.council.name, exact=True)).to_be_visible()
    expect(page.get_by_text(city.a.council.chair)).to_be_visible()

    # Let everything the page asked for arrive (icon font included) before reading the log.
    page.wait_for_load_state("load")
    page.evaluate("document.fonts.ready.then(() => true)")
    assert browser_log.console_errors == []
    assert browser_log.page_errors == []
    assert browser_log.failed == []
    assert browser_log.foreign_requests() == [], "the portal must work offline, with vendored assets only"
    asked = {url.removeprefix(live_server.url) for url in browser_log.requests}
    assert "/static/vendor/bootstrap/bootstrap.min.css" in asked
    assert "/static/vendor/bootstrap/bootstrap.bundle.min.js" in asked
    assert "/static/vendor/htmx/htmx.min.js" in asked


@pytest.mark.parametrize("device", ["page", "phone_page"])
def test_sign_out_from_the_user_menu(request, device, sign_in, live_server, street_staff):
    page = request.getfixturevalue(device)
    sign_in(page, street_staff.username)
    expect(page).to_have_title("工作台")

    on_phone = device == "phone_page"
    toggler = page.get_by_role("button", name="展开菜单")
    if on_phone:
        toggler.tap()
        expect(toggler).to_have_attribute("aria-expanded", "true")
    else:
        expect(toggler).to_be_hidden()
    user_menu = page.get_by_role("button", name=STREET_OFFICER)
    sign_out = page.get_by_role("button", name="退出登录")
    expect(sign_out).to_be_hidden()
    press(user_menu, on_phone)
    expect(user_menu).to_have_attribute("aria-expanded", "true")
    press(sign_out, on_phone)

    expect(page).to_have_url(live_server.url + "/accounts/login/")
    expect(page).to_have_title(re.compile("登录"))
    expect(page.get_by_label("用户名")).to_be_visible()
    expect(page.get_by_role("button", name=STREET_OFFICER)).to_have_count(0)
    # The session is gone, not just the page: the dashboard asks for a sign-in again.
    page.goto("/")
    expect(page).to_have_url(live_server.url + "/accounts/login/?next=/")


def test_choosing_english_in_the_user_menu_switches_the_page_at_once(page, sign_in, street_staff):
    """The language list sends its form on change from the portal's script file (an onchange
    attribute would be blocked by the Content-Security-Policy, issue 14 §5)."""
    sign_in(page, street_staff.username)
    expect(page).to_have_title("工作台")
    page.get_by_role("button", name=STREET_OFFICER).click()
    page.get_by_label("界面语言").select_option("en")
    expect(page.get_by_label("Interface language")).to_have_value("en")
