"""Dashboard pages over real HTTPS: figures in human units, log pages, chart series."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from tests.support import CommanderProcess, browser_login, report, wait_for

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommanderProcess]:
    """A commander whose rollup job runs every second."""
    data = tmp_path_factory.mktemp("dash") / "data"
    process = CommanderProcess(Path(data), env={"MINERFARM_ROLLUP_INTERVAL_S": "1"}).start()
    yield process
    process.stop()


@pytest.fixture
def browser(quick: CommanderProcess) -> Iterator[httpx.Client]:
    with quick.client() as client:
        assert browser_login(client).status_code == 302
        yield client


def post(commander: CommanderProcess, token: str, reports: list[dict[str, object]]) -> None:
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": reports})
        assert answer.status_code == 202, answer.text


def test_index_shows_human_units_and_totals(quick: CommanderProcess,
                                            browser: httpx.Client) -> None:
    rig_id, token = quick.create_rig("units-rig")
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    post(quick, token, [report(1, ts=now, gpus=[{"index": 0, "temp_c": 71.4, "power_w": 12345}],
                               miners=[{"software": "lolminer", "coin": "ETC",
                                        "algorithm": "etchash", "hashrate_hs": 2.5e18}])])
    wait_for(lambda: "2.50 EH/s" in browser.get("/").text)
    page = browser.get("/").text
    row = re.search(rf'<tr id="rig-{rig_id}".*?</tr>', page, re.S)
    assert row and "71 °C" in row.group(0) and "12.35 kW" in row.group(0)
    assert "online" in row.group(0)
    totals = re.search(r'<section class="totals" id="totals">.*?</section>', page, re.S)
    assert totals and "ETC" in totals.group(0) and "2.50 EH/s" in totals.group(0)


def test_asic_pages(quick: CommanderProcess, browser: httpx.Client) -> None:
    rig_id, token = quick.create_rig("asic-sentry", "asic")
    asic = {"ip": "10.0.0.21", "mac": "AA:BB:CC:00:00:01", "make": "Antminer", "model": "S21",
            "firmware_version": "2024-01", "hashrate_hs": 1.9e14, "expected_hashrate_hs": 2e14,
            "boards": [{"index": 0, "temp_c": 60, "chip_temp_c": 75}], "fans_rpm": [3600, 3660],
            "power_w": 3500, "pool": "stratum+tcp://pool:3333", "online": True}
    post(quick, token, [report(1, ts=at(0), asics=[asic, {"ip": "10.0.0.22", "online": False}])])
    wait_for(lambda: "190.00 TH/s" in browser.get("/asics").text)
    index = browser.get("/asics").text
    assert "of 200.00 TH/s" in index and "75 °C" in index and "3600 3660" in index
    detail = browser.get(f"/asics/{rig_id}/aa:bb:cc:00:00:01")
    assert detail.status_code == 200 and "Antminer S21" in detail.text
    log = browser.get(f"/asics/{rig_id}/aa:bb:cc:00:00:01/reports").text
    assert "190.00 TH/s" in log and "10.0.0.22" not in log


def test_log_pages_filter_by_time_and_page(quick: CommanderProcess,
                                           browser: httpx.Client) -> None:
    rig_id, token = quick.create_rig("log-rig")
    post(quick, token, [report(n, ts=at(n), miners=[{"software": "xmrig", "hashrate_hs": n}])
                        for n in range(1, 56)])
    wait_for(lambda: browser.get(f"/rigs/{rig_id}/reports").text.count("<details") == 50)
    first = browser.get(f"/rigs/{rig_id}/reports").text
    assert "seq 55" in first and "seq 6 " in first and "seq 5 " not in first
    older = re.search(r'<a href="([^"]+)" rel="next">', first)
    assert older
    second = browser.get(older.group(1).replace("&amp;", "&")).text
    assert second.count("<details") == 5 and "seq 1 " in second
    since = (T0 + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S")
    until = (T0 + timedelta(minutes=12)).strftime("%Y-%m-%dT%H:%M:%S")
    window = browser.get(f"/rigs/{rig_id}/reports", params={"since": since, "until": until})
    assert re.findall(r"seq (\d+) ", window.text) == ["12", "11", "10"]


def test_chart_series_come_from_rollups(quick: CommanderProcess, browser: httpx.Client) -> None:
    rig_id, token = quick.create_rig("chart-rig")
    recent = datetime.now(UTC) - timedelta(minutes=3)
    post(quick, token, [report(1, ts=recent.isoformat(), gpus=[{"index": 0, "temp_c": 60}],
                               miners=[{"software": "xmrig", "hashrate_hs": 1000.0}])])
    wait_for(lambda: browser.get(f"/rigs/{rig_id}/series?range=1h").json()["t"])
    chart = browser.get(f"/rigs/{rig_id}/series?range=1h").json()
    assert chart["hashrate_hs"] == [1000.0] and chart["temp_c"] == [60.0]
    assert browser.get(f"/rigs/{rig_id}/series?range=30d").json()["period_s"] == 3600
