"""The dashboard card of residents' five rates (R-6.2), added through settings.DASHBOARD_PANELS."""

from __future__ import annotations

from django.urls import reverse

from councils.roles import Capability, Level
from councils.scoping import grants_of, has_capability

from .selectors import scope_rates

# Answers belong to communities: the card is for those who see communities.
LEVELS = {Level.CITY, Level.DISTRICT, Level.STREET, Level.COMMUNITY}


def rates_panel(request) -> dict | None:
    """The newest round's five rates over the communities the user sees, with 95% intervals;
    None for roles that see no community. Three queries whatever the number of answers."""
    user = request.user
    if not LEVELS & {g.level for g in grants_of(user)}:
        return None
    round, row = scope_rates(user)
    rates = [
        {"label": str(label), "pct": e.pct, "low": e.low_pct, "high": e.high_pct, "n": e.n}
        for label, e in row.ordered
    ]
    return {
        "template": "surveys/_dashboard_card.html",
        "round": round,
        "responses": row.responses if round else 0,
        "held": row.held if round else 0,
        "review_url": reverse("survey_review_list")
        if row.held and has_capability(user, Capability.REVIEW_ANSWERS)
        else None,
        "rates": rates,
        "chart": {
            "labels": [r["label"] for r in rates],
            "values": [r["pct"] for r in rates],
            "lows": [r["low"] for r in rates],
            "highs": [r["high"] for r in rates],
        },
    }
