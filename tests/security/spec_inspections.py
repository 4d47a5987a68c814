"""Access matrix entries for inspections/views*.py."""

from .matrix import ACTIVITY_RECORDERS, BUILDING_MANAGERS, FINDING_HANDLERS, OFFICES, PATROLLERS, View

SPEC: dict = {
    # rosters, pacts, activities
    # a building's roster is read by whoever sees the building (not a unit contact) and
    # changed by those who keep buildings.: activities are read by every role on
    # side A (the unit contact's unit organised side A's) and recorded by community staff and the
    # council's secretary.
    "roster_list": View(),
    "building_roster": View("building"),
    "officer_set": View("building", allowed=BUILDING_MANAGERS),
    "pact_edit": View("building", allowed=BUILDING_MANAGERS),
    "activity_list": View(),
    "activity_create": View(allowed=ACTIVITY_RECORDERS),
    "activity_detail": View("activity"),
    # patrols, findings
    # every role on side A reads community A's patrols, findings and photos; patrollers
    # and community staff record them; steps are taken by those who record patrols or handle
    # findings (the step list opens to both; verifying, escalating and closing only to handlers).
    "patrol_list": View(),
    "patrol_create": View(allowed=PATROLLERS),
    "patrol_detail": View("patrol"),
    "finding_list": View(),
    "finding_create": View(allowed=PATROLLERS),
    "finding_detail": View("finding"),
    "finding_transition": View("finding", allowed=PATROLLERS | FINDING_HANDLERS),
    "finding_duplicate": View("finding", allowed=PATROLLERS | FINDING_HANDLERS),
    "photo_view": View("photo"),
    # statistics
    # R-2.1, R-3.2, R-4.1, R-6.1: the offices that review the communities' work (city, district,
    # street: the REVIEW_COMPLIANCE capability) read the statistics of their own scope; other
    # roles work with the findings and activities themselves and get 403 here.
    "patrol_stats": View(allowed=OFFICES),
}
