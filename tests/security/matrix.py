"""The vocabulary of the access matrix, shared by test_url_matrix.py and the spec_*.py files
that list each area's views."""

from __future__ import annotations

from dataclasses import dataclass

from councils.roles import Role

ALL = frozenset(Role)
CITY = frozenset({Role.CITY_OFFICE})
DISTRICT_UP = CITY | {Role.DISTRICT_OFFICE}
STREET_UP = DISTRICT_UP | {Role.STREET_STAFF}
COMMUNITY_UP = STREET_UP | {Role.COMMUNITY_STAFF, Role.PATROLLER}
BUILDING_SEERS = COMMUNITY_UP | {Role.COUNCIL_SECRETARY}
TREE_MANAGERS = frozenset({Role.CITY_OFFICE, Role.STREET_STAFF})
BUILDING_MANAGERS = TREE_MANAGERS | {Role.COMMUNITY_STAFF}

# Which roles see side A's object of each kind.
SEES = {
    "district": DISTRICT_UP,
    "street": STREET_UP,
    "community": COMMUNITY_UP,
    "building": BUILDING_SEERS,
    "council": ALL,
    "unit": ALL,
    "user": CITY,
    "assignment": CITY,
    # A council's own records: every role on side A reaches council A's (a unit contact because
    # its unit sits on council A).
    "membership": ALL,
    "meeting": ALL,
    "resolution": ALL,
    "attachment": ALL,
    "plan": ALL,
    "opinion": ALL,
    "task": ALL,
    "contact": ALL,
    # The fund of council A and its records: every role on side A may read them.
    "fund": ALL,
    "entry": ALL,
    "expenditure": ALL,
    "violation": ALL,
    "budget": ALL,
    "pledge": ALL,
}
# Patrols of community A: every role on side A reaches them (the secretary and the unit contact
# through community A's council).
SEES.update(patrol=ALL, finding=ALL, photo=ALL, activity=ALL, officer=ALL)
# A unit contact whose unit left side A's council (issue 14 §2) reaches a council only through the
# seats its unit holds now: every page of council A and of its community answers 404 to it. Its
# own records there stay readable: these kinds open the left unit's own object (its unit, its
# ended seat, the task assigned to it, its contribution, the activity it organised), and the
# city's own kinds (rubrics, periods, survey rounds) belong to no council.
LEFT_UNIT_KEEPS = frozenset({"unit", "membership", "task", "entry", "activity"})
CITY_WIDE = frozenset(
    {"rubric", "criterion", "period", "survey_round", "survey_questionnaire", "survey_question"}
)
PATROLLERS = frozenset({Role.PATROLLER, Role.COMMUNITY_STAFF})
FINDING_HANDLERS = frozenset({Role.COMMUNITY_STAFF, Role.STREET_STAFF})
ACTIVITY_RECORDERS = frozenset({Role.COMMUNITY_STAFF, Role.COUNCIL_SECRETARY})
FUND_KEEPERS = frozenset({Role.COUNCIL_SECRETARY})
FUND_REVIEWERS = frozenset({Role.CITY_OFFICE, Role.STREET_STAFF})
SECRETARY = frozenset({Role.COUNCIL_SECRETARY})
OFFICES = frozenset({Role.CITY_OFFICE, Role.DISTRICT_OFFICE, Role.STREET_STAFF})


@dataclass(frozen=True)
class View:
    obj: str | None = None  # kind of object in the URL, None for pages without one
    allowed: frozenset = ALL  # roles that may use the page at all; others get 403
    sees: frozenset | None = None  # roles that reach side A's object here (default SEES[obj])
    public: bool = False  # served to anonymous visitors too
    post_only: bool = False
