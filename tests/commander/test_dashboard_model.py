"""The farm aggregator and the chart rollups, against a real SQLite database (no mocks)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, select

from minerfarm.commander import topics
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.charts import series
from minerfarm.commander.dashboard.rollups import (
    ALGORITHM_SERIES,
    apply_retention,
    roll_up_once,
)
from minerfarm.commander.db.engine import make_engine, make_sessionmaker
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import Report, Rig, StatRollup
from minerfarm.commander.pubsub import InProcessPubSub, Message
from minerfarm.commander.settings import Settings

NOW = datetime.now(UTC)


def gpu_stats(hashrate: float, temp: float, power: float, coin: str = "XMR") -> dict[str, Any]:
    return {"gpus": [{"index": 0, "temp_c": temp, "power_w": power}],
            "miners": [{"software": "xmrig", "coin": coin, "algorithm": "rx/0",
                        "hashrate_hs": hashrate, "shares": {"accepted": 3, "rejected": 1}}]}


def created(rig_id: int, name: str, kind: str = "cpu_gpu") -> Message:
    return Message(topics.rig_index(kind), "created", {"id": rig_id, "name": name, "kind": kind})


def reported(rig_id: int, seq: int, stats: dict[str, Any], seen: datetime | None = None,
             kind: str = "cpu_gpu") -> Message:
    return Message(topics.operational_stats(kind), "updated",
                   {"id": rig_id, "seq": seq, "last_seen": (seen or datetime.now(UTC)).isoformat(),
                    "stats": orjson.dumps(stats).decode()})


def test_totals_follow_reports_renames_deletes_and_staleness() -> None:
    farm = FarmAggregator(offline_after_s=30)
    for message in (created(1, "a"), created(2, "b"), created(3, "s", "asic"),
                    reported(1, 1, gpu_stats(100.0, 60, 200)),
                    reported(2, 1, gpu_stats(50.0, 70, 100, coin="RVN"),
                             seen=NOW - timedelta(seconds=31)),
                    reported(3, 1, {"asics": [
                        {"ip": "10.0.0.2", "online": True, "hashrate_hs": 2e14, "power_w": 3500},
                        {"ip": "10.0.0.3", "online": False}]}, kind="asic")):
        farm.observe(message)
    totals = farm.totals(NOW)
    # rig 2 is stale; the ASIC names no model, coin or algorithm: a bucket of its own
    assert totals.hashrate_by_coin == {"XMR": 100.0, "ASIC (algorithm not reported)": 2e14}
    assert totals.power_w == 3700
    assert (totals.rigs_online, totals.rigs_offline) == (1, 1)
    assert (totals.asics_online, totals.asics_offline) == (1, 1)

    assert farm.observe(reported(1, 1, gpu_stats(999.0, 60, 200))) is None  # seen already
    farm.observe(Message(topics.rig_index("cpu_gpu"), "updated", {"id": 1, "name": "a2"}))
    assert farm.rigs[1].name == "a2"
    farm.observe(Message(topics.rig_index("cpu_gpu"), "deleted", {"id": 1, "name": "a2"}))
    farm.observe(reported(1, 2, gpu_stats(5.0, 60, 200)))  # late: must not bring it back
    assert 1 not in farm.rigs
    assert "XMR" not in farm.totals().hashrate_by_coin
    farm.observe(created(1, "reused-id"))  # SQLite may reuse a deleted rig's id
    assert farm.rigs[1].name == "reused-id"


def test_a_missing_figure_stays_missing() -> None:
    farm = FarmAggregator(offline_after_s=30)
    farm.observe(created(1, "bare"))
    farm.observe(reported(1, 1, {"miners": [{"software": "xmrig"}]}))
    digest = farm.rigs[1]
    assert digest.hashrate_hs is None and digest.power_w is None and digest.hottest_c is None
    assert digest.gpu_count is None


@pytest.fixture
async def engine(tmp_path: Path) -> Any:
    url = f"sqlite+aiosqlite:///{tmp_path}/d.db"
    await upgrade_async(url)
    engine = make_engine(url, json_serializer=lambda v: orjson.dumps(v).decode(),
                         json_deserializer=orjson.loads)
    async with engine.begin() as conn:
        await conn.execute(insert(Rig.__table__), [{
            "id": 1, "name": "r", "kind": "cpu_gpu", "token_hash": "x", "created_at": NOW,
            "token_created_at": NOW, "playbook_revision": 0}])
    yield engine
    await engine.dispose()


async def add_reports(engine: Any, rows: list[tuple[int, datetime, dict[str, Any]]]) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(Report.__table__), [
            {"rig_id": 1, "seq": seq, "ts": ts, "received_at": ts, "payload": stats}
            for seq, ts, stats in rows])


async def rollups(engine: Any, period: int) -> list[Any]:
    """The rig's and ASICs' own rollup rows (not the per-algorithm hashrate series)."""
    async with engine.connect() as conn:
        table = StatRollup.__table__
        query = (select(table).where(table.c.period_s == period,
                                     ~table.c.asic.startswith(ALGORITHM_SERIES))
                 .order_by(table.c.bucket))
        return list((await conn.execute(query)).mappings())


async def test_rollups_average_per_minute_and_hour_and_merge_late_reports(engine: Any) -> None:
    minute = NOW.replace(second=0, microsecond=0) - timedelta(minutes=5)
    await add_reports(engine, [(1, minute, gpu_stats(100.0, 60, 200)),
                               (2, minute + timedelta(seconds=10), gpu_stats(200.0, 70, 300))])
    assert await roll_up_once(engine) == 2
    assert await roll_up_once(engine) == 0  # the watermark moved on
    [row] = await rollups(engine, 60)
    assert (row["samples"], row["hashrate_hs"], row["temp_c"], row["power_w"]) == (
        2, 150.0, 65.0, 250.0)
    # A report resent late into the same minute merges in with its weight.
    await add_reports(engine, [(3, minute + timedelta(seconds=20), gpu_stats(600.0, 80, 400))])
    await roll_up_once(engine)
    [row] = await rollups(engine, 60)
    assert (row["samples"], row["hashrate_hs"]) == (3, 300.0)
    [hour] = await rollups(engine, 3600)
    assert hour["samples"] == 3

    chart = await series(engine, 1, "", "1h")
    assert chart["hashrate_hs"] == [300.0] and chart["t"] == [int(minute.timestamp())]


async def test_retention_deletes_old_reports_and_rollups(engine: Any) -> None:
    old = NOW - timedelta(days=8)
    await add_reports(engine, [(1, old, gpu_stats(1.0, 50, 10)),
                               (2, NOW, gpu_stats(2.0, 50, 10))])
    await roll_up_once(engine)
    await apply_retention(engine, Settings(report_retention_days=7, minute_rollup_days=7,
                                           hour_rollup_days=365))
    async with engine.connect() as conn:
        seqs = list(await conn.scalars(select(Report.__table__.c.seq)))
    assert seqs == [2]
    assert len(await rollups(engine, 60)) == 1  # the 8-day-old minute is gone
    assert len(await rollups(engine, 3600)) == 2  # hours stay a year


def test_incremental_totals_match_a_full_rebuild() -> None:
    farm = FarmAggregator(offline_after_s=30)
    for n in range(1, 6):
        farm.observe(created(n, f"r{n}"))
    farm.totals()  # built once; from here each report updates them in place
    for seq in range(1, 4):
        for n in range(1, 6):
            coin = "XMR" if n % 2 else "RVN"
            farm.observe(reported(n, seq, gpu_stats(n * seq * 10.0, 60, n * 100.0, coin)))
    farm.observe(Message(topics.rig_index("cpu_gpu"), "deleted", {"id": 3, "name": "r3"}))
    incremental = dataclasses.asdict(farm.totals())
    assert incremental["hashrate_by_coin"] == {"XMR": 30.0 + 150.0, "RVN": 60.0 + 120.0}
    rebuilt = dataclasses.asdict(farm.totals(datetime.now(UTC)))
    assert incremental == rebuilt


async def test_the_model_follows_the_bus_and_keeps_what_arrives_while_it_loads(
        tmp_path: Path) -> None:
    """The farm model observes the bus (pages only read it): a report published while the
    model reads its snapshot from the database is applied after the snapshot, not lost."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(insert(Rig).values(id=1, name="r", kind="cpu_gpu", token_hash="a" * 64,
                                              last_seq=3, last_seen=NOW,
                                              latest_stats=gpu_stats(10.0, 50, 100)))
    pubsub, sessions = InProcessPubSub(), make_sessionmaker(engine)
    farm = FarmAggregator(offline_after_s=30)

    def sessions_that_race() -> Any:  # a report is published while the snapshot is read
        farm.observe(reported(1, 5, gpu_stats(55.0, 50, 100)))
        return sessions()

    await farm.follow(pubsub, sessions_that_race)  # type: ignore[arg-type]
    assert farm.rigs[1].seq == 5 and farm.rigs[1].hashrate_hs == 55.0
    await pubsub.publish(topics.operational_stats("cpu_gpu"), "updated",
                         reported(1, 6, gpu_stats(66.0, 50, 100)).data)
    assert farm.rigs[1].hashrate_hs == 66.0  # applied at publish, before any subscriber runs
    await engine.dispose()


