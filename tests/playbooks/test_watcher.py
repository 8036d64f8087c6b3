"""The watcher against commanders that behave differently: one without the long-poll (an
immediate 304) is polled every ``poll_s``, not hammered; playbook runs the commander could
not take are sent again later."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from minerfarm.agent.client import CommanderUnreachable
from minerfarm.protocol.playbooks import DesiredPlaybooks, PlaybookRun
from minerfarm.sentry.playbooks.applier import Applier
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.supervisor import Supervisor
from minerfarm.sentry.playbooks.watcher import PlaybookWatcher

FAILING = """\
- name: fails
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Fail
      ansible.builtin.fail:
        msg: nope
"""


class OldCommander:
    """Ignores ``wait`` (answers 304 at once); refuses the first ``refusals`` runs."""

    def __init__(self, desired: dict[str, Any], refusals: int = 0) -> None:
        self.desired, self.refusals = desired, refusals
        self.polls = 0
        self.runs: list[dict[str, Any]] = []

    async def wait_for_playbooks(self, revision: str | None,
                                 wait_s: float) -> DesiredPlaybooks | None:
        self.polls += 1
        if revision == self.desired["revision"]:
            return None
        return DesiredPlaybooks.model_validate(self.desired)

    async def post_playbook_run(self, run: PlaybookRun) -> None:
        if self.refusals:
            self.refusals -= 1
            raise CommanderUnreachable("connection refused")
        self.runs.append(run.model_dump(mode="json", exclude_none=True))


async def _run_for(watcher: PlaybookWatcher, seconds: float) -> None:
    task = asyncio.create_task(watcher.run())
    await asyncio.sleep(seconds)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def test_without_long_poll_it_polls_every_poll_s(tmp_path: Path) -> None:
    commander = OldCommander({"revision": "1", "playbooks": []})
    applier = Applier(Layout(tmp_path), Supervisor(lambda _id, _line: None))
    watcher = PlaybookWatcher(commander, applier, poll_s=0.5, wait_s=30)
    await _run_for(watcher, 1.8)
    assert watcher.revision == "1"
    assert 3 <= commander.polls <= 6  # not a busy loop


async def test_runs_the_commander_missed_are_sent_later(tmp_path: Path) -> None:
    desired = {"revision": "4", "playbooks": [
        {"id": 9, "name": "x", "yaml": FAILING, "vars": {}, "software": None}]}
    commander = OldCommander(desired, refusals=1)
    applier = Applier(Layout(tmp_path), Supervisor(lambda _id, _line: None))
    watcher = PlaybookWatcher(commander, applier, poll_s=0.3, wait_s=30)
    task = asyncio.create_task(watcher.run())
    try:
        for _ in range(300):
            if commander.runs:
                break
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert commander.runs == [{"revision": "4", "playbook_id": 9, "status": "failed",
                               "failed_task": "Fail", "message": "nope"}]
