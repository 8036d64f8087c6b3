"""``minerfarm asic-sentry enroll|run`` against a real commander and a simulated ASIC fleet."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from minerfarm.asic.config import AsicEntry, AsicSentryConfig, load_config, save_config
from minerfarm.asic.reporting import chunk_asics
from minerfarm.protocol.reports import Asic
from tests.sentry.sentry_run_helpers import cli, enroll, spawn, wait_for
from tests.support import CommanderProcess

PORT = random.randint(20000, 40000)


@pytest.fixture
def fleet() -> Iterator[list[list[str]]]:
    """Four captured firmwares and one ASIC that hangs, in a separate process."""
    start = f"127.{random.randint(100, 250)}.251.1"
    process = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start, "--count", "5",
         "--port", str(PORT), "--hang", "1", "--list"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    yield ready["asics"]
    process.terminate()
    process.wait(5)


@pytest.mark.slow
def test_the_asic_sentry_reports_every_asic_under_its_rig(
        commander: CommanderProcess, fleet: list[list[str]], tmp_path: Path) -> None:
    rig_id, token = commander.create_rig("asic-lan", "asic")
    config_dir = tmp_path / "asic"
    config = AsicSentryConfig(asics=[AsicEntry(ip=host, port=PORT) for host, _, _ in fleet])
    config.poll.timeout_s = 1.0
    save_config(config, config_dir)
    done = enroll(commander, config_dir, token, group="asic-sentry")
    assert done.returncode == 0, done.stderr
    assert len(load_config(config_dir).asics) == len(fleet)  # enrollment kept the ASICs

    sentry = spawn("asic-sentry", "run", "--interval", "1", "--config-dir", str(config_dir),
                   log=tmp_path / "asic-sentry.log")
    try:
        def all_asics() -> list[dict] | None:
            with commander.admin() as admin:
                rig = admin.get(f"/api/v1/rigs/{rig_id}").json()
            asics = rig.get("asics") or []
            return asics if len(asics) == len(fleet) else None

        asics = wait_for(all_asics, 30, "every ASIC under the rig")
        status = cli("asic-sentry", "status", "--config-dir", str(config_dir))
        assert status.stdout.startswith("Enrolled:     yes"), status.stdout
        # the rig is removed: the sentry wipes its credentials and stops (exit 4)
        with commander.admin() as admin:
            admin.delete(f"/api/v1/rigs/{rig_id}").raise_for_status()
        assert sentry.wait(20) == 4, (tmp_path / "asic-sentry.log").read_text()[-2000:]
    finally:
        if sentry.poll() is None:
            sentry.kill()
    assert "the rig was removed" in (tmp_path / "asic-sentry.log").read_text()
    kept = json.loads((config_dir / "asic-sentry.json").read_text())
    assert "commander" not in kept and len(kept["asics"]) == len(fleet)
    assert not (config_dir / "commander.pem").exists()
    by_ip = {a["ip"]: a for a in asics}
    assert {host for host, _, _ in fleet} == set(by_ip)
    online = [a for a in asics if a["online"]]
    assert len(online) == len(fleet) - 1 and all(
        a["stats"]["hashrate_hs"] > 0 for a in online)
    hung = next(a for a in asics if not a["online"])
    assert "hashrate_hs" not in (hung.get("stats") or {})  # offline: no figure, not a zero


def test_a_round_too_big_for_one_report_is_split() -> None:
    asics = [Asic(ip=f"10.0.{i // 250}.{i % 250 + 1}", online=True, hashrate_hs=1e14,
                  errors=["x" * 200]) for i in range(1000)]
    chunks = list(chunk_asics(asics, limit=50_000))
    assert len(chunks) > 1
    assert [a["ip"] for chunk in chunks for a in chunk] == [a.ip for a in asics]
    assert all(len(json.dumps(chunk, separators=(",", ":"))) <= 50_000 for chunk in chunks)
