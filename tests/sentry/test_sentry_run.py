"""``minerfarm sentry run`` against real commander processes over real HTTPS: reports arrive,
survive a commander outage exactly once and in order, and the sentry obeys 410 and 401."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest
from sentry_run_helpers import (
    cli,
    enroll,
    simulated_miners,
    spawn,
    stored_reports,
    wait_for,
    write_sentry_config,
)

from minerfarm.agent.client import RigRemoved
from minerfarm.sentry.service import RunOptions, run_sentry
from tests.support import CommanderProcess, free_port

pytestmark = pytest.mark.slow
INTERVAL = "1"
OUTAGE_S = 30.0  # the 30 s outage: ~30 reports built while the commander is down


def status(config_dir: Path) -> dict:
    done = cli("sentry", "status", "--json", "--config-dir", str(config_dir))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_reports_arrive_and_every_report_of_an_outage_arrives_once_in_order(
        tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    commander = CommanderProcess(data_dir, port=port).start()
    rig_id, token = commander.create_rig("outage")
    config_dir = tmp_path / "sentry"
    assert enroll(commander, config_dir, token).returncode == 0
    with simulated_miners() as miners:
        miners_down_url = f"http://127.0.0.1:{free_port()}"
        write_sentry_config(config_dir, miners=[
            *miners, {"software": "xmrig", "api_url": miners_down_url, "playbook_id": 7}])
        sentry = spawn("sentry", "run", "--interval", INTERVAL, "--max-retry-delay", "1",
                       "--config-dir", str(config_dir), log=tmp_path / "sentry.log")
        try:
            first = wait_for(lambda: stored_reports(commander, rig_id), 20, "a first report")
            report = first[0]["report"]
            assert report["host"]["hostname"]
            trex, xmrig, down = report["miners"]
            assert trex["software"] == "trex" and trex["running"] is True
            assert trex["hashrate_hs"] > 0
            assert xmrig["software"] == "xmrig" and xmrig["hashrate_hs"] == 4884.25
            # a miner that does not answer: not running, and no invented zeros
            # and the URL it was read at, with why it gave no answer
            reason = down.pop("api_error")
            assert "refused" in reason.lower() or "connect" in reason.lower(), reason
            assert down == {"software": "xmrig", "playbook_id": 7, "running": False,
                            "api_url": miners_down_url}

            commander.stop()
            outage_start = time.time()
            time.sleep(OUTAGE_S)
            assert status(config_dir)["spooled"] >= 20
            commander = CommanderProcess(data_dir, port=port).start()  # same data, same port
            outage_end = time.time()

            wait_for(lambda: status(config_dir)["spooled"] == 0, 30, "the spool to drain")
        finally:
            sentry.send_signal(signal.SIGTERM)
            assert sentry.wait(20) == 0, (tmp_path / "sentry.log").read_text()[-2000:]
    try:
        reports = stored_reports(commander, rig_id)
    finally:
        commander.stop()
    seqs = [r["seq"] for r in reports]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs))), "a gap or a duplicate"
    received = [r["received_at"] for r in reports]
    assert received == sorted(received), "reports stored out of seq order"
    during = [r for r in reports
              if outage_start + 0.6 < _epoch(r["report"]["ts"]) < outage_end - 0.6]
    assert len(during) >= OUTAGE_S / float(INTERVAL) / 2
    assert status(config_dir)["last_report_seq"] == seqs[-1]


def _epoch(iso: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_a_removed_rig_cleans_up_wipes_credentials_and_stops(
        commander: CommanderProcess, tmp_path: Path) -> None:
    rig_id, token = commander.create_rig("removed")
    config_dir = tmp_path / "sentry"
    assert enroll(commander, config_dir, token).returncode == 0
    for folder in ("miners", "playbooks"):
        (config_dir / folder / "xmrig-6.22.1").mkdir(parents=True)
        (config_dir / folder / "xmrig-6.22.1" / "xmrig").write_text("#!/bin/sh\n")
    log = tmp_path / "sentry.log"
    sentry = spawn("sentry", "run", "--interval", "0.3", "--config-dir", str(config_dir), log=log)
    try:
        wait_for(lambda: stored_reports(commander, rig_id), 20, "a first report")
        with commander.admin() as admin:
            assert admin.delete(f"/api/v1/rigs/{rig_id}").status_code in (200, 204)
        assert sentry.wait(20) == 4
    finally:
        if sentry.poll() is None:
            sentry.kill()
    output = log.read_text()
    assert "the rig was removed from the commander" in output
    assert "minerfarm sentry enroll" in output
    assert not (config_dir / "miners").exists() and not (config_dir / "playbooks").exists()
    assert not (config_dir / "commander.pem").exists()
    config = json.loads((config_dir / "sentry.json").read_text())
    assert "commander" not in config
    after = status(config_dir)
    assert after["enrolled"] is False and after["spooled"] == 0
    # not enrolled any more: a restart (systemd) refuses to run instead of sending anything
    again = cli("sentry", "run", "--config-dir", str(config_dir))
    assert again.returncode == 1 and "not enrolled" in again.stderr


def test_a_replaced_token_stops_the_sentry_with_a_clear_message(
        commander: CommanderProcess, tmp_path: Path) -> None:
    rig_id, token = commander.create_rig("replaced")
    config_dir = tmp_path / "sentry"
    assert enroll(commander, config_dir, token).returncode == 0
    log = tmp_path / "sentry.log"
    sentry = spawn("sentry", "run", "--interval", "0.3", "--config-dir", str(config_dir), log=log)
    try:
        wait_for(lambda: stored_reports(commander, rig_id), 20, "a first report")
        with commander.admin() as admin:
            admin.post(f"/api/v1/rigs/{rig_id}/token").raise_for_status()
        assert sentry.wait(20) == 3
    finally:
        if sentry.poll() is None:
            sentry.kill()
    output = log.read_text()
    assert "The token is invalid" in output and "minerfarm sentry enroll" in output
    assert status(config_dir)["enrolled"] is True  # kept: re-enroll with the new token


class RecordingHook:
    def __init__(self) -> None:
        self.calls = 0

    async def remove_everything(self) -> None:
        self.calls += 1


async def test_the_removal_hook_of_the_playbook_runner_is_called_on_410(
        commander: CommanderProcess, tmp_path: Path) -> None:
    rig_id, token = await asyncio.to_thread(commander.create_rig, "hooked")
    config_dir = tmp_path / "sentry"
    assert (await asyncio.to_thread(enroll, commander, config_dir, token)).returncode == 0
    hook = RecordingHook()
    task = asyncio.create_task(run_sentry(config_dir, RunOptions(interval_s=0.3),
                                          removal_hook=hook))

    def delete_after_first_report() -> None:
        wait_for(lambda: stored_reports(commander, rig_id), 20, "a first report")
        with commander.admin() as admin:
            admin.delete(f"/api/v1/rigs/{rig_id}")

    await asyncio.to_thread(delete_after_first_report)
    with pytest.raises(RigRemoved):
        await asyncio.wait_for(task, 20)
    assert hook.calls == 1
    assert not (config_dir / "commander.pem").exists()
