"""What happens to a rig's mining setup when the commander says it was removed (410).

The protocol says: stop the miners, remove installed mining software and playbooks. The
playbook agent implements :class:`RigRemovalHook` (it knows what it installed and started:
:meth:`~minerfarm.sentry.playbooks.agent.PlaybookAgent.remove_everything`).
"""

from __future__ import annotations

from typing import Protocol


class RigRemovalHook(Protocol):
    async def remove_everything(self) -> None:
        """Stop the miners, remove installed mining software and playbooks. Must not raise for
        what is already gone."""
        ...
