"""Remote actions on the rig, with real supervised processes: a restart gives the miner a new
process, an action delivered again is never run twice (even by a restarted sentry), a reboot
runs only where allowed and runs the configured argv; the watcher runs actions without
re-applying an unchanged revision and acknowledges each."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from minerfarm.protocol.actions import Action, ActionAck
from minerfarm.protocol.playbooks import DesiredPlaybooks, PlaybookRun
from minerfarm.sentry.actions.executor import ActionExecutor, ActionPolicy
from minerfarm.sentry.playbooks.applier import Applier
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.supervisor import MinerSpec, Supervisor
from minerfarm.sentry.playbooks.watcher import PlaybookWatcher


def _action(action_id: int, kind: str, miner: str | None = None) -> Action:
    return Action(id=action_id, kind=kind, miner=miner, requested_at=datetime.now(UTC))


def _miner(layout: Layout, playbook_id: int) -> MinerSpec:
    script = layout.launch_script(playbook_id)
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("#!/bin/sh\necho mining\nexec sleep 300\n")
    script.chmod(0o755)
    return MinerSpec(playbook_id, script, layout.log_file(playbook_id),
                     pid_file=layout.pid_file(playbook_id))


async def _until(check: Any, timeout: float = 10.0) -> Any:
    for _ in range(int(timeout / 0.05)):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def _no_reapply() -> list[PlaybookRun] | None:
    raise AssertionError("not asked to re-apply")


def _recorder(tmp_path: Path) -> tuple[list[str], Path]:
    """A harmless reboot command: appends a line to a file."""
    record = tmp_path / "reboots.txt"
    return [sys.executable, "-c", f"open({str(record)!r}, 'a').write('reboot\\n')"], record


async def test_restart_miner_gives_a_new_process_and_runs_once(tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    supervisor = Supervisor(lambda _id, _line: None)
    applier = Applier(layout, supervisor)
    executor = ActionExecutor(applier, state_file=layout.actions)
    supervisor.start(_miner(layout, 7))
    supervisor.start(_miner(layout, 8))
    try:
        first = await _until(lambda: supervisor.pid(7))
        other = await _until(lambda: supervisor.pid(8))
        ack = await executor.execute(_action(1, "restart_miner", "7"), _no_reapply)
        second = supervisor.pid(7)
        assert ack.outcome == "done" and f"playbook 7: pid {second}" in (ack.message or "")
        assert second not in (None, first) and not psutil.pid_exists(first)
        assert supervisor.pid(8) == other  # the other miner was left alone

        again = await executor.execute(_action(1, "restart_miner", "7"), _no_reapply)
        assert again == ack and supervisor.pid(7) == second  # delivered twice, run once

        # a restarted sentry (a new executor on the same state file) remembers it too
        reborn = ActionExecutor(applier, state_file=layout.actions)
        assert await reborn.execute(_action(1, "restart_miner", "7"), _no_reapply) == ack
        assert supervisor.pid(7) == second

        everyone = await executor.execute(_action(2, "restart_miner"), _no_reapply)
        assert everyone.outcome == "done"
        assert supervisor.pid(7) != second and supervisor.pid(8) != other

        missing = await executor.execute(_action(3, "restart_miner", "99"), _no_reapply)
        assert missing == ActionAck(outcome="failed",
                                    message="no miner of that playbook runs on this rig")
    finally:
        await supervisor.stop_all()


async def test_reboot_only_where_allowed_with_the_configured_argv(tmp_path: Path) -> None:
    applier = Applier(Layout(tmp_path), Supervisor(lambda _id, _line: None))
    command, record = _recorder(tmp_path)
    off = ActionExecutor(applier, ActionPolicy(reboot_command=command))
    assert "reboot" not in off.kinds
    refused = await off.execute(_action(1, "reboot"), _no_reapply)
    assert refused.outcome == "refused" and "allow_reboot" in (refused.message or "")
    assert not record.exists()

    state = tmp_path / "state" / "actions.json"
    on = ActionExecutor(applier, ActionPolicy(allow_reboot=True, reboot_command=command),
                        state_file=state)
    assert on.kinds == ("restart_miner", "reapply_playbooks", "reboot")
    done = await on.execute(_action(2, "reboot"), _no_reapply)
    assert done.outcome == "done" and sys.executable in (done.message or "")
    assert await on.execute(_action(2, "reboot"), _no_reapply) == done
    assert record.read_text() == "reboot\n"  # once

    failing = ActionExecutor(applier, ActionPolicy(allow_reboot=True, reboot_command=[
        sys.executable, "-c", "import sys; print('not permitted'); sys.exit(3)"]))
    failed = await failing.execute(_action(3, "reboot"), _no_reapply)
    assert failed.outcome == "failed" and failed.message == \
        "the reboot command exited with 3: not permitted"
    absent = ActionExecutor(applier, ActionPolicy(allow_reboot=True,
                                                  reboot_command=[str(tmp_path / "nope")]))
    missing = await absent.execute(_action(4, "reboot"), _no_reapply)
    assert missing.outcome == "failed" and "cannot run the reboot command" in (
        missing.message or "")

    unknown = await on.execute(_action(5, "format_disk"), _no_reapply)
    assert unknown.outcome == "refused" and "format_disk" in (unknown.message or "")


async def test_an_action_cut_short_by_the_sentry_stopping_is_not_run_again(
        tmp_path: Path) -> None:
    """The id is on disk before the action runs: after a reboot (the sentry died running
    it) the redelivered reboot is acknowledged, not run again."""
    applier = Applier(Layout(tmp_path), Supervisor(lambda _id, _line: None))
    command, record = _recorder(tmp_path)
    state = tmp_path / "actions.json"
    state.write_text('{"41": null, "42": null}')
    executor = ActionExecutor(applier, ActionPolicy(allow_reboot=True, reboot_command=command),
                              state_file=state)
    rebooted = await executor.execute(_action(41, "reboot"), _no_reapply)
    assert rebooted.outcome == "done" and "started again" in (rebooted.message or "")
    cut = await executor.execute(_action(42, "restart_miner"), _no_reapply)
    assert cut.outcome == "failed" and "interrupted" in (cut.message or "")
    assert not record.exists()


class ActionCommander:
    """Answers the long-poll with revision 1 and the actions queued, until acknowledged."""

    def __init__(self) -> None:
        self.pending: list[Action] = []
        self.acks: dict[int, ActionAck] = {}
        self.kinds: list[tuple[str, ...]] = []

    async def wait_for_playbooks(self, revision: str | None, wait_s: float,
                                 actions: tuple[str, ...] = ()) -> DesiredPlaybooks | None:
        self.kinds.append(tuple(actions))
        pending = [a for a in self.pending if a.id not in self.acks]
        if revision == "1" and not pending:
            await asyncio.sleep(0.05)
            return None
        return DesiredPlaybooks(revision="1", playbooks=[], actions=pending)

    async def post_playbook_run(self, run: PlaybookRun) -> None:
        pass

    async def post_action_ack(self, action_id: int, ack: ActionAck) -> None:
        self.acks[action_id] = ack


class CountingApplier(Applier):
    applied = 0

    async def apply(self, desired: DesiredPlaybooks) -> list[PlaybookRun]:
        self.applied += 1
        return await super().apply(desired)


async def test_the_watcher_runs_actions_without_reapplying_the_revision(
        tmp_path: Path) -> None:
    layout = Layout(tmp_path)
    supervisor = Supervisor(lambda _id, _line: None)
    applier = CountingApplier(layout, supervisor)
    executor = ActionExecutor(applier, state_file=layout.actions)
    commander = ActionCommander()
    watcher = PlaybookWatcher(commander, applier, poll_s=0.1, wait_s=30, actions=executor)
    task = asyncio.create_task(watcher.run())
    try:
        await _until(lambda: watcher.revision == "1")
        assert applier.applied == 1
        supervisor.start(_miner(layout, 3))
        first = await _until(lambda: supervisor.pid(3))
        commander.pending.append(_action(10, "restart_miner", "3"))
        await _until(lambda: 10 in commander.acks)
        assert commander.acks[10].outcome == "done" and supervisor.pid(3) != first
        assert applier.applied == 1  # the unchanged revision was not applied again

        commander.pending.append(_action(11, "reapply_playbooks"))
        await _until(lambda: 11 in commander.acks)
        assert commander.acks[11] == ActionAck(outcome="done", message="0 playbooks applied")
        assert applier.applied == 2
        assert commander.kinds[-1] == ("restart_miner", "reapply_playbooks")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await supervisor.stop_all()
