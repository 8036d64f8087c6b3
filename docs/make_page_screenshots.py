"""Screenshots of every dashboard page at 1280x800 and 390x844 (docs/pages/*.png).

Starts a commander in a temporary folder, fills it as docs/make_screenshots.py does (six GPU
rigs with a day of reports, two ASIC sentries), adds tags, a rig whose miner's API is dead
(degraded), an alert rule that fires, a playbook, then photographs each page in Debian's
Chromium. Usage: python docs/make_page_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_screenshots import gpu_rig, history, populate, post
from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.pages import logged_in
from tests.support import CommanderProcess, wait_for

OUT = Path(__file__).resolve().parent / "pages"
SIZES = {"": {"width": 1280, "height": 800}, "-phone": {"width": 390, "height": 844}}


def dead_miner(n: int, moment: datetime, wave: float) -> dict[str, Any]:
    report = gpu_rig(n, moment, wave)
    report["miners"][0] = {"software": "trex", "running": False, "api_url":
                           "http://127.0.0.1:4067", "api_error": "connection refused"}
    return report


def farm(commander: CommanderProcess) -> dict[str, Any]:
    rig_id, sentry_id, mac = populate(commander)
    sick_id, token = commander.create_rig("echo-07")
    post(commander, token, history(lambda m, w: dead_miner(7, m, w), datetime.now(UTC)))
    with commander.admin() as admin:
        for rig, tags in ((rig_id, ["site:alpha", "rack:a1"]), (rig_id + 1, ["site:alpha"]),
                          (sentry_id, ["site:shed"])):
            admin.put(f"/api/v1/rigs/{rig}/tags", json={"tags": tags}).raise_for_status()
        for address in ({"type": "pool", "coin": "ETC", "label": "2miners ETC",
                         "value": "stratum+tcp://etc.2miners.example:1010"},
                        {"type": "wallet", "coin": "ETC", "label": "main ETC wallet",
                         "value": "0x8f3b2c1d4e5f60718293a4b5c6d7e8f901234567"}):
            admin.post("/api/v1/addresses", json=address).raise_for_status()
        gone, _ = commander.create_rig("retired-09")
        admin.delete(f"/api/v1/rigs/{gone}").raise_for_status()
        admin.post("/api/v1/alert-rules", json={
            "name": "Hotter than 66 °C", "kind": "temperature_above", "threshold": 66,
            "for_s": 0, "channel_ids": []}).raise_for_status()
        software = admin.get("/api/v1/software").json()["software"][0]["id"]
        wait_for(lambda: admin.get("/api/v1/alerts", params={"state": "firing"}).json()
                 ["alerts"], 20, "an alert firing")
    return {"rig": rig_id, "sentry": sentry_id, "mac": mac, "sick": sick_id,
            "software": software, "gone": gone}


def pages(ids: dict[str, Any]) -> dict[str, str]:
    rig, sentry, mac = ids["rig"], ids["sentry"], ids["mac"]
    return {
        "index": "/", "index-filtered": "/?tag=site:alpha&sort=hashrate&order=desc",
        "rig": f"/rigs/{rig}", "rig-degraded": f"/rigs/{ids['sick']}",
        "rig-events": f"/rigs/{rig}/events", "rig-reports": f"/rigs/{rig}/reports",
        "asics": "/asics", "asic": f"/asics/{sentry}/{mac}",
        "asic-events": f"/asics/{sentry}/{mac}/events",
        "templates": "/templates", "software": f"/templates/software/{ids['software']}",
        "playbooks": "/playbooks", "flight-sheet": f"/rigs/{rig}/playbooks",
        "miner-console": f"/rigs/{rig}/miner-logs", "alerts": "/alerts",
        "deleted-rig": f"/rigs/{ids['gone']}",
    }


def shoot(page: Page, name: str, url: str | None = None) -> None:
    for suffix, size in SIZES.items():
        page.set_viewport_size(size)
        if url is not None:
            page.goto(url)
        page.wait_for_timeout(700)
        page.screenshot(path=str(OUT / f"{name}{suffix}.png"))


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        commander = CommanderProcess(Path(tmp) / "data", env={
            "MINERFARM_ROLLUP_INTERVAL_S": "1", "MINERFARM_ADVERTISE": "0",
            "MINERFARM_ALERT_TICK_S": "0.5"}).start()
        try:
            ids = farm(commander)
            time.sleep(4)  # the consumer and the rollup job catch up
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                login = browser.new_page(ignore_https_errors=True)
                shoot(login, "login", f"{commander.url}/login")
                page = logged_in(browser, commander)
                for name, path in pages(ids).items():
                    shoot(page, name, commander.url + path)
                page.set_viewport_size(SIZES[""])
                page.goto(commander.url + "/")
                page.fill("form[action='/rigs'] input[name=name]", "foxtrot-08")
                page.click("form[action='/rigs'] button[type=submit]")
                page.wait_for_selector("text=foxtrot-08")
                shoot(page, "token")
                browser.close()
        finally:
            commander.stop()


if __name__ == "__main__":
    main()
