"""The flight sheet in Chromium: choosing a coin leaves only that coin's wallets, pools and
miners in the selects (flightsheet.js), "Generate the playbook" fills the YAML, the playbook is
saved; on a phone the rig's playbook form fits the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import logged_in
from tests.commander.playbook_helpers import addresses
from tests.support import CommanderProcess

pytestmark = pytest.mark.slow


def offered(page: Page, name: str) -> list[str]:
    """The option texts a user can pick (hidden and disabled ones are not offered)."""
    texts: list[str] = page.eval_on_selector_all(
        f"select[name={name}] option",
        "options => options.filter(o => !o.hidden && !o.disabled && o.value).map(o => o.text)")
    return texts


def test_a_flight_sheet_makes_the_playbook(chromium: Browser,
                                           commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("flight-browser")
    with commander.admin() as api:
        addresses(api, "XMR")
        addresses(api, "RVN")
    page = logged_in(chromium, commander)
    page.goto(f"{commander.url}/rigs/{rig_id}/playbooks")
    assert len(offered(page, "wallet_id")) == 2  # no coin yet: every wallet

    page.select_option("select[name=coin]", "RVN")
    assert offered(page, "wallet_id") == ["RVN · wallet"]
    assert offered(page, "pool_id") == ["RVN · pool"]
    miners = offered(page, "software_id")
    assert any(m.startswith("trex ") for m in miners)
    assert not any(m.startswith(("xmrig ", "srbminer ", "lolminer ")) for m in miners)

    page.select_option("select[name=wallet_id]", label="RVN · wallet")
    page.select_option("select[name=pool_id]", label="RVN · pool")
    page.select_option("select[name=software_id]", label=next(
        m for m in miners if m.startswith("trex ")))
    page.fill("input[name=extra_args]", "--no-watchdog")
    page.click("button[value=generate]")
    expect(page.locator(".notice")).to_contain_text("Generated from the flight sheet")
    yaml_text = page.locator("textarea[name=yaml]").input_value()
    assert "kawpow" in yaml_text and "--no-watchdog" in yaml_text
    expect(page.locator("select[name=wallet_id]")).to_have_value(
        page.locator("select[name=wallet_id] option", has_text="RVN · wallet").get_attribute(
            "value") or "")

    page.click("button:text('Add playbook')")
    expect(page.locator("table").first).to_contain_text("trex RVN", timeout=30000)


def test_the_playbook_forms_fit_a_phone(chromium: Browser,
                                         commander: CommanderProcess) -> None:
    rig_id, _ = commander.create_rig("flight-phone")
    page = logged_in(chromium, commander)
    page.set_viewport_size({"width": 390, "height": 844})
    for path in (f"/rigs/{rig_id}/playbooks", "/playbooks"):
        page.goto(f"{commander.url}{path}")
        expect(page.locator("fieldset.flight")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
