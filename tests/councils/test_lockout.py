"""The sign-in lockout holds (issue 14 §4): guesses sent at once are counted before any password is
hashed, the admin's sign-in is covered too, a stranger cannot lock an official out from another
address, old counters are pruned, and the city office lifts every kind of lock on a name."""

import threading
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connection
from django.test import Client
from django.urls import reverse

from councils.models import SignInCounter
from councils.roles import Role
from tests.conftest import user_with_role
from tests.factories import PASSWORD, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
A, B, C = "198.51.100.7", "203.0.113.9", "192.0.2.44"


def sign_in(client, username, password, address=A, path="login", **extra):
    return client.post(
        reverse(path), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


class HasherCalls:
    """Counts password checks across threads."""

    def __init__(self):
        self.count = 0
        self._lock = threading.Lock()
        self._verify = MD5PasswordHasher.verify

    def __enter__(self):
        calls = self

        def verify(hasher, password, encoded):
            with calls._lock:
                calls.count += 1
            return calls._verify(hasher, password, encoded)

        self._patch = mock.patch.object(MD5PasswordHasher, "verify", verify)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


@pytest.mark.concurrency
@pytest.mark.django_db(transaction=True)
def test_sixteen_wrong_passwords_at_once_hash_at_most_the_limit_and_then_lock(settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    user = UserFactory()
    username = user.username
    clients = [Client() for _ in range(16)]
    for client in clients:  # the sign-in page first, as a browser would (and the CSRF cookie)
        client.get(reverse("login"))
    start = threading.Barrier(len(clients))
    statuses, pages = [], []

    def guess(client, n):
        try:
            start.wait()
            response = sign_in(client, username, f"wrong-{n}")
            statuses.append(response.status_code)
            pages.append(response.content.decode())
        finally:
            connection.close()

    with HasherCalls() as calls:
        threads = [threading.Thread(target=guess, args=(c, n)) for n, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        assert len(statuses) == 16
        assert all(status == 200 for status in statuses), statuses
        assert 1 <= calls.count <= 5
        assert sum("已被锁定" in page for page in pages) >= 11
        hashed_before = calls.count
        late = Client()
        response = sign_in(late, username, PASSWORD)
        assert calls.count == hashed_before  # refused without hashing
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert "联系市文明办" in response.content.decode()
    assert not signed_in(late)


@pytest.mark.django_db
def test_admin_sign_in_failures_are_counted_and_lock(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    admin = UserFactory(is_staff=True, is_superuser=True)
    for _ in range(3):
        assert sign_in(client, admin.username, "wrong", path="admin:login").status_code == 200
    response = sign_in(client, admin.username, PASSWORD, path="admin:login")
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert not signed_in(client)
    # The same name is locked on the portal's own sign-in page too.
    assert "已被锁定" in sign_in(client, admin.username, PASSWORD).content.decode()


@pytest.mark.django_db
def test_failures_from_one_address_do_not_lock_the_name_elsewhere_until_the_slower_limit(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_NAME_FAILURE_LIMIT = 7
    official = UserFactory()
    for _ in range(3):
        sign_in(client, official.username, "wrong", address=A)
    assert "已被锁定" in sign_in(client, official.username, PASSWORD, address=A).content.decode()
    # A forged X-Forwarded-For does not get round the lock: no proxy is trusted by default.
    forged = sign_in(client, official.username, PASSWORD, address=A, HTTP_X_FORWARDED_FOR=C)
    assert "已被锁定" in forged.content.decode()
    # The official, from another address, still gets in.
    elsewhere = Client()
    assert sign_in(elsewhere, official.username, PASSWORD, address=B).status_code == 302
    # Failures spread over addresses add up on the name alone: 3 from A, 3 from B, 1 from C
    # make 7, and then the name is locked from everywhere, right password or not.
    stranger = Client()
    for _ in range(3):
        sign_in(stranger, official.username, "wrong", address=B)
    sign_in(stranger, official.username, "wrong", address=C)
    fresh = Client()
    response = sign_in(fresh, official.username, PASSWORD, address="192.0.2.99")
    assert response.status_code == 200
    assert "已被锁定" in response.content.decode()
    assert not signed_in(fresh)


@pytest.mark.django_db
def test_a_trusted_proxy_passes_on_the_client_address(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.SIGN_IN_TRUSTED_PROXIES = ["127.0.0.1"]
    official = UserFactory()
    for _ in range(2):
        sign_in(
            client, official.username, "wrong", address="127.0.0.1", HTTP_X_FORWARDED_FOR=f"10.9.9.9, {A}"
        )
    assert SignInCounter.objects.get(scope=SignInCounter.PAIR).address == A
    other = Client()
    response = sign_in(other, official.username, PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR=B)
    assert response.status_code == 302


@pytest.mark.django_db
def test_quiet_counters_are_pruned_when_someone_signs_in(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_LOCKOUT_MINUTES = 30
    settings.LOGIN_NAME_WINDOW_MINUTES = 30
    with time_machine.travel(datetime(2026, 3, 10, 9, 0, tzinfo=SHANGHAI)):
        for _ in range(3):
            sign_in(client, "old.guess", "wrong", address=A)
        sign_in(client, "recent", "wrong", address=B)
    assert SignInCounter.objects.filter(username="old.guess").count() == 2
    with time_machine.travel(datetime(2026, 3, 10, 9, 20, tzinfo=SHANGHAI)):
        sign_in(client, "recent", "wrong", address=B)
        assert SignInCounter.objects.filter(username="old.guess").count() == 2  # still locked
    with time_machine.travel(datetime(2026, 3, 10, 9, 31, tzinfo=SHANGHAI)):
        sign_in(client, "someone", "wrong", address=C)
    assert not SignInCounter.objects.filter(username="old.guess").exists()
    assert SignInCounter.objects.filter(username="recent").count() == 2  # last try 11 minutes ago


@pytest.mark.django_db
def test_city_office_unlock_lifts_both_kinds_of_lock(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_NAME_FAILURE_LIMIT = 4
    locked = UserFactory()
    for address in (A, A, B, B):
        sign_in(Client(), locked.username, "wrong", address=address)
    assert "已被锁定" in sign_in(Client(), locked.username, PASSWORD, address=C).content.decode()
    office = Client()
    office.force_login(user_with_role(Role.CITY_OFFICE))
    users = office.get(reverse("user_list")).content.decode()
    assert "已锁定" in users
    response = office.post(reverse("user_unlock", args=[locked.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert not SignInCounter.objects.filter(username=locked.username.lower()).exists()
    for address in (A, B, C):
        assert sign_in(Client(), locked.username, PASSWORD, address=address).status_code == 302
