"""Simulated users of the load run (`make load`): one class per journey of load/journeys.py, each
signed in through the login form with its CSRF token and then walking its journey's pages with
a pause between them. The paths come from the plan the runner wrote (LOAD_PLAN), the password
from LOAD_PASSWORD; each request is also counted per journey and written to LOAD_JOURNEYS_OUT
when the run stops.

Signing in costs about a second of a processor by design (the password hasher), and in a working
day people sign in once and then use the portal for hours. So by default (LOAD_SIGN_IN=shared)
the first simulated user of each demo login signs in through the form and the others of that
login join its session, as people who have the portal open already; a user whose session is
lost signs in again through the form. LOAD_SIGN_IN=each makes every simulated user sign in
through the form (the morning rush).

A response counts as an error when it is not 200 at the end of its redirects, when it lands on
the sign-in page (the session was lost), or when a form is answered with the form again."""

from __future__ import annotations

import json
import os
import random
import time
from pathlib import Path
from urllib.parse import urlsplit

from gevent.lock import BoundedSemaphore
from locust import HttpUser, between, events, task

from load.journeys import form_data

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text(encoding="utf-8"))
PASSWORD = os.environ["LOAD_PASSWORD"]
OUT = os.environ.get("LOAD_JOURNEYS_OUT", "")
SHARED = os.environ.get("LOAD_SIGN_IN", "shared") == "shared"
TIMEOUT = 60  # seconds for one request; more is an error
JOB_WAIT = 45  # seconds a bulletin job may take before it counts as an error
POLL_EVERY = 2  # seconds, as the bulletin page polls
JOB = "JOB"  # request type of a job's measured time: not a request, left out of the totals

DONE_ONCE: set[str] = set()  # steps that run once in the whole run
SESSIONS: dict[str, str] = {}  # demo login → session signed in through the form
SIGNING: dict[str, BoundedSemaphore] = {}  # one sign-in at a time per login while sharing
RECORDED: dict[str, dict] = {}  # journey key → response times (ms) and failures
SENT: dict[str, int] = {}  # forms sent per step label, answered or not when the run stops
STARTED = {"at": 0.0}


def on_sign_in_page(response) -> bool:
    return urlsplit(response.url or "").path == PLAN["sign_in"]


