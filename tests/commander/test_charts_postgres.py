"""The per-algorithm chart series on PostgreSQL (the non-ASCII series prefix, ``startswith``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import insert

from minerfarm.commander.dashboard.charts import series
from minerfarm.commander.dashboard.rollups import roll_up_once
from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import Report, Rig
from tests.commander.test_postgres import database  # noqa: F401 (fixture)

pytestmark = pytest.mark.slow


async def test_per_algorithm_series_on_postgres(database: str) -> None:  # noqa: F811
    await upgrade_async(database)
    engine = make_engine(database, json_serializer=lambda v: orjson.dumps(v).decode(),
                         json_deserializer=orjson.loads)
    now = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2)
    stats: dict[str, Any] = {"miners": [
        {"software": "trex", "algorithm": "ethash", "hashrate_hs": 60e6},
        {"software": "gminer", "algorithm": "KAWPOW", "hashrate_hs": 30e6}]}
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Rig.__table__), [{
                "id": 1, "name": "r", "kind": "cpu_gpu", "token_hash": "x", "created_at": now,
                "token_created_at": now, "playbook_revision": 0}])
            await conn.execute(insert(Report.__table__), [
                {"rig_id": 1, "seq": 1, "ts": now, "received_at": now, "payload": stats}])
        await roll_up_once(engine)
        chart = await series(engine, 1, "", "1h")
        assert chart["hashrate_hs_by_algorithm"] == {"Ethash": [60e6], "KawPoW": [30e6]}
    finally:
        await engine.dispose()
