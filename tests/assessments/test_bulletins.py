"""Bulletins (R-6.3): compiled from the live data — praise and problems named, misuse of funds
(R-1.8) and assessment results (R-1.9) included, model cases (R-5.2) gathered — rendered as a
Chinese official document, numbered when published and never changed afterwards; the pages,
their scope and their query counts. The jobs on a real worker are in
tests/integration/test_bulletin_jobs.py."""

from __future__ import annotations

import hashlib
import html
import re
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from fontTools.ttLib import TTCollection

from assessments import bulletins
from assessments.bulletin_data import bulletin_facts
from assessments.models_bulletins import (
    Bulletin,
    BulletinCounter,
    BulletinDownload,
    BulletinEvent,
    ModelCase,
    Span,
)
from assessments.tasks import bulletin_render, bulletins_open_quarter
from councils import pdf as portal_pdf
from councils.periods import Quarter, today
from councils.roles import Role
from tests.conftest import user_with_role

from .bulletin_fixtures import (
    PDF_BYTES,
    build_bulletin,
    build_half_year,
    build_model_case,
    office_of,
    pdf_fonts,
    pdf_text,
    stand_in_pdf,
)

pytestmark = pytest.mark.django_db

HOSTILE = (
    '<img src="file:///etc/passwd"><link rel="stylesheet" href="{url}/style.css"><img src="{url}/redirect">'
)


def ready(side, **kwargs) -> Bulletin:
    return build_bulletin(side, by=office_of(side), **kwargs)


def half_year_bulletin(side, scenario, *, district="side", render=stand_in_pdf) -> Bulletin:
    """The half-year bulletin of the scenario's period, compiled and rendered."""
    by = office_of(side)
    bulletin = bulletins.bulletin_create(
        district=side.district if district == "side" else district,
        span=Span.HALF,
        year=scenario.year,
        part=scenario.half,
        by=by,
    )
    bulletins.bulletin_generate(bulletin=bulletin, by=by, recompile=True)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=render) == Bulletin.State.READY
    return Bulletin.objects.get(pk=bulletin.pk)


# --- Chinese dates and numbers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2026, 1, 18), "二〇二六年一月十八日"),
        (date(2026, 10, 1), "二〇二六年十月一日"),
        (date(2030, 12, 20), "二〇三〇年十二月二十日"),
        (date(2027, 3, 31), "二〇二七年三月三十一日"),
    ],
)
def test_dates_are_written_the_official_way(day, text):
    assert bulletins.chinese_date(day) == text


def test_document_number_uses_hexagonal_brackets():
    assert bulletins.document_number("明文明办", 2026, 3) == "明文明办〔2026〕3号"


# --- Compiled from the live data --------------------------------------------------------------------


@pytest.mark.dates
def test_compiled_bulletin_praises_and_names_problems_of_its_own_district_only(side_a, side_b):
    """R-6.3: praise for councils that met every quarter without an open violation (R-1.1, R-1.8),
    units graded 优秀, the best-rectifying community and the model case; problems name the
    council that missed a quarter, the overdue violation, the unit graded 不合格, the unit not
    assessed and the community with an overdue finding. Nothing of district B appears."""
    s = build_half_year(side_a)
    bulletin = half_year_bulletin(side_a, s)
    second_quarter = str(Quarter.of(s.end))

    assert s.model.name in bulletin.praise
    assert s.star.name in bulletin.praise and "优秀" in bulletin.praise
    assert s.model.community.name in bulletin.praise  # all findings fixed: rate 100%
    assert s.case.title in bulletin.praise
    assert side_a.council.name not in bulletin.praise  # met every quarter, but a violation is open

    assert f"{s.behind.name}（{side_a.street.name}，{second_quarter}）" in bulletin.problems
    assert side_a.council.name in bulletin.problems and side_a.expenditure.number in bulletin.problems
    assert "已逾期3天" in bulletin.problems
    assert s.weak.name in bulletin.problems and "不合格" in bulletin.problems
    assert side_a.unit.name in bulletin.problems  # its assessment was never published
    assert f"{side_a.community.name}（{side_a.street.name}）逾期1个" in bulletin.problems

    overview = bulletin.facts["overview"]
    assert (overview["councils"], overview["met_all"], overview["missed"]) == (3, 2, 1)
    assert (overview["violations_open"], overview["violations_overdue"]) == (1, 1)
    assert (overview["excellent"], overview["failed"], overview["not_assessed"]) == (1, 1, 1)
    [street] = bulletin.facts["streets"]
    assert (street["street"], street["councils"], street["missed"], street["findings"]) == (
        side_a.street.name,
        3,
        1,
        2,
    )
    everything = bulletin.overview + bulletin.praise + bulletin.problems
    for name in (side_b.council.name, side_b.unit.name, side_b.community.name, side_b.street.name):
        assert name not in everything


