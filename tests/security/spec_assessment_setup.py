"""Access matrix entries for assessments/views_setup.py (issue 6): rubric versions, periods,
points rules and the points ledger (R-1.9, R-1.10).

Rubrics, periods and rules belong to the city and are public to everyone signed in (the criteria
are transparent); only the city office (MANAGE_RUBRICS) changes them, and side B holds no rubric,
criterion or period of its own, so those pages have no out-of-scope check. The ledger is read
within scope by every role on side A; street staff record manual points (RECORD_POINTS).

Needs a `criterion` attribute on Side: side A's rubric's first criterion, None on side B."""

from councils.roles import Role

from .matrix import ALL, CITY, View

POINT_RECORDERS = frozenset({Role.STREET_STAFF})

SPEC: dict = {
    # rubrics and their criteria
    "rubric_list": View(),
    "rubric_detail": View("rubric", sees=ALL),
    "rubric_revise": View("rubric", allowed=CITY, sees=CITY),
    # Side A's rubric is frozen by side A's period: the criterion pages still open (200) and show
    # the refusal; a POST is refused on the form, never with a 403.
    "criterion_create": View("rubric", allowed=CITY, sees=CITY),
    "criterion_update": View("criterion", allowed=CITY, sees=CITY),
    "criterion_delete": View("criterion", allowed=CITY, sees=CITY),
    # periods: progress on the list and detail is counted within each role's own scope
    "period_list": View(),
    "period_create": View(allowed=CITY),
    "period_detail": View("period", sees=ALL),
    "period_sync": View("period", allowed=CITY, sees=CITY),
    "period_close": View("period", allowed=CITY, sees=CITY),
    # points rules and the ledger
    "point_rule_list": View(),
    "point_rule_edit": View(allowed=CITY),
    "point_list": View(),
    "point_create": View(allowed=POINT_RECORDERS),
    "points_derive": View(allowed=CITY),
}
