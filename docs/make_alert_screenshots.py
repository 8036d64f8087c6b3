"""Screenshots of the Alerts page (docs/alerts.png, docs/alerts-phone.png), at 1280x800 and
390x844.

Starts a commander in a temporary folder with short alert timings, a local JSON webhook as a
channel, two rigs (one hot, one silenced for maintenance), rules, lets the hot one fire, and
photographs the page in Debian's Chromium. Usage: python docs/make_alert_screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import sync_playwright

from tests.browser.conftest import ARGS, CHROMIUM
from tests.browser.pages import logged_in
from tests.commander.alert_helpers import ReportingRig, webhook
from tests.support import CommanderProcess, wait_for

DOCS = Path(__file__).resolve().parent
SIZES = {"": {"width": 1280, "height": 800}, "-phone": {"width": 390, "height": 844}}


def _gpus(temp: float) -> dict[str, object]:
    return {"gpus": [{"index": 0, "temp_c": temp, "fan_pct": 64}],
            "miners": [{"software": "trex", "hashrate_hs": 5.1e7, "running": True,
                        "shares": {"accepted": 120, "rejected": 1}}]}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, webhook() as hook:
        commander = CommanderProcess(Path(tmp) / "data", env={
            "MINERFARM_ADVERTISE": "0", "MINERFARM_ALERT_TICK_S": "0.5",
            "MINERFARM_ALERT_GROUP_WINDOW_S": "1"}).start()
        try:
            _hot_id, hot_token = commander.create_rig("rig-07")
            quiet_id, quiet_token = commander.create_rig("rig-12")
            with commander.admin() as api:
                hook_id = api.post("/api/v1/channels", json={
                    "name": "ops webhook", "url": hook.url("ops")}).json()["channel"]["id"]
                api.post("/api/v1/channels", json={
                    "name": "Telegram ops",
                    "url": "tgram://123456789:AAHexampleTOKEN0123456789/-1001"})
                for rule in ({"name": "GPU hot", "kind": "temperature_above", "threshold": 80,
                              "for_s": 0},
                             {"name": "Rig down", "kind": "offline", "for_s": 60},
                             {"name": "Hashrate drop", "kind": "hashrate_below",
                              "threshold": 0.7, "for_s": 300, "action": "restart_miner"}):
                    api.post("/api/v1/alert-rules", json={**rule, "channel_ids": [hook_id]})
                api.post("/api/v1/silences", json={"rig_id": quiet_id, "for_s": 7200,
                                                   "reason": "repasting GPUs"})
            with ReportingRig(commander, hot_token, **_gpus(88)), \
                    ReportingRig(commander, quiet_token, **_gpus(84)):
                wait_for(lambda: hook.texts("ops"), 15, "the first notification")
                time.sleep(1)
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
                    page = logged_in(browser, commander)
                    for suffix, size in SIZES.items():
                        page.set_viewport_size(size)
                        page.goto(commander.url + "/alerts")
                        page.screenshot(path=str(DOCS / f"alerts{suffix}.png"), full_page=True)
                    browser.close()
        finally:
            commander.stop()


if __name__ == "__main__":
    main()
