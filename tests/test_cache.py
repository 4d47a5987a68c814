"""The cache on Redis is a helper, not a dependency (issue 8 §4): with Redis unreachable every
operation answers "nothing cached" at once instead of raising, so the pages built on it keep
working; with Redis there it is a plain Django cache."""

import socket
import time

import pytest
from django.conf import settings

from config.cache import ResilientRedisCache
from surveys import guard


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


@pytest.fixture
def unreachable():
    return ResilientRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {})


def test_with_redis_unreachable_reads_miss_writes_are_dropped_and_nothing_raises(unreachable):
    started = time.monotonic()
    assert unreachable.get("k") is None
    assert unreachable.get("k", "fallback") == "fallback"
    assert unreachable.get("k", default=7) == 7
    assert unreachable.get_many(["a", "b"]) == {}
    assert unreachable.has_key("k") is False
    unreachable.set("k", 1)
    assert unreachable.set_many({"a": 1}) == []
    assert unreachable.add("k", 1) is False
    assert unreachable.touch("k") is False
    assert unreachable.delete("k") is False
    unreachable.delete_many(["a"])
    assert unreachable.incr("k") == 0
    assert unreachable.decr("k") == 0
    assert unreachable.get_or_set("k", lambda: "computed") == "computed"
    unreachable.clear()
    assert time.monotonic() - started < 5  # refused at once, no long timeouts


def test_a_survey_rate_limit_lets_residents_through_while_redis_is_away(unreachable, monkeypatch):
    """R-6.2: a resident's answer is not refused because the counter cannot be reached."""
    monkeypatch.setattr(guard, "cache", unreachable)
    assert all(guard.take_turn("10.0.0.1") is None for _ in range(50))


@pytest.mark.skipif(
    not str(settings.CACHES["default"].get("LOCATION", "")).startswith("redis://"), reason="needs REDIS_URL"
)
def test_with_redis_there_it_caches_and_counts():
    cache = ResilientRedisCache(settings.CACHES["default"]["LOCATION"], {"KEY_PREFIX": "test-cache"})
    cache.set("k", {"n": 1}, 30)
    assert cache.get("k") == {"n": 1}
    assert cache.add("counter", 0, 30) is True
    assert cache.incr("counter") == 1
    cache.delete_many(["k", "counter"])
    assert cache.get("k") is None
