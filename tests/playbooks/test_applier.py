"""Applying a revision on the rig with real Ansible (ansible-runner, local connection): what
a failure reports, and the miner's console on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from minerfarm.protocol.playbooks import DesiredPlaybooks
from minerfarm.sentry.playbooks.applier import Applier
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.rotating import RotatingLog
from minerfarm.sentry.playbooks.supervisor import Supervisor

FAILING = """\
- name: fails on purpose
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Check the pool
      ansible.builtin.fail:
        msg: "cannot reach {{ pool }}"
"""

INSTALL = """\
- name: install only
  hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: install_miner
"""


def _applier(tmp_path: Path) -> tuple[Applier, list[tuple[int, str]]]:
    lines: list[tuple[int, str]] = []
    supervisor = Supervisor(lambda playbook_id, line: lines.append((playbook_id, line)))
    return Applier(Layout(tmp_path / "sentry"), supervisor), lines


async def _apply(applier: Applier, desired: dict[str, Any]) -> list[dict[str, Any]]:
    """Apply the commander's answer as it comes on the wire; the run reports as sent."""
    runs = await applier.apply(DesiredPlaybooks.model_validate(desired))
    return [run.model_dump(mode="json", exclude_none=True) for run in runs]


async def test_a_failing_playbook_is_reported_with_ansibles_task_and_message(
        tmp_path: Path) -> None:
    applier, _ = _applier(tmp_path)
    runs = await _apply(applier, {"revision": "7", "playbooks": [
        {"id": 3, "name": "x", "yaml": FAILING, "vars": {"pool": "pool.example.org:3333"},
         "software": None}]})
    assert runs == [{"revision": "7", "playbook_id": 3, "status": "failed",
                     "failed_task": "Check the pool",
                     "message": "cannot reach pool.example.org:3333"}]
    assert applier.supervisor.running() == []


async def test_software_without_a_verified_checksum_is_not_installed(tmp_path: Path) -> None:
    applier, _ = _applier(tmp_path)
    software = {"name": "gminer", "version": "3.44", "sha256": "", "api_kind": "gminer",
                "api_port": 44503, "download_url": "http://127.0.0.1:9/gminer.tar.xz"}
    runs = await _apply(applier, {"revision": "1", "playbooks": [
        {"id": 1, "name": "g", "yaml": INSTALL, "vars": {}, "software": software}]})
    assert runs[0]["status"] == "failed"
    assert runs[0]["failed_task"].startswith("install_miner : Check the catalog entry")
    assert "no verified sha256" in runs[0]["message"]
    assert not (tmp_path / "sentry" / "miners").exists()


def test_the_console_log_rotates(tmp_path: Path) -> None:
    console = RotatingLog(tmp_path / "miner.log", max_bytes=100, backups=2)
    for index in range(30):
        console.write(f"line {index:03d} of the miner's console")
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["miner.log", "miner.log.1", "miner.log.2"]
    assert "line 029" in (tmp_path / "miner.log").read_text()
    assert all(p.stat().st_size <= 100 for p in tmp_path.iterdir())


SLOW = """\
- name: slow
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Wait
      ansible.builtin.pause:
        seconds: 120
"""


async def test_a_stopping_sentry_stops_ansible(tmp_path: Path) -> None:
    import asyncio

    import psutil

    applier, _ = _applier(tmp_path)
    task = asyncio.create_task(_apply(applier, {"revision": "1", "playbooks": [
        {"id": 4, "name": "slow", "yaml": SLOW, "vars": {}, "software": None}]}))
    marker = str(tmp_path / "sentry" / "playbooks" / "4")

    def ansible_running() -> bool:
        return any(marker in " ".join(p.info.get("cmdline") or [])
                   for p in psutil.process_iter(["cmdline"]))

    for _ in range(200):
        if ansible_running():
            break
        await asyncio.sleep(0.1)
    assert ansible_running()
    task.cancel()
    for _ in range(100):
        if not ansible_running():
            break
        await asyncio.sleep(0.1)
    assert not ansible_running()
