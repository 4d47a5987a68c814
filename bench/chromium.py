"""Debian's Chromium as the project drives it headless: the browser journeys (tests/e2e) and the
bulletin peer of `make bench` launch it the same way. Never a downloaded browser."""

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
