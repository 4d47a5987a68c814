"""Moments for test data that stay in the current quarter, half-year and year whatever the day the
suite runs (issue 14 §0)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from councils.periods import Quarter


def earlier_this_quarter(delta: timedelta) -> datetime:
    """`delta` ago, but never before the current quarter began (its first instant, Shanghai time),
    so a record made "yesterday" on the first day of a quarter still counts in that quarter."""
    now = timezone.now()
    return max(now - delta, Quarter.of(now).start)
