"""Real headless Chromium (Debian's), driven by Playwright; every request off our host fails the test."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}


def pytest_collection_modifyitems(items):
    for item in items:
        if "/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
    # Browser tests last: the session's sync Playwright keeps its event loop running in the main
    # thread, and pytest-asyncio cannot start one for the async unit tests while it does.
    items.sort(key=lambda item: "/e2e/" in str(item.fspath))


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        )
        yield b
        b.close()


class Pages:
    """Opens pages as separate browsers (own cookies) and records every request they make."""

    def __init__(self, browser: Browser, server) -> None:
        self.browser = browser
        self.server = server
        self.contexts = []
        self.foreign_requests: list[str] = []
        self.console_errors: list[str] = []

    def open(self, viewport=DESKTOP, locale: str = "nl-NL") -> Page:
        ctx = self.browser.new_context(viewport=viewport, locale=locale, has_touch=viewport is PHONE,
                                       is_mobile=viewport is PHONE, extra_http_headers={"Accept-Language": locale})
        ctx.set_default_timeout(10_000)
        ctx.on("request", self._record)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        return page

    def _record(self, request) -> None:
        host = urlsplit(request.url).netloc
        if request.url.startswith(("data:", "blob:")):
            return
        if host != urlsplit(self.server.url).netloc:
            self.foreign_requests.append(request.url)

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def pages(browser, server):
    p = Pages(browser, server)
    yield p
    p.close()
    assert p.foreign_requests == [], f"requests to other hosts: {p.foreign_requests}"
