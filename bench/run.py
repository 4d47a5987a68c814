"""`make bench`: build the bench city at a tenth and at full size (or reuse databases built by the
same generator version), measure both, print the table and save it as var/bench.json.

Databases: <base>_small and <base>_full on the PostgreSQL of DATABASE_URL, where <base> is
BENCH_DATABASE_URL's database name if set, else "portal_bench". A database is reused when its
comment holds the generator's key (bench.city.version_key); otherwise it is dropped, migrated
and built again. Targets are reported, not asserted: the table marks each met or missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import unicodedata
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from . import databases
from .city import sizes, version_key
from .databases import admin, with_database

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
SIZES = {"small": 0.1, "full": 1.0}
TARGET_P50_MS = 50.0
TARGET_RATIO = 0.30
TARGET_IMPORT_S = 10.0
# Bulletin rows (issue 8 §2): bench.bulletins measures them; the table marks their targets.
BULLETINS = [("district bulletin 区级通报", "district"), ("city bulletin 市级通报", "city")]
NOT_YET = "not measured yet"


def database_urls() -> tuple[str, str]:
    """(URL of the maintenance database, base name of the bench databases)."""
    return databases.database_urls("BENCH_DATABASE_URL", "portal_bench")


def comment_of(url: str, name: str) -> str | None:
    with admin(url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name]
        )
        row = cursor.fetchone()
    return None if row is None else (row[0] or "")


def run(command: list[str], *, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run(command, env=env, cwd=ROOT, check=True)  # noqa: S603


def ensure_city(label: str, scale: float, *, maintenance: str, base: str, rebuild: bool) -> dict:
    """Build the city of this size unless a database with the same key exists; migrate it either
    way. Returns what the table reports about the database."""
    name = f"{base}_{label}"
    url = with_database(maintenance, name)
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    key = version_key(scale, today)
    python = sys.executable
    build_json = VAR / f"bench-city-{label}.json"
    reused = not rebuild and comment_of(maintenance, name) == key
    if reused:
        print(f"[{label}] reusing {name} ({key})")
        run([python, "manage.py", "migrate", "--noinput", "-v0"], database_url=url)
    else:
        print(f"[{label}] building {name} at scale {scale:g}: {sizes(scale)}")
        connection = admin(maintenance)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        connection.close()
        began = time.perf_counter()
        run([python, "manage.py", "migrate", "--noinput", "-v0"], database_url=url)
        migrated = time.perf_counter() - began
        run([python, "-m", "bench.city", "--scale", str(scale), "--json", str(build_json)], database_url=url)
        connection = admin(maintenance)
        with connection.cursor() as cursor:
            cursor.execute(f'COMMENT ON DATABASE "{name}" IS %s', [key])  # only once the city is whole
        connection.close()
        build = json.loads(build_json.read_text(encoding="utf-8"))
        build["seconds"]["migrate"] = round(migrated, 1)
        build_json.write_text(json.dumps(build, ensure_ascii=False, indent=2), encoding="utf-8")
    build = json.loads(build_json.read_text(encoding="utf-8")) if build_json.exists() else {}
    with admin(maintenance) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(%s)", [name])
        size = cursor.fetchone()[0]
    return {
        "scale": scale,
        "database": name,
        "url": url,
        "key": key,
        "reused": reused,
        "db_size_mb": round(size / 1024 / 1024),
        "build": build,
    }


def measure(label: str, info: dict, *, requests: int, extras: bool, throughput: float) -> dict:
    out = VAR / f"bench-{label}.json"
    command = [sys.executable, "-m", "bench.measure", "--out", str(out), "--requests", str(requests)]
    if extras:
        command += ["--import", "--throughput", str(throughput)]
    print(f"[{label}] measuring {info['database']}")
    run(command, database_url=info["url"])
    return json.loads(out.read_text(encoding="utf-8"))


# --- The table ---------------------------------------------------------------------------------


def width(text: str) -> int:
    """Columns the text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    return text + " " * max(0, columns - width(text))


def mark(met: bool | None) -> str:
    return "—" if met is None else "met" if met else "MISSED"


