"""A district office's bulletin in a real browser (R-6.3): from the 通报 menu, a new bulletin of its
district for last half-year; the page follows the job's progress by itself (htmx polling) until
the draft is ready; the office writes its commentary (点评) and sees the draft rendered again,
signs it with the confirmation, and downloads the numbered PDF.

The jobs run on a real Celery worker (the e2e live server has none), on a queue of this test's
own. The worker is started only once the page shows the job waiting, so the test sees the page
poll and then update itself without anyone reloading it."""

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from assessments.models import Half
from assessments.models_bulletins import Bulletin
from config.celery import app
from councils.periods import today
from councils.roles import Role
from tests.assessments.bulletin_fixtures import build_half_year, pdf_text
from tests.conftest import user_with_role
from tests.integration.test_bulletin_jobs import worker

OFFICER = "区文明办科员"
COMMENTARY = [
    "各街道要对照本通报所列问题逐项整改，逾期问题限期销号。",
    "未按季度召开理事会议的理事会，下季度首月内补开并报送会议纪要。",
]
# A job compiles and renders in a few seconds; the first one also waits for the worker to start.
JOB_MS = 90_000


@pytest.fixture
def half_year(side_a):
    """Last half-year's data in side A's district: a council to praise and one to criticise."""
    return build_half_year(side_a)


@pytest.fixture
def office(side_a):
    return user_with_role(Role.DISTRICT_OFFICE, side_a, username="wenmingban_a", first_name=OFFICER)


@pytest.fixture
def job_queue(half_year, settings):
    """Jobs go to a queue of this test's own, switched to after the data is built (side A's own
    bulletin is rendered in-process), so the worker takes only this journey's jobs."""
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("the bulletin journey needs REDIS_URL for its worker (make test sets it)")
    name = f"test-bulletin-e2e-{uuid.uuid4().hex[:8]}"
    default = app.conf.task_default_queue
    app.conf.task_default_queue = name
    try:
        yield name
    finally:
        app.conf.task_default_queue = default


def status(page: Page):
    return page.locator("#bulletin-status")


def file_checksum(page: Page) -> str:
    return page.locator("dt", has_text="SHA-256").locator("xpath=following-sibling::dd[1]").inner_text()


def wait_until_ready(page: Page) -> None:
    """The page shows the job running and reloads itself when the worker is done."""
    expect(status(page).get_by_text("待发布", exact=True)).to_be_visible(timeout=JOB_MS)
    expect(status(page).get_by_role("progressbar")).to_have_count(0)


