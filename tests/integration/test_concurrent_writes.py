"""Concurrent writes against the portal as it is served (issue 14 §7): gunicorn with several
worker processes on the test database, whichever it is. `make test` runs this file on PostgreSQL
with the suite and again on a SQLite file, the embedded default (the `pytest-sqlite` step).

- Twenty secretaries' phones spend from a fund that holds one spending at the same moment: one is
  saved, nineteen are refused with the balance message, none gets an error page.
- Another process (the job worker compiling a bulletin, say) holds the database in a long write
  while a secretary saves a meeting: the save waits for it and succeeds.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from councils.models import Meeting
from councils.periods import today
from councils.roles import Role
from finance.models import Category, Fund, LedgerEntry
from tests.conftest import build_side, user_with_role

from .conftest import running
from .test_faults import portal, service_env, signed_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]
BALANCE_REFUSED = "余额不足"


def served_env(**extra: str) -> dict[str, str]:
    """The environment of a process serving the test database: PostgreSQL's address, or the
    SQLite file the test database lives in."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        extra = {"DATABASE_URL": f"sqlite:///{db['NAME']}", **extra}
    return service_env(settings.REDIS_URL, **extra)


@pytest.fixture(scope="module")
def server(django_db_setup) -> str:
    """Two gunicorn processes of four threads each on the test database; its address."""
    with portal(served_env(), workers=2, threads=4) as base:
        yield base


def token_of(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=30)
    assert page.status_code == 200, (url, page.status_code)
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)


def test_twenty_phones_spending_at_once_save_one_and_refuse_nineteen_without_an_error_page(server):
    """DESIGN.md invariant 5 under real concurrency: the fund's balance check holds across
    server processes, and a refusal is the form's message, never a 500."""
    side = build_side("并")
    fund = Fund.objects.get(council=side.council)
    assert fund.balance > 0
    amount = fund.balance  # enough for exactly one of the twenty
    before = LedgerEntry.objects.filter(fund=fund).count()
    secretary = user_with_role(Role.COUNCIL_SECRETARY, side)
    url = server + reverse("entry_create", args=[side.council.pk]) + "?kind=expenditure"
    browser = signed_in(server, secretary)
    token = token_of(browser, url)
    data = {
        "entry_date": today().isoformat(),
        "amount": str(amount),
        "category": Category.objects.get(name="环境整治").pk,
        "resolution": side.resolution.pk,
        "counterparty": "绿化公司",
        "description": "小区绿化补种",
        "csrfmiddlewaretoken": token,
    }
    barrier = threading.Barrier(20)

    def phone(_):
        session = requests.Session()
        session.cookies.update(browser.cookies)
        barrier.wait()
        return session.post(url, data=data, timeout=60, allow_redirects=False)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(phone, range(20)))

    outcomes = Counter(
        "saved" if a.status_code == 302 else "refused" if BALANCE_REFUSED in a.text else str(a.status_code)
        for a in answers
    )
    saved = [a for a in answers if a.status_code == 302]
    refused = [a for a in answers if a.status_code == 200 and BALANCE_REFUSED in a.text]
    assert (len(saved), len(refused)) == (1, 19), outcomes
    assert LedgerEntry.objects.filter(fund=fund).count() == before + 1
    fund.refresh_from_db()
    assert fund.balance == Decimal("0.00")


HOLD = """
import sys, time
import django
django.setup()
from django.db import transaction
from councils.models import District
with transaction.atomic():
    District.objects.filter(pk=int(sys.argv[1])).update(name=sys.argv[2])
    print("holding", flush=True)
    time.sleep(float(sys.argv[3]))
print("committed", flush=True)
"""


def test_a_meeting_saved_while_another_process_holds_a_long_write_waits_and_is_saved(server):
    """A secretary's save arriving while the worker writes is not an error page: it waits."""
    side = build_side("候")
    held_at = timezone.now() - timedelta(days=1)
    url = server + reverse("meeting_create", args=[side.council.pk])
    browser = signed_in(server, user_with_role(Role.COUNCIL_SECRETARY, side))
    token = token_of(browser, url)
    holder = [sys.executable, "-c", HOLD, str(side.district.pk), side.district.name, "3"]
    with running(holder, served_env(), "writer", ready=lambda text: "holding" in text) as (process, log):
        answer = browser.post(
            url,
            data={
                "held_at": timezone.localtime(held_at).strftime("%Y-%m-%dT%H:%M"),
                "kind": Meeting.Kind.REGULAR,
                "place": "手机上录入的会议室",
                f"present_{side.membership.pk}": "on",
                f"representative_{side.membership.pk}": "代表",
                "agenda": "部署楼道整治",
                "minutes": "",
                "csrfmiddlewaretoken": token,
            },
            timeout=60,
            allow_redirects=False,
        )
        assert process.wait(timeout=30) == 0, log.read_text()[-2000:]
    assert answer.status_code == 302, answer.text[:2000]
    assert Meeting.objects.filter(council=side.council, place="手机上录入的会议室").count() == 1
