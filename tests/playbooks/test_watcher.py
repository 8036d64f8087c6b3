"""The watcher against commanders that behave differently: one without the long-poll (an
immediate 304) is polled every ``poll_s``, not hammered; playbook runs the commander could
not take are sent again later."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

import pytest

from minerfarm.agent.client import CommanderUnreachable
from minerfarm.aio import Backoff
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


UNTIL_MARKER = """\
- name: needs the marker
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Look for the marker
      ansible.builtin.stat:
        path: "{marker}"
      register: found
    - name: Download the miner
      ansible.builtin.fail:
        msg: "Request failed: <urlopen error [Errno 111] Connection refused>"
      when: not found.stat.exists
"""
FINE = """\
- name: fine
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Nothing to do
      ansible.builtin.debug:
        msg: ok
"""


@pytest.mark.slow  # five real ansible-runner runs
async def test_a_failed_apply_is_logged_in_words_and_retried_until_it_succeeds(
        tmp_path: Path, caplog: Any) -> None:
    """Only the failed playbook is applied again, with backoff; the one that worked is not."""
    marker = tmp_path / "download-server-is-back"
    desired = {"revision": "6", "playbooks": [
        {"id": 1, "name": "fine", "yaml": FINE, "vars": {}, "software": None},
        {"id": 2, "name": "flaky", "yaml": UNTIL_MARKER.format(marker=marker), "vars": {},
         "software": None}]}
    commander = OldCommander(desired)
    applier = Applier(Layout(tmp_path), Supervisor(lambda _id, _line: None))
    watcher = PlaybookWatcher(commander, applier, poll_s=0.2, wait_s=30,
                              reapply=Backoff(base_s=0.5, max_s=0.5, jitter=False))
    caplog.set_level("WARNING", logger="minerfarm.sentry.playbooks")
    task = asyncio.create_task(watcher.run())
    try:
        for _ in range(600):
            if any(r["status"] == "success" and r["playbook_id"] == 2 for r in commander.runs):
                break
            if len(commander.runs) >= 3 and not marker.exists():
                marker.touch()  # the server is back after a failed retry
            await asyncio.sleep(0.1)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    by_playbook = [(r["playbook_id"], r["status"]) for r in commander.runs]
    assert by_playbook[:3] == [(1, "success"), (2, "failed"), (2, "failed")]
    assert by_playbook[-1] == (2, "success")
    assert by_playbook.count((1, "success")) == 1
    assert watcher.failed == set()
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("playbook 2 (flaky) of revision 6 failed: Download the miner failed: a "
               "connection was refused" in w for w in warnings), warnings
    assert any("applying them again in 0 s" in w for w in warnings), warnings
