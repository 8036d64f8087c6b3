"""Chart series read from the rollups: 1 h and 24 h from minutes, 7 d and 30 d from hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from minerfarm.commander.dashboard.rollups import ALGORITHM_SERIES
from minerfarm.commander.db.models import StatRollup

RANGES: dict[str, tuple[timedelta, int]] = {
    "1h": (timedelta(hours=1), 60),
    "24h": (timedelta(hours=24), 60),
    "7d": (timedelta(days=7), 3600),
    "30d": (timedelta(days=30), 3600),
}


async def series(engine: AsyncEngine, rig_id: int, asic: str, range_name: str,
                 now: datetime | None = None) -> dict[str, Any]:
    """``{"t": [unix seconds], "hashrate_hs": [...], "temp_c": [...], "power_w": [...],
    "hashrate_hs_by_algorithm": {algorithm: [...]}}``, the lists aligned with ``t``.

    ``hashrate_hs`` of a rig mining several algorithms is their sum, meaningless: the charts
    draw ``hashrate_hs_by_algorithm`` (empty for an ASIC's own series, and for buckets
    rolled up before it existed).
    """
    span, period = RANGES[range_name]
    since = (now or datetime.now(UTC)) - span
    table = StatRollup.__table__
    wanted = table.c.asic == asic
    if asic == "":
        wanted = wanted | table.c.asic.startswith(ALGORITHM_SERIES, autoescape=True)
    query = (select(table.c.asic, table.c.bucket, table.c.hashrate_hs, table.c.temp_c,
                    table.c.power_w)
             .where(table.c.rig_id == rig_id, wanted,
                    table.c.period_s == period, table.c.bucket >= since)
             .order_by(table.c.bucket))
    async with engine.connect() as conn:
        found = (await conn.execute(query)).all()
    rows = [r for r in found if r.asic == asic]
    at = {r.bucket: i for i, r in enumerate(rows)}
    by_algorithm: dict[str, list[float | None]] = {}
    for r in found:
        if r.asic != asic and r.bucket in at:
            name = r.asic[len(ALGORITHM_SERIES):]
            by_algorithm.setdefault(name, [None] * len(rows))[at[r.bucket]] = r.hashrate_hs
    return {
        "range": range_name, "period_s": period,
        "t": [int(r.bucket.timestamp()) for r in rows],
        "hashrate_hs": [r.hashrate_hs for r in rows],
        "temp_c": [r.temp_c for r in rows],
        "power_w": [r.power_w for r in rows],
        "hashrate_hs_by_algorithm": dict(sorted(by_algorithm.items())),
    }
