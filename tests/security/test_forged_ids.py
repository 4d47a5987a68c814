"""Forged ids (issue 8 §5; DESIGN.md invariant 1): a pk of side B's object, a pk that does not
exist or something that is not a pk at all — typed into a form's choice, put in a URL, sent with
GET or POST — never reaches another council's data and changes nothing. In a form it is an
invalid choice, in Chinese, on its field; in a URL it is a 404 (405 where the page takes no
POST at all).

Side B is another district: none of the roles on side A (other than the city office, left out
here) sees anything of it."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from councils.models import Attendance
from councils.roles import Role
from finance.models import Budget

from . import hostile
from .hostile import Unchanged, refused_on_form
from .hostile_pages import open_form, post_form
from .matrix import SEES
from .test_url_matrix import SPEC

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    yield from hostile.world_for_module(django_db_blocker, tmp_path_factory)


INVALID_CHOICE = "选择一个有效的选项"
# What is forged in a choice: side B's object of the kind, then the ones that never exist.
NOT_IDS = ["999999999", "99999999999999999999", "1 OR 1=1"]


# (page, field, side B's object of that kind as an attribute path on side B)
FORGED_CHOICES = [
    ("membership_create", "unit", "unit"),
    ("membership_update", "buildings", "building"),
    ("contact_create", "building", "building"),
    ("resolution_create", "agenda_item", "meeting.agenda_items.first"),
    ("task_create", "assignee", "unit"),
    ("plan_approve", "resolution", "resolution"),
    ("contribution", "unit", "unit"),
    ("pledge", "unit", "unit"),
    ("expenditure", "resolution", "resolution"),
    ("expenditure", "budget_line", "budget.lines.first"),
    ("expenditure", "category", None),
    ("budget_approve", "resolution", "resolution"),
    ("patrol_create", "community", "community"),
    ("finding_create", "building", "building"),
    ("finding_duplicate", "original", "finding"),
    ("activity_create", "community", "community"),
    ("activity_create", "organiser", "unit"),
    ("point_create", "unit", "unit"),
    ("point_create", "council", "council"),
    ("modelcase_create", "community", "community"),
    ("modelcase_create", "unit", "unit"),
    ("bulletin_create", "scope", "district"),
]


def side_b_pk(world, path: str | None):
    if path is None:
        return None
    target = world.b
    for part in path.split("."):
        target = target.first() if part == "first" else getattr(target, part)
    return target.pk


def is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def choice_params():
    for page, field, path in FORGED_CHOICES:
        values = ([("side-b", path)] if path else []) + [(v, None) for v in NOT_IDS]
        for label, _path in values:
            yield pytest.param(page, field, label, path, id=f"{page}-{field}-{label}")


@pytest.mark.parametrize(("page", "field", "forged", "path"), list(choice_params()))
def test_a_forged_choice_is_refused_and_nothing_changes(client, world, page, field, forged, path):
    """DESIGN.md invariant 1 (R-1.2 – R-6.3): a form offers only what the user may choose; a pk of
    another district's unit, council, building, resolution or finding, a pk that does not exist,
    or text in place of a pk is an invalid choice on its field, and nothing is saved."""
    value = str(side_b_pk(world, path)) if forged == "side-b" else forged
    form = open_form(client, world, page)
    multiple = isinstance(form.fields[field].initial, list) or field == "buildings"
    # A choice of several says which value is not a pk at all.
    message = "不是一个有效的值" if multiple and not is_int(value) else INVALID_CHOICE
    with Unchanged():
        response = post_form(client, world, page, form, {field: [value] if multiple else value})
        refused_on_form(response, message, field=field)


def test_a_seat_of_another_council_on_the_meeting_form_is_ignored(client, world):
    """R-1.1, R-1.2: the meeting form has a row for each seat of this council; a row forged for
    side B's seat is not read — the meeting records side A's seat only, and side B's seat gets
    no attendance."""
    other = world.b.membership.pk
    form = open_form(client, world, "meeting_create")
    before = Attendance.objects.filter(membership_id=other).count()
    response = post_form(
        client, world, "meeting_create", form, {f"present_{other}": "on", f"representative_{other}": "伪造"}
    )
    assert response.status_code == 302
    assert Attendance.objects.filter(membership_id=other).count() == before


# --- Forged ids in URLs --------------------------------------------------------------------------


def role_for(view) -> str | None:
    """A role on side A that may use the page and reaches side A's object of its kind."""
    sees = view.sees if view.sees is not None else SEES.get(view.obj, frozenset())
    for role in Role:
        if role != Role.CITY_OFFICE and role in view.allowed and role in sees:
            return role
    return None


# Kinds that belong to the whole city (side B holds none of its own), side A's bulletin (the only
# one), and users and their roles (the city office's alone): no other side's object to forge.
NO_SIDE_B = {"rubric", "criterion", "period", "survey_round", "survey_questionnaire", "survey_question"}
NO_SIDE_B |= {"bulletin", "user", "assignment"}


def url_params():
    for name, view in sorted(SPEC.items()):
        if view.obj is None or view.public or view.obj in NO_SIDE_B:
            continue
        role = role_for(view)
        if role is not None:
            yield pytest.param(name, role, id=name)


FORGED_POST = {"confirm": "on", "reason": "伪造", "note": "伪造", "comment": "伪造", "measures": "伪造"}


