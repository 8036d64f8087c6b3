"""Farm totals kept up to date incrementally: each report replaces one rig's share.

A full rebuild (O(rigs)) runs at most once a second: it catches rigs that went stale without
a message and clears float drift. Between rebuilds a report costs O(its miners), so the totals
stay exact and cheap however many live pages ask for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from minerfarm.commander.dashboard.digest import RigDigest, algorithm_bucket, coin_bucket


@dataclass
class FarmTotals:
    hashrate_by_coin: dict[str, float] = field(default_factory=dict)
    hashrate_by_algorithm: dict[str, float] = field(default_factory=dict)
    power_w: float = 0.0
    # Online rigs whose report gave a power figure: with none, the header shows "—" (no rig
    # said anything), not "0 W".
    power_reporters: int = 0
    rigs_online: int = 0
    rigs_offline: int = 0
    sentries_online: int = 0
    sentries_offline: int = 0
    asics_online: int = 0
    asics_offline: int = 0


@dataclass(frozen=True)
class Share:
    """What one rig adds to the totals."""

    kind: str
    online: bool
    asics_online: int = 0
    asics_total: int = 0
    power_w: float = 0.0
    coins: tuple[tuple[str, float], ...] = ()
    algorithms: tuple[tuple[str, float], ...] = ()
    reports_power: bool = False


def share_of(digest: RigDigest, online: bool) -> Share:
    if not online:
        return Share(digest.kind, False, 0, digest.asics_total)
    rates = [m for m in digest.miners if m.hashrate_hs is not None]
    return Share(digest.kind, True, digest.asics_online, digest.asics_total,
                 digest.power_w or 0.0,
                 tuple((coin_bucket(m), m.hashrate_hs or 0.0) for m in rates),
                 tuple((algorithm_bucket(m), m.hashrate_hs or 0.0) for m in rates),
                 reports_power=digest.power_w is not None)


def _add(sums: dict[str, float], key: str, value: float) -> None:
    total = sums.get(key, 0.0) + value
    if abs(total) < 1e-6:  # the last contributor left
        sums.pop(key, None)
    else:
        sums[key] = total


class RunningTotals:
    def __init__(self) -> None:
        self.totals = FarmTotals()
        self.shares: dict[int, Share] = {}
        self.version = 0

    def rebuild(self, digests: Iterable[RigDigest], online: Callable[[RigDigest], bool]) -> None:
        self.totals, self.shares = FarmTotals(), {}
        for digest in digests:
            share = self.shares[digest.id] = share_of(digest, online(digest))
            self._apply(share, 1)
        self.version += 1

    def put(self, rig_id: int, share: Share | None) -> None:
        """Replace one rig's share (None: the rig is gone)."""
        old = self.shares.pop(rig_id, None)
        if old is not None:
            self._apply(old, -1)
        if share is not None:
            self.shares[rig_id] = share
            self._apply(share, 1)
        self.version += 1

    def _apply(self, share: Share, sign: int) -> None:
        t = self.totals
        up = share.asics_online if share.online else 0
        if share.kind == "asic":
            t.sentries_online += sign * share.online
            t.sentries_offline += sign * (not share.online)
            t.asics_online += sign * up
            t.asics_offline += sign * (share.asics_total - up)
        else:
            t.rigs_online += sign * share.online
            t.rigs_offline += sign * (not share.online)
        t.power_w += sign * share.power_w
        t.power_reporters += sign * share.reports_power
        for coin, rate in share.coins:
            _add(t.hashrate_by_coin, coin, sign * rate)
        for algorithm, rate in share.algorithms:
            _add(t.hashrate_by_algorithm, algorithm, sign * rate)
