"""Every dashboard page on a phone (390x844) in Chromium: nothing scrolls sideways. The pages
are read from the app's own URL map (the ``pages`` and ``playbook_pages`` blueprints), so a page
added later is checked too (its URL arguments must be known below, or the test says so); and
the token page's copy buttons copy, with the clipboard API or by selecting the text, and are shown
only once their script runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.settings import Settings
from tests.browser.pages import logged_in, new_context
from tests.commander.playbook_helpers import GOOD
from tests.support import CommanderProcess, report, utc_ts

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}
BLUEPRINTS = ("pages", "playbook_pages")
NOT_PAGES = {"pages.static", "pages.favicon", "pages.rig_series"}  # files and chart JSON
LONG = "a-rig-with-a-rather-long-name-that-does-not-fit-on-one-phone-line"
MAC = "aa:bb:cc:00:00:01"
# The widest elements past the right edge: what to fix when a page overflows.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > width + 1)
    .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
              (e.className && typeof e.className === 'string' ? '.' + e.className : ''));
  return {scroll: document.documentElement.scrollWidth, width: width, wide: wide.slice(0, 8)};
}"""


def page_rules(tmp: Path) -> list[tuple[str, str]]:
    """(endpoint, rule) of every GET page of the dashboard."""
    app = create_app(Settings(data_dir=tmp, advertise=False), AdminPassword(hash_password("x")),
                     b"0" * 32)
    return sorted({(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
                   if not rule.websocket and "GET" in (rule.methods or set())
                   and rule.endpoint.split(".")[0] in BLUEPRINTS
                   and rule.endpoint not in NOT_PAGES})


def post(commander: CommanderProcess, token: str, body: dict[str, Any]) -> None:
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(1, ts=utc_ts(),
                                                                                 **body)]})
        assert answer.status_code == 202, answer.text


@pytest.fixture(scope="module")
def farm(commander: CommanderProcess) -> dict[str, Any]:
    """A rig with GPUs, miners and a playbook, an ASIC sentry with an ASIC, address and
    software templates: what the pages show at their widest."""
    rig_id, token = commander.create_rig(LONG)
    post(commander, token, {
        "host": {"hostname": LONG, "os": "Debian GNU/Linux 12 (bookworm)", "cpu_model":
                 "AMD Ryzen 9 7950X 16-Core Processor", "uptime_s": 912345},
        "gpus": [{"index": i, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 4090",
                  "temp_c": 64, "fan_pct": 70, "power_w": 320, "core_mhz": 2520,
                  "mem_mhz": 10501, "util_pct": 100, "mem_used_mb": 4100} for i in range(3)],
        "miners": [{"software": "trex", "version": "0.26.8", "algorithm": "kawpow",
                    "coin": "RVN", "hashrate_hs": 1.2e8,
                    "pool": "stratum+ssl://rvn.a-very-long-pool-host-name.example.org:13333",
                    "shares": {"accepted": 123456, "rejected": 12, "stale": 1}}]})
    asic_sentry_id, asic_token = commander.create_rig(f"asics-{LONG}", "asic")
    post(commander, asic_token, {"asics": [{
        "ip": "10.0.0.21", "mac": MAC.upper(), "make": "Antminer", "model": "S21",
        "firmware_version": "Thu Jul 11 16:38:25 CST 2024", "hashrate_hs": 1.9e14,
        "expected_hashrate_hs": 2e14, "power_w": 3500, "fans_rpm": [3600, 3660, 3600, 3660],
        "boards": [{"index": b, "temp_c": 60, "chip_temp_c": 75} for b in range(3)],
        "pool": "stratum+tcp://btc.a-very-long-pool-host-name.example.org:3333",
        "online": True}]})
    with commander.admin() as api:
        pool = api.post("/api/v1/addresses", json={
            "type": "pool", "coin": "RVN", "label": "rvn pool",
            "value": "stratum+ssl://rvn.a-very-long-pool-host-name.example.org:13333"}).json()
        wallet = api.post("/api/v1/addresses", json={
            "type": "wallet", "coin": "RVN", "label": "rvn wallet",
            "value": "RVNWalletAddress0123456789abcdefghijklmnopqrstuvwxyz0123456789"}).json()
        software = api.get("/api/v1/software").json()["software"][0]
        playbook = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "rvn on t-rex", "yaml": GOOD, "address_ids": [pool["id"], wallet["id"]]})
        assert playbook.status_code < 300, playbook.text
        gone_id, _ = commander.create_rig("phone-deleted")
        api.delete(f"/api/v1/rigs/{gone_id}").raise_for_status()
    return {"rig_id": rig_id, "asic_sentry_id": asic_sentry_id, "identity": MAC,
            "addresses": pool["id"], "software": software["id"],
            "playbook_id": playbook.json()["id"], "gone_id": gone_id}


def urls_of(endpoint: str, rule: str, farm: dict[str, Any]) -> list[str]:
    """The concrete URLs of one rule (a ``kind`` argument: each kind)."""
    found = re.findall(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>", rule)
    kinds = ["addresses", "software"] if any(name == "kind" for _, name in found) else [""]
    urls = []
    for kind in kinds:
        values = {"rig_id": farm["asic_sentry_id"] if endpoint.startswith("pages.asic")
                  else farm["rig_id"], "identity": farm["identity"], "kind": kind,
                  "row_id": farm.get(kind), "playbook_id": farm["playbook_id"]}
        unknown = [name for _, name in found if values.get(name) is None]
        assert not unknown, f"{endpoint} {rule}: give the phone test a value for {unknown}"
        urls.append(re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>",
                           lambda m, known=values: str(known[m[1]]), rule))
    return urls