def bulletin_rows(sizes_info: dict, measured: dict) -> list[dict]:
    """The district and city bulletins (issue 8 §2), measured on each size by bench.bulletins: the
    job's time, the peak memory of a fresh process, pages, file size and the headless-browser peer
    with our renderer's ratio to it; the targets (≤ 2 s / ≤ 8 s, ≤ 500 MB, ≤ 2× the peer) are
    judged at the largest size. BENCH_BULLETINS=0 leaves them out; BENCH_BULLETIN_REPEAT and
    BENCH_BULLETIN_PRINTS set the job runs and the peer's prints per bulletin."""
    from . import bulletins

    if os.environ.get("BENCH_BULLETINS", "1").strip().lower() in ("0", "false", "no"):
        return [{"name": name, "level": level, "status": "skipped"} for name, level in BULLETINS]
    repeat = int(os.environ.get("BENCH_BULLETIN_REPEAT", bulletins.REPEAT))
    prints = int(os.environ.get("BENCH_BULLETIN_PRINTS", bulletins.PRINTS))
    labels = list(sizes_info)
    per_size = {
        label: bulletins.measure_size(
            label, sizes_info[label]["url"], out_dir=VAR, repeat=repeat, prints=prints
        )
        for label in labels
    }
    rows = []
    for name, level in BULLETINS:
        row: dict = {"name": name, "level": level}
        for label in labels:
            row[label] = per_size[label][level]
        top = row[labels[-1]]
        errors = [f"{label}: {row[label]['error']}" for label in labels if "error" in row[label]]
        row["status"] = "; ".join(errors) if errors else "measured"
        verdicts = bulletins.verdicts(level, top)
        row["time_target_met"] = verdicts["time"]
        row["memory_target_met"] = verdicts["memory"]
        row["ratio_target_met"] = verdicts["ratio"]
        row["targets"] = {
            "job_seconds": bulletins.TARGET_SECONDS[level],
            "peak_mb": bulletins.TARGET_PEAK_MB,
            "render_over_peer": bulletins.TARGET_PEER_RATIO,
        }
        rows.append(row)
    return rows


def bulletin_lines(report: dict) -> list[str]:
    """The bulletin rows of the table: one line per size, the marks on the largest."""
    bulletins = report["bulletins"]
    if not any(label in row for row in bulletins for label in report["sizes"]):
        return [f"{pad(row['name'], 43)}{row['status']}" for row in bulletins]
    head = (
        f"{'bulletin':<28}{'size':<7}{'job s':>7}{'cpu s':>7}{'pdf s':>7}{'peak MB':>8}{'pages':>6}{'KB':>6}"
        f"{'peer s':>8}{'pdf/peer':>9}  {'job ≤ 2/8 s':<12}{'peak ≤ 500 MB':<14}{'≤ 2× peer':<10}"
    )
    head = head.rstrip()
    lines = ["", head, "-" * width(head)]
    labels = list(report["sizes"])
    for row in bulletins:
        for label in labels:
            size = row.get(label)
            if size is None:
                continue
            first = pad(row["name"] if label == labels[0] else "", 28) + f"{label:<7}"
            if "error" in size:
                lines.append(f"{first}{size['error']}")
                continue
            peer = size.get("peer", {})
            ratio = size.get("ratio")
            cells = (
                f"{size['job_s']:>7.2f}{size['job_cpu_s']:>7.2f}{size['render_s']:>7.2f}"
                f"{size['child_peak_mb']:>8}{size['pages']:>6}"
                f"{size['kb']:>6}{peer.get('p50_s', float('nan')):>8.2f}"
                f"{(f'{ratio:.2f}×' if ratio is not None else '—'):>9}  "
            )
            marks = (
                f"{mark(row['time_target_met']):<12}{mark(row['memory_target_met']):<14}"
                f"{mark(row['ratio_target_met']):<10}"
                if label == labels[-1]
                else ""
            )
            lines.append(f"{first}{cells}{marks}".rstrip())
    return lines


def combine(sizes_info: dict, measured: dict) -> dict:
    labels = list(measured)
    largest = labels[-1]
    rows: dict[str, dict] = {}
    for label in labels:
        for page in measured[label]["pages"]:
            row = rows.setdefault(
                page["key"], {"key": page["key"], "page": page["page"], "role": page["role"]}
            )
            row["url_name"] = page["url_name"] or row.get("url_name", "")
            row[label] = {k: page[k] for k in ("p50_ms", "p95_ms", "queries", "n", "status", "note")}
    for row in rows.values():
        measured_at = [row[label] for label in labels if label in row and row[label]["p50_ms"] is not None]
        counts = {m["queries"] for m in measured_at}
        row["queries_equal"] = (len(counts) == 1) if len(measured_at) == len(labels) > 1 else None
        top = row.get(largest, {})
        row["p50_target_met"] = None if top.get("p50_ms") is None else top["p50_ms"] <= TARGET_P50_MS
    extras = measured[largest]
    throughput = extras.get("throughput")
    persistent = extras.get("throughput_persistent")
    for run in (throughput, persistent):
        if run:
            run["target_met"] = run["ratio"] >= TARGET_RATIO and not run["errors"]
    imported = extras.get("import")
    if imported:
        imported["target_met"] = imported["seconds"] <= TARGET_IMPORT_S and not imported["note"]
    return {
        "measured_at": datetime.now(ZoneInfo("Asia/Shanghai")).isoformat(timespec="seconds"),
        "largest": largest,
        "targets": {
            "queries": "equal at every size",
            "p50_ms": TARGET_P50_MS,
            "dashboard_over_minimal": TARGET_RATIO,
            "import_seconds": TARGET_IMPORT_S,
        },
        "sizes": {label: {k: v for k, v in info.items() if k != "url"} for label, info in sizes_info.items()},
        "pages": list(rows.values()),
        "bulletins": bulletin_rows(sizes_info, measured),
        "throughput": throughput,
        "throughput_persistent": persistent,
        "import": imported,
    }