def test_city_bulletin_covers_every_district(side_a, side_b):
    """The city's bulletin names district B's council too: it held no meeting in the half-year."""
    s = build_half_year(side_a)
    city = half_year_bulletin(side_a, s, district=None)
    assert side_b.council.name in city.problems
    assert {line["district"] for line in city.facts["streets"]} == {
        side_a.district.name,
        side_b.district.name,
    }


def test_compiling_takes_a_fixed_number_of_queries(side_a, side_b):
    """A district of any size is compiled in the same few queries (the benchmark relies on it)."""
    s = build_half_year(side_a)

    def compile_once():
        with CaptureQueriesContext(connection) as queries:
            bulletin_facts(
                district=side_a.district,
                start=s.start,
                end=s.end,
                quarters=[Quarter.of(s.start), Quarter.of(s.end)],
                today=today(),
            )
        return len(queries)

    before = compile_once()
    build_half_year(side_a, model_name="第二模范社区", behind_name="第二掉队社区")
    assert compile_once() == before


# --- Numbering ----------------------------------------------------------------------------------


def test_numbers_are_taken_at_publication_per_issuer_and_year(side_a, side_b, monkeypatch):
    """DESIGN.md invariant 5: drafts take no number, so an abandoned draft leaves no gap; each
    issuer counts on its own; a new year starts again at 1."""
    office = office_of(side_a)
    abandoned = ready(side_a)  # never published: uses no number
    first, second = ready(side_a), ready(side_a)
    other = ready(side_b)
    assert abandoned.number == "" and abandoned.serial is None

    published = [bulletins.bulletin_publish(bulletin=b, by=office) for b in (first, second)]
    assert [b.serial for b in published] == [1, 2]
    year = today().year
    assert published[1].number == f"{first.prefix}〔{year}〕2号"
    assert bulletins.bulletin_publish(bulletin=other, by=office_of(side_b)).serial == 1  # 乙文明办

    monkeypatch.setattr(bulletins, "today", lambda: date(year + 1, 1, 2))
    next_year = bulletins.bulletin_publish(bulletin=abandoned, by=office)
    assert next_year.number == f"{first.prefix}〔{year + 1}〕1号"
    assert BulletinCounter.objects.get(prefix=first.prefix, year=year).last == 2


def test_publishing_needs_a_ready_current_file(side_a):
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_edit(bulletin=bulletin, by=office, commentary="请各街道抓紧整改。")
    with pytest.raises(ValidationError):
        bulletins.bulletin_publish(bulletin=bulletin, by=office)  # the file shows the old text
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    with pytest.raises(ValidationError):
        bulletins.bulletin_publish(bulletin=bulletin, by=office)  # still rendering
    bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf)
    assert bulletins.bulletin_publish(bulletin=bulletin, by=office).serial == 1
    assert BulletinCounter.objects.get().last == 1


def test_published_bulletin_never_changes(side_a):
    """R-6.3: once signed the text, the number and the file are final."""
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_publish(bulletin=bulletin, by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf) == Bulletin.State.PUBLISHED
    bulletin.refresh_from_db()
    checksum, number = bulletin.checksum, bulletin.number
    with pytest.raises(ValidationError):
        bulletins.bulletin_edit(bulletin=bulletin, by=office, commentary="改一改")
    with pytest.raises(ValidationError):
        bulletins.bulletin_generate(bulletin=bulletin, by=office, recompile=True)
    with pytest.raises(ValidationError):
        bulletins.bulletin_publish(bulletin=bulletin, by=office)
    with pytest.raises(ValidationError):
        bulletins.bulletin_retry(bulletin=bulletin, by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk) == "skipped"
    bulletin.refresh_from_db()
    assert (bulletin.checksum, bulletin.number, bulletin.commentary) == (checksum, number, "")
    assert BulletinCounter.objects.get().last == 1


def published(side) -> Bulletin:
    office = office_of(side)
    bulletin = bulletins.bulletin_publish(bulletin=ready(side), by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf) == Bulletin.State.PUBLISHED
    bulletin.refresh_from_db()
    return bulletin


