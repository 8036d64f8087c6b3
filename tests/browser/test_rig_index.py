"""The rig index in a real browser: a user searches, sorts by clicking headers, filters by
state and tag, and the page stays live for its rows."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import logged_in, open_live
from tests.support import CommanderProcess, report

pytestmark = pytest.mark.slow
LIVE = 2000


def post(commander: CommanderProcess, token: str, seq: int, hashrate: float) -> None:
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(
            seq, gpus=[{"index": 0, "power_w": 100}],
            miners=[{"software": "xmrig", "coin": "XMR", "algorithm": "rx/0",
                     "hashrate_hs": hashrate}])]})
        assert answer.status_code == 202, answer.text


def names(page: object) -> list[str]:
    return page.locator("#rig-rows .rig-name").all_inner_texts()  # type: ignore[attr-defined]


def test_search_sort_and_filter_as_a_user_clicks(chromium: Browser,
                                                 commander: CommanderProcess) -> None:
    rigs = {name: commander.create_rig(name) for name in ("ix-slow", "ix-fast", "ix-mid",
                                                             "ix-new")}
    for seq, (name, rate) in enumerate((("ix-slow", 1e3), ("ix-fast", 9e3), ("ix-mid", 5e3))):
        post(commander, rigs[name][1], seq + 1, rate)
    commander.create_rig("other-rig")
    with commander.admin() as api:
        assert api.put(f"/api/v1/rigs/{rigs['ix-mid'][0]}/tags",
                       json={"tags": ["site:berlin"]}).status_code == 200
    page = logged_in(chromium, commander)
    open_live(page, f"{commander.url}/")
    expect(page.locator("#rig-rows")).to_contain_text("9.00 kH/s", timeout=LIVE)

    page.fill("input[name=q]", "ix-")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"q=ix-"))
    assert names(page) == ["ix-fast", "ix-mid", "ix-new", "ix-slow"]
    expect(page.locator("#index-counts")).to_contain_text("4 rigs match")

    page.click("th a.sort:text('Hashrate')")
    page.wait_for_url(re.compile(r"sort=hashrate"))
    assert names(page) == ["ix-slow", "ix-mid", "ix-fast", "ix-new"]  # unknown rate last
    page.click("th a.sort:text('Hashrate')")  # again: the other way
    page.wait_for_url(re.compile(r"order=desc"))
    assert names(page) == ["ix-fast", "ix-mid", "ix-slow", "ix-new"]
    expect(page.locator("th[aria-sort=descending]")).to_contain_text("Hashrate")

    page.select_option("select[name=state]", "waiting")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"state=waiting"))
    assert names(page) == ["ix-new"]
    expect(page.locator("#rig-rows")).to_contain_text("waiting for sentry")

    page.select_option("select[name=state]", "")
    page.fill("input[name=tag]", "site:berlin")
    page.click("#filters button[type=submit]")
    page.wait_for_url(re.compile(r"tag=site"))
    assert names(page) == ["ix-mid"]
    page.wait_for_selector("html[data-live=open]", state="attached")
    seen = page.locator("#rig-rows time.ago").first
    expect(seen).to_have_text(re.compile(r"^\d+ (s|min) ago$"))
    assert (seen.get_attribute("title") or "").endswith(" UTC")
    page.wait_for_timeout(500)  # the page has said which rows it shows
    post(commander, rigs["ix-mid"][1], 10, 7e3)  # its row is live
    expect(page.locator(f"#rig-{rigs['ix-mid'][0]}")).to_contain_text("7.00 kH/s",
                                                                      timeout=LIVE)
    page.click("text=Clear filters")
    page.wait_for_url(f"{commander.url}/")
    assert "other-rig" in names(page)
