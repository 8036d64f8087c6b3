"""Farm totals: hashrate by coin and algorithm, power, rigs and ASICs online/offline."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from minerfarm.commander.db.models import AsicMiner, Rig
from minerfarm.commander.rigs import is_online
from minerfarm.commander.state import commander_state


def _add(totals: dict[str, float], key: str | None, value: float | None) -> None:
    if value is not None:
        totals[key or "unknown"] += value


def rig_power_w(stats: dict[str, Any]) -> float | None:
    values = [g.get("power_w") for g in stats.get("gpus") or () if g.get("power_w") is not None]
    return sum(values) if values else None


async def farm_stats() -> dict[str, Any]:
    by_coin: dict[str, float] = defaultdict(float)
    by_algorithm: dict[str, float] = defaultdict(float)
    power = 0.0
    online = offline = asics_online = asics_offline = 0
    async with commander_state().db() as session:
        rigs = list(await session.scalars(select(Rig)))
        asics = list(await session.scalars(select(AsicMiner)))
    for rig in rigs:
        if not is_online(rig):
            offline += 1
            continue
        online += 1
        stats = rig.latest_stats or {}
        for miner in stats.get("miners") or ():
            _add(by_coin, miner.get("coin"), miner.get("hashrate_hs"))
            _add(by_algorithm, miner.get("algorithm"), miner.get("hashrate_hs"))
        power += rig_power_w(stats) or 0.0
    sentries_online = {r.id for r in rigs if r.kind == "asic" and is_online(r)}
    for asic in asics:
        stats = asic.latest_stats or {}
        if not (asic.online and asic.rig_id in sentries_online):
            asics_offline += 1
            continue
        asics_online += 1
        _add(by_coin, stats.get("coin"), stats.get("hashrate_hs"))
        _add(by_algorithm, stats.get("algorithm"), stats.get("hashrate_hs"))
        power += stats.get("power_w") or 0.0
    return {
        "hashrate_hs_by_coin": dict(by_coin), "hashrate_hs_by_algorithm": dict(by_algorithm),
        "power_w": power, "rigs_online": online, "rigs_offline": offline,
        "asics_online": asics_online, "asics_offline": asics_offline,
    }
