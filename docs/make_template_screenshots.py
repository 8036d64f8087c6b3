"""Screenshots of the Templates pages (docs/templates-*.png) and of a rig's playbook form
with a generated flight sheet (docs/flight-sheet*.png), at 1280x800 and 390x844.

Starts a commander in a temporary folder (its seeded software catalog included), adds pools
and wallets, shows a refused value next to its field, fills a flight sheet, and photographs
the pages in Debian's Chromium. Usage: python docs/make_template_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.pages import logged_in
from tests.support import CommanderProcess

DOCS = Path(__file__).resolve().parent
SIZES = {"": {"width": 1280, "height": 800}, "-phone": {"width": 390, "height": 844}}


def populate(commander: CommanderProcess) -> tuple[int, int]:
    with commander.admin() as api:
        for kind, coin, label, value in [
                ("pool", "RVN", "2miners RVN", "stratum+tcp://rvn.2miners.example:6060"),
                ("wallet", "RVN", "main RVN wallet", "RQ4Lgw7Rb1d3LZcJwXz8m6kV9pTUn2aHs5"),
                ("pool", "XMR", "SupportXMR", "stratum+ssl://pool.supportxmr.example:443"),
                ("wallet", "XMR", "cold XMR", "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft")]:
            api.post("/api/v1/addresses", json={"type": kind, "coin": coin, "label": label,
                                                "value": value}).raise_for_status()
        software = api.get("/api/v1/software").json()["software"]
    rig_id, _ = commander.create_rig("rig-01")
    return int(next(s["id"] for s in software if not s["sha256"])), rig_id


def flight_sheet(page: Page, url: str, rig_id: int) -> None:
    """A rig's playbook form with an RVN flight sheet filled in and generated."""
    page.goto(f"{url}/rigs/{rig_id}/playbooks")
    page.select_option("select[name=coin]", "RVN")
    page.select_option("select[name=wallet_id]", label="RVN · main RVN wallet")
    page.select_option("select[name=pool_id]", label="RVN · 2miners RVN")
    page.select_option("select[name=software_id]", label="trex 0.26.8")
    page.fill("input[name=extra_args]", "--no-watchdog")
    page.click("button[value=generate]")


def refused(page: Page, url: str) -> None:
    """The templates page after a pool without a port: the problem next to the value."""
    page.goto(url + "/templates")
    form = page.locator("#address-form")
    form.locator("input[name=coin]").fill("ETC")
    form.locator("input[name=label]").fill("ETC pool")
    form.locator("input[name=value]").fill("etc.pool.example")
    form.locator("button[type=submit]").click()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        commander = CommanderProcess(Path(tmp) / "data", env={"MINERFARM_ADVERTISE": "0"}).start()
        try:
            unverified, rig_id = populate(commander)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                page = logged_in(browser, commander)
                for suffix, size in SIZES.items():
                    page.set_viewport_size(size)
                    page.goto(commander.url + "/templates")
                    page.screenshot(path=str(DOCS / f"templates{suffix}.png"), full_page=True)
                    page.goto(f"{commander.url}/templates/software/{unverified}")
                    page.screenshot(path=str(DOCS / f"templates-software{suffix}.png"),
                                    full_page=True)
                    refused(page, commander.url)
                    page.locator("#address-form").scroll_into_view_if_needed()
                    page.screenshot(path=str(DOCS / f"templates-refused{suffix}.png"))
                    flight_sheet(page, commander.url, rig_id)
                    page.screenshot(path=str(DOCS / f"flight-sheet{suffix}.png"), full_page=True)
                browser.close()
        finally:
            commander.stop()


if __name__ == "__main__":
    main()
