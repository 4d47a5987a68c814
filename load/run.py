"""`make load`: the demo city under 100 simulated users for 60 s, on loopback, and the table.

Steps: the load database (LOAD_DATABASE_URL's name if set, else "portal_load" beside
DATABASE_URL) is made, migrated and given the demo city — or reused when its comment holds the
same day and demo version; the journeys' demo logins get a password for this run; gunicorn
(as in production: sync workers) and a Celery worker on Redis (LOAD_REDIS_URL, else REDIS_URL)
start on 127.0.0.1; the load tool runs headless and bounded (load/locustfile.py, the journeys
of load/journeys.py); everything is stopped; the table is printed and saved as var/load.json,
with the load tool's CSV files as var/load_*.csv and the servers' logs as var/load-*.log.

Every response the simulated users judge wrong is an error (load/locustfile.py says which), and
so is an error the web or job processes log, or a bulletin job that does not end ready. The
target is zero errors; the table says met or MISSED. Nothing is asserted: the exit code is 0
unless the run itself could not be made.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import http.client
import json
import math
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench import databases
from bench.databases import admin, with_database

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent
TARGET_ERRORS = 0
CONTRIBUTION = "contribution"  # the write step whose saved rows are counted in the database
# What the demo city is built from: a change to any of these builds the load database again.
DEMO_SOURCES = ("councils/demo.py", "councils/demo_work.py", "*/demo.py", "assessments/bulletins_demo.py")
# A line of the web or job log that tells of an error: Django's 500s, gunicorn's and Celery's
# own errors (a traceback follows such a line and is not counted again).
SERVER_ERROR = re.compile(
    r"Internal Server Error|\[(ERROR|CRITICAL)\]|\b(ERROR|CRITICAL)/|^(ERROR|CRITICAL)\b"
)


# --- The database --------------------------------------------------------------------------------


def database_urls() -> tuple[str, str]:
    """(URL of the maintenance database, name of the load database)."""
    return databases.database_urls("LOAD_DATABASE_URL", "portal_load")


def demo_key() -> str:
    """Today's date and a digest of the demo's sources and the migrations' names: the demo city
    is dated (last quarter, this half-year), so it is built again each day."""
    digest = hashlib.sha256()
    files = sorted({p for pattern in DEMO_SOURCES for p in ROOT.glob(pattern)})
    for path in files:
        digest.update(path.read_bytes())
    for path in sorted(ROOT.glob("*/migrations/[0-9]*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return f"load demo {today} {digest.hexdigest()[:12]}"


def comment_of(maintenance: str, name: str) -> str | None:
    with admin(maintenance) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        )
        row = cursor.fetchone()
    return None if row is None else (row[0] or "")


def prepare(env: dict, option: str, plan_file: Path) -> str:
    """load.prepare in its own process (it sets Django up on the load database); its output."""
    command = [sys.executable, "-m", "load.prepare", option, str(plan_file)]
    return subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout  # noqa: S603


def manage(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], env=env, cwd=ROOT, check=True)  # noqa: S603


def ensure_city(maintenance: str, name: str, env: dict, *, rebuild: bool) -> dict:
    """The demo city in the load database: reused when built today from the same sources."""
    key = demo_key()
    began = time.perf_counter()
    reused = not rebuild and comment_of(maintenance, name) == key
    if reused:
        print(f"[load] reusing {name} ({key})")
        manage(env, "migrate", "--noinput", "-v0")
    else:
        print(f"[load] building {name}: migrate and the demo city")
        connection = admin(maintenance)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "load_demo", "-v0")
        connection = admin(maintenance)
        with connection.cursor() as cursor:
            cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', [key])  # only once the city is whole
        connection.close()
    return {"database": name, "key": key, "reused": reused, "seconds": round(time.perf_counter() - began, 1)}


# --- The processes -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_env(database_url: str, redis_url: str) -> dict:
    """Production settings (DEBUG off) but over plain HTTP on loopback: no redirect to HTTPS, no
    HSTS, cookies sent without TLS, the loopback host allowed. Uploads and bulletin files go to a
    folder of the run's own."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "MEDIA_ROOT": str(VAR / "load" / "media"),
        "LOG_LEVEL": "WARNING",
    }


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    handle = log.open("w", encoding="utf-8")
    return subprocess.Popen(  # noqa: S603
        command, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(process: subprocess.Popen | None, *, grace: float = 30) -> None:
    """SIGTERM to the process (gunicorn and Celery stop their own children), then its group."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_for(check, what: str, *, seconds: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{what} stopped at start; see {log}:\n{log.read_text(encoding='utf-8')[-2000:]}"
            )
        if check():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start within {seconds:g} s; see {log}")


def answers(port: int, path: str = "/healthz") -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", path)
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


# --- The numbers ---------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def row(name: str, times: list[float], errors: int, seconds: float) -> dict:
    return {
        "name": name,
        "requests": len(times),
        "rps": round(len(times) / seconds, 1) if seconds else 0.0,
        "p50_ms": percentile(times, 0.50),
        "p95_ms": percentile(times, 0.95),
        "p99_ms": percentile(times, 0.99),
        "errors": errors,
    }


def page_rows(stats_csv: Path) -> list[dict]:
    """Per page, from the load tool's CSV (its percentiles are rounded to two figures)."""
    if not stats_csv.exists():
        return []
    rows = []
    with stats_csv.open(encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            if line["Type"] in ("JOB", "") or line["Name"] == "Aggregated":
                continue
            rows.append(
                {
                    "name": line["Name"],
                    "method": line["Type"],
                    "requests": int(line["Request Count"]),
                    "rps": round(float(line["Requests/s"]), 1),
                    "p50_ms": float(line["50%"]),
                    "p95_ms": float(line["95%"]),
                    "p99_ms": float(line["99%"]),
                    "errors": int(line["Failure Count"]),
                }
            )
    return rows


def server_errors(log: Path) -> list[str]:
    if not log.exists():
        return []
    return [
        line
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
        if SERVER_ERROR.search(line)
    ]


def summarize(plan: dict, recorded: dict, pages: list[dict], written: dict, logs: dict, setup: dict) -> dict:
    seconds = max(0.001, recorded["stopped"] - recorded["started"])
    names = {j["key"]: j["name"] for j in plan["journeys"]}
    journeys, everything, failures, jobs, messages = [], [], 0, [], {}
    for key, name in names.items():
        data = recorded["journeys"].get(key, {"times": [], "failures": 0, "errors": {}, "jobs": []})
        journeys.append({"key": key, **row(name, data["times"], data["failures"], seconds)})
        everything += data["times"]
        failures += data["failures"]
        jobs += data["jobs"]
        messages.update(data["errors"])
    logged = {name: server_errors(path) for name, path in logs.items()}
    db_jobs = written["bulletin_jobs"]
    job_errors = sum(1 for j in jobs if j["error"]) + sum(1 for j in db_jobs if j["state"] != "ready")
    # A form still on its way when the run stops may be saved unanswered, never the other way.
    answered = sum(
        p["requests"] - p["errors"] for p in pages if p["method"] == "POST" and CONTRIBUTION in p["name"]
    )
    sent = sum(n for name, n in recorded.get("sent", {}).items() if CONTRIBUTION in name)
    total = row("total 合计", everything, failures, seconds)
    all_errors = failures + sum(len(v) for v in logged.values()) + job_errors
    if not answered <= written["contributions"] <= sent:
        all_errors += 1
        messages[f"contributions: {written['contributions']} saved, not between {answered} and {sent}"] = 1
    return {
        "measured_at": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds"),
        "setup": {**setup, "seconds": round(seconds, 1)},
        "journeys": journeys,
        "total": total,
        "pages": pages,
        "jobs": {"answered": jobs, "in_database": db_jobs},
        "writes": {
            "contributions_sent": sent,
            "contributions_answered": answered,
            "contributions_saved": written["contributions"],
        },
        "server_errors": {name: lines[:20] for name, lines in logged.items()},
        "error_messages": messages,
        "errors": all_errors,
        "target_errors": TARGET_ERRORS,
        "target_met": all_errors <= TARGET_ERRORS,
        "skipped_steps": plan.get("skipped", []),
    }


# --- The table -----------------------------------------------------------------------------------


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def ms(value) -> str:
    return "—" if value is None else f"{value:.0f}"


HEADS = f"{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'requests':>10}{'errors':>8}"


def line(r: dict, columns: int) -> str:
    return (
        f"{pad(r['name'], columns)}{r['rps']:>8.1f}{ms(r['p50_ms']):>8}{ms(r['p95_ms']):>8}"
        f"{ms(r['p99_ms']):>8}{r['requests']:>10,}{r['errors']:>8}"
    )


def table(report: dict) -> str:
    s = report["setup"]
    columns = max([32, *(width(r["name"]) + 2 for r in report["pages"])])
    head = f"{pad('journey 旅程', columns)}{HEADS}"
    lines = [
        f"{s['users']} simulated users (spawned {s['spawn_rate']}/s) for {s['run_time']} against gunicorn "
        f"({s['workers']} workers) and a Celery worker ({s['job_workers']} processes) on PostgreSQL "
        f"({s['database']}) and Redis, 127.0.0.1; sign-in through the form: "
        + ("every user" if s["sign_in"] == "each" else "the first user of each demo login, the others join"),
        "",
        head,
        "-" * width(head),
        *(line(r, columns) for r in report["journeys"]),
        "-" * width(head),
        line(report["total"], columns),
        "",
        f"{pad('page 页面', columns)}{HEADS}",
        *(line(r, columns) for r in report["pages"]),
        "",
    ]
    for job in report["jobs"]["in_database"]:
        lines.append(
            f"bulletin job on the worker: bulletin {job['bulletin']} {job['state']}"
            + (f" in {job['seconds']} s" if job["seconds"] is not None else "")
            + (f" ({job['error']})" if job["error"] else "")
        )
    if not report["jobs"]["in_database"]:
        lines.append("bulletin job on the worker: none asked for in this run")
    w = report["writes"]
    lines.append(
        f"contributions: {w['contributions_sent']} sent, {w['contributions_saved']} saved, "
        f"{w['contributions_answered']} answered before the run stopped"
    )
    for name, found in report["server_errors"].items():
        lines.append(
            f"{name} log: {len(found)} error lines" + (f", first: {found[0][:160]}" if found else "")
        )
    for message, count in list(report["error_messages"].items())[:10]:
        lines.append(f"  {count} × {message[:200]}")
    if report["skipped_steps"]:
        lines.append("steps left out (nothing in scope): " + ", ".join(report["skipped_steps"]))
    lines.append(
        f"errors: {report['errors']} (target {report['target_errors']}): "
        + ("met" if report["target_met"] else "MISSED")
    )
    return "\n".join(lines)


# --- The run -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="The demo city under load on loopback.")
    parser.add_argument("-u", "--users", type=int, default=100, help="simulated users")
    parser.add_argument("-r", "--spawn-rate", type=float, default=20, help="users started per second")
    parser.add_argument("-t", "--run-time", default="60s", help="how long, e.g. 60s or 2m")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers (as docker-compose.yml)")
    parser.add_argument("--job-workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument(
        "--sign-in",
        choices=["shared", "each"],
        default="shared",
        help="shared: the first user of each demo login signs in through the form and the others join "
        "its session; each: every simulated user signs in through the form",
    )
    parser.add_argument("--rebuild", action="store_true", help="build the demo city even if it can be reused")
    parser.add_argument("--out", default=str(VAR / "load.json"))
    args = parser.parse_args(argv)
    if not re.fullmatch(r"\d+[smh]?", args.run_time):
        parser.error("--run-time: a number of seconds, or with s, m or h")
    if args.users < 1 or args.users > 1000:
        parser.error("--users: 1 to 1000")

    redis_url = os.environ.get("LOAD_REDIS_URL") or os.environ.get("REDIS_URL")
    if not redis_url:
        sys.exit("LOAD_REDIS_URL or REDIS_URL must name the Redis database of the job queue.")
    VAR.mkdir(exist_ok=True)
    (VAR / "load" / "media").mkdir(parents=True, exist_ok=True)
    maintenance, name = database_urls()
    env = server_env(with_database(maintenance, name), redis_url)
    built = ensure_city(maintenance, name, env, rebuild=args.rebuild)

    plan_file = VAR / "load-plan.json"
    env["LOAD_PASSWORD"] = secrets.token_urlsafe(18)
    prepare(env, "--plan", plan_file)
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    if plan["skipped"] and built["reused"]:
        print("[load] the reused city lacks " + ", ".join(plan["skipped"]) + ": building it again")
        built = ensure_city(maintenance, name, env, rebuild=True)
        prepare(env, "--plan", plan_file)
        plan = json.loads(plan_file.read_text(encoding="utf-8"))

    logs = {"web": VAR / "load-web.log", "worker": VAR / "load-worker.log"}
    journeys_file = VAR / "load-journeys.json"
    journeys_file.unlink(missing_ok=True)
    for old in VAR.glob("load_*.csv"):
        old.unlink()
    port = free_port()
    web = worker = None
    try:
        subprocess.run(  # noqa: S603
            [str(BIN / "celery"), "-A", "config", "purge", "-f"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        worker = start(
            [
                str(BIN / "celery"), "-A", "config", "worker", "-l", "info",
                "--concurrency", str(args.job_workers), "-n", f"load-{port}@%h",
            ],
            env,
            logs["worker"],
        )  # fmt: skip
        wait_for(
            lambda: " ready." in logs["worker"].read_text(encoding="utf-8", errors="replace"),
            "the Celery worker",
            seconds=90,
            process=worker,
            log=logs["worker"],
        )
        web = start(
            [
                str(BIN / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", str(args.workers), "--log-level", "warning",
            ],
            env,
            logs["web"],
        )  # fmt: skip
        wait_for(lambda: answers(port), "gunicorn", seconds=90, process=web, log=logs["web"])
        print(
            f"[load] {args.users} users, {args.spawn_rate:g}/s, {args.run_time} on http://127.0.0.1:{port} "
            f"(gunicorn {args.workers} workers, Celery {args.job_workers})"
        )
        users_env = {
            **env,
            "LOAD_PLAN": str(plan_file),
            "LOAD_JOURNEYS_OUT": str(journeys_file),
            "LOAD_SIGN_IN": args.sign_in,
            "PYTHONPATH": str(ROOT),  # the locustfile reads the journeys module
        }
        command = [
            str(BIN / "locust"), "-f", str(ROOT / "load" / "locustfile.py"), "--headless",
            "--host", f"http://127.0.0.1:{port}", "-u", str(args.users), "-r", f"{args.spawn_rate:g}",
            "-t", args.run_time, "--only-summary", "--csv", str(VAR / "load"), "--loglevel", "WARNING",
        ]  # fmt: skip
        with (VAR / "load-users.log").open("w", encoding="utf-8") as handle:
            subprocess.run(command, env=users_env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT)  # noqa: S603
        time.sleep(1)  # the last job's log lines
    finally:
        stop(web)
        stop(worker)
    if not journeys_file.exists():
        sys.exit(f"The load tool wrote no results; see {VAR / 'load-users.log'}")
    checked = prepare(env, "--check", plan_file)
    setup = {
        "users": args.users,
        "spawn_rate": args.spawn_rate,
        "run_time": args.run_time,
        "workers": args.workers,
        "job_workers": args.job_workers,
        "sign_in": args.sign_in,
        **built,
    }
    report = summarize(
        plan,
        json.loads(journeys_file.read_text(encoding="utf-8")),
        page_rows(VAR / "load_stats.csv"),
        json.loads(checked),
        logs,
        setup,
    )
    text = table(report)
    report["table"] = text.splitlines()
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(text)
    print(f"\nSaved as {args.out}; the load tool's CSV as var/load_*.csv, logs as var/load-*.log")


if __name__ == "__main__":
    main()
