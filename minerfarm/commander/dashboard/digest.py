"""What the pages show of a report, computed once per report: :class:`RigDigest`.

A figure the report does not give stays ``None`` (shown as a dash), never 0.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from minerfarm.commander.health.model import PlaybookStatus, RigHealth
from minerfarm.commander.reports.figures import (
    asic_identity,
    asic_temp,
    max_of,
    number,
    obj,
    objects,
    sum_of,
    text,
)
from minerfarm.protocol.algorithms import (
    algorithm_of_coin,
    algorithm_of_model,
    normalise_algorithm,
    normalise_coin,
)

_VERSIONS = itertools.count(1)


def clock_skew_s(stats: dict[str, Any], received: datetime) -> float | None:
    """How far the report's own ``ts`` is from the commander's receive time (+: ahead).

    A report replayed from the spool after an outage also looks behind, by the outage, until
    the fresh reports behind it arrive (the sentry sends its spool oldest first, in batches).
    """
    text = stats.get("ts")
    if not isinstance(text, str):
        return None
    try:
        ts = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if ts.tzinfo is None:
        return None
    return (ts - received).total_seconds()


@dataclass(frozen=True)
class MinerLine:
    """One miner (or online ASIC) of a rig. ``coin`` and ``algorithm`` are normalised
    (:mod:`minerfarm.protocol.algorithms`); an algorithm not reported is taken from the coin
    when the coin is a well-known one."""

    software: str
    coin: str | None
    algorithm: str | None
    hashrate_hs: float | None

    @classmethod
    def read(cls, software: str, coin: Any, algorithm: Any, hashrate: Any) -> MinerLine:
        ticker = normalise_coin(text(coin))
        return cls(software, ticker,
                   normalise_algorithm(text(algorithm)) or algorithm_of_coin(ticker),
                   number(hashrate))

    @classmethod
    def miner(cls, m: dict[str, Any]) -> MinerLine:
        """A ``miners[]`` entry of a report."""
        return cls.read(text(m.get("software")) or "?", m.get("coin"), m.get("algorithm"),
                        m.get("hashrate_hs"))

    @classmethod
    def asic(cls, a: dict[str, Any]) -> MinerLine:
        """An ``asics[]`` entry; an ASIC sentry older than the model facts sent no algorithm:
        it is read from the model."""
        return cls.read(text(a.get("model")) or "ASIC", a.get("coin"),
                        text(a.get("algorithm"))
                        or algorithm_of_model(text(a.get("make")), text(a.get("model"))),
                        a.get("hashrate_hs"))


def algorithm_bucket(miner: MinerLine) -> str:
    """The algorithm total a miner adds to: its (normalised) algorithm, else a bucket of its
    own software, so hashrates of unknown algorithms never add up with each other."""
    return miner.algorithm or f"{miner.software} (algorithm not reported)"


def coin_bucket(miner: MinerLine) -> str:
    """The coin total a miner adds to: its coin; without one, its algorithm (MH/s of different
    algorithms do not add, so there is no single "unknown" coin)."""
    if miner.coin:
        return miner.coin
    if miner.algorithm:
        return f"{miner.algorithm} (coin not reported)"
    return algorithm_bucket(miner)


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
    tags: tuple[str, ...] = ()
    # The rig's clock minus the commander's, in seconds (positive: ahead), from the latest
    # report's ``ts`` and its receive time; None while within the flag limit or unknown.
    clock_skew_s: float | None = None
    # What the pages say of the rig's state and problems (:mod:`..health`), kept by the farm
    # model after each report or playbook run; and the outcomes of its latest playbook runs.
    health: RigHealth = field(default_factory=RigHealth)
    playbooks: PlaybookStatus = field(default_factory=PlaybookStatus)
    # Alerts firing on the rig or its ASICs (alert id -> (message, since)), from the alert
    # engine's messages; the health lists them as problems.
    alerts: dict[int, tuple[str, datetime | None]] = field(default_factory=dict)
    # Which subject each of them fires on ("" the rig itself, else the ASIC's identity).
    alert_subjects: dict[int, str] = field(default_factory=dict)
    # Unique across digests (not per rig): a cached fragment can never match a new rig that
    # was given a deleted rig's id.
    version: int = field(default_factory=lambda: next(_VERSIONS))
    # hashrate_by_algorithm() of ``version`` (the index sorts 10,000 rigs by it)
    _rates: tuple[int, dict[str, float]] = field(default=(0, {}), repr=False, compare=False)

    def apply_stats(self, stats: dict[str, Any], last_seen: datetime, seq: int,
                    skew_flag_s: float = 300.0) -> None:
        self.stats, self.last_seen, self.seq = stats, last_seen, seq
        skew = clock_skew_s(stats, last_seen)
        self.clock_skew_s = skew if skew is not None and abs(skew) > skew_flag_s else None
        if self.kind == "asic":
            self._asic_figures(stats.get("asics") or [])
        else:
            self._rig_figures(stats)
        self.version = next(_VERSIONS)

    def _rig_figures(self, stats: dict[str, Any]) -> None:
        gpus, miners = objects(stats.get("gpus")), objects(stats.get("miners"))
        self.miners = [MinerLine.miner(m) for m in miners]
        self.gpu_count = len(gpus) if stats.get("gpus") is not None else None
        self.hottest_c = max_of([g.get("temp_c") for g in gpus])
        self.power_w = sum_of([g.get("power_w") for g in gpus])
        shares = [obj(m.get("shares")) for m in miners]
        self.accepted = sum_of([s.get("accepted") for s in shares])  # type: ignore[assignment]
        self.rejected = sum_of([s.get("rejected") for s in shares])  # type: ignore[assignment]
        self.hashrate_hs = sum_of([m.hashrate_hs for m in self.miners])

    def _asic_figures(self, asics: list[dict[str, Any]]) -> None:
        asics = objects(asics)
        online = [a for a in asics if a.get("online") is True]
        self.asics_online, self.asics_total = len(online), len(asics)
        self.miners = [MinerLine.asic(a) for a in online]
        self.hashrate_hs = sum_of([a.get("hashrate_hs") for a in online])
        self.power_w = sum_of([a.get("power_w") for a in online])
        self.hottest_c = max_of([asic_temp(a) for a in online])
        self.accepted = sum_of([obj(a.get("shares")).get("accepted") for a in online])  # type: ignore[assignment]
        self.rejected = sum_of([obj(a.get("shares")).get("rejected") for a in online])  # type: ignore[assignment]

    def hashrate_by_algorithm(self) -> dict[str, float]:
        """The rig's hashrate per algorithm bucket (a sum over algorithms means nothing)."""
        if self._rates[0] == self.version:
            return self._rates[1]
        rates: dict[str, float] = {}
        for line in self.miners:
            if line.hashrate_hs is not None:
                key = algorithm_bucket(line)
                rates[key] = rates.get(key, 0.0) + line.hashrate_hs
        self._rates = (self.version, dict(sorted(rates.items())))
        return self._rates[1]

    def touch(self) -> None:
        """Something shown changed without a report (its health, after a playbook run)."""
        self.version = next(_VERSIONS)

    def rename(self, name: str) -> None:
        self.name = name
        self.version = next(_VERSIONS)

    def retag(self, tags: list[str]) -> None:
        self.tags = tuple(tags)
        self.version = next(_VERSIONS)

    def asics(self) -> list[dict[str, Any]]:
        return objects(self.stats.get("asics"))

    def asic(self, identity: str) -> dict[str, Any] | None:
        return next((a for a in self.asics() if asic_identity(a) == identity), None)