@pytest.mark.guards
@pytest.mark.parametrize(
    "change",
    [
        {"commentary": "改一改"},
        {"problems": ""},
        {"number": "假〔2026〕99号"},
        {"serial": 99},
        {"file": "bulletins/other.pdf"},
        {"checksum": "0" * 64},
        {"state": Bulletin.State.DRAFT},
    ],
    ids=lambda change: next(iter(change)),
)
def test_the_database_refuses_to_change_a_published_bulletins_number_text_or_file(side_a, change):
    """R-6.3: a statement that goes round the services (the shell, a script, a bug) cannot
    rewrite a signed bulletin either."""
    bulletin = published(side_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.filter(pk=bulletin.pk).update(**change)
    assert Bulletin.objects.get(pk=bulletin.pk).number == bulletin.number


@pytest.mark.guards
def test_the_database_refuses_to_delete_a_published_bulletin_but_a_draft_goes(side_a):
    bulletin = published(side_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Bulletin.objects.filter(pk=bulletin.pk).delete()
    assert Bulletin.objects.filter(pk=bulletin.pk).exists()
    draft = ready(side_a)
    Bulletin.objects.filter(pk=draft.pk).update(commentary="草稿随时可改")
    Bulletin.objects.filter(pk=draft.pk).delete()


@pytest.mark.guards
def test_a_published_bulletins_job_bookkeeping_and_downloads_stay_writable(side_a):
    bulletin = published(side_a)
    Bulletin.objects.filter(pk=bulletin.pk).update(error="", progress=100, updated_at=timezone.now())
    bulletins.bulletin_download_record(bulletin=bulletin, user=office_of(side_a), address="127.0.0.1")
    assert bulletin.downloads.count() == 1


# --- The job ------------------------------------------------------------------------------------


def test_editing_then_regenerating_renders_the_edited_text_without_compiling_again(side_a, monkeypatch):
    """Regenerating after an edit is quick: the text is rendered as edited, the data is not read
    again (so the edit survives)."""
    office = office_of(side_a)
    bulletin = ready(side_a)
    compiled_at = bulletin.compiled_at
    bulletins.bulletin_edit(bulletin=bulletin, by=office, praise="表扬高岩社区。", commentary="继续努力。")
    bulletin.refresh_from_db()
    assert bulletin.state == Bulletin.State.DRAFT

    def no_compiling(**kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(bulletins, "bulletin_facts", no_compiling)
    rendered: list[str] = []
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    bulletins.bulletin_run(bulletin_id=bulletin.pk, render=lambda b: rendered.append(b.praise) or PDF_BYTES)

    bulletin.refresh_from_db()
    assert rendered == ["表扬高岩社区。"]
    assert (bulletin.state, bulletin.compiled_at, bulletin.praise) == (
        Bulletin.State.READY,
        compiled_at,
        "表扬高岩社区。",
    )
    assert bulletin.rendered_revision == bulletin.revision
    actions = list(bulletin.events.values_list("action", flat=True))
    assert actions[-3:] == [
        BulletinEvent.Action.EDITED,
        BulletinEvent.Action.GENERATE,
        BulletinEvent.Action.RENDERED,
    ]


def test_a_second_delivery_of_the_job_does_nothing(side_a, settings):
    """DESIGN.md invariant 6: the job guards on the state; one file per bulletin."""
    bulletin = ready(side_a)
    stored = bulletin.file.name
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf) == "skipped"
    bulletin.refresh_from_db()
    assert bulletin.file.name == stored and (Path(settings.MEDIA_ROOT) / stored).is_file()


def test_publishing_replaces_the_draft_file_with_another_random_name(
    side_a, settings, django_capture_on_commit_callbacks, monkeypatch
):
    office = office_of(side_a)
    bulletin = ready(side_a)
    draft = Path(settings.MEDIA_ROOT) / bulletin.file.name
    monkeypatch.setattr(bulletins, "_enqueue", lambda bulletin: None)  # the job is run here
    with django_capture_on_commit_callbacks(execute=True):
        bulletins.bulletin_publish(bulletin=bulletin, by=office)
        bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf)
    bulletin.refresh_from_db()
    published = Path(settings.MEDIA_ROOT) / bulletin.file.name
    # Neither name says which bulletin or which number it is (issue 14 §1); the draft's file is gone.
    assert published != draft and published.is_file() and not draft.exists()
    assert str(bulletin.pk) not in published.parent.name and bulletin.number not in published.name


def test_a_failure_is_shown_with_its_reason_and_can_be_retried(side_a):
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_publish(bulletin=bulletin, by=office)

    def broken(b):
        raise RuntimeError("字体缺失")

    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=broken) == "failed"
    bulletin.refresh_from_db()
    assert bulletin.state == Bulletin.State.FAILED and "字体缺失" in bulletin.error
    serial = bulletin.serial

    bulletins.bulletin_retry(bulletin=bulletin, by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf) == Bulletin.State.PUBLISHED
    bulletin.refresh_from_db()
    assert (bulletin.serial, bulletin.error) == (serial, "")
    assert BulletinCounter.objects.get().last == 1  # the retry kept the number


