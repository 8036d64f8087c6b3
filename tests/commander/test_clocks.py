"""A rig's clock never decides what the commander keeps or shows as current: real commanders,
reports whose ``ts`` is years off, a ``seq`` that goes down, and the skew flag on the pages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import CommanderProcess, browser_login, utc_ts, wait_for

YEAR_S = 365 * 86400


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommanderProcess]:
    """Rollups and retention every second; offline after 3 s without a report."""
    data = tmp_path_factory.mktemp("clocks") / "data"
    process = CommanderProcess(Path(data), env={"MINERFARM_ROLLUP_INTERVAL_S": "1",
                                                "MINERFARM_OFFLINE_AFTER_S": "3"}).start()
    yield process
    process.stop()


def post(commander: CommanderProcess, token: str, *reports: dict[str, Any]) -> dict[str, Any]:
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": list(reports)})
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    return body


def mining(seq: int, ts: str, hashrate: float = 1000.0) -> dict[str, Any]:
    return {"seq": seq, "ts": ts, "miners": [{"software": "xmrig", "coin": "XMR",
                                             "hashrate_hs": hashrate}]}


def stored_seqs(commander: CommanderProcess, rig_id: int) -> list[int]:
    with commander.admin() as admin:
        reports = admin.get(f"/api/v1/rigs/{rig_id}/reports").json()["reports"]
    return sorted(r["seq"] for r in reports)


def rig(commander: CommanderProcess, rig_id: int) -> dict[str, Any]:
    with commander.admin() as admin:
        body: dict[str, Any] = admin.get(f"/api/v1/rigs/{rig_id}").json()
    return body


@pytest.fixture
def browser(quick: CommanderProcess) -> Iterator[httpx.Client]:
    with quick.client() as client:
        assert browser_login(client).status_code == 302
        yield client


def test_a_rig_years_behind_keeps_its_reports_and_charts_by_the_commanders_clock(
        quick: CommanderProcess, browser: httpx.Client) -> None:
    rig_id, token = quick.create_rig("clock-2020")
    post(quick, token, mining(1, utc_ts(-5 * YEAR_S), 2000.0))
    chart = wait_for(lambda: browser.get(f"/rigs/{rig_id}/series?range=1h").json()["t"] or None,
                     10, "the report in the last hour's chart")
    assert abs(chart[-1] - time.time()) < 180  # charted when it arrived, not 5 years ago
    time.sleep(2.5)  # two retention rounds (7 days, by receive time)
    assert stored_seqs(quick, rig_id) == [1]
    with quick.admin() as admin:
        [stored] = admin.get(f"/api/v1/rigs/{rig_id}/reports").json()["reports"]
    assert stored["ts"].startswith(utc_ts(-5 * YEAR_S)[:10])  # the rig's own ts is still shown


def test_a_rig_years_ahead_is_pruned_by_receive_time(tmp_path: Path) -> None:
    commander = CommanderProcess(tmp_path / "data", env={
        "MINERFARM_ROLLUP_INTERVAL_S": "1", "MINERFARM_REPORT_RETENTION_DAYS": "0"}).start()
    try:
        rig_id, token = commander.create_rig("clock-2035")
        post(commander, token, mining(1, utc_ts(10 * YEAR_S)))
        # stored: last_seen is written in the insert's transaction (the report itself may be
        # gone already, retention runs every second)
        wait_for(lambda: rig(commander, rig_id)["last_seen"], 10, "the report stored")
        # retention 0 days: every report received before now goes at the next round
        wait_for(lambda: stored_seqs(commander, rig_id) == [], 10,
                 "the report from 2035 deleted by the retention")
    finally:
        commander.stop()


def test_a_skewed_clock_is_flagged_on_the_index_row_and_the_detail_page(
        quick: CommanderProcess, browser: httpx.Client) -> None:
    skewed_id, skewed = quick.create_rig("behind")
    right_id, right = quick.create_rig("on-time")
    post(quick, skewed, mining(1, utc_ts(-(3 * 3600 + 12 * 60 + 20))))
    post(quick, right, mining(1, utc_ts(-2)))
    wait_for(lambda: rig(quick, skewed_id)["last_seen"] and rig(quick, right_id)["last_seen"])
    index = browser.get("/").text
    row = index[index.index(f'id="rig-{skewed_id}"'):]
    assert "clock 3 h 12 min behind" in row[:row.index("</tr>")]
    row = index[index.index(f'id="rig-{right_id}"'):]
    assert "clock" not in row[:row.index("</tr>")]
    assert "clock 3 h 12 min behind" in browser.get(f"/rigs/{skewed_id}").text
    # the rig fixes its clock: the next report clears the flag
    post(quick, skewed, mining(2, utc_ts()))
    wait_for(lambda: "clock 3 h" not in browser.get(f"/rigs/{skewed_id}").text, 10,
             "the flag gone once the clock is right")


def test_a_seq_that_goes_down_keeps_the_rig_online_and_shows_its_newest_report(
        quick: CommanderProcess) -> None:
    rig_id, token = quick.create_rig("seq-down")
    post(quick, token, mining(10**12, utc_ts(), 111.0))
    wait_for(lambda: rig(quick, rig_id)["online"], 10, "online after its first report")
    time.sleep(3.5)  # offline now
    assert not rig(quick, rig_id)["online"]
    # a third-party agent restarted from 1: new reports, lower seq
    assert post(quick, token, mining(1, utc_ts(), 222.0)) == {"accepted": 1, "duplicates": 0}
    shown = wait_for(lambda: (lambda r: r if r["online"] else None)(rig(quick, rig_id)), 10,
                     "online again after a report with a lower seq")
    assert shown["stats"]["miners"][0]["hashrate_hs"] == 222.0
    with quick.sentry(token) as sentry:
        assert sentry.get("/api/v1/sentry/hello").json()["last_seq"] == 10**12
