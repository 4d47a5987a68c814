"""Answers that arrive faster than a community usually gets them are held (issue 14 §6, R-6.2).

A phone's cookie can be cleared and a network address changed, so one person can answer many
times; what such a person cannot hide is speed. Honest answers to a community's poster trickle
in, a few an hour at most; a flood comes in minutes. The rule, in plain words:

    Within any 60 minutes a community takes at most max(5, 3 × its usual hourly number) answers.
    The answer that goes past that is held for review, and with it the answers of the same 60
    minutes that were still counted automatically: a burst is held whole, so its first answers
    do not slip into the rates either. In the same way, more than 3 answers to one community
    from one network address within 60 minutes are held, with that address's other answers of
    those 60 minutes.

"Usual hourly number" is concrete: take the answers of this round to the community that count
(automatically or accepted by a reviewer) and arrived before the 60 minutes being judged; group
them by clock hour (Shanghai time); the median of the numbers in the hours that have any. Times
3, rounded down, it is the limit when above 5. Hours without answers are left out (a community
that collects forty answers over a month would otherwise have a usual rate of zero); held or
rejected answers, and the answers of the window itself, never raise the bar, so a burst cannot
lift its own limit. The window slides: it ends at the moment the new answer arrives.

Held answers are kept but left out of every published rate (`Response.COUNTED_STATES`) until the
community's staff or the city office accept them (they count from then on) or reject them (they
never do); see `services.responses_review`. The rule depends on nothing but the stored answers
and the moment of arrival, so it gives the same verdict under test with a frozen clock.

What it does not stop: someone who sends no more than 5 answers an hour, hour after hour, from
changing addresses. That takes days for a visible change and the per-address limits of
`surveys.guard` still apply.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from statistics import median

from django.db.models import Count
from django.db.models.functions import TruncHour

from councils.models import Community

from .models import Response, Round

WINDOW = timedelta(minutes=60)
BURST_MIN = 5  # answers any community may take within the window, however quiet it usually is
BURST_FACTOR = 3  # how many times its usual hourly number a community may take within the window
ADDRESS_MAX = 3  # answers one network address may send one community within the window


def usual_per_hour(*, round: Round, community: Community, before: datetime) -> float:
    """The median number of counted answers arrived before `before`, over the clock hours of the
    round in which the community received any; 0 before its first."""
    hours = (
        Response.objects.filter(
            round=round, community=community, state__in=Response.COUNTED_STATES, submitted_at__lte=before
        )
        .annotate(hour=TruncHour("submitted_at"))
        .order_by()
        .values("hour")
        .annotate(n=Count("pk"))
        .values_list("n", flat=True)
    )
    counts = list(hours)
    return float(median(counts)) if counts else 0.0


def burst_limit(*, round: Round, community: Community, at: datetime) -> int:
    """How many answers the community may take within the 60 minutes up to `at`."""
    usual = usual_per_hour(round=round, community=community, before=at - WINDOW)
    return max(BURST_MIN, math.floor(BURST_FACTOR * usual))


def hold_if_burst(response: Response, *, limit: int) -> str:
    """Hold `response` (just saved, counted) and the rest of its burst when the community has
    received more than `limit` answers in the 60 minutes up to it, or its address more than
    ADDRESS_MAX; returns the reason held ("" when it counts)."""
    recent = Response.objects.filter(
        round_id=response.round_id,
        community_id=response.community_id,
        submitted_at__gt=response.submitted_at - WINDOW,
        submitted_at__lte=response.submitted_at,
    )
    if recent.count() > limit:
        reason = Response.HoldReason.BURST
    elif response.address_hash and recent.filter(address_hash=response.address_hash).count() > ADDRESS_MAX:
        reason = Response.HoldReason.ADDRESS
        recent = recent.filter(address_hash=response.address_hash)
    else:
        return ""
    # Only answers counted automatically are held; a reviewer's decision stands.
    recent.filter(state=Response.State.COUNTED).update(state=Response.State.HELD, hold_reason=reason)
    response.state, response.hold_reason = Response.State.HELD, reason
    return reason
