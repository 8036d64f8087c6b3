"""Helpers for the sentry runtime's end-to-end tests: the ``minerfarm`` CLI as a subprocess,
simulated miners as subprocesses, waiting on the commander's admin API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from tests.support import REPO, CommanderProcess, wait_for  # noqa: F401 - re-exported

CAPTURES = Path(os.environ.get("MINERFARM_FIXTURES_DIR") or REPO.parent / "shared" /
                "fixtures") / "miner-apis"
T = TypeVar("T")


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
        str(REPO), os.environ.get("PYTHONPATH")]))}


def cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "minerfarm", *args], capture_output=True,
                          text=True, env=env(), cwd=REPO, timeout=timeout)


def spawn(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen([sys.executable, "-m", "minerfarm", *args], env=env(), cwd=REPO,
                                stdout=out, stderr=subprocess.STDOUT)


@contextmanager
def simulated_miners() -> Iterator[list[dict[str, Any]]]:
    """Two miners (T-Rex and XMRig) replaying captures, as separate processes."""
    specs = [("trex", [f"summary={CAPTURES}/trex/summary_0.25.9_api4.1.json"]),
             ("xmrig", [f"summary={CAPTURES}/xmrig/summary_v2_6.22.1.json",
                        f"backends={CAPTURES}/xmrig/backends_v2_6.22.1.json"])]
    procs: list[subprocess.Popen[str]] = []
    miners: list[dict[str, Any]] = []
    try:
        for software, replies in specs:
            proc = subprocess.Popen([sys.executable, "-m", "minerfarm.sentry.simulator",
                                     software, *replies], stdout=subprocess.PIPE, text=True,
                                    env=env(), cwd=REPO)
            procs.append(proc)
            assert proc.stdout is not None
            miners.append({"software": software, "api_url": proc.stdout.readline().strip()})
        yield miners
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


def write_sentry_config(config_dir: Path, **fields: Any) -> None:
    path = config_dir / "sentry.json"
    config = json.loads(path.read_text())
    config.update(fields)
    path.write_text(json.dumps(config))




def stored_reports(commander: CommanderProcess, rig_id: int) -> list[dict[str, Any]]:
    """Every stored report of the rig, oldest first (the API pages newest first)."""
    reports: list[dict[str, Any]] = []
    before: Any = None
    with commander.admin() as admin:
        while True:
            params: dict[str, Any] = {"limit": 500}
            if before is not None:
                params["before"] = before
            page = admin.get(f"/api/v1/rigs/{rig_id}/reports", params=params)
            page.raise_for_status()
            body = page.json()
            reports.extend(body["reports"])
            before = body.get("next_before")
            if not before:
                break
    return list(reversed(reports))


def enroll(commander: CommanderProcess, config_dir: Path, token: str,
           group: str = "sentry") -> subprocess.CompletedProcess[str]:
    return cli(group, "enroll", "--commander", commander.url, "--token", token,
               "--config-dir", str(config_dir))
