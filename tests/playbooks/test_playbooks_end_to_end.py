"""End to end, real processes: a commander, ``minerfarm sentry enroll`` + ``run``, a local
download server with a fake XMRig. Playbooks made through the admin API are applied on the
rig with ansible-runner, the miner is supervised, read, logged, restarted, stopped; a tampered
download is refused; removing the rig stops its miner and deletes what the sentry installed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.playbooks.helpers import (
    download_server,
    fake_miner_software,
    fake_miner_tarball,
    miner_processes,
)
from tests.support import REPO, CommanderProcess, browser_login, free_port, wait_for

pytestmark = pytest.mark.slow
T = TypeVar("T")
StartSentry = Callable[[CommanderProcess, str], "subprocess.Popen[bytes]"]
POOL = "stratum+tcp://pool.e2e.example:3333"
WALLET = "4E2eWalletAddress"




@pytest.fixture
def sentry_run(tmp_path: Path) -> Iterator[StartSentry]:
    processes: list[subprocess.Popen[bytes]] = []

    def start(commander: CommanderProcess, token: str) -> subprocess.Popen[bytes]:
        config = tmp_path / "sentry"
        env = {**os.environ, "MINERFARM_SENTRY_CONFIG_DIR": str(config)}
        subprocess.run([sys.executable, "-m", "minerfarm", "sentry", "enroll", "--commander",
                        commander.url, "--token", token], check=True, env=env, cwd=REPO,
                       capture_output=True, timeout=60)
        log = (tmp_path / "sentry.log").open("ab")
        process = subprocess.Popen([sys.executable, "-m", "minerfarm", "sentry", "run",
                                    "--interval", "1"], env=env, cwd=REPO, stdout=log,
                                   stderr=subprocess.STDOUT)
        processes.append(process)
        return process

    yield start
    for process in processes:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def _runs(api: httpx.Client, rig_id: int) -> list[dict[str, Any]]:
    return list(api.get(f"/api/v1/rigs/{rig_id}/playbook-runs").json()["runs"])


def test_a_playbook_runs_a_supervised_miner_on_the_rig(
        tmp_path: Path, fresh_commander: CommanderProcess, sentry_run: Any) -> None:
    commander = fresh_commander
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    tarball, sha256 = fake_miner_tarball(downloads)
    rig_id, token = commander.create_rig("e2e-rig")
    sentry = sentry_run(commander, token)
    api_port = free_port()
    with download_server(downloads) as base_url, commander.admin() as api:
        pool = api.post("/api/v1/addresses", json={"type": "pool", "coin": "XMR",
                                                   "label": "e2e pool", "value": POOL})
        wallet = api.post("/api/v1/addresses", json={"type": "wallet", "coin": "XMR",
                                                     "label": "e2e wallet", "value": WALLET})
        software = api.post("/api/v1/software", json=fake_miner_software(
            base_url, tarball.name, sha256, api_port)).json()
        template = api.get(f"/api/v1/software/{software['id']}/playbook-template").json()
        playbook = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
            "name": "cpu miner", "software_id": software["id"], "yaml": template["yaml"],
            "address_ids": [pool.json()["id"], wallet.json()["id"]]})
        assert playbook.status_code == 201, playbook.text
        playbook_id = playbook.json()["id"]  # saved (checked with ansible-playbook --syntax-check)

        # applied with ansible-runner: the miner runs with the pool and wallet. How fast (the
        # goal is 10 s) is bench/playbook_apply.py's figure; a timed test would fail with load.
        miner = wait_for(lambda: miner_processes(POOL), 60, "the miner is started")[0]
        cmdline = miner.cmdline()
        assert cmdline[cmdline.index("-o") + 1] == POOL
        assert cmdline[cmdline.index("-u") + 1] == WALLET
        assert cmdline[cmdline.index("-p") + 1] == "e2e-rig"
        runs = wait_for(lambda: _runs(api, rig_id), 30, "the run is reported")
        assert runs[0]["status"] == "success" and runs[0]["playbook_id"] == playbook_id

        # its hashrate in the reports and on the rig's page
        def reported() -> dict[str, Any] | None:
            stats = api.get(f"/api/v1/rigs/{rig_id}").json().get("stats") or {}
            return next((m for m in stats.get("miners") or [] if m.get("hashrate_hs")), None)

        entry = wait_for(reported, 30, "the miner's hashrate is reported")
        assert entry["playbook_id"] == playbook_id and entry["pool"] == POOL
        assert entry["hashrate_hs"] >= 1000

        with commander.anonymous(follow_redirects=True) as browser:
            browser_login(browser)
            page = browser.get(f"/rigs/{rig_id}")
            assert "xmrig" in page.text and "H/s" in page.text
            # its console lines on the log page
            wait_for(lambda: "[fake-xmrig] mining to" in browser.get(
                f"/rigs/{rig_id}/miner-logs").text, 30, "console lines on the log page")

            # killed, it is restarted
            first_pid = miner.pid
            os.kill(first_pid, signal.SIGKILL)
            restarted = wait_for(lambda: [p for p in miner_processes(POOL)
                                          if p.pid != first_pid], 30, "a restarted miner")
            assert restarted[0].pid != first_pid
            wait_for(lambda: "miner exited with code" in browser.get(
                f"/rigs/{rig_id}/miner-logs").text, 30, "the crash in the console")

            # deleting the playbook stops it
            assert api.delete(f"/api/v1/rigs/{rig_id}/playbooks/{playbook_id}").status_code \
                == 204
            wait_for(lambda: not miner_processes(POOL), 30, "the miner is stopped")

            # a wrong sha256 is refused, and the commander shows why
            wrong = api.post("/api/v1/software", json={
                **{k: software[k] for k in ("download_url", "api_kind", "api_port",
                                            "executable_template")},
                "name": "fakexmrig", "version": "1.0-tampered", "sha256": "0" * 64}).json()
            bad = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
                "name": "tampered", "software_id": wrong["id"], "yaml": template["yaml"],
                "address_ids": [pool.json()["id"], wallet.json()["id"]]}).json()

            revision = api.get(f"/api/v1/rigs/{rig_id}/playbooks").json()["revision"]

            def refused() -> dict[str, Any] | None:  # (SQLite may reuse a deleted id)
                return next((r for r in _runs(api, rig_id) if r["revision"] == revision
                             and r["playbook_id"] == bad["id"]), None)

            run = wait_for(refused, 30, "the tampered download is reported")
            assert run["status"] == "failed"
            assert "verify its sha256" in run["failed_task"]
            assert "checksum" in run["message"].lower() and "0" * 64 in run["message"]
            assert not miner_processes(POOL)
            page = browser.get(f"/rigs/{rig_id}/playbooks").text
            assert "failed" in page and "verify its sha256" in page
        assert sentry.poll() is None, (tmp_path / "sentry.log").read_text()[-3000:]

        # the rig is removed (410): its miners stop, its software and playbooks are deleted
        api.put(f"/api/v1/rigs/{rig_id}/playbooks/{bad['id']}", json={
            "name": "cpu again", "software_id": software["id"], "yaml": template["yaml"],
            "address_ids": [pool.json()["id"], wallet.json()["id"]]})
        wait_for(lambda: miner_processes(POOL), 30, "the miner runs again")
        assert api.delete(f"/api/v1/rigs/{rig_id}").status_code == 204
        wait_for(lambda: not miner_processes(POOL), 30, "the miner stops with the rig")
        assert sentry.wait(30) == 4  # EXIT_RIG_REMOVED
        state = tmp_path / "sentry"
        assert not any((state / name).exists()
                       for name in ("miners", "playbooks", "logs", "playbook-state"))
