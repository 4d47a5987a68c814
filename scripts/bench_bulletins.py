"""How fast bulletins are made (issues 7 and 8): for the city and each district — or the districts
named — the job's whole run (compile the facts from the live data, write the text, render the PDF,
store it) and its parts, with the pages, the file size, the queries of the job and the process's
peak memory.

    DEBUG=true DATABASE_URL=postgres://…/db .venv/bin/python scripts/bench_bulletins.py
    … scripts/bench_bulletins.py --district 梅列区 --span half --repeat 3
    … scripts/bench_bulletins.py --level city --json out.json --html out.html   (used by make bench)

Everything runs inside one transaction that is rolled back at the end: the database is left as
it was, and no job is queued. The file each run stores is deleted again. The period is last
quarter (or last half-year with --span half).

With --level (district: the district named by --district, else the first one; city: the city)
one bulletin is measured and the result written as JSON, with the print HTML it was rendered
from saved for the browser peer (bench/bulletins.py runs this once per bulletin, each in a fresh
process, so the peak memory is that bulletin's alone).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.files.storage import default_storage  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments import bulletins  # noqa: E402
from assessments.models import Half, half_of  # noqa: E402
from assessments.models_bulletins import Bulletin, Span  # noqa: E402
from councils.models import Council, District  # noqa: E402
from councils.pdf import html_to_pdf  # noqa: E402
from councils.periods import Quarter, today  # noqa: E402


def pages_of(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a test dependency
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_s() -> float:
    """This process's CPU time so far (the database server's is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def rss_mb() -> float:
    """The resident set now (Linux), for the baseline before the first job."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024
    except OSError:
        return peak_mb()


def forget(name: str) -> None:
    """The row is rolled back: its file goes too, with the folder it was the only file in."""
    default_storage.delete(name)
    with contextlib.suppress(OSError, NotImplementedError):  # not empty, or not a local folder
        os.rmdir(os.path.dirname(default_storage.path(name)))


def period(span: str) -> tuple[int, int]:
    if span == Span.HALF:
        year, half = half_of(today())
        return (year, Half.FIRST) if half == Half.SECOND else (year - 1, Half.SECOND)
    quarter = Quarter.current().previous()
    return quarter.year, quarter.number


def measure(district: District | None, span: str, repeat: int, html_out: str | None = None) -> dict:
    """Run the bulletin's job `repeat` times (each compiling again) and time its parts: compile =
    from the job's start to the render (facts, text, the row's updates), html = filling in the
    print template, pdf = the renderer, store = writing the file and marking the bulletin."""
    year, part = period(span)
    bulletin = bulletins.bulletin_create(district=district, span=span, year=year, part=part, by=None)
    runs: list[dict] = []
    queries = 0
    for index in range(repeat):
        bulletins.bulletin_generate(bulletin=bulletin, by=None, recompile=True)
        marks: dict[str, float] = {}
        kept: dict[str, bytes | str] = {}

        def render(b: Bulletin, marks=marks, kept=kept) -> bytes:
            marks["render"] = time.perf_counter()
            html = bulletins.render_pdf_html(b)
            marks["html"] = time.perf_counter()
            pdf = html_to_pdf(html)
            marks["pdf"] = time.perf_counter()
            kept["html"], kept["pdf"] = html, pdf
            return pdf

        with CaptureQueriesContext(connection) as captured:
            cpu = cpu_s()
            began = time.perf_counter()
            state = bulletins.bulletin_run(bulletin_id=bulletin.pk, render=render)
            ended = time.perf_counter()
            cpu = cpu_s() - cpu
        if state != Bulletin.State.READY:
            bulletin.refresh_from_db()
            raise SystemExit(f"the job ended {state}: {bulletin.error}")
        if index == 0:
            queries = len(captured)
        runs.append(
            {
                "job_s": ended - began,
                "job_cpu_s": cpu,
                "compile_s": marks["render"] - began,
                "html_s": marks["html"] - marks["render"],
                "pdf_s": marks["pdf"] - marks["html"],
                "store_s": ended - marks["pdf"],
                "peak_mb": round(peak_mb()),
            }
        )
        bulletin.refresh_from_db()
        forget(bulletin.file.name)
    pdf, html = kept["pdf"], kept["html"]
    if html_out:
        Path(html_out).write_text(html, encoding="utf-8")
    councils = Council.objects.filter(
        **({"community__street__district": district} if district else {})
    ).count()

    def median(key: str) -> float:
        return round(statistics.median(run[key] for run in runs), 3)

    return {
        "scope": district.name if district else "全市",
        "level": "district" if district else "city",
        "period": bulletin.period_label,
        "councils": councils,
        "job_s": median("job_s"),
        "job_cpu_s": median("job_cpu_s"),
        "first_job_s": round(runs[0]["job_s"], 3),
        "compile_s": median("compile_s"),
        "html_s": median("html_s"),
        "render_s": median("pdf_s"),
        "store_s": median("store_s"),
        "queries": queries,
        "pages": pages_of(pdf),
        "kb": round(len(pdf) / 1024),
        "html_kb": round(len(html.encode()) / 1024),
        "peak_mb": round(peak_mb()),
        "runs": [{k: round(v, 3) for k, v in run.items()} for run in runs],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", action="append", help="a district's name (repeatable); default: all")
    parser.add_argument("--no-city", action="store_true", help="leave out the city's bulletin")
    parser.add_argument("--level", choices=("district", "city"), help="measure this one bulletin only")
    parser.add_argument("--span", choices=Span.values, default=Span.QUARTER)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", help="with --level: write the result here")
    parser.add_argument("--html", help="with --level: save the print HTML here")
    args = parser.parse_args()
    baseline = rss_mb()
    districts = District.objects.order_by("name")
    if args.district:
        districts = districts.filter(name__in=args.district)
    if args.level == "district":
        first = districts.order_by("pk").first() if args.district else District.objects.order_by("pk").first()
        if first is None:
            raise SystemExit("no district")
        scopes = [first]
    elif args.level == "city":
        scopes = [None]
    else:
        scopes = ([] if args.no_city else [None]) + list(districts)
    rows = []
    with transaction.atomic():
        for scope in scopes:
            rows.append(measure(scope, args.span, args.repeat, html_out=args.html))
            row = rows[-1]
            print(
                f"{row['scope']:<8} {row['period']:<12} councils {row['councils']:>5}  "
                f"job {row['job_s']:6.2f} s (cpu {row['job_cpu_s']:5.2f} s; "
                f"compile {row['compile_s']:5.2f} s, {row['queries']} queries; "
                f"html {row['html_s']:5.2f} s; pdf {row['render_s']:5.2f} s; store {row['store_s']:4.2f} s)  "
                f"pages {row['pages']}  {row['kb']} KB  peak {row['peak_mb']} MB",
                flush=True,
            )
        transaction.set_rollback(True)
    if args.json:
        result = {**rows[0], "baseline_mb": round(baseline)} if args.level else {"rows": rows}
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
