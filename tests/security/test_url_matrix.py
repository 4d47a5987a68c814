"""Every URL pattern × every role (DESIGN.md invariant 1, R-6.1).

The patterns come from the URLconf itself, so a new view that is missing from SPEC fails
`test_every_url_pattern_is_in_the_matrix`. For each view the spec says which kind of object it
opens, which roles see side A's object, and which roles may use the view at all:
anonymous → sign-in page; a role that may not use the view → 403; side B's object (outside
every scope but the city's) → 404; side A's object → 200 where the role sees it, else 404.
The contact of a unit that left side A's council walks every view too: the council's objects
answer 404, the unit's own records 200 where a unit contact reads them (issue 14 §2).
"""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from councils.roles import Role

from . import (
    spec_assessment_reports,
    spec_assessment_setup,
    spec_assessment_work,
    spec_bulletins,
    spec_finance,
    spec_inspections,
    spec_io,
    spec_meetings,
    spec_members,
    spec_plans,
    spec_surveys,
)
from .matrix import ALL, BUILDING_MANAGERS, CITY, CITY_WIDE, LEFT_UNIT_KEEPS, SEES, TREE_MANAGERS, View

SPEC: dict[str, View] = {
    "home": View(),
    "healthz": View(public=True),
    "login": View(public=True),
    "logout": View(post_only=True),
    "set_language": View(public=True),  # GET changes nothing and redirects back
    "password_change": View(),
    "password_change_done": View(),
    "district_list": View(),
    "district_create": View(allowed=CITY),
    "district_detail": View("district"),
    "district_update": View("district", allowed=TREE_MANAGERS, sees=CITY),
    "street_list": View(),
    "street_create": View(allowed=CITY),  # street staff manage no district to add a street to
    "street_detail": View("street"),
    "street_update": View("street", allowed=TREE_MANAGERS),
    "community_list": View(),
    "community_create": View(allowed=TREE_MANAGERS),
    "community_detail": View("community"),
    "community_update": View("community", allowed=TREE_MANAGERS),
    "building_list": View(),
    "building_create": View(allowed=BUILDING_MANAGERS),
    "building_detail": View("building"),
    "building_update": View("building", allowed=BUILDING_MANAGERS),
    "council_list": View(),
    "council_create": View(allowed=TREE_MANAGERS),
    "council_detail": View("council"),
    "council_update": View("council", allowed=TREE_MANAGERS),
    "unit_list": View(),
    "unit_create": View(allowed=TREE_MANAGERS),
    "unit_detail": View("unit"),
    "unit_update": View("unit", allowed=TREE_MANAGERS),
    "user_list": View(allowed=CITY),
    "user_create": View(allowed=CITY),
    "user_detail": View("user", allowed=CITY),
    "user_update": View("user", allowed=CITY),
    "user_password": View("user", allowed=CITY),
    "user_unlock": View("user", allowed=CITY),
    "roleassignment_create": View("user", allowed=CITY),
    "roleassignment_delete": View("assignment", allowed=CITY),
    **spec_members.SPEC,
    **spec_meetings.SPEC,
    **spec_plans.SPEC,
    **spec_io.SPEC,
    **spec_finance.SPEC,
    **spec_inspections.SPEC,
    **spec_assessment_reports.SPEC,
    **spec_assessment_setup.SPEC,
    **spec_assessment_work.SPEC,
    **spec_bulletins.SPEC,
    **spec_surveys.SPEC,
}


def portal_patterns(patterns=None, prefix: str = "") -> list[tuple[str, URLPattern]]:
    """Every named pattern of the portal (the admin site has its own staff-only checks)."""
    found = []
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            if entry.app_name == "admin":
                continue
            found += portal_patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif entry.name:
            found.append((entry.name, entry))
    return found


def test_every_url_pattern_is_in_the_matrix():
    names = {name for name, _ in portal_patterns()}
    missing = names - SPEC.keys()
    assert not missing, f"views missing from the access matrix: {sorted(missing)}"
    assert not SPEC.keys() - names, f"matrix names views that no longer exist: {sorted(SPEC.keys() - names)}"


