"""The miner registry: software name -> adapter, listed here explicitly (no discovery, so a
zipapp or a frozen build finds exactly the same adapters), and :func:`read_miner`.

Each adapter's module is imported the first time its adapter is looked up, so a rig's sentry
carries only the adapters of the miners it reads; listing the names (``sorted(REGISTRY)``,
``name in REGISTRY``) imports none.

BzMiner's adapter is marked unverified: no full reply of its API was captured (see
:mod:`.bzminer` for what it reads, and from where).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners.base import DEFAULT_TIMEOUT, Adapter
from minerfarm.sentry.miners.endpoint import parse_api_url
from minerfarm.sentry.miners.errors import MinerConfigError
from minerfarm.sentry.miners.gpustats import MinerGpu


class Registry(Mapping[str, Adapter]):
    """Software name -> the ``ADAPTER`` of a module of this package, imported on first use."""

    def __init__(self, modules: Mapping[str, str]) -> None:
        self._modules = dict(modules)
        self._adapters: dict[str, Adapter] = {}

    def __getitem__(self, software: str) -> Adapter:
        adapter = self._adapters.get(software)
        if adapter is None:
            module = importlib.import_module(f"{__package__}.{self._modules[software]}")
            adapter = getattr(module, "ADAPTER", None)
            if not isinstance(adapter, Adapter) or adapter.software != software:
                raise RuntimeError(f"{module.__name__} has no ADAPTER for {software!r}")
            self._adapters[software] = adapter
        return adapter

    def __contains__(self, software: object) -> bool:
        return software in self._modules

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)


# software name -> its adapter's module in minerfarm.sentry.miners
REGISTRY = Registry({
    "xmrig": "xmrig",
    "lolminer": "lolminer",
    "trex": "trex",
    "gminer": "gminer",
    "nbminer": "nbminer",
    "teamredminer": "teamredminer",
    "srbminer": "srbminer",
    "rigel": "rigel",
    "wildrig": "wildrig",
    "bzminer": "bzminer",
})

# Spellings users and catalogs write, folded to lowercase letters and digits first.
ALIASES = {"srbminermulti": "srbminer", "trm": "teamredminer", "wildrigmulti": "wildrig"}

# Adapters written from documented field names, without a full captured reply to test on.
UNVERIFIED = frozenset({"bzminer"})


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
