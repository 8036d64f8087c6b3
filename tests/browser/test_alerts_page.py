"""The Alerts page in a real browser, under the strict CSP: a channel and a rule added through
its forms, the test button's refusal shown in words, a silence, and no CSP violation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import logged_in
from tests.browser.test_csp import Violations
from tests.support import CommanderProcess, report

pytestmark = pytest.mark.slow


@pytest.fixture
def page(chromium: Browser, commander: CommanderProcess) -> Iterator[Page]:
    opened = logged_in(chromium, commander)
    violations = Violations(opened)
    yield opened
    assert violations.seen == []


def test_channels_rules_and_silences_through_the_forms(page: Page,
                                                       commander: CommanderProcess) -> None:
    _, token = commander.create_rig("rig-browser-alerts")
    page.goto(f"{commander.url}/alerts")
    channel = page.locator("#channel-form")
    channel.locator("input[name=name]").fill("nobody listens")
    channel.locator("input[name=url]").fill("json://127.0.0.1:9/hook")
    channel.locator("button[type=submit]").click()
    expect(page.locator("#channels")).to_contain_text("nobody listens")
    page.locator("#channels button", has_text="Send a test").first.click()
    expect(page.locator("p.error")).to_contain_text("refused the test message")

    page.goto(f"{commander.url}/alerts")
    rule = page.locator("#rule-form")
    rule.locator("input[name=name]").fill("Too hot")
    rule.locator("select[name=kind]").select_option("temperature_above")
    rule.locator("input[name=threshold]").fill("85")
    rule.locator("input[name=for_s]").fill("0")
    rule.locator("label.check", has_text="rig-browser-alerts").locator("input").check()
    rule.locator("button[type=submit]").click()
    expect(page.locator("p.notice")).to_have_text("Saved.")
    expect(page.locator("#rules")).to_contain_text("Too hot")
    expect(page.locator("#rules")).to_contain_text("1 chosen")

    # the page is live: a rig getting hot shows in the firing section without a reload
    expect(page.locator("#firing")).to_contain_text("Nothing is firing")
    expect(page.locator("html")).to_have_attribute("data-live", "open")
    with commander.sentry(token) as sentry:
        hot = {"reports": [report(1, gpus=[{"index": 0, "temp_c": 93}])]}
        assert sentry.post("/api/v1/sentry/reports", json=hot).status_code == 202
    expect(page.locator("#firing")).to_contain_text("Too hot", timeout=15_000)
    page.locator("#firing button", has_text="Acknowledge").click()  # its form works live too
    expect(page.locator("#firing")).to_contain_text("acknowledged")

    silence = page.locator("#silence-form")
    silence.locator("select[name=rig_id]").select_option(label="rig-browser-alerts")
    silence.locator("input[name=reason]").fill("new thermal paste")
    silence.locator("button[type=submit]").click()
    expect(page.locator("#silences")).to_contain_text("new thermal paste")


def test_an_asic_page_shows_its_alert_live(page: Page, commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("lan-browser-alerts", "asic")
    hot_asic = {"ip": "10.0.0.31", "mac": "AA:BB:CC:00:00:31", "make": "Antminer",
                "model": "S19", "hashrate_hs": 1e14, "online": True,
                "boards": [{"index": 0, "temp_c": 60, "chip_temp_c": 70}]}
    other = {**hot_asic, "ip": "10.0.0.32", "mac": "AA:BB:CC:00:00:32"}
    with commander.sentry(token) as sentry:
        assert sentry.post("/api/v1/sentry/reports", json={
            "reports": [report(1, asics=[hot_asic, other])]}).status_code == 202
    with commander.admin() as api:
        assert api.post("/api/v1/alert-rules", json={
            "name": "Chips hot", "kind": "temperature_above", "threshold": 90, "for_s": 0,
            "rig_ids": [rig_id]}).status_code == 201
    page.goto(f"{commander.url}/asics/{rig_id}/aa:bb:cc:00:00:31")
    expect(page.locator("html")).to_have_attribute("data-live", "open")
    expect(page.locator("#alerts-firing")).not_to_contain_text("Chips hot")

    with commander.sentry(token) as sentry:  # this ASIC gets hot: its page says so, live
        hot_asic["boards"] = [{"index": 0, "temp_c": 80, "chip_temp_c": 97}]
        assert sentry.post("/api/v1/sentry/reports", json={
            "reports": [report(2, asics=[hot_asic, other])]}).status_code == 202
    expect(page.locator("#alerts-firing")).to_contain_text("Chips hot", timeout=15_000)
    expect(page.locator("#alerts-firing")).to_contain_text("Alerts firing (1)")
    page.goto(f"{commander.url}/asics/{rig_id}/aa:bb:cc:00:00:32")  # the other ASIC's: not
    expect(page.locator("#asic-body")).to_contain_text("10.0.0.32")
    expect(page.locator("#alerts-firing")).not_to_contain_text("Chips hot")

    page.goto(f"{commander.url}/asics/{rig_id}/aa:bb:cc:00:00:31")
    expect(page.locator("html")).to_have_attribute("data-live", "open")
    with commander.sentry(token) as sentry:  # cooled down: resolved, gone from its page live
        hot_asic["boards"] = [{"index": 0, "temp_c": 60, "chip_temp_c": 70}]
        assert sentry.post("/api/v1/sentry/reports", json={
            "reports": [report(3, asics=[hot_asic, other])]}).status_code == 202
    expect(page.locator("#alerts-firing")).not_to_contain_text("Chips hot", timeout=15_000)
