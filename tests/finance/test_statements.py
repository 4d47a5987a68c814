"""A council's fund statement for a period (issue 4 §7; R-1.5, R-1.6): on screen, as .xlsx and as a
PDF with the totals in capital numerals, CJK fonts embedded, and a renderer that reads nothing
but the portal's own static files (DESIGN.md invariant 7)."""

from __future__ import annotations

import re
import socket
import subprocess
import time
import urllib.request
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from councils import pdf as portal_pdf
from councils.periods import Quarter, today
from councils.roles import Role
from finance import services
from finance.models import Category, LedgerEntry
from finance.selectors import balance_at, fund_statement
from tests.conftest import build_side, user_with_role

pytestmark = pytest.mark.django_db

HOSTILE = '<img src="file:///etc/passwd"> <link href="http://127.0.0.1:9/x">'


def category(name) -> Category:
    services.categories_ensure()
    return Category.objects.get(name=name)


def post(side, kind, amount, day, **extra) -> LedgerEntry:
    if kind == "contribution":
        extra.setdefault("unit", side.unit)
    return services.entry_post(
        council=side.council, kind=kind, amount=Decimal(amount), entry_date=day, by=side.secretary, **extra
    )


@pytest.fixture
def known(side_a):
    """Known entries around a period [D-60, D-10]: one before it, eight in it (two of them
    reversed), one after it; side A's own fixture entries fall on today, after the period too."""
    d = today()
    post(side_a, "contribution", "1000.00", d - timedelta(days=100))
    post(side_a, "contribution", "10000.00", d - timedelta(days=50), description="年度共建资金")
    post(side_a, "donation_org", "2000.00", d - timedelta(days=45), counterparty="市慈善总会")
    wrong = post(side_a, "donation_org", "500.00", d - timedelta(days=40), counterparty="重复录入")
    services.entry_reverse(
        entry=wrong, reason="重复录入", by=side_a.secretary, entry_date=d - timedelta(days=38)
    )
    post(side_a, "donation_person", "300.00", d - timedelta(days=35), counterparty="热心居民")
    post(
        side_a,
        "expenditure",
        "800.00",
        d - timedelta(days=30),
        category=category("环境整治"),
        description="楼道清理",
    )
    refunded = post(side_a, "expenditure", "450.00", d - timedelta(days=25), category=category("文化教育"))
    services.entry_reverse(
        entry=refunded, reason="活动取消，款项退回", by=side_a.secretary, entry_date=d - timedelta(days=20)
    )
    post(side_a, "expenditure", "100.00", d - timedelta(days=5), category=category("环境整治"))
    return {"start": d - timedelta(days=60), "end": d - timedelta(days=10)}


def period(known) -> dict[str, str]:
    return {"start": known["start"].isoformat(), "end": known["end"].isoformat()}


def secretary(side):
    return user_with_role(Role.COUNCIL_SECRETARY, side)


# --- The figures ------------------------------------------------------------------------------


def test_statement_math_on_known_entries_with_reversals(side_a, known):
    """Opening = everything before the start; a reversal nets against the source or category it
    reverses; closing = opening + income − spending = the balance at the end date."""
    statement = fund_statement(side_a.council, known["start"], known["end"])

    assert statement.opening == Decimal("1000.00")
    assert statement.income == [
        ("成员单位出资", Decimal("10000.00")),
        ("社会团体捐资", Decimal("2000.00")),
        ("个人捐资", Decimal("300.00")),
    ]
    assert dict(statement.spending) == {"环境整治": Decimal("800.00"), "文化教育": Decimal("0.00")}
    assert statement.total_income == Decimal("12300.00")
    assert statement.total_spending == Decimal("800.00")
    assert statement.closing == Decimal("12500.00")
    assert statement.closing == balance_at(side_a.fund, known["end"])
    assert len(statement.entries) == 8


def test_closing_equals_the_balance_at_the_end_of_any_period(side_a, known):
    d = today()
    for start, end in [
        (d - timedelta(days=400), d),
        (d - timedelta(days=45), d - timedelta(days=21)),
        (d, d),
    ]:
        statement = fund_statement(side_a.council, start, end)
        assert statement.opening == balance_at(side_a.fund, start - timedelta(days=1))
        assert statement.closing == balance_at(side_a.fund, end)
    side_a.fund.refresh_from_db()
    assert fund_statement(side_a.council, d - timedelta(days=400), d).closing == side_a.fund.balance