def objects_of(side, kind: str, role_users):
    if kind == "user":
        return role_users[Role.PATROLLER] if side == "A" else None
    if kind == "assignment":
        return role_users[Role.PATROLLER].role_assignments.get() if side == "A" else None
    raise AssertionError(kind)


def url_for(name: str, view: View, side, role_users, side_a, side_b) -> str | None:
    if view.obj is None:
        return reverse(name) if side == "A" else None
    if view.obj in ("user", "assignment"):
        obj = objects_of(side, view.obj, role_users)
    else:
        obj = getattr(side_a if side == "A" else side_b, view.obj)
    return None if obj is None else reverse(name, args=[obj.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(SPEC))
def test_anonymous_visitors_are_sent_to_sign_in(client, name, side_a, side_b, role_users):
    view = SPEC[name]
    url = url_for(name, view, "A", role_users, side_a, side_b)
    response = client.get(url)
    if view.post_only:
        assert response.status_code == 405
    elif view.public:
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert not response.url.startswith(reverse("login"))
    else:
        assert response.status_code == 302
        assert response.url.startswith(reverse("login") + "?next=")


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(n for n, v in SPEC.items() if not v.public and not v.post_only))
def test_role_sees_its_scope_and_gets_404_outside(client, role, name, side_a, side_b, role_users):
    view = SPEC[name]
    client.force_login(role_users[role])
    url_a = url_for(name, view, "A", role_users, side_a, side_b)
    url_b = url_for(name, view, "B", role_users, side_a, side_b)
    status_a = client.get(url_a).status_code
    if role not in view.allowed:
        assert status_a == 403, f"{role} on {url_a}"
        return
    sees = view.sees if view.sees is not None else (SEES[view.obj] if view.obj else ALL)
    assert status_a == (200 if role in sees else 404), f"{role} on {url_a}"
    if url_b is not None:
        expected_b = 200 if role == Role.CITY_OFFICE else 404
        assert client.get(url_b).status_code == expected_b, f"{role} on {url_b}"


# Records of side A's council made after the unit left, each with a page of its own.
COUNCIL_RECORDS = ["meeting", "plan", "task", "violation", "finding", "patrol", "activity", "entry"]


def left_unit_url(name: str, view: View, side_a, left_unit) -> str:
    if view.obj is None:
        return reverse(name)
    if view.obj == "user":
        obj = left_unit.contact
    elif view.obj == "assignment":
        obj = left_unit.contact.role_assignments.get()
    elif view.obj in LEFT_UNIT_KEEPS:
        obj = getattr(left_unit, view.obj)
    else:
        obj = getattr(side_a, view.obj)
    return reverse(name, args=[obj.pk])


def left_unit_expects(view: View) -> int:
    if Role.UNIT_CONTACT not in view.allowed:
        return 403
    if view.obj is None:
        return 200
    sees = view.sees if view.sees is not None else SEES[view.obj]
    if Role.UNIT_CONTACT not in sees:
        return 404
    return 200 if view.obj in LEFT_UNIT_KEEPS | CITY_WIDE else 404


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(n for n, v in SPEC.items() if not v.public and not v.post_only))
def test_a_unit_that_left_the_council_reads_only_its_own_records(client, name, side_a, left_unit):
    view = SPEC[name]
    client.force_login(left_unit.contact)
    url = left_unit_url(name, view, side_a, left_unit)
    response = client.get(url)
    assert response.status_code == left_unit_expects(view), url
    if view.obj is None and response.status_code == 200 and "html" in response.get("Content-Type", ""):
        # A list the unit still opens names none of the council's records made after it left.
        page = response.content.decode()
        for record in COUNCIL_RECORDS:
            link = f'href="{getattr(side_a, record).get_absolute_url()}"'
            assert link not in page, f"{url} links {record}"
