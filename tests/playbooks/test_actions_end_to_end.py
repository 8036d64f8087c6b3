"""End to end, real processes: a commander, an enrolled ``minerfarm sentry run`` supervising
the fake XMRig its playbook installed. "Restart miner" from the admin API gives the miner a
new process; a rule-like loop of reboot requests is stopped by the limit (the rig's reboot
command is a harmless one that records each run) and the commander's history says so."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.playbooks.helpers import (
    download_server,
    fake_miner_software,
    fake_miner_tarball,
    miner_processes,
)
from tests.support import REPO, CommanderProcess, free_port, wait_for

pytestmark = pytest.mark.slow
POOL = "stratum+tcp://pool.actions.example:3333"
LIMIT = 4  # per rig and hour: the restart and three reboots


@pytest.fixture
def commander(tmp_path: Path) -> Iterator[CommanderProcess]:
    process = CommanderProcess(tmp_path / "data", env={
        "MINERFARM_ACTION_LIMIT_PER_HOUR": str(LIMIT), "MINERFARM_ACTION_BACKOFF_S": "0"})
    yield process.start()
    process.stop()


@pytest.fixture
def sentry(tmp_path: Path) -> Iterator[list[subprocess.Popen[bytes]]]:
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def _start_sentry(tmp_path: Path, commander: CommanderProcess, token: str,
                  reboots: Path) -> subprocess.Popen[bytes]:
    config = tmp_path / "sentry"
    env = {**os.environ, "MINERFARM_SENTRY_CONFIG_DIR": str(config)}
    subprocess.run([sys.executable, "-m", "minerfarm", "sentry", "enroll", "--commander",
                    commander.url, "--token", token], check=True, env=env, cwd=REPO,
                   capture_output=True, timeout=60)
    settings = json.loads((config / "sentry.json").read_text())
    settings.update(allow_reboot=True, reboot_command=[
        sys.executable, "-c", f"open({str(reboots)!r}, 'a').write('reboot\\n')"])
    (config / "sentry.json").write_text(json.dumps(settings))
    log = (tmp_path / "sentry.log").open("ab")
    return subprocess.Popen([sys.executable, "-m", "minerfarm", "sentry", "run", "--interval",
                             "1"], env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)


def _action(api: httpx.Client, rig_id: int, action_id: int) -> dict[str, Any] | None:
    history = api.get(f"/api/v1/rigs/{rig_id}/actions").json()["actions"]
    found = next(a for a in history if a["id"] == action_id)
    return found if found["status"] != "pending" else None


def _miner_for(api: httpx.Client, software: dict[str, Any], rig_id: int) -> int:
    pool = api.post("/api/v1/addresses", json={"type": "pool", "coin": "XMR",
                                               "label": "actions pool", "value": POOL}).json()
    wallet = api.post("/api/v1/addresses", json={"type": "wallet", "coin": "XMR",
                                                 "label": "actions wallet",
                                                 "value": "4ActionsWallet"}).json()
    template = api.get(f"/api/v1/software/{software['id']}/playbook-template").json()
    playbook = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
        "name": "cpu miner", "software_id": software["id"], "yaml": template["yaml"],
        "address_ids": [pool["id"], wallet["id"]]})
    assert playbook.status_code == 201, playbook.text
    return int(playbook.json()["id"])


def test_restart_miner_and_a_reboot_loop_stopped_by_the_limit(
        tmp_path: Path, commander: CommanderProcess, sentry: list[Any]) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    tarball, sha256 = fake_miner_tarball(downloads)
    reboots = tmp_path / "reboots.txt"
    rig_id, token = commander.create_rig("actions-rig")
    sentry.append(_start_sentry(tmp_path, commander, token, reboots))
    with download_server(downloads) as base_url, commander.admin() as api:
        software = api.post("/api/v1/software", json=fake_miner_software(
            base_url, tarball.name, sha256, free_port())).json()
        playbook_id = _miner_for(api, software, rig_id)
        first = wait_for(lambda: miner_processes(POOL), 90, "the miner is started")[0]
        wait_for(lambda: api.get(f"/api/v1/rigs/{rig_id}/actions").json()["sentry_kinds"],
                 15, "the sentry says which actions it runs")

        asked = api.post(f"/api/v1/rigs/{rig_id}/actions",
                         json={"kind": "restart_miner", "miner": str(playbook_id)})
        assert asked.status_code == 202, asked.text
        done = wait_for(lambda: _action(api, rig_id, asked.json()["action"]["id"]), 20,
                        "the restart is acknowledged")
        assert done["status"] == "done", done
        restarted = wait_for(lambda: [p for p in miner_processes(POOL) if p.pid != first.pid],
                             10, "the miner's new process")
        assert len(restarted) == 1 and not psutil.pid_exists(first.pid)
        assert f"pid {restarted[0].pid}" in done["message"]

        # a rule that reboots the rig each time it looks stuck, in a loop
        answers = []
        for _ in range(LIMIT + 2):
            answer = api.post(f"/api/v1/rigs/{rig_id}/actions", json={"kind": "reboot"})
            answers.append(answer.status_code)
            if answer.status_code == 202:
                acked = wait_for(functools.partial(_action, api, rig_id,
                                                   answer.json()["action"]["id"]),
                                 20, "the reboot is acknowledged")
                assert acked["status"] == "done", acked
            else:
                assert answer.json()["error"]["code"] == "gave_up"
        assert answers == [202, 202, 202, 429, 429, 429]
        assert reboots.read_text() == "reboot\n" * 3  # the command ran once per action
        history = api.get(f"/api/v1/rigs/{rig_id}/actions").json()["actions"]
        assert [a["status"] for a in history].count("gave_up") == 1
        assert [a["kind"] for a in history if a["status"] == "done"] == \
            ["reboot", "reboot", "reboot", "restart_miner"]
    assert sentry[0].poll() is None, (tmp_path / "sentry.log").read_text()[-3000:]