@pytest.mark.parametrize(("name", "role"), list(url_params()))
def test_another_sides_object_in_the_url_is_404_by_get_and_post_and_nothing_changes(
    client, world, name, role
):
    """DESIGN.md invariant 1, R-6.1: side B's object in the URL of any page is a 404 to a role of
    side A — by GET and by POST alike (405 where the page takes no POST) — and nothing changes."""
    url = reverse(name, args=[getattr(world.b, SPEC[name].obj).pk])
    client.force_login(world.users[role])
    takes_post = hasattr(resolve(url).func.view_class, "post")
    with Unchanged():
        if not SPEC[name].post_only:
            assert client.get(url).status_code == 404
        assert client.post(url, FORGED_POST).status_code in ((404,) if takes_post else (404, 405))


def pk_urls(value: str) -> list[tuple[str, str]]:
    """Every URL of the portal that carries a pk, with `value` in its place, and a role of side A
    that may use the page (the city office where it may)."""
    urls = []
    for name, view in sorted(SPEC.items()):
        if view.obj is not None and not view.public:
            real = reverse(name, args=[7])
            url = real.replace("/7/", f"/{value}/", 1) if "/7/" in real else real.replace("7", value, 1)
            role = Role.CITY_OFFICE if Role.CITY_OFFICE in view.allowed else next(iter(sorted(view.allowed)))
            urls.append((url, role))
    return sorted(urls, key=lambda pair: pair[1])


@pytest.mark.parametrize("not_pk", ["abc", "-1", "%EF%BC%91", "%00"])
def test_text_in_place_of_a_pk_is_404_everywhere(client, world, not_pk):
    """DESIGN.md invariant 1: in every URL that carries a pk, text, a negative or decimal number,
    a full-width digit or a NUL answers 404 — never a server error."""
    failures = []
    with Unchanged():
        for url, role in pk_urls(not_pk):
            client.force_login(world.users[role])
            if client.get(url).status_code != 404:
                failures.append(url)
    assert not failures, failures


@pytest.mark.parametrize("number", ["99999999999999999999", "0"])
def test_a_pk_past_what_the_database_holds_is_404_everywhere(client, world, number):
    """DESIGN.md invariant 1: a pk past the largest the database holds, or zero, matches the URL
    but no object: 404 by GET and by POST (or 405 where the page takes no POST) to a role that
    may use the page — never a server error from the database — and nothing changes."""
    failures = []
    with Unchanged():
        for url, role in pk_urls(number):
            client.force_login(world.users[role])
            takes_post = hasattr(resolve(url).func.view_class, "post")
            if client.get(url).status_code not in (404, 405):
                failures.append(f"GET {url}")
            if number != "0" and client.post(url, FORGED_POST).status_code not in (
                (404,) if takes_post else (404, 405)
            ):
                failures.append(f"POST {url}")
    assert not failures, failures


# --- Forged ids in query strings -------------------------------------------------------------------

# (list page, filter parameter, side B's object): a filter set to side B's object lists nothing of it.
FORGED_FILTERS = [
    ("meeting_list", "council", "council", "meeting.place"),
    ("plan_list", "council", "council", "plan.title"),
    ("task_list", "council", "council", "task.title"),
    ("ledger_list", "council", "council", "expenditure.counterparty"),
    ("finding_list", "community", "community", "finding.description"),
    ("activity_list", "community", "community", "activity.title"),
    ("unit_list", "street", "street", "unit.name"),
]


@pytest.mark.parametrize(
    ("name", "param", "path", "shown"), FORGED_FILTERS, ids=[f[0] for f in FORGED_FILTERS]
)
def test_a_list_filtered_by_another_sides_object_shows_none_of_it(client, world, name, param, path, shown):
    """DESIGN.md invariant 1: a list page's filter is scoped like the list; side B's council,
    community or street in the query string shows nothing of side B (and no server error)."""
    client.force_login(world.users[Role.STREET_STAFF])
    value = side_b_pk(world, path)
    text = world.b
    for part in shown.split("."):
        text = getattr(text, part)
    for query in (f"{param}={value}", f"{param}=abc", f"{param}=99999999999999999999"):
        response = client.get(f"{reverse(name)}?{query}")
        assert response.status_code == 200, (query, response.status_code)
        assert str(text) not in hostile.page(response)


@pytest.mark.parametrize(
    "query",
    [
        lambda w: f"patrol={w.b.patrol.pk}",
        lambda w: f"community={w.b.community.pk}",
        lambda w: "patrol=abc",
        lambda w: "community=-1",
        lambda w: "patrol=99999999999999999999",
    ],
    ids=["side-b-patrol", "side-b-community", "text", "negative", "huge"],
)
def test_a_finding_for_a_forged_patrol_or_community_is_404_and_nothing_is_saved(client, world, query):
    """R-2.1, DESIGN.md invariant 1: the finding form opened for side B's patrol or community, or
    for something that is not a pk, is a 404 by GET and POST; nothing is saved."""
    client.force_login(world.users[Role.PATROLLER])
    url = f"{reverse('finding_create')}?{query(world)}"
    data = {"category": "posters", "address": "路口", "description": "伪造"}
    with Unchanged():
        assert client.get(url).status_code == 404
        assert client.post(url, data).status_code == 404


def test_a_budget_of_another_council_cannot_be_approved(client, world):
    """R-1.7, DESIGN.md invariant 1: side B's draft budget, approved with side A's resolution by
    side A's secretary, is a 404 and stays a draft."""
    from finance import services

    budget = services.budget_save(
        council=world.b.council,
        year=hostile.today().year + 1,
        lines={world.category: 50},
        by=world.b.secretary,
    )
    client.force_login(world.users[Role.COUNCIL_SECRETARY])
    with Unchanged():
        response = client.post(
            reverse("budget_approve", args=[budget.pk]),
            {"resolution": world.a.resolution.pk, "confirm": "on"},
        )
        assert response.status_code == 404
    assert Budget.objects.get(pk=budget.pk).status == Budget.Status.DRAFT
