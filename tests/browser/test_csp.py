"""The strict Content-Security-Policy in a real browser: the pages still work (styles, live
updates, charts, confirmations, the miner console) and the console shows no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import logged_in, new_context, open_live
from tests.browser.test_live_pages import LIVE, post_report
from tests.support import PASSWORD, CommanderProcess, utc_ts

pytestmark = pytest.mark.slow


class Violations:
    """CSP violations the browser reports on the console (and to the page's own event)."""

    def __init__(self, page: Page) -> None:
        self.seen: list[str] = []
        page.on("console", self._console)
        page.context.add_init_script("""document.addEventListener("securitypolicyviolation",
            e => console.error("Content Security Policy violation: " + e.violatedDirective))""")

    def _console(self, message: object) -> None:
        text = str(getattr(message, "text", ""))
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.seen.append(text)


@pytest.fixture
def watched(chromium: Browser, commander: CommanderProcess) -> Iterator[tuple[Page, Violations]]:
    page = logged_in(chromium, commander)
    violations = Violations(page)
    yield page, violations
    assert violations.seen == []


def test_the_login_page_is_styled_without_a_session(chromium: Browser,
                                                     commander: CommanderProcess) -> None:
    page = new_context(chromium).new_page()
    violations = Violations(page)
    page.goto(f"{commander.url}/login")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(17, 20, 24)"  # minerfarm.css's --bg, not the browser's white
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{commander.url}/")
    assert violations.seen == []


def test_live_pages_charts_and_confirmations_work_under_the_csp(
        watched: tuple[Page, Violations], commander: CommanderProcess) -> None:
    page, _ = watched
    rig_id, token = commander.create_rig("csp-rig")
    open_live(page, f"{commander.url}/")
    post_report(commander, token, 1, 7_000.0)
    expect(page.locator(f"#rig-{rig_id}")).to_contain_text("7.00 kH/s", timeout=LIVE)

    open_live(page, f"{commander.url}/rigs/{rig_id}")
    expect(page.locator("svg.chart path.line, svg.chart text.empty").first).to_be_attached(
        timeout=LIVE)  # charts.js ran and fetched its series
    post_report(commander, token, 2, 8_000.0)
    expect(page.locator("#rig-body")).to_contain_text("8.00 kH/s", timeout=LIVE)

    questions: list[str] = []
    page.on("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("button.danger")  # forms.js asks first; dismissed: the rig stays
    page.wait_for_timeout(300)
    assert questions and "Delete this rig" in questions[0]
    assert page.url == f"{commander.url}/rigs/{rig_id}"


def test_the_miner_console_streams_under_the_csp(watched: tuple[Page, Violations],
                                                 commander: CommanderProcess) -> None:
    page, _ = watched
    rig_id, token = commander.create_rig("csp-console")
    page.goto(f"{commander.url}/rigs/{rig_id}/miner-logs")
    page.wait_for_timeout(500)  # console.js has opened its websocket
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/logs", json={"lines": [
            {"ts": utc_ts(), "line": "csp console line", "playbook_id": 1}]})
        assert answer.status_code == 202
    expect(page.locator("#miner-log")).to_contain_text("csp console line", timeout=LIVE)
    page.goto(f"{commander.url}/playbooks")
    page.goto(f"{commander.url}/rigs/{rig_id}/playbooks")