def cell(size: dict | None) -> str:
    if not size:
        return f"{'':>24}"
    if size["p50_ms"] is None:
        return f"{size['note'] or NOT_YET:>24}"
    return f"{size['p50_ms']:>7.1f} {size['p95_ms']:>7.1f} {size['queries']:>6}  "


def table(report: dict) -> str:
    labels = list(report["sizes"])
    groups = "".join(f"{label} city ×{report['sizes'][label]['scale']:g}".center(26) for label in labels)
    head = "".join(f"{'p50 ms  p95 ms queries':>26}" for _label in labels)
    lines = [f"{'':<43}{groups}", f"{'page':<24}{'role':<19}{head}  {'queries equal':<14}{'p50 ≤ 50 ms':<12}"]
    lines.append("-" * width(lines[1]))
    for row in report["pages"]:
        sizes_cells = "".join(f"{cell(row.get(label)):>26}" for label in labels)
        lines.append(
            f"{pad(row['page'], 24)}{row['role'][:18]:<19}{sizes_cells}  "
            f"{mark(row['queries_equal']):<14}{mark(row['p50_target_met']):<12}"
        )
    # The bulletins (issue 8 §2): time, peak memory, pages, size and the headless browser peer.
    lines += bulletin_lines(report)
    lines.append("")
    for throughput in (report["throughput"], report.get("throughput_persistent")):
        if not throughput:
            continue
        lines.append(
            f"street dashboard vs minimal view on gunicorn ({throughput['workers']} workers, "
            f"{throughput['concurrency']} clients, CONN_MAX_AGE={throughput['conn_max_age']}): "
            f"{throughput['dashboard_rps']} / {throughput['minimal_rps']} req/s "
            f"= {throughput['ratio']:.1%} (target ≥ {TARGET_RATIO:.0%}): {mark(throughput['target_met'])}"
            f"  [healthz {throughput['healthz_rps']} req/s, errors {throughput['errors']}]"
        )
    imported = report["import"]
    if imported:
        lines.append(
            f"import of {imported['rows']:,} member units from .xlsx ({imported['file_kb']} KB): "
            f"{imported['seconds']} s (target ≤ {TARGET_IMPORT_S:g} s): {mark(imported['target_met'])}"
            + (f" ({imported['note']})" if imported["note"] else "")
        )
    for label, info in report["sizes"].items():
        build = info.get("build") or {}
        seconds = build.get("seconds", {})
        counts = build.get("counts", {})
        lines.append(
            f"{label} city ({info['database']}, {info['db_size_mb']} MB"
            f"{', reused' if info['reused'] else ''}): built in {seconds.get('total', '?')} s"
            f" + migrate {seconds.get('migrate', '?')} s; "
            + ", ".join(
                f"{k} {counts[k]:,}"
                for k in ("councils", "units", "meetings", "ledger_entries", "assessments", "findings")
                if k in counts
            )
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build the bench city and measure it.")
    parser.add_argument("--sizes", default="small,full", help="which of small (×0.1) and full (×1.0)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per page")
    parser.add_argument("--throughput", type=float, default=10, help="seconds per view in the throughput run")
    parser.add_argument("--rebuild", action="store_true", help="build even when a database can be reused")
    parser.add_argument("--out", default=str(VAR / "bench.json"))
    args = parser.parse_args(argv)
    labels = [label for label in SIZES if label in args.sizes.split(",")]
    VAR.mkdir(exist_ok=True)
    maintenance, base = database_urls()
    infos, measured = {}, {}
    for label in labels:
        infos[label] = ensure_city(
            label, SIZES[label], maintenance=maintenance, base=base, rebuild=args.rebuild
        )
    for label in labels:
        measured[label] = measure(
            label,
            infos[label],
            requests=args.requests,
            extras=label == labels[-1],
            throughput=args.throughput,
        )
    report = combine(infos, measured)
    text = table(report)
    report["table"] = text.splitlines()
    Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(text)
    print(f"\nSaved as {args.out}")


if __name__ == "__main__":
    main()
