"""Issue 8 §1: a journey that fails leaves a full-page screenshot of where it stopped, named after
the test, in test-artifacts/e2e/; a journey that passes leaves none."""

from pathlib import Path
from types import SimpleNamespace

import pytest

from .conftest import keep_screenshot_if_failed

TALL = "<body style='margin:0'><h1>第一步</h1><div style='height:3000px'></div><p>最后一步</p></body>"


def fake_request(tmp_path: Path, name: str, *, failed: bool):
    node = SimpleNamespace(
        name=name, nodeid=f"tests/e2e/test_x.py::{name}", rep_call=SimpleNamespace(failed=failed)
    )
    return SimpleNamespace(node=node, config=SimpleNamespace(rootpath=tmp_path))


@pytest.fixture
def blank_page(browser):
    context = browser.new_context(viewport={"width": 800, "height": 600})
    page = context.new_page()
    page.set_content(TALL)
    yield page
    context.close()


def test_a_failed_journey_leaves_a_full_page_screenshot(blank_page, tmp_path):
    path = keep_screenshot_if_failed(fake_request(tmp_path, "test_journey[街道]", failed=True), blank_page)
    assert path == tmp_path / "test-artifacts" / "e2e" / "test_journey[街道].png"
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    height = int.from_bytes(data[20:24], "big")
    assert height >= 3000  # the whole page, not the 600 px window


def test_a_passing_journey_leaves_nothing(blank_page, tmp_path):
    assert keep_screenshot_if_failed(fake_request(tmp_path, "test_ok", failed=False), blank_page) is None
    assert not (tmp_path / "test-artifacts").exists()