def overflow(page: Page) -> dict[str, Any] | None:
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        return None
    return dict(page.evaluate(OVERFLOW))


@pytest.fixture
def phone(chromium: Browser, commander: CommanderProcess) -> Iterator[Page]:
    page = logged_in(chromium, commander)
    page.set_viewport_size(PHONE)
    yield page
    page.context.close()


def test_no_page_scrolls_sideways_on_a_phone(phone: Page, commander: CommanderProcess,
                                            farm: dict[str, Any], tmp_path: Path) -> None:
    rules = page_rules(tmp_path)
    assert len(rules) >= 12, rules
    urls = {u: 200 for endpoint, rule in rules for u in urls_of(endpoint, rule, farm)}
    urls.update({f"/rigs/{farm['gone_id']}": 410, f"/asics/{farm['gone_id']}/x": 410,
                 "/no-such-page": 404})
    wide: dict[str, Any] = {}
    for url, status in urls.items():
        answer = phone.goto(commander.url + url)
        assert answer is not None and answer.status == status, (url, answer)
        if (found := overflow(phone)) is not None:
            wide[url] = found
    # Pages that only answer a form: the token page, a generated flight sheet.
    phone.goto(f"{commander.url}/rigs/{farm['asic_sentry_id']}")
    phone.click("button:text('New token')")
    expect(phone.locator("#token")).to_be_visible()
    if (found := overflow(phone)) is not None:
        wide["token page"] = found
    phone.goto(f"{commander.url}/playbooks")
    phone.select_option("select[name=coin]", "RVN")
    phone.select_option("select[name=wallet_id]", label="RVN · rvn wallet")
    phone.select_option("select[name=pool_id]", label="RVN · rvn pool")
    trex = phone.locator("select[name=software_id] option", has_text="trex ").first
    phone.select_option("select[name=software_id]", trex.get_attribute("value") or "")
    phone.click("button:text('Generate the playbook')")
    expect(phone.locator(".notice")).to_contain_text("Generated from the flight sheet")
    if (found := overflow(phone)) is not None:
        wide["generated flight sheet"] = found
    assert wide == {}, json.dumps(wide)

    login = new_context(phone.context.browser)  # type: ignore[arg-type]
    anonymous = login.new_page()
    anonymous.set_viewport_size(PHONE)
    anonymous.goto(f"{commander.url}/login")
    assert overflow(anonymous) is None
    login.close()


def copy_page(chromium: Browser, commander: CommanderProcess, clipboard: bool,
              held: list[Route] | None = None) -> Page:
    """A new rig's token page; ``held``: copy.js is held back there (its request kept in it)."""
    page = logged_in(chromium, commander)
    if clipboard:
        page.context.grant_permissions(["clipboard-read", "clipboard-write"],
                                       origin=commander.url)
    else:  # an older browser, or one that refuses: no clipboard API at all
        page.context.add_init_script(
            "Object.defineProperty(navigator, 'clipboard', {value: undefined});")
    if held is not None:
        page.context.route("**/copy.js", lambda route: held.append(route))
    name = f"copy-{clipboard}" if held is None else "copy-held"
    page.fill("form[action='/rigs'] input[name=name]", name)
    page.click("form[action='/rigs'] button[type=submit]")
    expect(page.locator(".notice")).to_have_text("Rig added.")
    return page


def test_copy_buttons_copy_the_token_and_command(chromium: Browser,
                                                 commander: CommanderProcess) -> None:
    page = copy_page(chromium, commander, clipboard=True)
    token = page.locator("#token").inner_text().strip()
    assert token.startswith("mf1.")
    page.click("button[data-copy=token]")
    expect(page.locator("#token-copied")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == token
    page.click("button[data-copy=enroll]")
    expect(page.locator("#enroll-copied")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"minerfarm sentry enroll --commander {commander.url} --token {token}")
    page.context.close()


def test_without_the_clipboard_api_the_token_is_selected(chromium: Browser,
                                                         commander: CommanderProcess) -> None:
    page = copy_page(chromium, commander, clipboard=False)
    token = page.locator("#token").inner_text().strip()
    page.click("button[data-copy=token]")
    expect(page.locator("#token-copied")).not_to_be_empty()
    assert page.evaluate("window.getSelection().toString()") == token
    page.context.close()


def test_copy_buttons_are_shown_only_once_their_script_runs(chromium: Browser,
                                                            commander: CommanderProcess) -> None:
    # copy.js is held back, as on a slow link: a button shown before it ran would do nothing.
    held: list[Route] = []
    page = copy_page(chromium, commander, clipboard=True, held=held)
    expect(page.locator("#token")).to_contain_text("mf1.")
    expect(page.locator("button[data-copy]")).to_have_count(2)
    for button in page.locator("button[data-copy]").all():
        expect(button).to_be_hidden()
    held[0].continue_()
    expect(page.locator("button[data-copy=token]")).to_be_visible()
    page.click("button[data-copy=token]")
    expect(page.locator("#token-copied")).to_have_text("Copied.")
    page.context.close()


def test_a_confirmation_is_shown_once(chromium: Browser, commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("once-rig")
    page = logged_in(chromium, commander)
    page.goto(f"{commander.url}/rigs/{rig_id}")
    page.fill("input[name=name]", "once-renamed")
    page.click("button:text('Rename')")
    expect(page.locator(".notice")).to_have_text("Renamed.")
    page.wait_for_url(f"{commander.url}/rigs/{rig_id}")  # the flag left the address bar
    page.reload()
    expect(page.locator("#rig-head h1")).to_have_text("once-renamed")
    expect(page.locator(".notice")).to_have_count(0)
    page.context.close()
