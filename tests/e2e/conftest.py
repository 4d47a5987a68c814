"""Browser journeys: Debian's Chromium, driven by Playwright's sync API, against pytest-django's
live server on committed data (`transactional_db`).

Never `playwright install`: the browser is /usr/bin/chromium. Without it the journeys are skipped
on a workstation and fail on CI (env CI set), so a CI image that lost its browser cannot pass
silently. A failed journey leaves a full-page screenshot in test-artifacts/e2e/<test name>.png.

The live server answers static files through Django's StaticFilesHandler (pytest-django picks it
because django.contrib.staticfiles is installed), straight from the finders: no collectstatic.
"""

import asyncio
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from bench.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.factories import PASSWORD

HERE = Path(__file__).resolve().parent
PHONE = {"width": 390, "height": 844}
# Auto-waiting `expect` gives up after 5 s; actions and navigations after this many ms.
ACTION_TIMEOUT_MS = 8_000


def on_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def pytest_collection_modifyitems(config, items):
    """Every test in this folder is an e2e test; without a browser, skip them (but not on CI)."""
    skip = None
    if not CHROMIUM.exists() and not on_ci():
        skip = pytest.mark.skip(reason=f"{CHROMIUM} is missing: install Debian's chromium to run e2e tests")
    for item in items:
        if HERE in item.path.resolve().parents:
            item.add_marker(pytest.mark.e2e)
            if skip is not None:
                item.add_marker(skip)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the item (rep_setup, rep_call, rep_teardown) for the page fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="package")
def browser():
    """One Chromium for the journeys of this folder, stopped when the last of them is done.

    Playwright's sync API marks its asyncio loop as running in the test's thread while it is
    started, and Django then refuses every ORM call there ("You cannot call this from an async
    context"). So Django's check is lifted for exactly that span, package-scoped rather than
    session-scoped, so the rest of the suite keeps running with the check and without a loop.
    """
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing; the e2e tests need Debian's chromium (never `playwright install`)"
        if on_ci():
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
            )
            try:
                yield browser
            finally:
                browser.close()
    assert asyncio._get_running_loop() is None, "Playwright left its event loop marked as running"


@pytest.fixture
def live_settings(settings, live_server):
    """Cookies over plain http: with DEBUG off the settings ask for https-only cookies."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_SSL_REDIRECT = False
    return settings


@dataclass
class BrowserLog:
    """What the page did behind the user's back: every request, console errors, uncaught errors."""

    origin: str
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def foreign_requests(self) -> list[str]:
        return [url for url in self.requests if not url.startswith(self.origin + "/")]


@pytest.fixture
def browser_log(live_server) -> BrowserLog:
    return BrowserLog(origin=live_server.url)


CSP_VIOLATION = "securitypolicyviolation:"
CSP_LISTENER = f"""
document.addEventListener("securitypolicyviolation", (event) => {{
  console.warn("{CSP_VIOLATION} " + event.violatedDirective + " blocked " + (event.blockedURI || "inline")
    + " at " + event.sourceFile + ":" + event.lineNumber);
}});
"""


def _open_page(request, browser, live_server, log: BrowserLog, **context_options):
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        **context_options,
    )
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.on("request", lambda req: log.requests.append(req.url))
    context.on("requestfailed", lambda req: log.failed.append(f"{req.url}: {req.failure}"))
    context.on(
        "console",
        lambda msg: (
            log.console_errors.append(f"{msg.text} ({msg.location.get('url')})")
            if msg.type == "error"
            else None
        ),
    )
    # Anything the Content-Security-Policy blocked fails the journey (issue 14 §5): Chromium says
    # so on the console, and the page hears a securitypolicyviolation event, passed on here.
    context.on(
        "console",
        lambda msg: (
            log.csp_violations.append(f"{msg.text} ({msg.location.get('url')})")
            if "Content Security Policy" in msg.text or msg.text.startswith(CSP_VIOLATION)
            else None
        ),
    )
    context.add_init_script(CSP_LISTENER)
    context.on("weberror", lambda error: log.page_errors.append(str(error.error)))
    # The portal must work offline: nothing may leave for another host. Refuse such requests at
    # once (they are still recorded above) so a stray CDN link fails the test instead of hanging it.
    origin = live_server.url + "/"
    context.route(
        lambda url: not url.startswith(origin) and not url.startswith(("data:", "blob:")),
        lambda route: route.abort("blockedbyclient"),
    )
    page = context.new_page()
    try:
        yield page
    finally:
        keep_screenshot_if_failed(request, page)
        context.close()
    if log.csp_violations:
        pytest.fail("Content-Security-Policy violations:\n" + "\n".join(log.csp_violations))


def keep_screenshot_if_failed(request, page) -> Path | None:
    """When the test's call failed, save the whole page as test-artifacts/e2e/<test name>.png and
    return the path. A screenshot that cannot be taken is reported, never raised over the failure."""
    report = getattr(request.node, "rep_call", None)
    if report is None or not report.failed:
        return None
    artifacts = Path(request.config.rootpath) / "test-artifacts" / "e2e"
    artifacts.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^\w.\[\]-]+", "_", request.node.name)
    path = artifacts / f"{name}.png"
    try:
        page.screenshot(path=str(path), full_page=True)
    except Exception as error:  # a missing screenshot must not hide the failure
        print(f"could not save a screenshot of {request.node.nodeid}: {error}")
        return None
    return path


@pytest.fixture
def page(request, browser, live_server, live_settings, transactional_db, browser_log):
    """A desktop-sized page in a fresh context (no cookies shared between tests)."""
    yield from _open_page(request, browser, live_server, browser_log, viewport={"width": 1280, "height": 800})


@pytest.fixture
def phone_page(request, browser, live_server, live_settings, transactional_db, browser_log):
    """A phone: 390 px wide, touch, mobile viewport rules."""
    yield from _open_page(
        request, browser, live_server, browser_log, viewport=PHONE, is_mobile=True, has_touch=True
    )


@pytest.fixture
def sign_in():
    """Sign in through the real form, the way a user does; returns the page on the dashboard."""

    def _sign_in(page, username: str, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("用户名").fill(username)
        page.get_by_label("密码").fill(password)
        page.get_by_role("button", name="登录").click()
        # The page a user sees answers taps only once its scripts ran (Bootstrap binds the
        # menus at the end of the body): wait for that, as a user waits for the page to settle.
        page.wait_for_load_state("load")
        return page

    return _sign_in
