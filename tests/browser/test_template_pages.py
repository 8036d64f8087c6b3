"""The Templates pages in Chromium, clicked as a hobbyist would: reach them from the
navigation, add a pool and a wallet, see a bad value refused next to its field (the typing
kept), edit, delete (and the refusal while a playbook uses it), add mining software without a
sha256 and see it marked; on a phone the pages fit the screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.pages import logged_in
from tests.commander.playbook_helpers import GOOD
from tests.support import CommanderProcess

pytestmark = pytest.mark.slow
PHONE = {"width": 390, "height": 844}


def add_address(page: Page, kind: str, coin: str, label: str, value: str) -> None:
    form = page.locator("#address-form")
    form.locator("select[name=type]").select_option(kind)
    form.locator("input[name=coin]").fill(coin)
    form.locator("input[name=label]").fill(label)
    form.locator("input[name=value]").fill(value)
    form.locator("button[type=submit]").click()


def fits(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_addresses_added_refused_edited_and_deleted(chromium: Browser,
                                                    commander: CommanderProcess) -> None:
    page = logged_in(chromium, commander)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("nav >> text=Templates")
    expect(page.locator("h1")).to_have_text("Templates")

    add_address(page, "pool", "RVN", "rvn pool", "stratum+tcp://rvn.pool.example:3333")
    expect(page.locator(".notice")).to_have_text("Saved.")
    add_address(page, "wallet", "RVN", "rvn wallet", "RWalletAddress123")
    expect(page.locator("#address-rows")).to_contain_text("RWalletAddress123")

    add_address(page, "pool", "RVN", "typo pool", "rvn.pool.example")  # no port
    error = page.locator("#address-form #value-error")
    expect(error).to_contain_text("pool must be stratum+tcp://host:port")
    expect(page.locator("#address-form input[name=value]")).to_have_value("rvn.pool.example")
    expect(page.locator("#address-form input[name=label]")).to_have_value("typo pool")
    expect(page.locator("#address-form input[name=value]")).to_have_attribute(
        "aria-invalid", "true")
    expect(page.locator(".notice")).to_have_count(0)

    page.locator("#address-rows tr", has_text="rvn pool").locator("text=Edit").click()
    page.fill("input[name=label]", "rvn main pool")
    page.click("button:text('Save')")
    expect(page.locator(".notice")).to_have_text("Saved.")
    expect(page.locator("#address-rows")).to_contain_text("rvn main pool")

    with commander.admin() as api:
        listed = api.get("/api/v1/addresses").json()["addresses"]
        ids = [a["id"] for a in listed if a["coin"] == "RVN"]
        rig_id, _ = commander.create_rig("tpl-browser-rig")
        api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "rvn playbook", "yaml": GOOD, "address_ids": ids}).raise_for_status()
    page.locator("#address-rows tr", has_text="rvn wallet").locator("text=Delete").click()
    expect(page.locator(".error")).to_contain_text("Not deleted")
    expect(page.locator(".error")).to_contain_text("'rvn playbook'")
    expect(page.locator("#address-rows")).to_contain_text("rvn wallet")

    with commander.admin() as api:
        api.delete(f"/api/v1/rigs/{rig_id}").raise_for_status()
    page.goto(f"{commander.url}/templates")
    page.locator("#address-rows tr", has_text="rvn wallet").locator("text=Delete").click()
    expect(page.locator(".notice")).to_have_text("Deleted.")
    expect(page.locator("#address-rows")).not_to_contain_text("rvn wallet")


def test_software_without_sha256_is_marked(chromium: Browser,
                                           commander: CommanderProcess) -> None:
    page = logged_in(chromium, commander)
    page.goto(f"{commander.url}/templates")
    form = page.locator("#software-form")
    form.locator("input[name=name]").fill("mytrex")
    form.locator("input[name=version]").fill("0.26.8")
    form.locator("input[name=api_kind]").fill("trex")
    form.locator("input[name=api_port]").fill("4067")
    form.locator("input[name=download_url]").fill("https://example.org/t-rex.tar.gz")
    form.locator("textarea[name=executable_template]").fill(
        "t-rex -o {{ pool }} -u {{ wallet }} --api-bind-http 127.0.0.1:{{ api_port }}")
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice")).to_have_text("Saved.")
    row = page.locator("#software-rows tr", has_text="mytrex")
    expect(row.locator(".missing")).to_have_text("no sha256")
    expect(row).to_contain_text("the sentry refuses to install it until you fill in the "
                                "checksum the project publishes")

    row.locator("text=Edit").click()
    expect(page.locator(".missing-note")).to_contain_text("the sentry refuses to install it")
    page.fill("input[name=sha256]", "not-a-checksum")
    page.click("button:text('Save')")
    expect(page.locator("#sha256-error")).to_contain_text("64 hex digits")
    expect(page.locator("input[name=sha256]")).to_have_value("not-a-checksum")
    page.fill("input[name=sha256]", "ab" * 32)
    page.click("button:text('Save')")
    expect(page.locator(".notice")).to_have_text("Saved.")
    expect(page.locator("#software-rows tr", has_text="mytrex").locator(".missing")
           ).to_have_count(0)


def test_the_templates_pages_fit_a_phone(chromium: Browser, commander: CommanderProcess) -> None:
    with commander.admin() as api:
        wallet = api.post("/api/v1/addresses", json={
            "type": "wallet", "coin": "XMR", "label": "a long wallet",
            "value": "4" + "A1b2C3d4" * 12}).json()
    page = logged_in(chromium, commander)
    page.set_viewport_size(PHONE)
    software_id = 1  # the seeded catalog's first entry
    for path in ("/templates", f"/templates/addresses/{wallet['id']}",
                 f"/templates/software/{software_id}"):
        page.goto(f"{commander.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        assert fits(page), path
    page.goto(f"{commander.url}/templates")
    add_address(page, "pool", "XMR", "bad", "nope")
    expect(page.locator("#value-error")).to_be_visible()
    assert fits(page)
