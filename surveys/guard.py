"""What keeps the public survey honest without asking who anyone is (R-6.2).

One answer per device per round. The first visit to a survey page gives the browser a random
token in a signed, HttpOnly cookie (path /s/, kept 400 days, the longest browsers allow). A
response stores only an HMAC of that token keyed with the portal's secret and the round, and the
database holds each (round, device hash) once. Why this and not something else:
- asking for a phone number or a sign-in would end anonymity, which the survey promises;
- fingerprinting a browser (screen, fonts, …) is intrusive and unreliable on identical phones;
- the network address alone is shared by whole neighbourhoods behind mobile carriers' NAT.
A cookie names no one, survives for the round, and is what the resident sees as "this phone".
It can be cleared, so it stops repeat answers by honest residents and casual double voting, not
a determined forger; the per-address rate limit below bounds what clearing buys. The signature
means only the portal mints tokens; the per-round key means hashes of one device cannot be
linked across rounds, and a leaked table cannot be matched to a phone without the secret.

Rate limits per address. Submissions are counted per network address in fixed windows
(`SURVEY_RATE_LIMITS`, default 10 per 10 minutes and 100 per day: generous, because a carrier's
NAT puts many residents behind one address) in Django's cache, whatever backend CACHES names: the
counter is `cache.add` then `cache.incr`, both atomic on Redis and on the local-memory cache. The
address never reaches the cache or the database in clear: keys and `Response.address_hash` are
HMACs of it under the portal's secret. Behind a reverse proxy, name the header that carries the
client's address in `SURVEY_CLIENT_IP_HEADER` (e.g. "HTTP_X_REAL_IP"); by default REMOTE_ADDR.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

DEVICE_COOKIE = "survey_device"
DEVICE_SALT = "surveys.device-cookie"
DEVICE_COOKIE_AGE = 400 * 24 * 3600
COOKIE_PATH = "/s/"
DEFAULT_RATE_LIMITS = ((10, 10 * 60), (100, 24 * 3600))


def client_address(request) -> str:
    header = getattr(settings, "SURVEY_CLIENT_IP_HEADER", "") or "REMOTE_ADDR"
    value = request.META.get(header, "") or request.META.get("REMOTE_ADDR", "")
    return value.split(",")[0].strip()


def _digest(purpose: str, value: str) -> str:
    return salted_hmac(f"surveys.{purpose}", value, algorithm="sha256").hexdigest()


def device_hash(round_id: int, token: str) -> str:
    """What a response keeps of the device: unlinkable across rounds, useless without the secret."""
    return _digest("device", f"{round_id}:{token}")


def address_hash(round_id: int, address: str) -> str:
    return _digest("address", f"{round_id}:{address}") if address else ""


# --- The device token ------------------------------------------------------------------------------


def device_token(request) -> str | None:
    """The token this browser was given, if it sent back a cookie the portal signed."""
    return request.get_signed_cookie(DEVICE_COOKIE, default=None, salt=DEVICE_SALT) or None


def new_device_token() -> str:
    return secrets.token_urlsafe(18)


def set_device_cookie(response, token: str) -> None:
    response.set_signed_cookie(
        DEVICE_COOKIE,
        token,
        salt=DEVICE_SALT,
        max_age=DEVICE_COOKIE_AGE,
        path=COOKIE_PATH,
        secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Lax",
    )


# --- Rate limits -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    """A limit reached: how long until its window ends."""

    limit: int
    window: int
    retry_after: int

    @property
    def minutes(self) -> int:
        return max(1, -(-self.retry_after // 60))


def rate_limits() -> tuple[tuple[int, int], ...]:
    return tuple(getattr(settings, "SURVEY_RATE_LIMITS", DEFAULT_RATE_LIMITS))


def take_turn(address: str, *, now: float | None = None) -> Refusal | None:
    """Count one submission from `address` in every window; the first window over its limit
    refuses (the submission is counted all the same, so hammering does not help)."""
    now = time.time() if now is None else now
    key_base = "surveys:rate:" + _digest("rate", address or "-")[:40]
    refusal = None
    for limit, window in rate_limits():
        start = int(now // window) * window
        key = f"{key_base}:{window}:{start}"
        cache.add(key, 0, timeout=window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr, or a cache that keeps nothing
            cache.add(key, 1, timeout=window + 5)
            count = 1
        if count > limit and refusal is None:
            refusal = Refusal(limit=limit, window=window, retry_after=max(1, int(start + window - now)))
    return refusal
