"""Run the commander's remote actions, each at most once.

- ``restart_miner``: stop and start the supervised miner of a playbook (``miner``: its id), or
  every miner; done once the new process runs.
- ``reapply_playbooks``: the last applied revision applied again (miners stopped, every
  playbook run, miners started); failed if a playbook failed.
- ``reboot``: only with ``allow_reboot`` in ``sentry.json`` (off by default: ``refused``);
  runs ``reboot_command``, an argv list (never a shell string).

Each action id is written to ``state_file`` *before* it runs, and its outcome after: an action
delivered again (its acknowledgement was lost, the sentry restarted) is answered from there,
never run twice. One cut short by the sentry stopping is ``failed``, except a reboot, which
that is the expected end of.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from minerfarm.protocol.actions import ACK_MESSAGE_MAX, Action, ActionAck, Outcome
from minerfarm.protocol.playbooks import PlaybookRun

log = logging.getLogger(__name__)
REMEMBERED = 1000  # action ids kept (far more than a rig is sent before their acks arrive)
REBOOT_TIMEOUT_S = 60.0
Reapply = Callable[[], Awaitable[list[PlaybookRun] | None]]


class Miners(Protocol):
    """The supervised miners (:class:`~minerfarm.sentry.playbooks.applier.Applier`)."""

    async def restart_miners(self, playbook_id: int | None = None) -> list[int]: ...

    def miner_pid(self, playbook_id: int) -> int | None: ...


@dataclass(frozen=True)
class ActionPolicy:
    """From ``sentry.json``: ``allow_reboot`` and ``reboot_command``."""

    allow_reboot: bool = False
    reboot_command: Sequence[str] = ("systemctl", "reboot")


def _ack(outcome: Outcome, message: str) -> ActionAck:
    return ActionAck(outcome=outcome, message=message[:ACK_MESSAGE_MAX])


@dataclass
class ActionExecutor:
    applier: Miners
    policy: ActionPolicy = field(default_factory=ActionPolicy)
    state_file: Path | None = None
    reboot_timeout_s: float = REBOOT_TIMEOUT_S
    _seen: dict[int, dict[str, str] | None] = field(default_factory=dict)
    _loaded: bool = False

    @property
    def kinds(self) -> tuple[str, ...]:
        """What this sentry runs, for the commander (reboot only where allowed)."""
        return ("restart_miner", "reapply_playbooks") + (
            ("reboot",) if self.policy.allow_reboot else ())

    async def execute(self, action: Action, reapply: Reapply) -> ActionAck:
        if not self._loaded:
            self._seen = await asyncio.to_thread(self._load)
            self._loaded = True
        if action.id in self._seen:
            return self._again(action)
        self._seen[action.id] = None
        await asyncio.to_thread(self._save)
        log.info("action %s: %s%s", action.id, action.kind,
                 f" (miner {action.miner})" if action.miner else "")
        try:
            ack = await self._run(action, reapply)
        except Exception as exc:  # a bug in one action must not stop the watcher
            log.exception("action %s failed", action.id)
            ack = _ack("failed", f"{type(exc).__name__}: {exc}")
        self._seen[action.id] = {"outcome": ack.outcome, "message": ack.message or ""}
        await asyncio.to_thread(self._save)
        log.info("action %s %s: %s", action.id, ack.outcome, ack.message)
        return ack

    def _again(self, action: Action) -> ActionAck:
        known = self._seen[action.id]
        if known is not None:
            outcome = known["outcome"]
            return ActionAck(outcome=outcome if outcome in ("done", "failed", "refused")
                             else "failed", message=known["message"] or None)  # type: ignore[arg-type]
        if action.kind == "reboot":
            return _ack("done", "the sentry started again after running the reboot command")
        return _ack("failed", "interrupted: the sentry stopped while doing it")

    async def _run(self, action: Action, reapply: Reapply) -> ActionAck:
        if action.kind == "restart_miner":
            return await self._restart(action.miner)
        if action.kind == "reapply_playbooks":
            return _reapplied(await reapply())
        if action.kind == "reboot":
            return await self._reboot()
        return _ack("refused", f"this sentry does not know the action {action.kind!r}: "
                               "update it to the commander's version")

    async def _restart(self, miner: str | None) -> ActionAck:
        if miner is not None and not miner.isdigit():
            return _ack("failed", f"miner {miner[:64]!r} is not a playbook id")
        wanted = int(miner) if miner is not None else None
        restarted = await self.applier.restart_miners(wanted)
        if not restarted:
            return _ack("failed", "no miner of that playbook runs on this rig" if wanted
                        is not None else "no miner runs on this rig")
        pid = self.applier.miner_pid
        for _ in range(100):  # the new process is started by the miner's task
            if all(pid(i) for i in restarted):
                break
            await asyncio.sleep(0.05)
        pids = ", ".join(f"playbook {i}: pid {pid(i) or '?'}" for i in restarted)
        return _ack("done", f"restarted ({pids})")

    async def _reboot(self) -> ActionAck:
        if not self.policy.allow_reboot:
            return _ack("refused", "reboots are off on this rig: set \"allow_reboot\": true in "
                                   "sentry.json and restart the sentry")
        argv = [str(part) for part in self.policy.reboot_command]
        try:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT)
        except OSError as exc:
            return _ack("failed", f"cannot run the reboot command {argv[0]!r}: {exc}")
        try:
            output, _ = await asyncio.wait_for(process.communicate(), self.reboot_timeout_s)
        except TimeoutError:
            process.kill()
            await process.wait()
            return _ack("failed", f"the reboot command ran over {self.reboot_timeout_s:.0f} s")
        text = output.decode(errors="replace").strip()[-1000:]
        if process.returncode != 0:
            return _ack("failed", f"the reboot command exited with {process.returncode}"
                                  + (f": {text}" if text else ""))
        return _ack("done", f"reboot command ran: {' '.join(argv)}")

    def _load(self) -> dict[int, dict[str, str] | None]:
        if self.state_file is None or not self.state_file.exists():
            return {}
        try:
            data = json.loads(self.state_file.read_text())
            return {int(key): value for key, value in data.items()}
        except (OSError, ValueError, AttributeError) as exc:
            log.warning("ignoring %s: %s", self.state_file, exc)
            return {}

    def _save(self) -> None:
        if len(self._seen) > REMEMBERED:
            for old in sorted(self._seen)[:len(self._seen) - REMEMBERED]:
                del self._seen[old]
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(json.dumps({str(k): v for k, v in self._seen.items()}))
        os.chmod(partial, 0o600)
        partial.replace(self.state_file)


def _reapplied(runs: list[PlaybookRun] | None) -> ActionAck:
    if runs is None:
        return _ack("failed", "no playbook revision has been applied on this rig yet")
    failed = [run for run in runs if run.status == "failed"]
    if not failed:
        return _ack("done", f"{len(runs)} playbook{'s' if len(runs) != 1 else ''} applied")
    first = failed[0]
    return _ack("failed", f"playbook {first.playbook_id} failed"
                + (f" at {first.failed_task}" if first.failed_task else "")
                + (f": {first.message}" if first.message else ""))
