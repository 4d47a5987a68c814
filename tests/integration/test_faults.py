"""Faults, against the portal as it is deployed (issue 8 §4): gunicorn and a Celery worker as
separate processes on the test database, with a Redis of this test's own, so stopping it
disturbs no other test.

- Redis stopped: the pages keep working (the cache is a helper, not a dependency), asking for a
  bulletin says the job queue is unavailable instead of an error page, and the job runs once
  Redis is back (the worker reconnects; beat's minute sweep sends what waited).
- PostgreSQL restarted: every connection the server holds is cut, as a restart cuts them; the
  next request opens a new one instead of failing (CONN_HEALTH_CHECKS with persistent
  connections).
- A worker killed during a PDF render: tests/integration/test_bulletin_jobs.py
  (test_a_worker_killed_mid_render_finishes_on_redelivery_with_one_file_and_one_number).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
import redis
import requests
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection
from django.urls import reverse

from assessments.models import RankingReport
from assessments.models_bulletins import Bulletin
from config.celery import app
from councils.periods import Quarter
from councils.roles import Level
from tests.assessments.bulletin_fixtures import office_of
from tests.conftest import build_side
from tests.factories import PASSWORD

from .conftest import running, wait_for, worker_command

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]
QUEUE_DOWN = "任务队列暂不可用"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PrivateRedis:
    """A redis-server on a port of its own that the test stops and starts again (empty, as a
    Redis that keeps nothing on disk comes back)."""

    def __init__(self, tmp: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = tmp
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        assert wait_for(lambda: _pings(client), timeout=10), "the test's Redis did not start"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def _pings(client) -> bool:
    try:
        return client.ping()
    except redis.exceptions.ConnectionError:
        return False


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


def service_env(redis_url: str, **extra: str) -> dict[str, str]:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DEBUG": "false",
        "SECRET_KEY": "fault-tests-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
        **extra,
    }


@contextmanager
def portal(env: dict[str, str], *, workers: int = 1, threads: int = 2):
    """gunicorn serving the portal on a free loopback port with `workers` processes of `threads`
    threads each; yields its address."""
    port = free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--timeout",
        "60",
    ]
    with running(
        command, env, "fault-gunicorn", ready=lambda text: text.count("Booting worker") >= workers
    ) as (_, log):
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: _answers(base), timeout=30), log.read_text()[-3000:]
        yield base


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/accounts/login/", timeout=20).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


@contextmanager
def celery_worker(env: dict[str, str]):
    """A worker on the default queue of the test's own Redis."""
    command = [*worker_command(None, name=f"fault-{uuid.uuid4().hex[:6]}"), "--without-heartbeat"]
    with running(command, env, "fault-worker", ready=lambda text: "ready." in text) as (_, log):
        yield log


def signed_in(base: str, user) -> requests.Session:
    """A browser's session: the login form with its CSRF token, as a user submits it. The
    password is stored with a hasher the server knows (the tests' own is a fast one)."""
    hasher = PBKDF2PasswordHasher()
    type(user).objects.filter(pk=user.pk).update(
        password=hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    )
    username = user.username
    session = requests.Session()
    page = session.get(base + "/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(
        base + "/accounts/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        timeout=10,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def post_form(session: requests.Session, base: str, path: str, data: dict) -> requests.Response:
    page = session.get(base + path, timeout=10)
    assert page.status_code == 200, (path, page.status_code)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        base + path, data={**data, "csrfmiddlewaretoken": token}, timeout=30, allow_redirects=False
    )


def tick_beat(redis_url: str) -> None:
    """What beat does every minute: send the sweep that requeues bulletins waiting for the queue."""
    with app.connection_for_write(redis_url) as broker:
        app.send_task("assessments.tasks.bulletins_requeue", connection=broker, queue="celery")