def test_the_task_records_a_timeout_and_a_database_failure(side_a, monkeypatch):
    """Soft time limit → failed with the reason; a database error that outlived the retries →
    failed too (the task's on_failure), so the page never spins for ever."""
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_generate(bulletin=bulletin, by=office)

    def too_slow(b):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(bulletins, "bulletin_render_pdf", too_slow)
    assert bulletin_render.apply(args=[bulletin.pk]).get() == "failed"
    bulletin.refresh_from_db()
    assert bulletin.state == Bulletin.State.FAILED and "超时" in bulletin.error

    bulletins.bulletin_retry(bulletin=bulletin, by=office)
    bulletin_render.on_failure(
        OperationalError("server closed the connection"), "id", (bulletin.pk,), {}, None
    )
    bulletin.refresh_from_db()
    assert bulletin.state == Bulletin.State.FAILED and "数据库" in bulletin.error
    task = bulletin_render
    assert task.acks_late and task.reject_on_worker_lost and task.max_retries
    assert (task.soft_time_limit, task.time_limit) == (540, 600)
    assert OperationalError in task.autoretry_for and task.retry_backoff


@pytest.mark.dates
def test_the_quarterly_schedule_creates_each_draft_once(side_a, side_b, django_capture_on_commit_callbacks):
    """After each quarter the beat job opens the city's and every district's draft, compiling."""
    entry = settings.CELERY_BEAT_SCHEDULE["bulletins-open-quarter"]
    assert entry["task"] == bulletins_open_quarter.name
    last = Quarter.current().previous()
    with django_capture_on_commit_callbacks() as queued:
        assert bulletins_open_quarter.apply(args=[last.code]).get() == 3
        assert bulletins_open_quarter.apply(args=[last.code]).get() == 0
    drafts = Bulletin.objects.filter(origin=Bulletin.Origin.SCHEDULE)
    assert sorted(str(b.scope_name) for b in drafts) == sorted(
        ["全市", side_a.district.name, side_b.district.name]
    )
    assert {(b.year, b.part, b.state) for b in drafts} == {(last.year, last.number, Bulletin.State.COMPILING)}
    assert len(queued) == 3  # one job each


# --- The document ---------------------------------------------------------------------------------


@pytest.fixture
def published_pdf(side_a, side_b):
    """Last half-year's bulletin of district A, really rendered, published and rendered again."""
    s = build_half_year(side_a)
    office = office_of(side_a)
    bulletin = half_year_bulletin(side_a, s, render=None)
    bulletins.bulletin_edit(bulletin=bulletin, by=office, commentary="各理事会要对照通报问题逐项整改。")
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    bulletins.bulletin_run(bulletin_id=bulletin.pk)
    bulletins.bulletin_publish(bulletin=Bulletin.objects.get(pk=bulletin.pk), by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk) == Bulletin.State.PUBLISHED
    bulletin.refresh_from_db()
    return s, bulletin, bulletin.file.read()


def test_pdf_is_an_official_document_naming_praise_and_problems(published_pdf, side_a, tmp_path):
    """DESIGN.md invariant 7: red issuer, number, title, the named councils, issuer and a Chinese
    date, page numbers like — 1 —; the 统计表 per street as an annex."""
    s, bulletin, content = published_pdf
    text = pdf_text(content, tmp_path)
    flat = re.sub(r"\s+", "", text)
    assert content.startswith(b"%PDF")
    assert bulletin.number in flat and bulletin.issuer in flat
    assert re.sub(r"\s+", "", bulletin.title) in flat
    assert s.model.name in flat  # praised
    assert s.behind.name in flat and side_a.council.name in flat  # named in the problems
    assert bulletins.chinese_date(bulletin.issued_on) in flat
    assert re.search(r"—\s*1\s*—", text) and re.search(r"—\s*2\s*—", text)
    assert "统计表" in flat
    assert bulletin.checksum == hashlib.sha256(content).hexdigest()


