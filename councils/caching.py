"""Short-lived cached reads, shared by every user with the same scope and dropped on writes
(issue 8 §2): the dashboard's counts, the ledger's totals.

A cached value lives under a key made of a *tag*, the tag's current version, the database's name,
the user's scope (their role assignments: role and node, nothing else decides what they see) and
whatever else the read depends on. Saving or deleting a row of a model registered for the tag
gives the tag a new version, at once and again when the transaction commits (a page computed in
between, from the data before the commit, is then dropped too), so a page never shows numbers
older than the last write for longer than that request. Writes that send no signals (bulk
inserts, `QuerySet.update`) are caught by the short lifetime, or by calling `bump` after them.

The cache is Redis in every deployment (config.cache: while Redis is away, every read computes).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from .scoping import grants_of

PREFIX = "cached"


def _version_key(tag: str) -> str:
    return f"{PREFIX}:{connection.settings_dict['NAME']}:{tag}:version"


def _renew(tags: Iterable[str]) -> None:
    cache.set_many({_version_key(tag): secrets.token_hex(8) for tag in tags}, timeout=None)


def version(tag: str) -> str:
    """The tag's current version, created on first use."""
    key = _version_key(tag)
    current = cache.get(key)
    if current is None:
        current = secrets.token_hex(8)
        if not cache.add(key, current, timeout=None):
            current = cache.get(key) or current
    return current


def bump(*tags: str) -> None:
    """Drop every value cached under these tags: now, and once more when the transaction commits."""
    _renew(tags)
    if connection.in_atomic_block:
        transaction.on_commit(lambda: _renew(tags))


def scope_of(user) -> str:
    """What the user's reads depend on: their role assignments (role, node), in a fixed order."""
    grants = sorted((g.role, g.node_id or 0) for g in grants_of(user))
    return ",".join(f"{role}:{node}" for role, node in grants)


def cached(tag: str, parts: Iterable[Any], compute: Callable[[], Any], *, timeout: int) -> Any:
    """The value of `compute()` for these key parts, from the cache while the tag's version holds
    and for at most `timeout` seconds."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]
    key = f"{PREFIX}:{connection.settings_dict['NAME']}:{tag}:{version(tag)}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=timeout)
    return value


def bump_on_write(tag: str, models: Iterable[type]) -> None:
    """Give the tag a new version whenever a row of one of these models is saved or deleted."""

    def receiver(sender, **kwargs):
        bump(tag)

    for model in models:
        for signal in (post_save, post_delete):
            signal.connect(
                receiver, sender=model, weak=False, dispatch_uid=f"{PREFIX}:{tag}:{model._meta.label}"
            )
