"""What the rig page shows of remote actions: a button per action (disabled, with the reason,
when the rig's sentry does not run it) and the rig's action history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from minerfarm.commander.playbooks.store import rig_playbooks
from minerfarm.commander.state import commander_state

HISTORY = 20
NOT_SUPPORTED = ("this rig's sentry has not said it takes remote actions: it is older than "
                 "this commander (update it), or has not connected since")
NO_REBOOT = ("reboots are off on this rig: set \"allow_reboot\": true in its sentry.json and "
             "restart the sentry")


@dataclass(frozen=True)
class ActionPanel:
    disabled: dict[str, str]  # kind -> why its button is disabled
    miners: list[tuple[int, str]]  # (playbook id, playbook name): one supervised miner each
    history: list[dict[str, Any]]


async def action_panel(rig_id: int) -> ActionPanel:
    service = commander_state().actions
    kinds = await service.kinds(rig_id)
    disabled: dict[str, str] = {}
    for kind in ("restart_miner", "reapply_playbooks", "reboot"):
        if kinds is None:
            disabled[kind] = NOT_SUPPORTED
        elif kind not in kinds:
            disabled[kind] = NO_REBOOT if kind == "reboot" else "its sentry does not run it"
    miners = [(p.id, p.name) for p in await rig_playbooks(rig_id)]
    return ActionPanel(disabled, miners, await service.history(rig_id, HISTORY))
