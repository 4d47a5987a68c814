"""Page timings, query counts, the import and the throughput ratio on one built bench city:
`python -m bench.measure --out var/bench-full.json` with DATABASE_URL naming the city's database.

Pages are requested in-process through Django's test client, signed in as the bench user of the
role (the first district, street, community, council and unit of the city): a few warm-up
requests, then N timed ones (server time, no network), then one more inside
CaptureQueriesContext for the query count. The import posts a 10,000-row .xlsx to `unit_import`
as the city office and rolls everything back. The throughput run starts gunicorn on loopback
and compares the street dashboard with the minimal view of bench.urls (bench.throughput)."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import statistics
import time
from dataclasses import asdict, dataclass

# Users the pages are requested as (bench.city names them).
USERS = {
    "city_office": "bench-city",
    "district_office": "bench-district-0",
    "street_staff": "bench-street-0",
    "community_staff": "bench-community-0",
    "council_secretary": "bench-secretary-0",
    "patroller": "bench-patroller-0",
    "unit_contact": "bench-unit-0",
}
# (key, page, URL name, role, object): the main pages of issue 8. The ranking page is added
# when its URL exists (ranking_page below).
PAGES = [
    *[(f"home/{role}", "dashboard 首页", "home", role, None) for role in USERS],
    ("council_detail/street_staff", "council page 理事会", "council_detail", "street_staff", "council"),
    ("ledger_list/street_staff", "ledger 资金流水", "ledger_list", "street_staff", None),
    ("ledger_list/city_office", "ledger 资金流水", "ledger_list", "city_office", None),
    ("compliance_list/street_staff", "compliance 履职督查", "compliance_list", "street_staff", None),
    ("compliance_list/city_office", "compliance 履职督查", "compliance_list", "city_office", None),
    ("finding_list/street_staff", "findings 巡查发现", "finding_list", "street_staff", None),
    ("finding_list/city_office", "findings 巡查发现", "finding_list", "city_office", None),
    ("patrol_stats/street_staff", "statistics 巡查统计", "patrol_stats", "street_staff", None),
    ("patrol_stats/city_office", "statistics 巡查统计", "patrol_stats", "city_office", None),
]
RANKING_PAGE = "rankings 考核排名"
# URL names a ranking page may have, best first; any other name with "rank" in it comes next.
RANKING_NAMES = ("ranking_list", "rankings", "ranking", "result_list", "results", "ranking_table")
NOT_A_PAGE = ("report", "pdf", "xlsx", "export", "create", "request", "download", "chart", "data")
IMPORT_ROWS = 10_000


@dataclass
class PageResult:
    key: str
    page: str
    role: str
    url_name: str
    url: str
    status: int
    n: int
    p50_ms: float | None
    p95_ms: float | None
    queries: int | None
    note: str = ""


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def ranking_page():
    """(URL name, args) of the ranking page if the assessments app has one yet, else None."""
    from django.urls import NoReverseMatch, get_resolver, reverse

    from assessments.models import Period

    names = {name for name in get_resolver().reverse_dict if isinstance(name, str)}
    others = sorted(
        n for n in names if ("rank" in n or n.startswith("result")) and not any(w in n for w in NOT_A_PAGE)
    )
    period = Period.objects.order_by("-year", "-half").first()
    for name in [n for n in RANKING_NAMES if n in names] + [n for n in others if n not in RANKING_NAMES]:
        for args in ([], [period.pk] if period else []):
            try:
                reverse(name, args=args)
            except NoReverseMatch:
                continue
            return name, args
    return None


def users() -> dict:
    from django.contrib.auth import get_user_model

    found = {u.username: u for u in get_user_model().objects.filter(username__in=USERS.values())}
    return {role: found[name] for role, name in USERS.items()}


def measure_page(client, url: str, *, n: int, warmup: int) -> tuple[int, list[float], int | None]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    status = 0
    for _ in range(warmup):
        status = client.get(url).status_code
    if status != 200:
        return status, [], None
    times = []
    for _ in range(n):
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        status = response.status_code
    with CaptureQueriesContext(connection) as queries:
        status = client.get(url).status_code
    return status, times, len(queries)


def measure_pages(*, n: int, warmup: int, log=print) -> list[PageResult]:
    from django.test import Client
    from django.urls import reverse

    from councils.models import Council

    people = users()
    council = Council.objects.visible_to(people["council_secretary"]).get()
    pages = list(PAGES)
    ranking = ranking_page()
    results = []
    if ranking:
        name, args = ranking
        pages += [
            (f"{name}/city_office", RANKING_PAGE, name, "city_office", args),
            (f"{name}/street_staff", RANKING_PAGE, name, "street_staff", args),
        ]
    else:
        results.append(
            PageResult("rankings", RANKING_PAGE, "", "", "", 0, 0, None, None, None, "not measured yet")
        )
    clients = {}
    for key, page, name, role, obj in pages:
        if role not in clients:
            clients[role] = Client()
            clients[role].force_login(people[role])
        args = [council.pk] if obj == "council" else (obj or [])
        url = reverse(name, args=args)
        status, times, queries = measure_page(clients[role], url, n=n, warmup=warmup)
        result = PageResult(
            key,
            page,
            role,
            name,
            url,
            status,
            len(times),
            round(statistics.median(times), 1) if times else None,
            round(percentile(times, 0.95), 1) if times else None,
            queries,
            "" if status == 200 else f"HTTP {status}",
        )
        log(f"  {key:<34} p50 {result.p50_ms} ms  p95 {result.p95_ms} ms  {queries} queries")
        results.append(result)
    return results


# --- Import of 10,000 member units -------------------------------------------------------------


def import_workbook(rows: int) -> bytes:
    """A sheet of new member units, each seated on a council of its street, as the import
    template lays it out."""
    from openpyxl import Workbook

    from councils import imports
    from councils.models import Council
    from councils.validators import credit_code_check_char

    councils = list(Council.objects.select_related("community__street").order_by("pk"))
    # A normal (not write-only) workbook: like Excel's and WPS's files it records the sheet's
    # dimension, without which the reader parses the whole sheet once more.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = imports.UNITS_SHEET
    sheet.append(list(imports.HEADERS))
    for i in range(rows):
        council = councils[i % len(councils)]
        first17 = f"91350400QJ{i + 1:07d}"
        sheet.append(
            [
                f"导入测试单位{i + 1:05d}",
                "企业",
                first17 + credit_code_check_char(first17),
                council.community.street.name,
                f"{council.community.street.name}{i % 300 + 1}号",
                "陈敏",
                f"139{i:08d}",
                council.name,
                "理事单位",
                "陈敏",
                "2026-01-05",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure_import(rows: int = IMPORT_ROWS) -> dict:
    """Post the sheet to unit_import as the city office; everything is rolled back afterwards."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse

    from councils.models import MemberUnit

    content = import_workbook(rows)
    client = Client()
    client.force_login(users()["city_office"])
    before = MemberUnit.objects.count()
    with transaction.atomic():
        upload = SimpleUploadedFile("units.xlsx", content)
        began = time.perf_counter()
        response = client.post(reverse("unit_import"), {"file": upload})
        seconds = time.perf_counter() - began
        imported = MemberUnit.objects.count() - before
        transaction.set_rollback(True)
    ok = response.status_code == 302 and imported == rows
    return {
        "rows": rows,
        "file_kb": round(len(content) / 1024),
        "seconds": round(seconds, 2),
        "status": response.status_code,
        "imported": imported,
        "note": "" if ok else "the import did not go through",
    }


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    parser = argparse.ArgumentParser(description="Measure the pages of one built bench city.")
    parser.add_argument("--out", required=True)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--import", dest="do_import", action="store_true")
    parser.add_argument("--throughput", type=float, default=0, help="seconds per view; 0 to skip")
    args = parser.parse_args(argv)
    report: dict = {"requests": args.requests, "warmup": args.warmup}
    print(f"Pages ({args.requests} requests each after {args.warmup} warm-up):")
    report["pages"] = [asdict(r) for r in measure_pages(n=args.requests, warmup=args.warmup)]
    if args.do_import:
        report["import"] = measure_import()
        print(f"Import of {IMPORT_ROWS:,} member units: {report['import']['seconds']} s")
    if args.throughput:
        from .throughput import measure_throughput

        street = users()["street_staff"]
        report["throughput"] = measure_throughput(street, seconds=args.throughput)
        print(f"Street dashboard / minimal view: {report['throughput']['ratio']:.1%}")
        if report["throughput"]["conn_max_age"] == "0":
            # The same with persistent connections, to show what the connection per request costs.
            report["throughput_persistent"] = measure_throughput(
                street, seconds=args.throughput, conn_max_age=60
            )
            print(f"  with CONN_MAX_AGE=60: {report['throughput_persistent']['ratio']:.1%}")
    with open(args.out, "w", encoding="utf-8") as out:
        json.dump(report, out, ensure_ascii=False, indent=2)


if __name__ == "__main__":
    main()
