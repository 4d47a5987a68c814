"""Authentication with the sign-in lockout (issue 14 §4): every call of `authenticate()`, from the
portal's sign-in page, the admin's or anywhere else, first reserves its place in the lockout
counters and is refused there, before any password hashing, when the name is locked.

Why not django-axes: it checks the lock in its backend, lets the password be hashed, and counts the
failure afterwards in a signal handler, so guesses sent at once are all hashed (16 of 16 in a trial
with its database handler); and it compares every key combination against one failure limit, so
the slower limit on the name alone cannot be expressed. Both need the counter reserved first."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from . import services


def client_address(request) -> str:
    """The client's address: REMOTE_ADDR, unless it is one of SIGN_IN_TRUSTED_PROXIES, whose
    X-Forwarded-For is then read from the right, skipping the trusted proxies' own entries (a
    client can write anything to the left of them)."""
    if request is None:
        return ""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = set(settings.SIGN_IN_TRUSTED_PROXIES)
    if remote in trusted:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        for address in reversed([part for part in forwarded if part]):
            if address not in trusted:
                return address[:45]
    return remote[:45]


class LockoutBackend(ModelBackend):
    """ModelBackend behind the lockout counters. A refused try raises PermissionDenied, which
    stops `authenticate()` before any backend hashes the password; the verdict is left on the
    request for the form to explain."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if username is None or password is None:
            return None
        address = client_address(request)
        verdict = services.sign_in_reserve(username=username, address=address)
        if request is not None:
            request.sign_in_verdict = verdict
        if not verdict.allowed:
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            services.sign_in_succeeded(username=username, address=address)
        return user
