"""The playbook side of a sentry, in one object for the run loop:

- ``run()``: the watcher (apply revisions, run remote actions) and, once miners may run, the
  log shipper; stops the miners on exit;
- ``miners()``: a :class:`~minerfarm.sentry.targets.MinerSource` of the running miners, read
  by the adapter their catalog entry names (``api_kind``) on ``api_port``;
- ``remove_everything()``: a :class:`~minerfarm.sentry.removal.RigRemovalHook` (410): stop the
  miners, remove the installed software, the playbooks and their logs.

What runs playbooks and miners (:mod:`.applier`, :mod:`.runner`, :mod:`.supervisor`,
:mod:`.logship`) is imported and built the first time there is something for it to do: a
revision with playbooks, a resumed one, or playbooks left on disk to remove. A rig the
commander gives no playbooks never loads it (about 1 MB of the sentry's RSS); the watcher
and the remote actions that need no miner (``reboot``) run without it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from minerfarm.aio import Backoff, task_group
from minerfarm.protocol.playbooks import API_HOST, DesiredPlaybooks, PlaybookRun
from minerfarm.sentry.actions.executor import ActionExecutor, ActionPolicy
from minerfarm.sentry.miners import REGISTRY
from minerfarm.sentry.playbooks.client import PlaybookClient
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.watcher import PlaybookWatcher
from minerfarm.sentry.targets import MinerTarget

if TYPE_CHECKING:
    from minerfarm.sentry.playbooks.applier import Applier
    from minerfarm.sentry.playbooks.logship import LogShipper

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Machinery:
    applier: Applier
    shipper: LogShipper


class PlaybookAgent:
    def __init__(self, client: PlaybookClient, directory: Path, *, poll_s: float = 60.0,
                 wait_s: float = 30.0, backoff: Backoff | None = None,
                 log_interval_s: float = 2.0, actions: ActionPolicy | None = None) -> None:
        self.layout = Layout(directory)
        self.client, self.backoff, self.log_interval_s = client, backoff, log_interval_s
        self.machinery: _Machinery | None = None  # built on first need (module docstring)
        self._group: asyncio.TaskGroup | None = None  # run()'s, for the log shipper
        self.executor = ActionExecutor(self, actions or ActionPolicy(),
                                       state_file=self.layout.actions)
        self.watcher = PlaybookWatcher(client, self, poll_s=poll_s, wait_s=wait_s,
                                       state_file=self.layout.applied, actions=self.executor)

    async def run(self) -> None:
        try:
            async with task_group() as group:
                self._group = group
                if self.machinery is not None:
                    self._ship(self.machinery)
                group.create_task(self.watcher.run(), name="playbook-watcher")
        finally:
            self._group = None
            if self.machinery is not None:
                await self.machinery.applier.supervisor.stop_all()

    def miners(self) -> list[MinerTarget]:
        if self.machinery is None:
            return []
        return [
            MinerTarget(spec.api_kind, f"{API_HOST}:{spec.api_port}", spec.playbook_id)
            for spec in self.machinery.applier.supervisor.running()
            if spec.api_kind is not None and spec.api_kind in REGISTRY and spec.api_port
        ]

    async def apply(self, desired: DesiredPlaybooks,
                    only: set[int] | None = None) -> list[PlaybookRun]:
        """The watcher's applier: :meth:`~.applier.Applier.apply`. A revision without
        playbooks on a rig with none on disk has nothing to stop or remove."""
        if self.machinery is None and not desired.playbooks and not self._on_disk():
            return []
        return await self._machinery().applier.apply(desired, only)

    async def restart_miners(self, playbook_id: int | None = None) -> list[int]:
        if self.machinery is None:
            return []  # no miner was ever started
        return await self.machinery.applier.restart_miners(playbook_id)

    def miner_pid(self, playbook_id: int) -> int | None:
        return self.machinery.applier.miner_pid(playbook_id) if self.machinery else None

    async def remove_everything(self) -> None:
        import shutil  # (with bz2 and lzma: 0.4 MB a sentry that is not removed does without)

        if self.machinery is not None or self._on_disk():
            await self._machinery().applier.remove_all()
        for folder in self.layout.state_dirs():
            if folder.exists():
                log.warning("rig removed: deleting %s", folder)
                await asyncio.to_thread(shutil.rmtree, folder, True)

    def _on_disk(self) -> bool:
        """Playbooks, or miners' pid files, a previous sentry left."""
        return self.layout.playbooks.exists()

    def _machinery(self) -> _Machinery:
        if self.machinery is None:
            from minerfarm.sentry.playbooks.applier import Applier
            from minerfarm.sentry.playbooks.logship import LogShipper
            from minerfarm.sentry.playbooks.supervisor import Supervisor

            shipper = LogShipper(self.client, interval_s=self.log_interval_s)
            self.machinery = _Machinery(
                Applier(self.layout, Supervisor(shipper.add, self.backoff)), shipper)
            if self._group is not None:
                self._ship(self.machinery)
        return self.machinery

    def _ship(self, machinery: _Machinery) -> None:
        assert self._group is not None
        self._group.create_task(machinery.shipper.run(), name="miner-log-shipper")
