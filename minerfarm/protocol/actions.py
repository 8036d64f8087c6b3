"""Remote actions on a CPU/GPU rig, on the wire (additive to protocol v1).

- The sentry names the action kinds it executes in its long-poll,
  ``GET /api/v1/sentry/playbooks?actions=restart_miner,reapply_playbooks[,reboot]``
  (:data:`ACTIONS_PARAM`). Only then does the commander hand it actions: an older sentry
  never sends the parameter and never gets one.
- The answer (:class:`~minerfarm.protocol.playbooks.DesiredPlaybooks`) carries ``actions``,
  every :class:`Action` not acknowledged yet; with actions pending it comes at once, as a 200
  with the current revision (no 304), and the sentry does not re-apply an unchanged revision.
- ``POST /api/v1/sentry/actions/{id}`` takes an :class:`ActionAck` for each.

An action is executed at most once: the sentry remembers the ids it ran and, should one come
again (its acknowledgement was lost), sends the outcome it already had.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from minerfarm.protocol.bounds import Clean

ActionKind = Literal["restart_miner", "reapply_playbooks", "reboot"]
ACTION_KINDS: tuple[ActionKind, ...] = ("restart_miner", "reapply_playbooks", "reboot")
Outcome = Literal["done", "failed", "refused"]
ACTIONS_PARAM = "actions"  # the long-poll's query parameter: the kinds a sentry executes
ACK_MESSAGE_MAX = 4096  # characters of an acknowledgement's message
MINER_MAX = 128  # characters of ``miner``


class Action(BaseModel):
    """One action for the rig. ``miner``: for ``restart_miner``, the playbook id of the miner
    (as the reports' ``miners[].playbook_id``), as text; absent: every miner of the rig.

    Read leniently by the sentry: ``kind`` is text, so a kind of a newer commander is refused
    by name rather than failing the whole answer."""

    model_config = ConfigDict(extra="ignore")
    id: int
    kind: str
    miner: str | None = None
    requested_at: datetime


class ActionAck(BaseModel):
    """``POST /actions/{id}``: what became of the action on the rig."""

    outcome: Outcome
    message: Annotated[str, Field(max_length=ACK_MESSAGE_MAX), Clean] | None = None


def parse_kinds(value: str) -> frozenset[str]:
    """``restart_miner,reboot`` -> the known kinds named (unknown ones are skipped)."""
    return frozenset(k for k in (p.strip() for p in value.split(",")) if k in ACTION_KINDS)