def test_with_redis_stopped_pages_work_a_bulletin_waits_for_the_queue_and_runs_when_it_is_back(
    private_redis,
):
    """R-6.3 and issue 8 §4: an outage of Redis costs the district office no page and no request."""
    side = build_side("甲")
    office = office_of(side)
    last = Quarter.current().previous()
    env = service_env(private_redis.url)
    with portal(env) as base, celery_worker(env) as worker_log:
        session = signed_in(base, office)
        pages = [
            reverse("home"),
            reverse("council_list"),
            side.council.get_absolute_url(),
            reverse("bulletin_list"),
            reverse("report_list"),
        ]
        for path in pages:
            assert session.get(base + path, timeout=10).status_code == 200, path

        private_redis.stop()

        # Every page still answers, from the database alone.
        for path in pages:
            response = session.get(base + path, timeout=10)
            assert response.status_code == 200, (path, response.status_code)

        # Asking for a bulletin: saved, queued, and the office is told why nothing moves yet.
        answer = post_form(
            session,
            base,
            reverse("bulletin_create"),
            {"scope": str(side.district.pk), "period": f"quarter:{last.year}:{last.number}"},
        )
        assert answer.status_code == 302, answer.text[:2000]
        bulletin = Bulletin.objects.latest("pk")
        assert answer.headers["Location"] == bulletin.get_absolute_url()
        assert bulletin.is_waiting_for_queue and bulletin.state == Bulletin.State.COMPILING
        page = session.get(base + bulletin.get_absolute_url(), timeout=10)
        assert page.status_code == 200
        assert QUEUE_DOWN in page.text  # the warning message and the status panel

        # A ranking report asked for meanwhile fails at once with the same reason (no 500).
        answer = post_form(
            session,
            base,
            reverse("report_create"),
            {"period": side.period.pk, "scope": f"district:{side.district.pk}"},
        )
        assert answer.status_code == 302, answer.text[:2000]
        report = RankingReport.objects.get(level=Level.DISTRICT)
        assert report.state == RankingReport.State.FAILED and QUEUE_DOWN in report.error

        # Redis is back (empty, as it keeps nothing on disk): the worker reconnects by itself and
        # beat's next sweep sends the bulletin's job; it runs to the end.
        private_redis.start()
        assert wait_for(
            lambda: "Connected to redis" in worker_log.read_text().split("Connection to broker lost")[-1], 60
        ), worker_log.read_text()[-3000:]
        tick_beat(private_redis.url)
        assert wait_for(
            lambda: Bulletin.objects.get(pk=bulletin.pk).state == Bulletin.State.READY, timeout=90
        ), (
            Bulletin.objects.get(pk=bulletin.pk).error,
            worker_log.read_text()[-3000:],
        )
        bulletin.refresh_from_db()
        assert bulletin.error == "" and bulletin.attempts == 1 and bulletin.file
        page = session.get(base + bulletin.get_absolute_url(), timeout=10)
        assert QUEUE_DOWN not in page.text
        assert session.get(
            base + reverse("bulletin_download", args=[bulletin.pk]), timeout=30
        ).content.startswith(b"%PDF")


def test_a_worker_starting_after_an_outage_sends_what_waited_for_the_queue(private_redis):
    """Issue 8 §4: a bulletin asked for while the queue was down starts as soon as a worker comes
    up, without waiting for beat."""
    side = build_side("甲")
    office = office_of(side)
    last = Quarter.current().previous()
    env = service_env(private_redis.url)
    with portal(env) as base:
        session = signed_in(base, office)
        private_redis.stop()
        answer = post_form(
            session,
            base,
            reverse("bulletin_create"),
            {"scope": str(side.district.pk), "period": f"quarter:{last.year}:{last.number}"},
        )
        assert answer.status_code == 302
    bulletin = Bulletin.objects.latest("pk")
    assert answer.headers["Location"] == bulletin.get_absolute_url()
    assert bulletin.is_waiting_for_queue
    private_redis.start()
    with celery_worker(env):
        assert wait_for(
            lambda: Bulletin.objects.get(pk=bulletin.pk).state == Bulletin.State.READY, timeout=90
        ), Bulletin.objects.get(pk=bulletin.pk).error


def test_after_postgresql_drops_every_connection_the_next_request_works(private_redis):
    """Issue 8 §4: a restart of PostgreSQL cuts the server's persistent connection; the next
    request notices (health check) and opens a new one instead of answering 500."""
    side = build_side("甲")
    env = service_env(private_redis.url, CONN_MAX_AGE="600")
    with portal(env) as base:
        session = signed_in(base, office_of(side))
        path = side.council.get_absolute_url()
        assert session.get(base + path, timeout=10).status_code == 200

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            own = cursor.fetchone()[0]
        db = connection.settings_dict
        with psycopg2.connect(
            host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"], dbname="postgres"
        ) as admin:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = %s AND pid <> %s",
                    [db["NAME"], own],
                )
                cut = cursor.fetchone()[0]
        assert cut >= 1  # the server's connection

        for _ in range(3):
            response = session.get(base + path, timeout=10)
            assert response.status_code == 200, response.text[:500]
            assert side.council.name in response.text
