"""The cache on Redis, as a helper rather than a dependency: when Redis cannot be reached, every
page keeps working without it (issue 8 §4).

A read answers "not cached" (the page computes the value itself), a write is dropped, a counter
counts nothing (a survey rate limit lets the submission through rather than refusing every
resident while Redis is away). Each failure is logged, at most once a minute per process, so an
outage is seen in the logs without flooding them. Connecting gives up after half a second, so a
Redis that hangs instead of refusing slows a page down by that much, not by the system timeout.
"""

from __future__ import annotations

import logging
import time
from functools import wraps

import redis.exceptions
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
LOG_EVERY_S = 60.0
SOCKET_TIMEOUT_S = 0.5

_last_logged = 0.0


def _log(operation: str, error: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged >= LOG_EVERY_S:
        _last_logged = now
        logger.warning("cache unreachable (%s), going on without it: %s", operation, error)


def _tolerant(default):
    """Run the cache operation; when Redis is unreachable, log and answer `default(args, kwargs)`."""

    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                _log(method.__name__, error)
                return default(args, kwargs)

        return wrapper

    return decorate


def _nothing(args, kwargs):
    return None


def _false(args, kwargs):
    return False


def _default_argument(args, kwargs):
    """What `get(key, default)` would answer for a missing key."""
    return kwargs.get("default", args[1] if len(args) > 1 else None)


def _empty(args, kwargs):
    return {}


def _no_keys_failed(args, kwargs):
    return []


def _zero(args, kwargs):
    return 0


class ResilientRedisCache(RedisCache):
    """Django's Redis cache that degrades to "nothing cached" while Redis is unreachable."""

    def __init__(self, server, params):
        params = {**params}
        options = {**params.get("OPTIONS", {})}
        options.setdefault("socket_connect_timeout", SOCKET_TIMEOUT_S)
        options.setdefault("socket_timeout", SOCKET_TIMEOUT_S)
        params["OPTIONS"] = options
        super().__init__(server, params)

    get = _tolerant(_default_argument)(RedisCache.get)
    get_many = _tolerant(_empty)(RedisCache.get_many)
    has_key = _tolerant(_false)(RedisCache.has_key)
    set = _tolerant(_nothing)(RedisCache.set)
    set_many = _tolerant(_no_keys_failed)(RedisCache.set_many)
    add = _tolerant(_false)(RedisCache.add)
    touch = _tolerant(_false)(RedisCache.touch)
    delete = _tolerant(_false)(RedisCache.delete)
    delete_many = _tolerant(_nothing)(RedisCache.delete_many)
    incr = _tolerant(_zero)(RedisCache.incr)
    clear = _tolerant(_false)(RedisCache.clear)
