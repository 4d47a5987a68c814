"""The bulletin rows of `make bench` (issue 8 §2): the district's and the city's bulletin on a built
bench city, each against a headless browser printing the same HTML.

    python -m bench.bulletins --database-url postgres://…/portal_bench_full [--repeat 3 --prints 5]

Ours: scripts/bench_bulletins.py --level district|city in a fresh process per bulletin (so one
bulletin's peak memory is not carried into the next): the job run `repeat` times inside a
rolled-back transaction (compile the facts, write the text, render the PDF, store it), the
median of each part, the pages and the file size, and the child's peak resident memory
(ru_maxrss, read by the parent when the child ends). Files go to a temporary MEDIA_ROOT.

The peer: the same print HTML (render_pdf_html) printed by Chromium (/usr/bin/chromium, driven by
Playwright's sync API, launched as in tests/e2e/conftest.py): one browser, one warm-up print per
document, then N prints of page.set_content(html) + page.pdf(A4, CSS page size first), p50.

The ratio compares like with like: our renderer's HTML → PDF time over the peer's. The job's
time over the peer's is kept in the JSON too.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .chromium import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "bench_bulletins.py"
BULLETINS = [("district bulletin 区级通报", "district"), ("city bulletin 市级通报", "city")]
TARGET_SECONDS = {"district": 2.0, "city": 8.0}
TARGET_PEAK_MB = 500.0
TARGET_PEER_RATIO = 2.0
REPEAT = 3
PRINTS = 5


def run_child(command: list[str], env: dict) -> tuple[int, float, str, float]:
    """Run a child to its end; (exit code, its peak resident memory in MB, its stderr's tail, the
    CPU seconds it used)."""
    with tempfile.TemporaryFile() as errors:
        child = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=errors)  # noqa: S603
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        tail = errors.read().decode(errors="replace")[-2000:]
    cpu = usage.ru_utime + usage.ru_stime
    return child.returncode, usage.ru_maxrss / 1024, tail, cpu  # ru_maxrss: kilobytes on Linux


def ours(level: str, *, database_url: str, out: Path, repeat: int, span: str) -> dict:
    """One bulletin measured in its own process; its print HTML is saved next to the JSON."""
    html = out.with_suffix(".html")
    with tempfile.TemporaryDirectory(prefix="bench-media-") as media:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "bench.settings"),
            "MEDIA_ROOT": media,
        }
        command = [sys.executable, str(SCRIPT), "--level", level, "--repeat", str(repeat), "--span", span]
        command += ["--json", str(out), "--html", str(html)]
        began = time.perf_counter()
        code, peak, errors, cpu = run_child(command, env)
    if code != 0:
        return {"error": f"exit {code}: {errors.strip().splitlines()[-1] if errors.strip() else ''}"}
    result = json.loads(out.read_text(encoding="utf-8"))
    result["child_peak_mb"] = round(peak)
    result["child_seconds"] = round(time.perf_counter() - began, 1)
    result["child_cpu_s"] = round(cpu, 1)
    result["html_path"] = str(html)
    return result


def peer(html_paths: list[str], *, prints: int) -> dict[str, dict]:
    """Print each HTML file with one warm Chromium; per file the p50 and every time, in seconds."""
    from playwright.sync_api import sync_playwright

    results: dict[str, dict] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page()
            for path in html_paths:
                html = Path(path).read_text(encoding="utf-8")

                def once(html=html) -> tuple[float, bytes]:
                    began = time.perf_counter()
                    page.set_content(html)
                    pdf = page.pdf(format="A4", prefer_css_page_size=True)
                    return time.perf_counter() - began, pdf

                warm_s, pdf = once()
                times = [once()[0] for _ in range(prints)]
                results[path] = {
                    "p50_s": round(statistics.median(times), 3),
                    "times_s": [round(t, 3) for t in times],
                    "warm_up_s": round(warm_s, 3),
                    "pages": pages_of(pdf),
                    "kb": round(len(pdf) / 1024),
                }
        finally:
            browser.close()
    return results


def pages_of(pdf: bytes) -> int | None:
    try:
        import io

        from pypdf import PdfReader
    except ImportError:
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def peer_in_child(html_paths: list[str], *, prints: int, out: Path) -> dict[str, dict]:
    """The peer in its own process (Playwright's loop and the browser stay out of the caller)."""
    if not CHROMIUM.exists():
        return {path: {"error": f"{CHROMIUM} is missing"} for path in html_paths}
    command = [sys.executable, "-m", "bench.bulletins", "--peer", *html_paths]
    command += ["--prints", str(prints), "--json", str(out)]
    code, _peak, errors, _cpu = run_child(command, dict(os.environ))
    if code != 0:
        last = errors.strip().splitlines()[-1] if errors.strip() else ""
        return {path: {"error": f"peer exit {code}: {last}"} for path in html_paths}
    return json.loads(out.read_text(encoding="utf-8"))


def measure_size(
    label: str, database_url: str, *, out_dir: Path, repeat: int, prints: int, span: str = "quarter"
) -> dict[str, dict]:
    """Both bulletins of one bench city, ours and the peer's; {level: details}."""
    results = {}
    for name, level in BULLETINS:
        print(f"[{label}] bulletin: {name}", flush=True)
        results[level] = ours(
            level,
            database_url=database_url,
            out=out_dir / f"bench-bulletin-{label}-{level}.json",
            repeat=repeat,
            span=span,
        )
    htmls = [r["html_path"] for r in results.values() if "html_path" in r]
    printed = (
        peer_in_child(htmls, prints=prints, out=out_dir / f"bench-bulletin-{label}-peer.json")
        if htmls
        else {}
    )
    for result in results.values():
        if "html_path" not in result:
            continue
        result["peer"] = printed.get(result["html_path"], {"error": "not printed"})
        peer_s = result["peer"].get("p50_s")
        result["ratio"] = round(result["render_s"] / peer_s, 2) if peer_s else None
        result["job_ratio"] = round(result["job_s"] / peer_s, 2) if peer_s else None
    return results


def verdicts(level: str, result: dict) -> dict[str, bool | None]:
    """Each target met (True), missed (False) or not measured (None)."""
    if not result or "error" in result:
        return {"time": None, "memory": None, "ratio": None}
    return {
        "time": result["job_s"] <= TARGET_SECONDS[level],
        "memory": result["child_peak_mb"] <= TARGET_PEAK_MB,
        "ratio": None if result.get("ratio") is None else result["ratio"] <= TARGET_PEER_RATIO,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the bench city's database (default: DATABASE_URL)")
    parser.add_argument("--label", default="dev")
    parser.add_argument("--repeat", type=int, default=REPEAT, help="job runs per bulletin")
    parser.add_argument("--prints", type=int, default=PRINTS, help="timed prints per document by the peer")
    parser.add_argument("--span", choices=("quarter", "half"), default="quarter")
    parser.add_argument("--peer", nargs="+", metavar="HTML", help="only print these files with the peer")
    parser.add_argument("--json", help="write the result here")
    args = parser.parse_args(argv)
    if args.peer:
        result = peer(args.peer, prints=args.prints)
    else:
        out_dir = ROOT / "var"
        out_dir.mkdir(exist_ok=True)
        url = args.database_url or os.environ["DATABASE_URL"]
        result = measure_size(
            args.label, url, out_dir=out_dir, repeat=args.repeat, prints=args.prints, span=args.span
        )
        for level, details in result.items():
            details["verdicts"] = verdicts(level, details)
            print(level, json.dumps({k: v for k, v in details.items() if k != "runs"}, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
