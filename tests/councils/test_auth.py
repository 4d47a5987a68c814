"""Sign-in: Chinese pages, password rules, lockout that the city office can lift, and demo
passwords refused outside DEBUG (issue 2, R-6.1)."""

import pytest
from django.urls import reverse

from councils.models import SignInCounter
from councils.roles import Role
from tests.conftest import user_with_role
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_sign_in_page_is_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert "社区共建理事会工作平台" in response.content.decode()
    assert "用户名" in response.content.decode()


def test_good_password_lands_on_dashboard(client, side_a):
    user = user_with_role(Role.STREET_STAFF, side_a)
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")
    page = client.get(reverse("home")).content.decode()
    assert side_a.street.name in page


def test_wrong_password_says_so_keeps_username_and_counts_down(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    user = UserFactory()
    response = sign_in(client, user.username, "wrong")
    page = response.content.decode()
    assert response.status_code == 200
    assert "用户名或密码错误" in page
    assert "再失败 4 次" in page
    assert f'value="{user.username}"' in page


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    user = UserFactory()
    for _ in range(3):
        sign_in(client, user.username, "wrong")
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_counts_names_case_insensitively_and_unknown_names_alike(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    user = UserFactory(username="Lin")
    sign_in(client, "lin", "wrong")
    sign_in(client, "LIN", "wrong")
    assert "已被锁定" in sign_in(client, "Lin", PASSWORD).content.decode()
    # An unknown name is answered exactly like a known one, so names cannot be probed.
    assert "再失败 1 次" in sign_in(client, "nobody", "wrong").content.decode()
    assert "已被锁定" in sign_in(client, "nobody", "x").content.decode()
    assert SignInCounter.objects.get(username="nobody", scope=SignInCounter.PAIR).failures == 2
    assert user.check_password(PASSWORD)


def test_expired_lock_lets_the_user_in_again(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_MINUTES = 0
    user = UserFactory()
    sign_in(client, user.username, "wrong")
    sign_in(client, user.username, "wrong")
    response = sign_in(client, user.username, PASSWORD)
    assert response.status_code == 302


def test_city_office_lifts_a_lockout(client, settings, side_a):
    settings.LOGIN_FAILURE_LIMIT = 2
    locked = UserFactory()
    sign_in(client, locked.username, "wrong")
    sign_in(client, locked.username, "wrong")
    admin = user_with_role(Role.CITY_OFFICE)
    client.force_login(admin)
    detail = client.get(reverse("user_detail", args=[locked.pk])).content.decode()
    assert "已锁定至" in detail
    # The unlock page asks for confirmation first; without it nothing changes.
    assert client.get(reverse("user_unlock", args=[locked.pk])).status_code == 200
    client.post(reverse("user_unlock", args=[locked.pk]), {})
    assert SignInCounter.objects.filter(username=locked.username.lower()).exists()
    response = client.post(reverse("user_unlock", args=[locked.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert not SignInCounter.objects.filter(username=locked.username.lower()).exists()
    client.logout()
    assert sign_in(client, locked.username, PASSWORD).status_code == 302


def test_demo_password_is_refused_when_debug_is_off(client, settings):
    settings.DEBUG = False
    user = UserFactory()
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    response = sign_in(client, user.username, settings.DEMO_PASSWORD)
    assert response.status_code == 200
    assert "演示密码只能在开发环境中使用" in response.content.decode()


def test_demo_password_works_when_debug_is_on(client, settings):
    settings.DEBUG = True
    user = UserFactory()
    user.set_password(settings.DEMO_PASSWORD)
    user.save()
    assert sign_in(client, user.username, settings.DEMO_PASSWORD).status_code == 302


def test_new_user_password_is_validated_and_the_form_keeps_what_was_typed(client):
    client.force_login(user_with_role(Role.CITY_OFFICE))
    response = client.post(
        reverse("user_create"),
        {
            "username": "zhang.wei",
            "full_name": "张伟",
            "email": "",
            "password1": "12345",
            "password2": "12345",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "密码长度太短" in page or "密码太短" in page
    assert 'value="zhang.wei"' in page
    assert 'value="张伟"' in page


def test_sign_out_is_a_post_and_ends_the_session(client):
    client.force_login(UserFactory())
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_pages_are_chinese_even_for_an_english_browser_until_english_is_chosen(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "用户名" in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert page.headers["Content-Language"] == "en"
    assert "Username" in page.content.decode()
