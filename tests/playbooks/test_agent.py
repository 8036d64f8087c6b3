"""The playbook agent as the run loop drives it: what runs playbooks and miners (Ansible's
runner, the supervisor, the log shipper) loads only when the commander gives the rig playbooks
or a previous sentry left some on disk; without it a rig still answers its remote actions and
is cleaned up when removed."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from minerfarm.protocol.actions import Action, ActionAck
from minerfarm.protocol.playbooks import DesiredPlaybooks, LogBatch, PlaybookRun
from minerfarm.sentry.actions.executor import ActionPolicy
from minerfarm.sentry.playbooks.agent import PlaybookAgent
from tests.support import REPO

MACHINERY = ("minerfarm.sentry.playbooks.applier", "minerfarm.sentry.playbooks.runner",
             "minerfarm.sentry.playbooks.supervisor", "minerfarm.sentry.playbooks.logship",
             "minerfarm.ansible_support")


class Commander:
    """Answers ``desired`` once, then "unchanged" (304) after a short hold."""

    def __init__(self, desired: dict[str, Any]) -> None:
        self.desired = desired
        self.acks: dict[int, ActionAck] = {}
        self.runs: list[PlaybookRun] = []

    async def wait_for_playbooks(self, revision: str | None, wait_s: float,
                                 actions: Sequence[str] = ()) -> DesiredPlaybooks | None:
        if revision == self.desired["revision"]:
            await asyncio.sleep(0.05)
            return None
        return DesiredPlaybooks.model_validate(self.desired)

    async def post_playbook_run(self, run: PlaybookRun) -> None:
        self.runs.append(run)

    async def post_action_ack(self, action_id: int, ack: ActionAck) -> None:
        self.acks[action_id] = ack

    async def post_logs(self, batch: LogBatch) -> None:
        pass


def _agent(commander: Commander, directory: Path) -> PlaybookAgent:
    return PlaybookAgent(commander, directory, poll_s=0.05,  # type: ignore[arg-type]
                         actions=ActionPolicy(allow_reboot=True, reboot_command=(
                             sys.executable, "-c", "pass")))


async def _run_until(agent: PlaybookAgent, check: Any, timeout: float = 10.0) -> None:
    task = asyncio.create_task(agent.run())
    try:
        for _ in range(int(timeout / 0.05)):
            if check():
                return
            await asyncio.sleep(0.05)
        raise AssertionError("condition not met in time")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _action(action_id: int, kind: str) -> dict[str, Any]:
    return Action(id=action_id, kind=kind, requested_at=datetime.now(UTC)).model_dump(
        mode="json")


LOADED = """
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from tests.playbooks.test_agent import Commander, _agent, _run_until, _action

async def main():
    commander = Commander({"revision": "1", "playbooks": [],
                           "actions": [_action(1, "reboot"), _action(2, "restart_miner")]})
    agent = _agent(commander, Path(sys.argv[1]))
    await _run_until(agent, lambda: len(commander.acks) == 2)
    return {k: v.outcome for k, v in commander.acks.items()}

acks = asyncio.run(main())
print(json.dumps({"acks": acks, "loaded": [m for m in sys.modules if m.startswith(
    ("minerfarm.sentry.playbooks.", "minerfarm.ansible_support"))]}))
"""


def test_a_rig_without_playbooks_runs_actions_without_loading_the_playbook_runner(
        tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-c", LOADED, str(tmp_path), str(REPO)],
                          capture_output=True, text=True, timeout=60, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["acks"] == {"1": "done", "2": "failed"}  # rebooted; no miner to restart
    assert sorted(set(result["loaded"]) & set(MACHINERY)) == []
    assert "minerfarm.sentry.playbooks.watcher" in result["loaded"]


async def test_an_empty_revision_stops_the_miner_a_killed_sentry_left(tmp_path: Path) -> None:
    playbook = tmp_path / "playbooks" / "3"
    playbook.mkdir(parents=True)
    orphan = subprocess.Popen(["sleep", "300"], cwd=playbook, start_new_session=True)
    try:
        (playbook / "miner.pid").write_text(f"{orphan.pid}\n")
        agent = _agent(Commander({"revision": "2", "playbooks": []}), tmp_path)
        await _run_until(agent, lambda: agent.watcher.revision == "2")
        assert orphan.wait(10) is not None
        assert not (tmp_path / "playbooks").exists()
    finally:
        orphan.kill()
        orphan.wait(10)


async def test_a_removed_rig_without_playbooks_loses_its_playbook_state(tmp_path: Path) -> None:
    commander = Commander({"revision": "1", "playbooks": [], "actions": [_action(5, "reboot")]})
    agent = _agent(commander, tmp_path)
    await _run_until(agent, lambda: 5 in commander.acks)
    assert agent.layout.actions.exists()
    await agent.remove_everything()
    assert not agent.layout.actions.parent.exists()
    assert not any(p.exists() for p in agent.layout.state_dirs())