# --- On screen ----------------------------------------------------------------------------------


def test_statement_page_shows_the_figures_and_capital_numerals(client, side_a, known):
    client.force_login(secretary(side_a))
    response = client.get(reverse("statement", args=[side_a.council.pk]), period(known))
    assert response.status_code == 200
    page = response.content.decode()
    statement = response.context["statement"]
    assert statement.closing == balance_at(side_a.fund, known["end"])
    for text in (
        "1,000.00",
        "12,300.00",
        "800.00",
        "12,500.00",
        "壹万贰仟叁佰元整",
        "壹万贰仟伍佰元整",
        "市慈善总会",
    ):
        assert text in page, text
    assert reverse("statement_pdf", args=[side_a.council.pk]) + "?" in page


@pytest.mark.dates
def test_statement_defaults_to_this_year_up_to_today(client, side_a):
    client.force_login(secretary(side_a))
    statement = client.get(reverse("statement", args=[side_a.council.pk])).context["statement"]
    assert (statement.start, statement.end) == (date(today().year, 1, 1), today())
    assert statement.total_income == Decimal("500.00") and statement.total_spending == Decimal("120.00")


@pytest.mark.dates
def test_statement_offers_this_year_last_year_and_this_quarter(client, side_a):
    client.force_login(secretary(side_a))
    page = client.get(reverse("statement", args=[side_a.council.pk])).content.decode()
    d = today()
    for start, end in [
        (date(d.year, 1, 1), d),
        (date(d.year - 1, 1, 1), date(d.year - 1, 12, 31)),
        (Quarter.of(d).first_day, d),
    ]:
        assert f"start={start.isoformat()}&amp;end={end.isoformat()}" in page


def test_a_period_that_ends_before_it_starts_is_refused(client, side_a):
    client.force_login(secretary(side_a))
    url = reverse("statement", args=[side_a.council.pk])
    bad = {"start": "2026-03-01", "end": "2026-02-01"}
    response = client.get(url, bad)
    assert response.status_code == 200 and "statement" not in response.context
    assert "起始日期不能晚于截止日期" in response.content.decode()
    assert client.get(url, {**bad, "format": "xlsx"}).status_code == 400
    assert client.get(reverse("statement_pdf", args=[side_a.council.pk]), bad).status_code == 400
    assert client.get(url, {"start": "not-a-date"}).status_code == 200


# --- As .xlsx -----------------------------------------------------------------------------------


