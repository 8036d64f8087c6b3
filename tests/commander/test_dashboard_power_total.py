"""The index header's farm power: "—" while no rig reports power (never "0 W"), the real sum
once one does."""

from __future__ import annotations

import re

from tests.support import CommanderProcess, browser_login, report, utc_ts, wait_for


def header_power(html: str) -> str | None:
    found = re.search(r'<span class="label">Power</span> <strong>(.*?)</strong>', html)
    return found.group(1) if found else None


def post(commander: CommanderProcess, token: str, seq: int, **fields: object) -> None:
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports",
                             json={"reports": [report(seq, ts=utc_ts(), **fields)]})
        assert answer.status_code == 202, answer.text


def test_power_is_a_dash_until_a_rig_reports_power(fresh_commander: CommanderProcess) -> None:
    _, quiet = fresh_commander.create_rig("no-power")
    post(fresh_commander, quiet, 1, gpus=[{"index": 0, "temp_c": 60}],
         miners=[{"software": "xmrig", "hashrate_hs": 1000}])
    with fresh_commander.client() as browser:
        assert browser_login(browser).status_code == 302
        wait_for(lambda: "1.00 kH/s" in browser.get("/").text, 10, "the first rig listed")
        assert header_power(browser.get("/").text) == "—"
        _, trex = fresh_commander.create_rig("trex-rig")
        post(fresh_commander, trex, 1, gpus=[{"index": 0, "power_w": 195,
                                              "source": {"power_w": "trex"}}])
        assert wait_for(lambda: header_power(browser.get("/").text) == "195 W", 10,
                        "the power sum in the header")
