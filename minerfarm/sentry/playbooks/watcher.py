"""Follow the rig's playbook revision: ``GET /playbooks`` with ``If-None-Match``, held open by
the commander up to ``wait_s`` (long-poll) so a change arrives at once; against a commander
without the long-poll (an immediate 304) it polls every ``poll_s``. A new revision is applied
and each playbook's outcome sent with ``POST /playbook-runs`` (kept and resent while the
commander is unreachable). ``TokenInvalid`` and ``RigRemoved`` propagate to the run loop.

The last applied revision is saved (``state_file``): a restarted sentry applies it at once, so
the miners run again even while the commander is unreachable, then asks for newer ones.

With an :class:`~minerfarm.sentry.actions.executor.ActionExecutor` it names the action kinds
it runs in the long-poll, runs the actions an answer carries (after applying its revision, if
new; an unchanged revision is not applied again) and acknowledges each (kept and resent while
the commander is unreachable)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from pydantic import ValidationError

from minerfarm.agent.client import CommanderUnreachable, RequestRejected
from minerfarm.aio import Backoff
from minerfarm.protocol.actions import ActionAck
from minerfarm.protocol.playbooks import DesiredPlaybooks, PlaybookRun

if TYPE_CHECKING:
    from minerfarm.sentry.actions.executor import ActionExecutor

log = logging.getLogger(__name__)


class PlaybookFeed(Protocol):
    async def wait_for_playbooks(self, revision: str | None, wait_s: float,
                                 actions: Sequence[str] = ()) -> DesiredPlaybooks | None: ...

    async def post_playbook_run(self, run: PlaybookRun) -> None: ...

    async def post_action_ack(self, action_id: int, ack: ActionAck) -> None: ...


class Applies(Protocol):
    """Applies a revision (:class:`~minerfarm.sentry.playbooks.applier.Applier`)."""

    async def apply(self, desired: DesiredPlaybooks,
                    only: set[int] | None = None) -> list[PlaybookRun]: ...


class PlaybookWatcher:
    def __init__(self, client: PlaybookFeed, applier: Applies, *, poll_s: float = 60.0,
                 wait_s: float = 30.0, retry_max_s: float = 60.0,
                 state_file: Path | None = None,
                 actions: ActionExecutor | None = None,
                 reapply: Backoff | None = None) -> None:
        self.client, self.applier, self.state_file = client, applier, state_file
        self.poll_s, self.wait_s, self.retry_max_s = poll_s, wait_s, retry_max_s
        self.actions = actions
        self.revision: str | None = None
        self.desired: DesiredPlaybooks | None = None  # the revision last applied
        self._unsent: list[PlaybookRun] = []
        self._unacked: list[tuple[int, ActionAck]] = []
        # Failed playbooks of the current revision are applied again with backoff (a download
        # server that was down, a full disk freed) until they succeed or the revision changes.
        self.retry_failed = reapply or Backoff(base_s=30.0, max_s=1800.0)
        self.failed: set[int] = set()
        self._reapply_at: float | None = None

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        retry = Backoff(base_s=1.0, max_s=self.retry_max_s, jitter=False)
        saved = await asyncio.to_thread(self._load)
        if saved is not None:
            log.info("resuming playbook revision %s", saved.revision)
            await self._apply(saved, save=False)
        while True:
            if self._reapply_at is not None and loop.time() >= self._reapply_at:
                await self._reapply_failed()
            wait = min(self.wait_s, self._until_reapply(loop))
            started = loop.time()
            try:
                await self._send_runs()
                await self._send_acks()
                desired = await self._wait(wait)
            except CommanderUnreachable as exc:
                delay = min(retry.next(), max(0.0, self._until_reapply(loop)))
                log.info("playbooks: %s; retrying in %.0f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            retry.reset()
            if desired is None:
                answered_in = loop.time() - started
                if answered_in < wait / 2:  # no long-poll there: plain polling
                    await asyncio.sleep(max(0.0, min(self.poll_s - answered_in,
                                                     self._until_reapply(loop))))
                continue
            if desired.revision != self.revision or not desired.actions:
                await self._apply(desired)
            await self._run_actions(desired)

    async def _wait(self, wait: float) -> DesiredPlaybooks | None:
        kinds = self.actions.kinds if self.actions is not None else ()
        if kinds:
            return await self.client.wait_for_playbooks(self.revision, wait, kinds)
        return await self.client.wait_for_playbooks(self.revision, wait)

    def _until_reapply(self, loop: asyncio.AbstractEventLoop) -> float:
        if self._reapply_at is None:
            return self.wait_s if self.wait_s > self.poll_s else self.poll_s
        return max(0.0, self._reapply_at - loop.time())

    def _track(self, runs: list[PlaybookRun], loop: asyncio.AbstractEventLoop) -> None:
        """Which playbooks failed, and when to try them again."""
        for run in runs:
            if run.playbook_id is None:
                continue
            if run.status == "failed":
                self.failed.add(run.playbook_id)
            else:
                self.failed.discard(run.playbook_id)
        if not self.failed:
            self._reapply_at = None
            self.retry_failed.reset()
            return
        delay = self.retry_failed.next()
        self._reapply_at = loop.time() + delay
        log.warning("playbooks %s failed; applying them again in %.0f s",
                    ", ".join(map(str, sorted(self.failed))), delay)

    async def _reapply_failed(self) -> None:
        desired, failed = self.desired, set(self.failed)
        self._reapply_at = None
        if desired is None or not failed:
            return
        log.info("playbook revision %s: applying playbooks %s again", desired.revision,
                 ", ".join(map(str, sorted(failed))))
        runs = await self.applier.apply(desired, only=failed)
        self._unsent.extend(runs)
        self._track(runs, asyncio.get_running_loop())
        try:
            await self._send_runs()
        except CommanderUnreachable as exc:
            log.info("playbook runs kept for later: %s", exc)

    async def _apply(self, desired: DesiredPlaybooks, save: bool = True) -> list[PlaybookRun]:
        revision = desired.revision
        desired = desired.model_copy(update={"actions": []})  # (never saved, never rerun)
        log.info("playbook revision %s: applying %d playbooks", revision,
                 len(desired.playbooks))
        runs = await self.applier.apply(desired)
        self._unsent.extend(runs)
        self.revision = revision  # applied; what failed is retried with backoff, not at once
        self.desired, self.failed = desired, set()
        self.retry_failed.reset()
        self._track(runs, asyncio.get_running_loop())
        if save:
            await asyncio.to_thread(self._save, desired)
        try:
            await self._send_runs()
        except CommanderUnreachable as exc:
            log.info("playbook runs kept for later: %s", exc)
        return runs

    async def reapply(self) -> list[PlaybookRun] | None:
        """The last applied revision, applied again (None: none was yet)."""
        return await self._apply(self.desired, save=False) if self.desired is not None else None

    async def _run_actions(self, desired: DesiredPlaybooks) -> None:
        if self.actions is None or not desired.actions:
            return
        for action in desired.actions:
            self._unacked.append((action.id, await self.actions.execute(action, self.reapply)))
        try:
            await self._send_acks()
        except CommanderUnreachable as exc:
            log.info("action acknowledgements kept for later: %s", exc)

    async def _send_acks(self) -> None:
        while self._unacked:
            action_id, ack = self._unacked[0]
            try:
                await self.client.post_action_ack(action_id, ack)
            except RequestRejected as exc:
                log.warning("commander refused the acknowledgement of action %s: %s",
                            action_id, exc)
            self._unacked.pop(0)

    async def _send_runs(self) -> None:
        while self._unsent:
            try:
                await self.client.post_playbook_run(self._unsent[0])
            except RequestRejected as exc:
                log.warning("commander refused a playbook run: %s", exc)
            self._unsent.pop(0)

    def _load(self) -> DesiredPlaybooks | None:
        if self.state_file is None or not self.state_file.exists():
            return None
        try:
            return DesiredPlaybooks.model_validate_json(self.state_file.read_text())
        except (OSError, ValidationError) as exc:
            log.warning("ignoring %s: %s", self.state_file, exc)
            return None

    def _save(self, desired: DesiredPlaybooks) -> None:
        if self.state_file is None:
            return
        self.state_file.parent.mkdir(parents=True, exist_ok=True)
        partial = self.state_file.with_suffix(".tmp")
        partial.write_text(desired.model_dump_json())
        os.chmod(partial, 0o600)
        partial.replace(self.state_file)