def test_pdf_embeds_subsets_of_cjk_fonts_and_lacks_no_glyph(published_pdf, tmp_path):
    """Every font embedded as a subset, every one a Noto CJK face (no fallback font was needed),
    and every character of the document — the margin boxes' em dash and digits included — is in
    the Song-style face the template names."""
    _, bulletin, content = published_pdf
    fonts = pdf_fonts(content, tmp_path)
    assert fonts
    for font in fonts:
        assert (font["emb"], font["sub"]) == ("yes", "yes"), font
        assert re.match(r"^[A-Z]{6}\+Noto-(Serif|Sans)-CJK-SC", font["name"]), font

    rendered = html.unescape(strip_tags(bulletins.render_pdf_html(bulletin)))
    used = {c for c in rendered + "— 0123456789 —" if not c.isspace()}
    for family in ("Noto Serif CJK SC", "Noto Sans CJK SC"):
        cmap = cmap_of(family)
        missing = {c for c in used if ord(c) not in cmap}
        assert not missing, (family, sorted(missing))


def cmap_of(family: str) -> set[int]:
    path = "/usr/share/fonts/opentype/noto/" + ("NotoSerifCJK" if "Serif" in family else "NotoSansCJK")
    collection = TTCollection(path + "-Regular.ttc", lazy=True)
    for font in collection.fonts:
        if font["name"].getDebugName(1) == family:
            return set(font.getBestCmap())
    raise AssertionError(family)


class Counting(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):
        Counting.hits.append(self.path)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.end_headers()
        self.wfile.write(b"body { background: url(file:///etc/passwd); }")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    """An HTTP server on a free local port that counts the requests it gets."""
    Counting.hits = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_hostile_text_fetches_nothing_and_reads_no_file(side_a, side_b, local_server, tmp_path, monkeypatch):
    """DESIGN.md invariant 7: markup typed into the commentary, the title, the recipients, a model
    case or a council's name is printed as text; the renderer asks for no file and no URL (the
    local server counts zero requests), and no line of /etc/passwd reaches the PDF."""
    hostile = HOSTILE.format(url=local_server)
    s = build_half_year(side_a)
    side_a.council.name = f"甲理事会{hostile}"[:100]
    side_a.council.save()
    s.case.story = hostile
    s.case.save()
    office = office_of(side_a)
    requested: list[str] = []
    original = portal_pdf.PortalURLFetcher.fetch

    def recording(self, url, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(portal_pdf.PortalURLFetcher, "fetch", recording)
    bulletin = half_year_bulletin(side_a, s, render=None)
    bulletins.bulletin_edit(
        bulletin=bulletin,
        by=office,
        title=f"关于通报的通知{hostile}"[:200],
        main_recipients=hostile[:300],
        commentary=f"点评{hostile}\n<script>alert(1)</script>",
    )
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk) == Bulletin.State.READY
    bulletin.refresh_from_db()

    text = pdf_text(bulletin.file.read(), tmp_path)
    assert Counting.hits == []
    assert requested == []
    assert "root:x:" not in text and "/bin/bash" not in text and "nologin" not in text
    assert "file:///etc/passwd" in re.sub(r"\s+", "", text)  # shown as the text it is
    assert "<script>alert(1)</script>" in re.sub(r"\s+", "", text)
    assert local_server.split("//")[1] in re.sub(r"\s+", "", text)


def test_even_unescaped_hostile_markup_could_not_reach_the_server(local_server, tmp_path):
    """The fetcher is the second wall: raw markup naming the local server, a redirect to a file
    and a file URL produces a PDF with nothing fetched."""
    hostile = HOSTILE.format(url=local_server)
    content = portal_pdf.html_to_pdf(f"<html><body><p>中文</p>{hostile}</body></html>")
    assert Counting.hits == []
    assert "root:x:" not in pdf_text(content, tmp_path)


# --- Pages ----------------------------------------------------------------------------------------


