"""Farm totals for the admin API (``GET /api/v1/stats``): read from the farm aggregator, the
same in-memory totals the dashboard shows (nothing recomputed from the database per call)."""

from __future__ import annotations

from typing import Any

from minerfarm.commander.ingest import deadletter
from minerfarm.commander.state import commander_state


async def farm_stats() -> dict[str, Any]:
    state = commander_state()
    aggregator = state.aggregator
    if aggregator is None or state.engine is None:
        raise RuntimeError("commander is not serving yet")
    totals = aggregator.totals()
    return {
        "hashrate_hs_by_coin": totals.hashrate_by_coin,
        "hashrate_hs_by_algorithm": totals.hashrate_by_algorithm,
        "power_w": totals.power_w,
        # Rigs of both kinds, as before the dashboard: cpu/gpu rigs and ASIC sentries.
        "rigs_online": totals.rigs_online + totals.sentries_online,
        "rigs_offline": totals.rigs_offline + totals.sentries_offline,
        "asics_online": totals.asics_online,
        "asics_offline": totals.asics_offline,
        "dead_letters": await deadletter.count(state.engine),
    }