def test_statement_xlsx_has_a_summary_and_the_entries(client, side_a, known):
    client.force_login(secretary(side_a))
    response = client.get(reverse("statement", args=[side_a.council.pk]), {**period(known), "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames == ["收支汇总", "收支明细"]
    summary = {row[0]: row[1:] for row in workbook["收支汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["理事会"][0] == side_a.council.name
    assert summary["期初余额"] == (1000, "壹仟元整")
    assert summary["本期收入合计"] == (12300, "壹万贰仟叁佰元整")
    assert summary["收入：社会团体捐资"][0] == 2000
    assert summary["本期支出合计"] == (800, "捌佰元整")
    assert summary["支出：环境整治"][0] == 800
    assert summary["期末余额"] == (12500, "壹万贰仟伍佰元整")
    entries = list(workbook["收支明细"].iter_rows(values_only=True))
    assert entries[0][:3] == ("流水号", "发生日期", "类型")
    assert len(entries) == 1 + 8
    reversal = next(row for row in entries if row[2] == "冲正" and row[9])
    assert reversal[10] in ("重复录入", "活动取消，款项退回")


# --- As PDF ------------------------------------------------------------------------------------


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "statement.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def pdf_fonts(content: bytes, tmp_path: Path) -> list[dict[str, str]]:
    """pdffonts' table: name, emb, sub (counted from the right: the type may hold spaces)."""
    path = tmp_path / "fonts.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True, text=True).stdout
    lines = out.splitlines()
    rows = lines[lines.index(next(line for line in lines if line.startswith("---"))) + 1 :]
    fonts = []
    for line in rows:
        parts = line.split()
        fonts.append({"name": parts[0], "emb": parts[-5], "sub": parts[-4]})
    return fonts


def test_statement_pdf_is_a_chinese_a4_document_with_capital_numerals(client, side_a, known, tmp_path):
    client.force_login(secretary(side_a))
    response = client.get(reverse("statement_pdf", args=[side_a.council.pk]), period(known))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert side_a.council.name in text
    assert "壹万贰仟叁佰元整" in text  # 12300.00, the period's income
    assert "壹仟元整" in text and "壹万贰仟伍佰元整" in text  # opening and closing
    assert "— 1 —" in text
    page = PdfReader(BytesIO(response.content)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in mm


def test_statement_pdf_embeds_subsets_of_cjk_fonts_only(client, side_a, known, tmp_path):
    """Every font is embedded as a subset (emb and sub "yes", a six-letter tag before the
    name), and the text is set in a CJK font, so the file reads the same on any computer."""
    client.force_login(secretary(side_a))
    content = client.get(reverse("statement_pdf", args=[side_a.council.pk]), period(known)).content
    fonts = pdf_fonts(content, tmp_path)
    assert fonts
    for font in fonts:
        assert font["emb"] == "yes" and font["sub"] == "yes", font
        assert re.match(r"^[A-Z]{6}\+", font["name"]), font
    assert any("CJK" in font["name"] for font in fonts), fonts


def test_hostile_description_reads_no_file_and_no_network(client, side_a, tmp_path, monkeypatch):
    """DESIGN.md invariant 7: an entry's description is text. It is escaped into the page, and
    the renderer asks for nothing outside the portal's static files and data: URIs."""
    # With the fixture's 500.00 contribution the year's income is 12300.00.
    post(side_a, "donation_person", "11800.00", today(), counterparty="某居民", description=HOSTILE)
    requested: list[str] = []
    original = portal_pdf.PortalURLFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(portal_pdf.PortalURLFetcher, "fetch", recording)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    client.force_login(secretary(side_a))

    response = client.get(reverse("statement_pdf", args=[side_a.council.pk]))

    assert response.status_code == 200
    text = pdf_text(response.content, tmp_path)
    assert "root:" not in text
    assert "file:///etc/passwd" in text  # shown as the text it is
    assert "壹万贰仟叁佰元整" in text
    assert all(is_static_or_data(url) for url in requested), requested
    assert not PdfReader(BytesIO(response.content)).attachments


def no_network(*args, **kwargs):
    raise AssertionError("the PDF renderer opened a network connection")


def is_static_or_data(url: str) -> bool:
    return url.startswith("data:") or url.startswith(portal_pdf.PORTAL_ORIGIN + "/static/")


# --- The URL fetcher itself ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "FILE:///etc/passwd",
        "http://127.0.0.1:9/x",
        "https://127.0.0.1:9/x",
        "https://example.com/static/css/portal.css",
        "http://portal.invalid/static/css/portal.css",
        "ftp://127.0.0.1/x",
        "https://portal.invalid/etc/passwd",
        "https://portal.invalid/static/../../../../etc/passwd",
        "https://portal.invalid/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "https://portal.invalid/static/css/..%2f..%2f..%2fconfig/settings.py",
        "https://portal.invalid/static//etc/passwd",
        "https://portal.invalid/static/%2fetc/passwd",
        "https://portal.invalid/static/css\\..\\..\\config\\settings.py",
        "https://user@portal.invalid:443/static/css/portal.css",
        "javascript:alert(1)",
    ],
)
def test_fetcher_refuses_everything_but_static_files_and_data(url, monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    with pytest.raises(portal_pdf.ResourceRefused):
        portal_pdf.PortalURLFetcher().fetch(url)


def test_fetcher_serves_static_files_and_data_uris():
    fetcher = portal_pdf.PortalURLFetcher()
    css = fetcher.fetch(portal_pdf.PORTAL_ORIGIN + portal_pdf.static_prefix() + "css/portal.css")
    assert css.read() == Path(finders.find("css/portal.css")).read_bytes()
    assert css.content_type == "text/css"
    data = fetcher.fetch("data:text/plain;base64,5Lit5paH")
    assert data.read().decode() == "中文"
    plain = fetcher.fetch("data:,a%20b")
    assert plain.read() == b"a b" and plain.content_type == "text/plain"


def test_raw_hostile_html_cannot_pull_a_file_into_the_pdf(tmp_path, monkeypatch):
    """Even markup that reached the renderer unescaped (a template bug) cannot read a file: the
    fetcher refuses, so nothing is embedded and no request leaves the process."""
    refused: list[str] = []
    original = portal_pdf.PortalURLFetcher.refuse

    def recording(self, url):
        refused.append(url)
        return original(self, url)

    monkeypatch.setattr(portal_pdf.PortalURLFetcher, "refuse", recording)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", no_network)
    html = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x">'
        '<link rel="attachment" href="file:///etc/passwd">'
        "<style>@import url(file:///etc/hostname); body { font-family: 'Noto Sans CJK SC'; }</style></head>"
        '<body><p>中文</p><img src="file:///etc/passwd"><a rel="attachment" href="file:///etc/passwd">x</a>'
        '<img src="../../../../etc/passwd"></body></html>'
    )

    content = portal_pdf.html_to_pdf(html)

    assert content.startswith(b"%PDF")
    assert not PdfReader(BytesIO(content)).attachments
    assert "root:" not in pdf_text(content, tmp_path)
    assert {"http://127.0.0.1:9/x", "file:///etc/passwd", "file:///etc/hostname"} <= set(refused)


# --- Scope --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in Role if r != Role.CITY_OFFICE])
def test_another_councils_statement_is_404_in_every_form(client, side_a, side_b, role):
    """DESIGN.md invariant 1: council B's statement does not exist for side A's users."""
    client.force_login(user_with_role(role, side_a))
    url = reverse("statement", args=[side_b.council.pk])
    assert client.get(url).status_code == 404
    assert client.get(url, {"format": "xlsx"}).status_code == 404
    assert client.get(reverse("statement_pdf", args=[side_b.council.pk])).status_code == 404
    assert client.get(reverse("statement", args=[side_a.council.pk])).status_code == 200


# --- Cost ---------------------------------------------------------------------------------------


def busy(side, n=200):
    """n entries this year: contributions, donations and spending in every category."""
    services.categories_ensure()
    earmarked = list(Category.objects.filter(earmarked=True))
    start = max(date(today().year, 1, 1), today() - timedelta(days=300))
    span = max((today() - start).days, 1)
    for i in range(n):
        day = start + timedelta(days=i * span // n)
        if i % 3 == 0:
            post(
                side,
                "expenditure",
                "35.50",
                day,
                category=earmarked[i % len(earmarked)],
                description=f"第{i}笔支出",
            )
        elif i % 3 == 1:
            post(side, "contribution", "120.00", day, description=f"第{i}笔出资")
        else:
            post(side, "donation_org", "88.80", day, counterparty=f"捐资单位{i}")


def test_statement_query_count_does_not_grow_with_the_entries(client):
    side = build_side("甲")
    client.force_login(secretary(side))
    url = reverse("statement", args=[side.council.pk])
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
        busy(side, 30)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    assert counts[0] == counts[1] == len(ctx.captured_queries) <= 12


@pytest.mark.slow
def test_a_busy_councils_year_renders_on_the_spot(client, side_a, tmp_path):
    """About 200 entries: a few pages, numbered, rendered within the request."""
    busy(side_a, 200)
    client.force_login(secretary(side_a))
    started = time.perf_counter()
    response = client.get(reverse("statement_pdf", args=[side_a.council.pk]))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    pages = len(PdfReader(BytesIO(response.content)).pages)
    text = pdf_text(response.content, tmp_path)
    assert pages >= 3 and f"— {pages} —" in text
    assert elapsed < 30, f"{elapsed:.1f}s for {pages} pages"


def test_a_period_too_long_to_print_is_sent_back_to_the_screen(client, side_a, monkeypatch):
    from finance import views_statements

    monkeypatch.setattr(views_statements, "MAX_PDF_ENTRIES", 1)  # side A holds two entries this year
    client.force_login(secretary(side_a))
    response = client.get(reverse("statement_pdf", args=[side_a.council.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("statement", args=[side_a.council.pk]) + "?start=")
    assert "请缩短期间" in client.get(response.url).content.decode()