@pytest.mark.dates
def test_district_office_creates_a_bulletin_and_the_job_is_queued(
    client, side_a, django_capture_on_commit_callbacks
):
    office = office_of(side_a)
    client.force_login(office)
    last = Quarter.current().previous()
    page = client.get(reverse("bulletin_create"))
    assert page.status_code == 200
    assert [c[0] for c in page.context["form"].fields["scope"].choices] == [str(side_a.district.pk)]
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(
            reverse("bulletin_create"),
            {"scope": side_a.district.pk, "period": f"quarter:{last.year}:{last.number}", "commentary": "好"},
        )
    bulletin = Bulletin.objects.exclude(pk=side_a.bulletin.pk).get()  # not the fixture's own
    assert response.status_code == 302 and response.url == bulletin.get_absolute_url()
    assert (bulletin.district, bulletin.state, bulletin.commentary) == (
        side_a.district,
        Bulletin.State.COMPILING,
        "好",
    )
    assert bulletin.prefix == f"{side_a.district.name[0]}文明办" and len(queued) == 1


def test_detail_page_polls_while_the_job_runs_and_reloads_when_done(client, side_a):
    office = office_of(side_a)
    bulletin = ready(side_a)
    client.force_login(office)
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    page = client.get(bulletin.get_absolute_url())
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert "排队等待" in page.content.decode()
    status = reverse("bulletin_status", args=[bulletin.pk]) + "?poll=1"
    assert "HX-Refresh" not in client.get(status).headers
    bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf)
    done = client.get(status)
    assert done.headers["HX-Refresh"] == "true" and 'hx-trigger="every 2s"' not in done.content.decode()


def test_failed_job_shows_why_with_a_retry_button(client, side_a, django_capture_on_commit_callbacks):
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    bulletins.bulletin_fail(bulletin_id=bulletin.pk, reason="排版超时")
    client.force_login(office)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "排版超时" in page and reverse("bulletin_retry", args=[bulletin.pk]) in page
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("bulletin_retry", args=[bulletin.pk]))
    assert response.status_code == 302 and len(queued) == 1
    assert Bulletin.objects.get(pk=bulletin.pk).state == Bulletin.State.COMPILING


