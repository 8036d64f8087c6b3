"""Chart series read from the rollups: 1 h and 24 h from minutes, 7 d and 30 d from hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from minerfarm.commander.db.models import StatRollup

RANGES: dict[str, tuple[timedelta, int]] = {
    "1h": (timedelta(hours=1), 60),
    "24h": (timedelta(hours=24), 60),
    "7d": (timedelta(days=7), 3600),
    "30d": (timedelta(days=30), 3600),
}


async def series(engine: AsyncEngine, rig_id: int, asic: str, range_name: str,
                 now: datetime | None = None) -> dict[str, Any]:
    """``{"t": [unix seconds], "hashrate_hs": [...], "temp_c": [...], "power_w": [...]}``."""
    span, period = RANGES[range_name]
    since = (now or datetime.now(UTC)) - span
    table = StatRollup.__table__
    query = (select(table.c.bucket, table.c.hashrate_hs, table.c.temp_c, table.c.power_w)
             .where(table.c.rig_id == rig_id, table.c.asic == asic,
                    table.c.period_s == period, table.c.bucket >= since)
             .order_by(table.c.bucket))
    async with engine.connect() as conn:
        rows = (await conn.execute(query)).all()
    return {
        "range": range_name, "period_s": period,
        "t": [int(r.bucket.timestamp()) for r in rows],
        "hashrate_hs": [r.hashrate_hs for r in rows],
        "temp_c": [r.temp_c for r in rows],
        "power_w": [r.power_w for r in rows],
    }
