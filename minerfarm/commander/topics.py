"""Pub/sub topic names, defined once (the dashboard's pages subscribe to exactly these).

Events on every topic: ``created``, ``updated``, ``deleted``.
"""

from __future__ import annotations

from typing import Literal

Event = Literal["created", "updated", "deleted"]
_PREFIX = {"cpu_gpu": "cpu_gpu_mining_rig", "asic": "asic_mining_rig"}


def rig_index(kind: str) -> str:
    """Rigs of a kind appearing, renamed, disappearing."""
    return f"{_PREFIX[kind]}_index"


def rig(kind: str, rig_id: int) -> str:
    """One rig's identity (name) and deletion."""
    return f"{_PREFIX[kind]}:{rig_id}"


def operational_stats(kind: str) -> str:
    """Any rig of a kind reporting (for the index page and farm totals)."""
    return f"{_PREFIX[kind]}_operational_stats"


def miner_logs(rig_id: int) -> str:
    """New console lines of a rig's miners (its log page)."""
    return f"miner_logs:{rig_id}"


def rig_operational_stats(kind: str, rig_id: int) -> str:
    """One rig reporting (for its detail page)."""
    return f"{_PREFIX[kind]}_operational_stats:{rig_id}"


def rig_actions(rig_id: int) -> str:
    """Remote actions of a CPU/GPU rig requested or acknowledged (wakes its sentry's
    long-poll)."""
    return f"rig_actions:{rig_id}"


ALERTS = "alerts"
"""Alerts changing state (pending, firing, resolved, acknowledged), farm-wide."""


def rig_events(rig_id: int) -> str:
    """New events of a rig or of its ASICs (its event log, its pages)."""
    return f"rig_events:{rig_id}"
