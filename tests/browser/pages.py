"""Helpers for the browser tests: log in, open a live page, count its websocket frames."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page

from tests.support import PASSWORD, CommanderProcess


def new_context(browser: Browser) -> BrowserContext:
    # The commander's certificate is self-signed by design (sentries pin its fingerprint).
    return browser.new_context(ignore_https_errors=True, viewport={"width": 1200, "height": 900})


def logged_in(browser: Browser, commander: CommanderProcess) -> Page:
    page = new_context(browser).new_page()
    page.goto(f"{commander.url}/login")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{commander.url}/")
    return page


class Frames:
    """Websocket frames the page received (counted by the browser, not by our JS)."""

    def __init__(self, page: Page, url_part: str = "") -> None:
        self.received: list[str] = []
        page.on("websocket", lambda ws: url_part in ws.url and ws.on("framereceived", self._add))

    def _add(self, payload: Any) -> None:
        self.received.append(payload if isinstance(payload, str) else payload.decode())


def open_live(page: Page, url: str) -> None:
    """Go to a live page and wait until its websocket is open (subscribed server-side)."""
    page.goto(url)
    page.wait_for_selector("html[data-live=open]", state="attached", timeout=5000)
