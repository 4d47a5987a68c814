"""Access matrix entries for assessments/views_work.py (issue 6, R-1.9, R-1.10): every role on
side A reads the worklist, the rankings and side A's unit's score card; side A's assessment is a
draft, which the council's secretary and the unit's contact do not read (drafts are internal until
published: 404 for them). Community staff score and submit; street staff confirm, return, publish,
correct and act in bulk; every other role gets 403 there. Each step has a GET page (what will
happen, with its form) and acts on POST, like the finance and patrol steps."""

from councils.roles import Role

from .matrix import ALL, View

ASSESSORS = frozenset({Role.COMMUNITY_STAFF})
CONFIRMERS = frozenset({Role.STREET_STAFF})
DRAFT_READERS = ALL - {Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT}

SPEC: dict = {
    "assessment_list": View(),
    "assessment_bulk": View(allowed=CONFIRMERS),
    "assessment_detail": View("assessment", sees=DRAFT_READERS),
    "assessment_score": View("assessment", allowed=ASSESSORS, sees=ASSESSORS),
    "assessment_submit": View("assessment", allowed=ASSESSORS, sees=ASSESSORS),
    "assessment_confirm": View("assessment", allowed=CONFIRMERS, sees=CONFIRMERS),
    "assessment_return": View("assessment", allowed=CONFIRMERS, sees=CONFIRMERS),
    "assessment_publish": View("assessment", allowed=CONFIRMERS, sees=CONFIRMERS),
    "assessment_adjust": View("assessment", allowed=CONFIRMERS, sees=CONFIRMERS),
    "unit_scorecard": View("unit"),
    "assessment_rankings": View(),
}
