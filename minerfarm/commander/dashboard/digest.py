"""What the pages show of a report, computed once per report: :class:`RigDigest`.

A figure the report does not give stays ``None`` (shown as a dash), never 0.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def _sum(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) if present else None


def _max(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def asic_identity(asic: dict[str, Any]) -> str:
    """Same identity as the ``asic_miners`` table: the MAC when known, else ``ip:<address>``."""
    mac = (asic.get("mac") or "").lower()
    return mac or f"ip:{asic.get('ip')}"


def asic_temp(asic: dict[str, Any]) -> float | None:
    boards = asic.get("boards") or ()
    return _max([b.get("chip_temp_c") or b.get("temp_c") for b in boards])


_VERSIONS = itertools.count(1)


@dataclass(frozen=True)
class MinerLine:
    software: str
    coin: str | None
    algorithm: str | None
    hashrate_hs: float | None


@dataclass
class RigDigest:
    """One rig on the index pages; ``version`` changes whenever anything shown changes."""

    id: int
    name: str
    kind: str
    last_seen: datetime | None = None
    seq: int | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    miners: list[MinerLine] = field(default_factory=list)
    gpu_count: int | None = None
    hottest_c: float | None = None
    power_w: float | None = None
    accepted: int | None = None
    rejected: int | None = None
    hashrate_hs: float | None = None
    asics_online: int = 0
    asics_total: int = 0
    # Unique across digests (not per rig): a cached fragment can never match a new rig that
    # was given a deleted rig's id.
    version: int = field(default_factory=lambda: next(_VERSIONS))

    def apply_stats(self, stats: dict[str, Any], last_seen: datetime, seq: int) -> None:
        self.stats, self.last_seen, self.seq = stats, last_seen, seq
        if self.kind == "asic":
            self._asic_figures(stats.get("asics") or [])
        else:
            self._rig_figures(stats)
        self.version = next(_VERSIONS)

    def _rig_figures(self, stats: dict[str, Any]) -> None:
        gpus, miners = stats.get("gpus") or [], stats.get("miners") or []
        self.miners = [MinerLine(m.get("software") or "?", m.get("coin"), m.get("algorithm"),
                                 m.get("hashrate_hs")) for m in miners]
        self.gpu_count = len(gpus) if stats.get("gpus") is not None else None
        self.hottest_c = _max([g.get("temp_c") for g in gpus])
        self.power_w = _sum([g.get("power_w") for g in gpus])
        shares = [m.get("shares") or {} for m in miners]
        self.accepted = _sum([s.get("accepted") for s in shares])  # type: ignore[assignment]
        self.rejected = _sum([s.get("rejected") for s in shares])  # type: ignore[assignment]
        self.hashrate_hs = _sum([m.hashrate_hs for m in self.miners])

    def _asic_figures(self, asics: list[dict[str, Any]]) -> None:
        online = [a for a in asics if a.get("online")]
        self.asics_online, self.asics_total = len(online), len(asics)
        self.miners = [MinerLine(a.get("model") or "ASIC", a.get("coin"), a.get("algorithm"),
                                 a.get("hashrate_hs")) for a in online]
        self.hashrate_hs = _sum([a.get("hashrate_hs") for a in online])
        self.power_w = _sum([a.get("power_w") for a in online])
        self.hottest_c = _max([asic_temp(a) for a in online])
        self.accepted = _sum([(a.get("shares") or {}).get("accepted") for a in online])  # type: ignore[assignment]
        self.rejected = _sum([(a.get("shares") or {}).get("rejected") for a in online])  # type: ignore[assignment]

    def rename(self, name: str) -> None:
        self.name = name
        self.version = next(_VERSIONS)

    def asics(self) -> list[dict[str, Any]]:
        return list(self.stats.get("asics") or [])

    def asic(self, identity: str) -> dict[str, Any] | None:
        return next((a for a in self.asics() if asic_identity(a) == identity), None)


def rollup_figures(stats: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    """(hashrate, hottest temperature, power) of a whole report, for the rig's charts."""
    if stats.get("asics"):
        online = [a for a in stats["asics"] if a.get("online")]
        return (_sum([a.get("hashrate_hs") for a in online]),
                _max([asic_temp(a) for a in online]), _sum([a.get("power_w") for a in online]))
    gpus = stats.get("gpus") or []
    temp = _max([g.get("temp_c") for g in gpus])
    if temp is None:
        temp = ((stats.get("host") or {}).get("cpu") or {}).get("temp_c")
    return (_sum([m.get("hashrate_hs") for m in stats.get("miners") or []]), temp,
            _sum([g.get("power_w") for g in gpus]))


def asic_figures(asic: dict[str, Any]) -> tuple[float | None, float | None, float | None]:
    if not asic.get("online"):
        return None, None, None
    return asic.get("hashrate_hs"), asic_temp(asic), asic.get("power_w")
