"""The playbook side of a sentry, in one object for the run loop:

- ``run()``: the watcher (apply revisions, run remote actions) and the log shipper; stops the
  miners on exit;
- ``miners()``: a :class:`~minerfarm.sentry.targets.MinerSource` of the running miners, read
  by the adapter their catalog entry names (``api_kind``) on ``api_port``;
- ``remove_everything()``: a :class:`~minerfarm.sentry.removal.RigRemovalHook` (410): stop the
  miners, remove the installed software, the playbooks and their logs.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from pathlib import Path

from minerfarm.aio import Backoff, task_group
from minerfarm.protocol.playbooks import API_HOST
from minerfarm.sentry.actions.executor import ActionExecutor, ActionPolicy
from minerfarm.sentry.miners import REGISTRY
from minerfarm.sentry.playbooks.applier import Applier
from minerfarm.sentry.playbooks.client import PlaybookClient
from minerfarm.sentry.playbooks.layout import Layout
from minerfarm.sentry.playbooks.logship import LogShipper
from minerfarm.sentry.playbooks.supervisor import Supervisor
from minerfarm.sentry.playbooks.watcher import PlaybookWatcher
from minerfarm.sentry.targets import MinerTarget

log = logging.getLogger(__name__)


class PlaybookAgent:
    def __init__(self, client: PlaybookClient, directory: Path, *, poll_s: float = 60.0,
                 wait_s: float = 30.0, backoff: Backoff | None = None,
                 log_interval_s: float = 2.0, actions: ActionPolicy | None = None) -> None:
        self.layout = Layout(directory)
        self.shipper = LogShipper(client, interval_s=log_interval_s)
        self.supervisor = Supervisor(self.shipper.add, backoff)
        self.applier = Applier(self.layout, self.supervisor)
        self.executor = ActionExecutor(self.applier, actions or ActionPolicy(),
                                       state_file=self.layout.actions)
        self.watcher = PlaybookWatcher(client, self.applier, poll_s=poll_s, wait_s=wait_s,
                                       state_file=self.layout.applied, actions=self.executor)

    async def run(self) -> None:
        try:
            async with task_group() as group:
                group.create_task(self.watcher.run(), name="playbook-watcher")
                group.create_task(self.shipper.run(), name="miner-log-shipper")
        finally:
            await self.supervisor.stop_all()

    def miners(self) -> list[MinerTarget]:
        return [
            MinerTarget(spec.api_kind, f"{API_HOST}:{spec.api_port}", spec.playbook_id)
            for spec in self.supervisor.running()
            if spec.api_kind in REGISTRY and spec.api_port
        ]

    async def remove_everything(self) -> None:
        await self.applier.remove_all()
        for folder in self.layout.state_dirs():
            if folder.exists():
                log.warning("rig removed: deleting %s", folder)
                await asyncio.to_thread(shutil.rmtree, folder, True)

