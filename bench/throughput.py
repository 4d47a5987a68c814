"""Requests per second of the street dashboard against a minimal view (bench.urls), on one
gunicorn on loopback, in one run: the two are measured in alternating rounds so that whatever
else the machine does weighs on both alike. The ratio is what the target reads."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

WORKERS = 2
CONCURRENCY = 4
ROUNDS = 2
MINIMAL = "/bench/minimal"
HEALTHZ = "/healthz"  # one query, and a database connection per request unless CONN_MAX_AGE is set
DASHBOARD = "/"
PATHS = (MINIMAL, HEALTHZ, DASHBOARD)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(port: int, path: str, cookie: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers={"Cookie": cookie})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def load(port: int, path: str, cookie: str, *, seconds: float, concurrency: int) -> tuple[int, int]:
    """(answered with 200, anything else) for `seconds` of `concurrency` clients in a loop."""
    deadline = time.perf_counter() + seconds
    counts = [[0, 0] for _ in range(concurrency)]

    def client(slot: list[int]) -> None:
        while time.perf_counter() < deadline:
            try:
                ok = get(port, path, cookie) == 200
            except OSError:
                ok = False
            slot[0 if ok else 1] += 1

    threads = [threading.Thread(target=client, args=(slot,)) for slot in counts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(c[0] for c in counts), sum(c[1] for c in counts)


def session_cookie(user) -> str:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def measure_throughput(
    user,
    *,
    seconds: float = 10,
    workers: int = WORKERS,
    concurrency: int = CONCURRENCY,
    conn_max_age: int | None = None,
) -> dict:
    """Minimal view, healthz and street dashboard on one gunicorn; `conn_max_age` overrides the
    environment's CONN_MAX_AGE (0: a new database connection, and a cold server process, per
    request)."""
    from django.conf import settings

    cookie = session_cookie(user)
    port = free_port()
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    if conn_max_age is not None:
        env["CONN_MAX_AGE"] = str(conn_max_age)
    command = [
        str(gunicorn),
        "config.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parent.parent)  # noqa: S603
    try:
        for _ in range(300):
            try:
                if get(port, MINIMAL, cookie) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not answer")
        if get(port, DASHBOARD, cookie) != 200:
            raise RuntimeError("the street dashboard did not answer 200 with the bench session")
        for path in PATHS:  # warm both workers
            load(port, path, cookie, seconds=1, concurrency=concurrency)
        totals = {path: [0, 0] for path in PATHS}
        share = seconds / ROUNDS
        for _ in range(ROUNDS):
            for path in PATHS:
                ok, failed = load(port, path, cookie, seconds=share, concurrency=concurrency)
                totals[path][0] += ok
                totals[path][1] += failed
    finally:
        server.terminate()
        server.wait(timeout=30)
    minimal, healthz, dashboard = (totals[path][0] / seconds for path in PATHS)
    return {
        "workers": workers,
        "concurrency": concurrency,
        "seconds_each": seconds,
        "minimal_rps": round(minimal, 1),
        "healthz_rps": round(healthz, 1),
        "dashboard_rps": round(dashboard, 1),
        "ratio": round(dashboard / minimal, 3) if minimal else 0.0,
        "errors": sum(failed for _ok, failed in totals.values()),
        "conn_max_age": env.get("CONN_MAX_AGE", str(settings.DATABASES["default"]["CONN_MAX_AGE"])),
    }
