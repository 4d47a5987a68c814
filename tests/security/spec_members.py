"""Access matrix entries for councils/views/members.py and councils/views/compliance.py."""

from councils.roles import Role

from .matrix import OFFICES, View

MANAGERS = frozenset({Role.CITY_OFFICE, Role.STREET_STAFF})
CONTACT_RECORDERS = frozenset({Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT})

SPEC: dict = {
    "membership_create": View("council", allowed=MANAGERS),
    "term_create": View("council", allowed=MANAGERS),
    "membership_detail": View("membership"),
    "membership_update": View("membership", allowed=MANAGERS),
    "membership_leave": View("membership", allowed=MANAGERS),
    "contact_create": View("membership", allowed=CONTACT_RECORDERS),
    "compliance_list": View(allowed=OFFICES),
}
