"""A rig without a GPU driver the sentry can read (no NVML, no amdgpu: this machine): a real
``minerfarm sentry run`` against a simulated T-Rex, and the commander's pages show the GPU's
temperature, fan and power from T-Rex's API, saying so, and the farm's real power sum."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sentry_run_helpers import (
    CAPTURES,
    enroll,
    env,
    spawn,
    stored_reports,
    wait_for,
    write_sentry_config,
)

from minerfarm.sentry.collectors.amd import AmdCollector
from tests.support import REPO, CommanderProcess, browser_login

pytestmark = pytest.mark.slow


@pytest.fixture
def trex() -> Iterator[str]:
    """T-Rex 0.25.9 replaying its capture (gpus[0]: 74 degC, fan 68 %, 195 W)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.sentry.simulator", "trex",
         f"summary={CAPTURES}/trex/summary_0.25.9_api4.1.json"],
        stdout=subprocess.PIPE, text=True, env=env(), cwd=REPO)
    assert proc.stdout is not None
    try:
        yield proc.stdout.readline().strip()
    finally:
        proc.terminate()
        proc.wait(10)


def gpu_table(html: str) -> str:
    found = re.search(r"<h2>GPUs</h2>.*?</table>", html, re.S)
    assert found, "no GPU table on the rig page"
    return found.group(0)


def test_rig_page_shows_gpu_figures_from_trex_with_their_source(
        tmp_path: Path, fresh_commander: CommanderProcess, trex: str) -> None:
    if Path("/proc/driver/nvidia").exists() or AmdCollector().collect():
        pytest.skip("this machine's GPU driver would give the figures, not the miner")
    rig_id, token = fresh_commander.create_rig("trex-rig")
    config_dir = tmp_path / "sentry"
    assert enroll(fresh_commander, config_dir, token).returncode == 0
    write_sentry_config(config_dir, miners=[{"software": "trex", "api_url": trex}])
    sentry = spawn("sentry", "run", "--interval", "1", "--config-dir", str(config_dir),
                   log=tmp_path / "sentry.log")
    try:
        first = wait_for(lambda: stored_reports(fresh_commander, rig_id), 20, "a first report")
        assert first[0]["report"]["gpus"] == [{
            "index": 0, "vendor": "nvidia", "name": "RTX 3070", "temp_c": 74, "fan_pct": 68,
            "power_w": 195, "hashrate_hs": 50287688,
            "source": {"temp_c": "trex", "fan_pct": "trex", "power_w": "trex",
                       "hashrate_hs": "trex"}}]
        with fresh_commander.client() as browser:
            assert browser_login(browser).status_code == 302
            table = wait_for(lambda: "74 °C" in (page := browser.get(f"/rigs/{rig_id}").text)
                             and gpu_table(page), 10, "the GPU figures on the rig page")
            row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", table, re.S)
            assert row, table
            cells = [re.sub(r"<[^>]+>", " ", cell).split()
                     for cell in re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)]
            # index, name, temperature, fan, power, hashrate: each says it came from T-Rex
            assert cells[1] == ["RTX", "3070"]
            assert cells[2] == ["74", "°C", "from", "T-Rex"]
            assert cells[3] == ["68", "%", "from", "T-Rex"]
            assert cells[4] == ["195", "W", "from", "T-Rex"]
            assert cells[5] == ["50.29", "MH/s", "from", "T-Rex"]  # gpus[0].hashrate
            totals = re.search(r'<section class="totals" id="totals">.*?</section>',
                               browser.get("/").text, re.S)
            assert totals and re.search(r"Power</span> <strong>195 W</strong>", totals.group(0))
    finally:
        sentry.terminate()
        sentry.wait(20)
