"""A real Celery worker on Redis, reading the test database (DESIGN.md invariant 6)."""

import os
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_queue(transactional_db):
    """Start a worker consuming a queue of this test's own, so parallel test processes never
    take each other's jobs; yield the queue name; stop the worker."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("the worker tests need REDIS_URL (make test sets it)")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    env = {**os.environ, "DATABASE_URL": f"postgres://{db['USER']}@{host}:{port}/{db['NAME']}"}
    command = worker_command(queue, name=queue)
    with running(command, env, f"worker-{queue}", ready=lambda text: "ready." in text):
        yield queue


def worker_command(queue: str | None, *, name: str) -> list[str]:
    """A Celery worker of the portal, one process (solo pool), on `queue` (the default queue when
    None), named `name`, without the gossip the tests never need."""
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-n", f"{name}@%h"]
    if queue is not None:
        command += ["-Q", queue]
    return [*command, "--without-gossip", "--without-mingle", "--loglevel=INFO"]


@contextmanager
def running(command: list[str], env: dict[str, str], name: str, *, ready):
    """A service process (a worker, a web server) with its output in var/<name>-<id>.log, started
    once `ready(log text)` says so; yields (process, log path); stopped and its log removed after."""
    log = ROOT / "var" / f"{name}-{uuid.uuid4().hex[:6]}.log"
    log.parent.mkdir(exist_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not ready(log.read_text()):
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"{name} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process, log
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        log.unlink(missing_ok=True)


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False