class PortalUser(HttpUser):
    abstract = True
    journey: dict = {}
    wait_time = between(1, 3)  # a person reading the page before the next click

    def context(self) -> dict:
        return {"journey": self.journey["key"]}

    def on_start(self) -> None:
        self.passes = 0
        self.signed_in = False
        if not SHARED:
            self.sign_in()
            return
        account = self.journey["username"]
        with SIGNING.setdefault(account, BoundedSemaphore()):
            if account not in SESSIONS:
                self.sign_in()
                if self.signed_in:
                    SESSIONS[account] = self.client.cookies.get(PLAN["session_cookie"])
            else:
                self.client.cookies.set(PLAN["session_cookie"], SESSIONS[account])
                self.signed_in = True

    def sign_in(self) -> None:
        """GET the form (the CSRF cookie and token), POST the login; success is a redirect away
        from the sign-in page."""
        self.client.cookies.clear()
        step = {
            "name": "sign in 登录",
            "fields": {"username": self.journey["username"], "password": PASSWORD},
            "choose": [],
        }
        self.signed_in = self.submit(step, PLAN["sign_in"], PLAN["sign_in"])

    @task
    def walk(self) -> None:
        if not self.signed_in:
            self.sign_in()
            return
        self.passes += 1
        for number, step in enumerate(self.journey["steps"]):
            if (self.passes - 1) % step["every"]:
                continue
            if step.get("once"):
                if step["name"] in DONE_ONCE:
                    continue
                DONE_ONCE.add(step["name"])
            if number:
                self.wait()
            choice = random.randrange(len(step["paths"]))
            if not step.get("post"):
                self.open(step["paths"][choice], self.label(step))
            elif self.submit(step, step["form_pages"][choice], step["paths"][choice]) and "poll" in step:
                self.follow_job(step, step["poll"][choice])

    def label(self, step: dict, suffix: str = "") -> str:
        return f"{self.journey['key']} · {step['name']}{suffix}"

    def open(self, path: str, label: str, *, form_of: dict | None = None):
        """GET a page; with `form_of` (a step) the page must offer that step's form. Returns the
        form's data to send, or None."""
        with self.client.get(path, name=label, catch_response=True, timeout=TIMEOUT) as r:
            data = None
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
            elif on_sign_in_page(r) and path != PLAN["sign_in"]:
                r.failure("sent to the sign-in page")
                self.signed_in = False
            elif form_of is not None:
                data = form_data(form_of, r.text)
                if data is None:
                    r.failure("the page has no form to fill: no CSRF token or nothing to choose")
        return data

    def submit(self, step: dict, form_page: str, path: str) -> bool:
        """Read the form page, fill the form as a person would (its CSRF token, the given fields,
        the first option of each select to choose) and send it. Success is a redirect to another
        page than the sign-in page; the form again is an error."""
        data = self.open(form_page, self.label(step, " (form)"), form_of=step)
        if data is None:
            return False
        SENT[self.label(step)] = SENT.get(self.label(step), 0) + 1
        with self.client.post(
            path, data=data, name=self.label(step), catch_response=True, timeout=TIMEOUT
        ) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")
            elif not r.history or on_sign_in_page(r):
                r.failure(f"the form came back from {urlsplit(r.url or '').path}: not accepted")
            else:
                return True
        return False

    def follow_job(self, step: dict, path: str) -> None:
        """Poll the job's state part as the page does until the job is over (the part asks for
        a reload), and record how long it took."""
        began = time.perf_counter()
        headers = {"HX-Request": "true"}
        error = None
        while True:
            time.sleep(POLL_EVERY)
            with self.client.get(
                path,
                name=self.label(step, " (status poll)"),
                headers=headers,
                catch_response=True,
                timeout=TIMEOUT,
            ) as r:
                if r.status_code != 200:
                    r.failure(f"{r.status_code}")
                elif r.headers.get("HX-Refresh") == "true":
                    break
            if time.perf_counter() - began > JOB_WAIT:
                error = RuntimeError(f"the job was not over after {JOB_WAIT} s")
                break
        events.request.fire(
            request_type=JOB,
            name=self.label(step, " (queued → over)"),
            response_time=(time.perf_counter() - began) * 1000,
            response_length=0,
            exception=error,
            context=self.context(),
        )


# One class per journey, weighted as the plan says.
for _journey in PLAN["journeys"]:
    _name = "".join(part.title() for part in _journey["key"].split("_"))
    globals()[_name] = type(_name, (PortalUser,), {"journey": _journey, "weight": _journey["weight"]})


@events.test_start.add_listener
def _started(**_kwargs) -> None:
    STARTED["at"] = time.time()


@events.request.add_listener
def _count(request_type, name, response_time, exception=None, context=None, **_kwargs) -> None:
    key = (context or {}).get("journey", "")
    record = RECORDED.setdefault(key, {"times": [], "failures": 0, "errors": {}, "jobs": []})
    if request_type == JOB:
        record["jobs"].append({"name": name, "ms": round(response_time), "error": str(exception or "")})
        return
    record["times"].append(round(response_time, 1))
    if exception is not None:
        record["failures"] += 1
        message = f"{request_type} {name}: {exception}"
        record["errors"][message] = record["errors"].get(message, 0) + 1


@events.test_stop.add_listener
def _stopped(**_kwargs) -> None:
    if OUT:
        out = {"started": STARTED["at"], "stopped": time.time(), "journeys": RECORDED, "sent": SENT}
        Path(OUT).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
