"""The journeys of `make load` (issue 8 §3) against the portal itself: a page renamed or removed,
a form whose fields changed, or a page a role can no longer open breaks these tests, not the
load run. The pages and forms are those of R-6.1 (each role in its scope), R-1.5 (a member
unit's contribution) and R-6.3 (a bulletin rendered by a job)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import get_resolver, resolve

from assessments import tasks
from assessments.models_bulletins import Bulletin
from councils.demo import demo_logins
from councils.roles import Role
from finance.models import LedgerEntry
from load.journeys import JOURNEYS, POLL, SIGN_IN, form_data, plan

ROLES = {
    "street_staff": Role.STREET_STAFF,
    "council_secretary": Role.COUNCIL_SECRETARY,
    "patroller": Role.PATROLLER,
    "district_office": Role.DISTRICT_OFFICE,
}


def planned(role_users) -> tuple[dict, dict]:
    users = {key: role_users[role] for key, role in ROLES.items()}
    return plan(users), users


def step_of(the_plan: dict, key: str, url_name: str) -> dict:
    journey = next(j for j in the_plan["journeys"] if j["key"] == key)
    return next(s for s in journey["steps"] if s["url_name"] == url_name)


def test_every_step_names_a_page_of_the_portal_and_a_demo_login_of_its_role():
    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    used = {SIGN_IN, POLL}
    for journey in JOURNEYS:
        used |= {step.url_name for step in journey.steps} | {
            s.form_page for s in journey.steps if s.form_page
        }
    assert sorted(used - names) == []
    roles = {login.username: login.role for login in demo_logins()}
    assert {j.key: roles.get(j.username) for j in JOURNEYS} == ROLES


@pytest.mark.django_db
def test_each_journey_opens_every_page_of_its_role(role_users):
    the_plan, users = planned(role_users)
    assert the_plan["skipped"] == []
    for journey in the_plan["journeys"]:
        client = Client()
        client.force_login(users[journey["key"]])
        for step in journey["steps"]:
            for path in step["paths"]:
                assert resolve(path.split("?")[0]).url_name == step["url_name"], path
            for path in step.get("form_pages", step["paths"]):
                response = client.get(path)
                assert response.status_code == 200, f"{journey['key']} {step['name']} {path}"


@pytest.mark.django_db
def test_the_sign_in_form_takes_what_the_load_sends(side_a):
    user = get_user_model().objects.create_user("load-user", password="a-load-password-2026")
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/").content.decode()
    step = {"fields": {"username": "load-user", "password": "a-load-password-2026"}, "choose": []}
    response = client.post("/accounts/login/", form_data(step, page))
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


@pytest.mark.django_db
def test_the_contribution_the_load_sends_is_saved(role_users, side_a):
    the_plan, users = planned(role_users)
    step = step_of(the_plan, "council_secretary", "entry_create")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["council_secretary"])
    page = client.get(step["form_pages"][0]).content.decode()
    data = form_data(step, page)
    assert data is not None, "the contribution form has no CSRF token or no unit to choose"
    before = LedgerEntry.objects.count()
    response = client.post(step["paths"][0], data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = LedgerEntry.objects.latest("pk")
    assert LedgerEntry.objects.count() == before + 1
    assert response.url == entry.get_absolute_url()
    assert (entry.kind, entry.amount, entry.unit_id) == (
        LedgerEntry.Kind.CONTRIBUTION,
        100,
        int(data["unit"]),
    )


@pytest.mark.django_db
def test_the_bulletin_job_the_load_asks_for_is_queued_and_polled(
    role_users, side_a, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.bulletin_render, "apply_async", lambda args, **kw: sent.append(args[0]))
    the_plan, users = planned(role_users)
    step = step_of(the_plan, "district_office", "bulletin_generate")
    client = Client(enforce_csrf_checks=True)
    client.force_login(users["district_office"])
    data = form_data(step, client.get(step["form_pages"][0]).content.decode())
    assert data is not None
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(step["paths"][0], data)
    assert response.status_code == 302
    assert sent == [side_a.bulletin.pk]
    assert Bulletin.objects.get(pk=side_a.bulletin.pk).is_pending
    poll = client.get(step["poll"][0], headers={"HX-Request": "true"})
    assert poll.status_code == 200 and "HX-Refresh" not in poll  # still running: the page keeps polling
