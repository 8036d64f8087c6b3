"""The farm aggregator: every rig's digest and the farm totals, in memory, kept current.

One instance per commander. It loads the rigs once at start, then follows the pub/sub topics
(rigs created/renamed/deleted, reports stored), so pages never recompute totals from the
database. Applying a message is idempotent (reports by ``seq``, deletions by id), which lets a
live page apply the message it just received before rendering, without racing this task.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from minerfarm.commander import topics
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.db.models import Rig
from minerfarm.commander.pubsub import OVERFLOW, Message, PubSub

log = logging.getLogger(__name__)
KINDS = ("cpu_gpu", "asic")


@dataclass
class FarmTotals:
    hashrate_by_coin: dict[str, float] = field(default_factory=dict)
    hashrate_by_algorithm: dict[str, float] = field(default_factory=dict)
    power_w: float = 0.0
    rigs_online: int = 0
    rigs_offline: int = 0
    sentries_online: int = 0
    sentries_offline: int = 0
    asics_online: int = 0
    asics_offline: int = 0


def all_topics() -> list[str]:
    return [name for kind in KINDS for name in (topics.rig_index(kind),
                                                 topics.operational_stats(kind))]


class FarmAggregator:
    def __init__(self, offline_after_s: float) -> None:
        self.offline_after = timedelta(seconds=offline_after_s)
        self.rigs: dict[int, RigDigest] = {}
        self._gone: set[int] = set()  # deleted: a late report must not bring them back
        self.version = 0
        self._totals: tuple[tuple[int, int], FarmTotals] | None = None
        self.cache: dict[Any, Any] = {}  # rendered fragments, owned by the pages

    # -- state ---------------------------------------------------------------------------
    async def load(self, sessions: async_sessionmaker[Any]) -> None:
        async with sessions() as session:
            rows = list(await session.scalars(select(Rig)))
        fresh: dict[int, RigDigest] = {}
        for rig in rows:
            digest = RigDigest(rig.id, rig.name, rig.kind)
            if rig.latest_stats is not None and rig.last_seen is not None:
                digest.apply_stats(rig.latest_stats, rig.last_seen, rig.last_seq or 0)
            fresh[rig.id] = digest
        self.rigs = fresh
        self._changed()

    def is_online(self, digest: RigDigest, now: datetime | None = None) -> bool:
        if digest.last_seen is None:
            return False
        return (now or datetime.now(UTC)) - digest.last_seen <= self.offline_after

    def of_kind(self, kind: str) -> list[RigDigest]:
        return sorted((d for d in self.rigs.values() if d.kind == kind),
                      key=lambda d: (d.name.lower(), d.id))

    def _changed(self) -> None:
        self.version += 1

    # -- messages ------------------------------------------------------------------------
    def observe(self, message: Message) -> int | None:
        """Apply one message; returns the rig id it changed, or None if nothing changed."""
        data, rig_id = message.data, message.data.get("id")
        if not isinstance(rig_id, int):
            return None
        if message.event == "created":
            self._gone.discard(rig_id)  # SQLite may give a new rig a deleted rig's id
        elif rig_id in self._gone:
            return None
        if message.event == "deleted":
            self._gone.add(rig_id)
            self.rigs.pop(rig_id, None)
            self._changed()
            return rig_id
        if "stats" in data:
            return self._observe_report(message.topic, rig_id, data)
        digest = self.rigs.get(rig_id)
        if digest is None and "name" in data:
            self.rigs[rig_id] = RigDigest(rig_id, data["name"], data["kind"])
        elif digest is not None and data.get("name", digest.name) != digest.name:
            digest.rename(data["name"])
        else:
            return None
        self._changed()
        return rig_id

    def _observe_report(self, topic: str, rig_id: int, data: dict[str, Any]) -> int | None:
        digest = self.rigs.get(rig_id)
        if digest is None:  # its "created" was lost (overflow): the next load names it
            kind = "asic" if topic.startswith("asic") else "cpu_gpu"
            digest = self.rigs[rig_id] = RigDigest(rig_id, f"rig {rig_id}", kind)
        if digest.seq is not None and data["seq"] <= digest.seq:
            return None
        stats = data["stats"]
        if isinstance(stats, str):  # RawJson: orjson wants a plain str
            stats = orjson.loads(str(stats))
        digest.apply_stats(stats, datetime.fromisoformat(data["last_seen"]), data["seq"])
        self._changed()
        return rig_id

    async def run(self, pubsub: PubSub, sessions: async_sessionmaker[Any]) -> None:
        """Follow the topics forever (started by the app; cancelled at shutdown)."""
        async with pubsub.subscribe(all_topics(), maxsize=10_000) as subscription:
            await self.load(sessions)
            async for message in subscription:
                if message is OVERFLOW:
                    log.warning("aggregator fell behind; reloading rigs from the database")
                    await self.load(sessions)
                    continue
                try:
                    self.observe(message)
                except Exception:  # one odd message must not stop the dashboard
                    log.exception("aggregator: could not apply %s %s", message.topic,
                                  message.event)
                await asyncio.sleep(0)

    # -- totals --------------------------------------------------------------------------
    def totals(self, now: datetime | None = None) -> FarmTotals:
        """Cached per change and per second (a rig going stale changes them without a message)."""
        key = (self.version, int(time.monotonic()))
        if self._totals is None or self._totals[0] != key:
            self._totals = (key, self._compute(self.rigs.values(), now or datetime.now(UTC)))
        return self._totals[1]

    def _compute(self, rigs: Iterable[RigDigest], now: datetime) -> FarmTotals:
        by_coin: dict[str, float] = defaultdict(float)
        by_algo: dict[str, float] = defaultdict(float)
        totals = FarmTotals()
        for digest in rigs:
            online = self.is_online(digest, now)
            if digest.kind == "asic":
                totals.sentries_online += online
                totals.sentries_offline += not online
                up = digest.asics_online if online else 0
                totals.asics_online += up
                totals.asics_offline += digest.asics_total - up
            else:
                totals.rigs_online += online
                totals.rigs_offline += not online
            if not online:
                continue
            unnamed = "ASICs (coin not reported)" if digest.kind == "asic" else "unknown"
            for miner in digest.miners:
                if miner.hashrate_hs is not None:
                    by_coin[miner.coin or unnamed] += miner.hashrate_hs
                    by_algo[miner.algorithm or "unknown"] += miner.hashrate_hs
            totals.power_w += digest.power_w or 0.0
        totals.hashrate_by_coin, totals.hashrate_by_algorithm = dict(by_coin), dict(by_algo)
        return totals