async def test_chart_series_are_per_algorithm_never_a_mixed_sum(engine: Any) -> None:
    minute = NOW.replace(second=0, microsecond=0) - timedelta(minutes=3)
    mixed = {"miners": [{"software": "trex", "algorithm": "ethash", "hashrate_hs": 60e6},
                        {"software": "lolminer", "algorithm": "ETHASH", "hashrate_hs": 40e6},
                        {"software": "gminer", "algorithm": "kawpow", "hashrate_hs": 30e6}]}
    kawpow_only = {"miners": [{"software": "gminer", "algorithm": "KAWPOW",
                               "hashrate_hs": 50e6}]}
    await add_reports(engine, [(1, minute, mixed), (2, minute + timedelta(minutes=1), mixed),
                               (3, minute + timedelta(minutes=2), kawpow_only)])
    await roll_up_once(engine)
    chart = await series(engine, 1, "", "1h")
    assert len(chart["t"]) == 3
    assert chart["hashrate_hs_by_algorithm"] == {"Ethash": [100e6, 100e6, None],
                                                 "KawPoW": [30e6, 30e6, 50e6]}
    # An ASIC's own series is one device: no per-algorithm split
    assert (await series(engine, 1, "ip:10.0.0.9", "1h"))["hashrate_hs_by_algorithm"] == {}
