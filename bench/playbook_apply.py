"""Playbook apply time: from a playbook saved through the admin API to the miner running on
the rig (goal: < 10 s), with a real commander, a real ``minerfarm sentry run`` already
reporting, real ansible-runner and a local download server serving the fake XMRig.

Each run uses a fresh rig and sentry, so every apply downloads, verifies, unpacks and launches
(the first apply on a rig, the slowest case). Prints each run and the median.

Usage: python bench/playbook_apply.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.playbooks.helpers import (
    download_server,
    fake_miner_software,
    fake_miner_tarball,
    miner_processes,
)
from tests.support import REPO, CommanderProcess, free_port, wait_for


def one_apply(commander: CommanderProcess, base_url: str, sha256: str, tarball: str,
              work: Path, number: int) -> tuple[float, float]:
    """Returns (seconds from save to the miner running, seconds until the run is reported)."""
    pool = f"stratum+tcp://pool.bench{number}.example:3333"
    rig_id, token = commander.create_rig(f"bench-rig-{number}")
    config = work / f"sentry-{number}"
    env = {**os.environ, "MINERFARM_SENTRY_CONFIG_DIR": str(config)}
    subprocess.run([sys.executable, "-m", "minerfarm", "sentry", "enroll", "--commander",
                    commander.url, "--token", token], check=True, env=env, cwd=REPO,
                   capture_output=True, timeout=60)
    with (work / f"sentry-{number}.log").open("ab") as log:
        sentry = subprocess.Popen([sys.executable, "-m", "minerfarm", "sentry", "run",
                                   "--interval", "1"], env=env, cwd=REPO, stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        with commander.admin() as api:
            wait_for(lambda: api.get(f"/api/v1/rigs/{rig_id}").json().get("stats"), 60,
                     "the sentry's first report")
            ids = [api.post("/api/v1/addresses", json={
                "type": kind, "coin": "XMR", "label": f"bench {kind} {number}",
                "value": value}).json()["id"]
                for kind, value in (("pool", pool), ("wallet", "4BenchWallet"))]
            software = api.post("/api/v1/software", json=fake_miner_software(
                base_url, tarball, sha256, free_port(), version=f"1.{number}")).json()
            template = api.get(f"/api/v1/software/{software['id']}/playbook-template").json()
            answer = api.post(f"/api/v1/rigs/{rig_id}/playbooks", json={
                "name": "cpu miner", "software_id": software["id"], "yaml": template["yaml"],
                "address_ids": ids})
            answer.raise_for_status()
            saved = time.monotonic()
            wait_for(lambda: miner_processes(pool), 120, "the miner is started")
            running = time.monotonic() - saved
            wait_for(lambda: api.get(f"/api/v1/rigs/{rig_id}/playbook-runs").json()["runs"],
                     60, "the run is reported")
            reported = time.monotonic() - saved
            api.delete(f"/api/v1/rigs/{rig_id}")
            sentry.wait(60)
        return running, reported
    finally:
        if sentry.poll() is None:
            sentry.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minerfarm-bench-") as folder:
        work = Path(folder)
        downloads = work / "downloads"
        downloads.mkdir()
        tarball, sha256 = fake_miner_tarball(downloads)
        commander = CommanderProcess(work / "data").start()
        try:
            with download_server(downloads) as base_url:
                figures = []
                for number in range(1, args.runs + 1):
                    running, reported = one_apply(commander, base_url, sha256, tarball.name,
                                                  work, number)
                    figures.append(running)
                    print(f"run {number}: miner running {running:.2f} s after the save, "
                          f"run reported {reported:.2f} s after", flush=True)
        finally:
            commander.stop()
    load = os.getloadavg()[0]
    print(f"playbook saved -> miner running: median {statistics.median(figures):.2f} s, "
          f"max {max(figures):.2f} s over {len(figures)} runs (goal < 10 s; "
          f"load average {load:.1f} on {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
