"""Pages whose scripts do the most, under the Content-Security-Policy (issue 14 §5): the charts
draw, and the admin's own scripts run. Any violation fails the journey (conftest.py)."""

import pytest
from playwright.sync_api import expect

from councils.roles import Role
from tests.conftest import build_side, user_with_role
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def side(transactional_db):
    return build_side("甲")


def test_patrol_statistics_draw_their_charts(page, sign_in, side):
    office = user_with_role(Role.CITY_OFFICE, username="shiwenmingban")
    sign_in(page, office.username)
    page.goto("/patrols/stats/")
    # ECharts draws into the boxes (SVG renderer) from the page's JSON data block.
    expect(page.locator("#chart-categories svg")).to_have_count(1)
    expect(page.locator("#chart-rates svg")).to_have_count(1)


def test_the_admin_signs_in_and_its_scripts_run(page, transactional_db):
    admin = UserFactory(username="guanliyuan", is_staff=True, is_superuser=True)
    page.goto("/admin/login/")
    page.locator("#id_username").fill(admin.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    expect(page.locator("#user-tools")).to_be_visible()
    page.goto("/admin/auth/user/")
    # actions.js: the box in the header ticks every row and counts them.
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1")
    page.goto("/admin/auth/group/add/")
    # SelectFilter2.js turns the permissions list into two boxes with a filter.
    expect(page.locator("#id_permissions_filter")).to_be_visible()
