"""Which miners the sentry reads each round: :class:`MinerSource` providers of
:class:`MinerTarget`. The config's ``miners`` list is one source; the playbook runner adds the
miners it starts as another."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from minerfarm.sentry.config import MinerEntry


@dataclass(frozen=True)
class MinerTarget:
    software: str  # a name of minerfarm.sentry.miners.REGISTRY
    api_url: str  # http://host:port, tcp://host:port or host:port
    playbook_id: int | None = None  # the playbook that runs it, if any


class MinerSource(Protocol):
    def miners(self) -> list[MinerTarget]:
        """The miners to read this round (called once per round, on the event loop: be quick)."""
        ...


class ConfigMiners:
    """The miners listed in ``sentry.json``."""

    def __init__(self, entries: Sequence[MinerEntry]) -> None:
        self._targets = [MinerTarget(e.software, e.api_url, e.playbook_id) for e in entries]

    def miners(self) -> list[MinerTarget]:
        return list(self._targets)


def all_targets(sources: Sequence[MinerSource]) -> list[MinerTarget]:
    """Every source's miners, each ``(software, api_url)`` once (the first source wins)."""
    seen: dict[tuple[str, str], MinerTarget] = {}
    for source in sources:
        for target in source.miners():
            seen.setdefault((target.software, target.api_url), target)
    return list(seen.values())
