"""The CPU/GPU sentry: runs on each rig, collects host, GPU and miner stats, applies playbooks.

Library face: :func:`read_miner` reads one running miner's API into the report's
``miners[]`` entry (:class:`minerfarm.protocol.Miner`); :data:`MINERS` names the miner
software it reads; errors are :class:`MinerApiError` and its subclasses. Everything else
(collectors, playbooks, the run loop) is the sentry's own and may move.
"""

from minerfarm.sentry.miners import (
    REGISTRY,
    MinerApiError,
    MinerConfigError,
    MinerReplyInvalid,
    MinerTimeout,
    MinerUnreachable,
    read_miner,
)

MINERS: tuple[str, ...] = tuple(sorted(REGISTRY))
"""The miner software :func:`read_miner` reads (registry names)."""

__all__ = [
    "MINERS",
    "MinerApiError",
    "MinerConfigError",
    "MinerReplyInvalid",
    "MinerTimeout",
    "MinerUnreachable",
    "read_miner",
]
