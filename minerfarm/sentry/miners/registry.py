"""The miner registry: software name -> adapter, listed here explicitly (no discovery, so a
zipapp or a frozen build finds exactly the same adapters), and :func:`read_miner`.

BzMiner's adapter is marked unverified: no full reply of its API was captured (see
:mod:`.bzminer` for what it reads, and from where).
"""

from __future__ import annotations

import re

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners import (
    bzminer,
    gminer,
    lolminer,
    nbminer,
    rigel,
    srbminer,
    teamredminer,
    trex,
    wildrig,
    xmrig,
)
from minerfarm.sentry.miners.base import DEFAULT_TIMEOUT, Adapter
from minerfarm.sentry.miners.endpoint import parse_api_url
from minerfarm.sentry.miners.errors import MinerConfigError
from minerfarm.sentry.miners.gpustats import MinerGpu

REGISTRY: dict[str, Adapter] = {
    adapter.software: adapter
    for adapter in (
        xmrig.ADAPTER,
        lolminer.ADAPTER,
        trex.ADAPTER,
        gminer.ADAPTER,
        nbminer.ADAPTER,
        teamredminer.ADAPTER,
        srbminer.ADAPTER,
        rigel.ADAPTER,
        wildrig.ADAPTER,
        bzminer.ADAPTER,
    )
}

# Spellings users and catalogs write, folded to lowercase letters and digits first.
ALIASES = {"srbminermulti": "srbminer", "trm": "teamredminer", "wildrigmulti": "wildrig"}

# Adapters written from documented field names, without a full captured reply to test on.
UNVERIFIED = frozenset({bzminer.SOFTWARE})


def adapter_for(software: str) -> Adapter:
    """The adapter for ``software`` (``"T-Rex"``, ``"trex"``, ``"SRBMiner-MULTI"`` all work).

    Raises :class:`MinerConfigError` naming the known ones.
    """
    key = re.sub(r"[^a-z0-9]", "", software.lower())
    adapter = REGISTRY.get(ALIASES.get(key, key))
    if adapter is None:
        known = ", ".join(sorted(REGISTRY))
        raise MinerConfigError(f"unknown miner software {software!r}; known: {known}")
    return adapter


async def read_miner(software: str, api_url: str, *, timeout_s: float = DEFAULT_TIMEOUT) -> Miner:
    """Read one miner's API and return its normalised ``miners[]`` entry.

    ``api_url`` is ``http://host:port``, ``tcp://host:port`` or ``host:port``. Raises a
    :class:`~minerfarm.sentry.miners.errors.MinerApiError` (``MinerUnreachable`` when nothing
    answers in time, ``MinerReplyInvalid`` for an answer that is not the miner's API).
    """
    adapter = adapter_for(software)
    endpoint = parse_api_url(api_url, adapter.dialect, adapter.default_port,
                             software=adapter.software)
    return await adapter.read(endpoint, timeout_s=timeout_s)


async def read_miner_with_gpus(software: str, api_url: str, *,
                               timeout_s: float = DEFAULT_TIMEOUT
                               ) -> tuple[Miner, list[MinerGpu]]:
    """As :func:`read_miner`, plus what the miner says about each GPU (for ``gpus[]``)."""
    adapter = adapter_for(software)
    endpoint = parse_api_url(api_url, adapter.dialect, adapter.default_port,
                             software=adapter.software)
    return await adapter.read_with_gpus(endpoint, timeout_s=timeout_s)