def test_district_office_compiles_comments_signs_and_downloads_a_bulletin(
    page, sign_in, live_server, side_a, half_year, office, job_queue, browser_log, tmp_path
):
    """R-6.3: the district office compiles, comments on, signs and downloads its bulletin."""
    s = half_year
    sign_in(page, office.username)
    expect(page).to_have_title("工作台")

    # The 通报 menu: side A's own quarterly bulletin is there already.
    page.locator("#mainnav").get_by_role("link", name="通报", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/bulletins/")
    expect(page.get_by_role("heading", name="通报", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=side_a.bulletin.title)).to_be_visible()

    # A new bulletin of the office's district for last half-year.
    page.get_by_role("link", name="新建通报").click()
    expect(page.get_by_role("heading", name="新建通报")).to_be_visible()
    scope = page.get_by_label("通报范围")
    expect(scope.locator("option")).to_have_count(1)  # a district office issues for its district only
    scope.select_option(label=side_a.district.name)
    period = f"{s.year}年{Half(s.half).label}"
    page.get_by_label("通报周期").select_option(label=period)
    page.get_by_role("button", name="创建并生成").click()

    # The job waits for a worker: the page shows it queued and keeps asking for its state.
    expect(page.get_by_text("通报已创建，正在从数据汇总生成。")).to_be_visible()
    bulletin = Bulletin.objects.get(district=side_a.district, span="half", year=s.year, part=s.half)
    expect(page).to_have_url(f"{live_server.url}/bulletins/{bulletin.pk}/")
    title = f"关于{period}社区共建联创工作情况的通报"
    expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()
    expect(status(page).get_by_text("生成中", exact=True)).to_be_visible()
    expect(status(page).get_by_role("progressbar", name="生成进度")).to_be_visible()
    expect(status(page).get_by_text("当前步骤：排队等待")).to_be_visible()
    expect(status(page).get_by_role("link", name="签发")).to_have_count(0)
    with page.expect_request(re.compile(rf"/bulletins/{bulletin.pk}/status/\?poll=1$"), timeout=6_000):
        pass

    with worker(job_queue):
        # Compiled from the data and rendered; the page reloaded itself to show the text.
        wait_until_ready(page)
        expect(page).to_have_url(f"{live_server.url}/bulletins/{bulletin.pk}/")
        body = page.locator(".card", has=page.get_by_role("heading", name="通报正文"))
        expect(body).to_contain_text(s.model.name)  # praised: met every quarter
        expect(body).to_contain_text(s.behind.name)  # criticised: missed a quarter
        expect(status(page).get_by_role("link", name="下载草稿 PDF")).to_be_visible()
        draft_checksum = file_checksum(page)
        assert re.fullmatch(r"[0-9a-f]{64}", draft_checksum)

        # The commentary: saving renders the draft again from the new text.
        status(page).get_by_role("link", name="修改文字与点评").click()
        expect(page.get_by_role("heading", name="修改通报文字与点评")).to_be_visible()
        page.get_by_label("点评与工作要求").fill("\n".join(COMMENTARY))
        page.get_by_role("button", name="保存并重新生成").click()
        expect(page.get_by_text("已保存，正在按新文字重新生成PDF。")).to_be_visible()
        wait_until_ready(page)
        for line in COMMENTARY:
            expect(body.get_by_text(line, exact=True)).to_be_visible()
        assert file_checksum(page) not in (draft_checksum, "—"), "the draft was not rendered again"

        # Signing asks for a confirmation and names the number it will take.
        number = f"{bulletin.prefix}〔{today().year}〕1号"
        status(page).get_by_role("link", name="签发").click()
        expect(page.get_by_role("heading", name="签发通报")).to_be_visible()
        expect(page.get_by_text(f"预计为 {number}")).to_be_visible()
        confirm = page.get_by_label("我已确认此操作")
        page.get_by_role("button", name="确认签发").click()  # not confirmed: the browser holds it back
        assert confirm.evaluate("box => box.validity.valueMissing")
        expect(page.get_by_role("heading", name="签发通报")).to_be_visible()
        confirm.check()
        page.get_by_role("button", name="确认签发").click()
        expect(page.get_by_text(f"已签发，文号 {number}，正在生成正式文件。")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/bulletins/{bulletin.pk}/")
        expect(status(page).get_by_text("已发布", exact=True)).to_be_visible(timeout=JOB_MS)

    # Published: the number on the page, no more editing, the final PDF to download.
    expect(status(page).get_by_text(number, exact=True)).to_be_visible()
    expect(status(page).get_by_role("link", name="修改文字与点评")).to_have_count(0)
    expect(status(page).get_by_role("link", name="签发")).to_have_count(0)
    expect(page.locator("dt", has_text="签发人").locator("xpath=following-sibling::dd[1]")).to_have_text(
        OFFICER
    )
    shown = status(page).locator(".fw-semibold").inner_text()
    assert shown == number
    with page.expect_download() as download_info:
        status(page).get_by_role("link", name="下载 PDF").click()
    download = download_info.value
    assert download.suggested_filename == f"{number}.pdf"
    content = Path(download.path()).read_bytes()
    assert content.startswith(b"%PDF-")
    flat = "".join(pdf_text(content, tmp_path).split())
    assert shown in flat, "the document number on the page is not in the PDF"
    for text in (title, *COMMENTARY, s.model.name, s.behind.name, side_a.district.name):
        assert text in flat, f"{text} is missing from the PDF"

    # The download is logged on the page.
    page.reload()
    downloads = page.locator(".card", has=page.get_by_role("heading", name="下载记录"))
    expect(downloads).to_contain_text(OFFICER)

    page.wait_for_load_state("load")
    assert browser_log.foreign_requests() == [], "the portal must work offline"
    assert browser_log.console_errors == []
    assert browser_log.page_errors == []
