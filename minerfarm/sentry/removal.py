"""What happens to a rig's mining setup when the commander says it was removed (410).

The protocol says: stop the miners, remove installed mining software and playbooks. The
playbook runner implements :class:`RigRemovalHook` (it knows what it installed and started);
without one, :class:`RemoveStateDirs` removes the sentry's own ``miners/`` and ``playbooks/``
folders.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class RigRemovalHook(Protocol):
    async def remove_everything(self) -> None:
        """Stop the miners, remove installed mining software and playbooks. Must not raise for
        what is already gone."""
        ...


class RemoveStateDirs:
    def __init__(self, folders: Sequence[Path]) -> None:
        self.folders = list(folders)

    async def remove_everything(self) -> None:
        for folder in self.folders:
            if folder.exists():
                log.warning("rig removed: deleting %s", folder)
                await asyncio.to_thread(shutil.rmtree, folder, ignore_errors=True)
