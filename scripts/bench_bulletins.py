"""How fast bulletins are made (issue 7): for the city and each district — or the districts named —
the job's whole run (compile the facts from the live data, write the text, render the PDF, store
it) and its parts, with the pages, the file size, the queries of the compilation and the
process's peak memory.

    DEBUG=true DATABASE_URL=postgres://…/db .venv/bin/python scripts/bench_bulletins.py
    … scripts/bench_bulletins.py --district 梅列区 --span half --repeat 3

Everything runs inside one transaction that is rolled back at the end: the database is left as
it was, and no job is queued. The period is last quarter (or last half-year with --span half).
"""

from __future__ import annotations

import argparse
import io
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

from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from assessments import bulletins  # noqa: E402
from assessments.bulletin_data import bulletin_facts  # noqa: E402
from assessments.models import Half, half_of  # noqa: E402
from assessments.models_bulletins import Bulletin, Span  # noqa: E402
from councils.models import Council, District  # noqa: E402
from councils.periods import Quarter, today  # noqa: E402


def pages_of(pdf: bytes) -> int | None:
    try:
        from pypdf import PdfReader
    except ImportError:  # pypdf is a test dependency
        return None
    return len(PdfReader(io.BytesIO(pdf)).pages)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def period(span: str) -> tuple[int, int]:
    if span == Span.HALF:
        year, half = half_of(today())
        return (year, Half.FIRST) if half == Half.SECOND else (year - 1, Half.SECOND)
    quarter = Quarter.current().previous()
    return quarter.year, quarter.number


def measure(district: District | None, span: str, repeat: int) -> dict:
    year, part = period(span)
    bulletin = bulletins.bulletin_create(district=district, span=span, year=year, part=part, by=None)
    runs, compiles, renders = [], [], []
    for _ in range(repeat):
        bulletins.bulletin_generate(bulletin=bulletin, by=None, recompile=True)
        began = time.perf_counter()
        assert bulletins.bulletin_run(bulletin_id=bulletin.pk) == Bulletin.State.READY
        runs.append(time.perf_counter() - began)
        bulletin.refresh_from_db()
        began = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            bulletin_facts(
                district=district,
                start=bulletin.start,
                end=bulletin.end,
                quarters=bulletin.quarters,
                today=today(),
            )
        compiles.append(time.perf_counter() - began)
        began = time.perf_counter()
        pdf = bulletins.bulletin_render_pdf(bulletin)
        renders.append(time.perf_counter() - began)
    councils = Council.objects.filter(
        **({"community__street__district": district} if district else {})
    ).count()
    return {
        "scope": district.name if district else "全市",
        "period": bulletin.period_label,
        "councils": councils,
        "job_s": statistics.median(runs),
        "compile_s": statistics.median(compiles),
        "render_s": statistics.median(renders),
        "queries": len(queries),
        "pages": pages_of(pdf),
        "kb": round(len(pdf) / 1024),
        "peak_mb": round(peak_mb()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--district", action="append", help="a district's name (repeatable); default: all")
    parser.add_argument("--no-city", action="store_true", help="leave out the city's bulletin")
    parser.add_argument("--span", choices=Span.values, default=Span.QUARTER)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    districts = District.objects.order_by("name")
    if args.district:
        districts = districts.filter(name__in=args.district)
    scopes = ([] if args.no_city else [None]) + list(districts)
    rows = []
    with transaction.atomic():
        for scope in scopes:
            rows.append(measure(scope, args.span, args.repeat))
            row = rows[-1]
            print(
                f"{row['scope']:<8} {row['period']:<12} councils {row['councils']:>5}  "
                f"job {row['job_s']:6.2f} s  (compile {row['compile_s']:5.2f} s, {row['queries']} queries; "
                f"render {row['render_s']:5.2f} s)  pages {row['pages']}  {row['kb']} KB  "
                f"peak {row['peak_mb']} MB",
                flush=True,
            )
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