def test_edit_page_saves_and_regenerates(client, side_a, django_capture_on_commit_callbacks):
    office = office_of(side_a)
    bulletin = ready(side_a)
    client.force_login(office)
    form = client.get(reverse("bulletin_edit", args=[bulletin.pk])).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(commentary="第一段\r\n第二段", praise="表扬一\n表扬二")
    with django_capture_on_commit_callbacks() as queued:
        response = client.post(reverse("bulletin_edit", args=[bulletin.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    bulletin.refresh_from_db()
    assert (bulletin.commentary, bulletin.praise, bulletin.state) == (
        "第一段\n第二段",
        "表扬一\n表扬二",
        "compiling",
    )
    assert len(queued) == 1


def test_recompiling_over_edits_needs_a_confirmation(client, side_a, django_capture_on_commit_callbacks):
    office = office_of(side_a)
    bulletin = ready(side_a)
    client.force_login(office)
    url = reverse("bulletin_generate", args=[bulletin.pk])
    client.post(url, {"recompile": "on"})
    assert Bulletin.objects.get(pk=bulletin.pk).state == Bulletin.State.READY
    client.post(url, {"recompile": "on", "confirm": "on"})
    bulletin.refresh_from_db()
    assert (bulletin.state, bulletin.needs_compile) == (Bulletin.State.COMPILING, True)


def test_publish_page_confirms_then_numbers(client, side_a, django_capture_on_commit_callbacks):
    office = office_of(side_a)
    bulletin = ready(side_a)
    client.force_login(office)
    url = reverse("bulletin_publish", args=[bulletin.pk])
    expected = bulletins.document_number(bulletin.prefix, today().year, 1)
    assert expected in client.get(url).content.decode()
    client.post(url, {})  # not confirmed
    assert Bulletin.objects.get(pk=bulletin.pk).serial is None
    with django_capture_on_commit_callbacks() as queued:
        client.post(url, {"confirm": "on"})
    bulletin.refresh_from_db()
    assert (bulletin.number, bulletin.state, len(queued)) == (expected, Bulletin.State.PUBLISHING, 1)
    assert client.get(reverse("bulletin_edit", args=[bulletin.pk])).status_code == 302  # final now


def test_download_serves_the_pdf_and_logs_who(client, side_a):
    office = office_of(side_a)
    bulletin = ready(side_a)
    client.force_login(office)
    response = client.get(reverse("bulletin_download", args=[bulletin.pk]), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf" and "attachment" in response["Content-Disposition"]
    log = BulletinDownload.objects.get()
    assert (log.user, log.address, log.checksum) == (office, "10.1.2.3", bulletin.checksum)
    assert "10.1.2.3" in client.get(bulletin.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    "name", ["bulletin_detail", "bulletin_status", "bulletin_download", "bulletin_edit", "bulletin_publish"]
)
def test_district_office_b_gets_404_on_district_a_bulletin(client, side_a, side_b, name):
    """DESIGN.md invariant 1: another district's bulletin does not exist for its office."""
    bulletin = ready(side_a)
    client.force_login(user_with_role(Role.DISTRICT_OFFICE, side_b))
    assert client.get(reverse(name, args=[bulletin.pk])).status_code == 404
    client.force_login(office_of(side_a))
    assert client.get(reverse(name, args=[bulletin.pk])).status_code == 200


@pytest.mark.parametrize("name", ["bulletin_generate", "bulletin_retry"])
def test_district_office_b_cannot_act_on_district_a_bulletin(client, side_a, side_b, name):
    bulletin = ready(side_a)
    client.force_login(user_with_role(Role.DISTRICT_OFFICE, side_b))
    assert (
        client.post(reverse(name, args=[bulletin.pk]), {"recompile": "on", "confirm": "on"}).status_code
        == 404
    )
    assert Bulletin.objects.get(pk=bulletin.pk).state == Bulletin.State.READY


def test_city_office_reads_district_bulletins_but_issues_only_the_citys(client, side_a, side_b):
    """The city office reads and downloads every bulletin; a district's it does not write or sign."""
    bulletin = ready(side_a)
    client.force_login(user_with_role(Role.CITY_OFFICE))
    assert client.get(bulletin.get_absolute_url()).status_code == 200
    assert client.get(reverse("bulletin_download", args=[bulletin.pk])).status_code == 200
    assert client.get(reverse("bulletin_edit", args=[bulletin.pk])).status_code == 404
    assert client.get(reverse("bulletin_publish", args=[bulletin.pk])).status_code == 404
    page = client.get(reverse("bulletin_create"))
    assert [c[0] for c in page.context["form"].fields["scope"].choices] == ["city"]


@pytest.mark.parametrize(
    "role", [Role.STREET_STAFF, Role.COMMUNITY_STAFF, Role.COUNCIL_SECRETARY, Role.UNIT_CONTACT]
)
def test_other_roles_may_not_open_bulletins(client, side_a, role):
    bulletin = ready(side_a)
    client.force_login(user_with_role(role, side_a))
    for url in (
        reverse("bulletin_list"),
        bulletin.get_absolute_url(),
        reverse("bulletin_download", args=[bulletin.pk]),
    ):
        assert client.get(url).status_code == 403


def test_list_filters_and_searches(client, side_a, side_b):
    office = office_of(side_a)
    draft, signed = ready(side_a), ready(side_a)
    bulletins.bulletin_publish(bulletin=signed, by=office)
    bulletins.bulletin_run(bulletin_id=signed.pk, render=stand_in_pdf)
    signed.refresh_from_db()
    ready(side_b)
    client.force_login(office)
    listed = client.get(reverse("bulletin_list")).context["page_obj"].object_list
    assert {b.pk for b in listed} == {side_a.bulletin.pk, draft.pk, signed.pk}  # not district B's
    published = client.get(reverse("bulletin_list"), {"state": "published"}).context["page_obj"].object_list
    assert [b.pk for b in published] == [signed.pk]
    found = client.get(reverse("bulletin_list"), {"q": signed.number}).context["page_obj"].object_list
    assert [b.pk for b in found] == [signed.pk]


def test_list_and_detail_take_a_fixed_number_of_queries(client, side_a, django_assert_num_queries):
    """The number of queries does not grow with bulletins, events or downloads."""
    office = office_of(side_a)
    client.force_login(office)
    first = ready(side_a)

    def count(url):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    list_queries, detail_queries = count(reverse("bulletin_list")), count(first.get_absolute_url())
    for _ in range(4):
        ready(side_a)
    for n in range(3):
        bulletins.bulletin_edit(bulletin=first, by=office, commentary=f"第{n}稿")
        bulletins.bulletin_download_record(bulletin=first, user=office, address="10.0.0.1")
    with django_assert_num_queries(list_queries):
        client.get(reverse("bulletin_list"))
    with django_assert_num_queries(detail_queries):
        client.get(first.get_absolute_url())


# --- Model cases ------------------------------------------------------------------------------


def test_street_staff_nominate_a_model_case_in_their_scope_only(client, side_a, side_b):
    """R-5.2: street staff nominate a case for a community of their street; another street's
    community is not a choice."""
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    data = {"title": "邻里守望", "story": "志愿者结对帮扶独居老人。", "occurred_on": today().isoformat()}
    refused = client.post(reverse("modelcase_create"), {**data, "community": side_b.community.pk})
    assert refused.status_code == 200 and "community" in refused.context["form"].errors
    response = client.post(
        reverse("modelcase_create"), {**data, "community": side_a.community.pk, "unit": side_a.unit.pk}
    )
    case = ModelCase.objects.exclude(pk__in=[side_a.model_case.pk, side_b.model_case.pk]).get()
    assert response.status_code == 302 and (case.community, case.unit) == (side_a.community, side_a.unit)


def test_withdrawn_case_is_kept_and_left_out_of_bulletins(client, side_a):
    ModelCase.objects.all().delete()  # only this test's case
    case = build_model_case(side_a)
    client.force_login(office_of(side_a))
    client.post(reverse("modelcase_withdraw", args=[case.pk]), {"reason": "事迹不实"})
    case.refresh_from_db()
    assert (case.status, case.withdrawn_reason) == (ModelCase.Status.WITHDRAWN, "事迹不实")
    quarter = Quarter.current()
    facts = bulletin_facts(
        district=side_a.district,
        start=quarter.first_day,
        end=quarter.last_day,
        quarters=[quarter],
        today=today(),
    )
    assert facts["praise"]["cases"] == []


def test_model_case_pages_are_scoped(client, side_a, side_b):
    case = build_model_case(side_a)
    client.force_login(user_with_role(Role.STREET_STAFF, side_b))
    assert client.get(case.get_absolute_url()).status_code == 404
    assert client.get(reverse("modelcase_withdraw", args=[case.pk])).status_code == 404
    client.force_login(user_with_role(Role.COMMUNITY_STAFF, side_a))
    assert client.get(reverse("modelcase_list")).status_code == 403
    client.force_login(user_with_role(Role.STREET_STAFF, side_a))
    assert client.get(case.get_absolute_url()).status_code == 200


def test_model_case_list_takes_a_fixed_number_of_queries(client, side_a, django_assert_num_queries):
    client.force_login(office_of(side_a))
    build_model_case(side_a)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("modelcase_list"))
    for _ in range(4):
        build_model_case(side_a)
    with django_assert_num_queries(len(queries)):
        client.get(reverse("modelcase_list"))


def test_stale_job_can_be_retried(side_a):
    """A job that stopped reporting (its worker gone and the message lost) may be run again."""
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    with pytest.raises(ValidationError):
        bulletins.bulletin_retry(bulletin=bulletin, by=office)
    Bulletin.objects.filter(pk=bulletin.pk).update(updated_at=bulletin.updated_at - timedelta(hours=1))
    bulletins.bulletin_retry(bulletin=Bulletin.objects.get(pk=bulletin.pk), by=office)
    assert Bulletin.objects.get(pk=bulletin.pk).step == Bulletin.Step.QUEUED


def test_a_job_whose_worker_keeps_dying_is_stopped_with_a_reason(side_a):
    """A redelivered job that never finishes (its worker killed each time) stops after a few
    starts instead of looping; the page shows why and offers a retry."""
    office = office_of(side_a)
    bulletin = ready(side_a)
    bulletins.bulletin_generate(bulletin=bulletin, by=office)
    Bulletin.objects.filter(pk=bulletin.pk).update(attempts=bulletins.MAX_DELIVERIES)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf) == "skipped"
    bulletin.refresh_from_db()
    assert bulletin.state == Bulletin.State.FAILED and "中断" in bulletin.error
    bulletins.bulletin_retry(bulletin=bulletin, by=office)
    assert bulletins.bulletin_run(bulletin_id=bulletin.pk, render=stand_in_pdf) == Bulletin.State.READY


def test_a_compiled_bulletin_without_commentary_says_so(client, side_a):
    """The commentary section of a compiled bulletin reads "not written yet", not "not compiled"."""
    office = office_of(side_a)
    bulletin = ready(side_a)
    Bulletin.objects.filter(pk=bulletin.pk).update(commentary="")
    client.force_login(office)
    page = client.get(bulletin.get_absolute_url()).content.decode()
    assert "尚未填写点评。" in page
