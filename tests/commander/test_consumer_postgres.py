"""The consumer's batch insert on PostgreSQL (one statement per batch): every report of a
batch stored once, in receive order, a seq already stored or twice in the batch ignored, and a
batch with one report PostgreSQL refuses still stores the others (one by one) and buries it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import Rig
from minerfarm.commander.ingest.consumer import IngestConsumer
from minerfarm.commander.ingest.queue import IncomingReport, QueuedBatch
from minerfarm.commander.pubsub import InProcessPubSub
from tests.commander.test_postgres import database  # noqa: F401 - the fixture
from tests.support import utc_ts


class ListQueue:
    """The batches a test hands the consumer, and which it marked done."""

    batch = 20_000

    def __init__(self, batches: list[QueuedBatch]) -> None:
        self.batches, self.done_ids = batches, []  # type: tuple[list[QueuedBatch], list[int]]

    async def take(self, limit: int) -> list[QueuedBatch]:
        taken, self.batches = self.batches[:limit], self.batches[limit:]
        return taken

    async def done(self, rowids: list[int]) -> None:
        self.done_ids += rowids

    def decode_ahead(self) -> None:
        pass

    async def wait(self, timeout_s: float) -> None:
        pass


def message(rowid: int, rig: int, *seqs: int, body: str | None = None) -> QueuedBatch:
    reports = [IncomingReport(s, utc_ts(), body or orjson.dumps({"seq": s}).decode())
               for s in seqs]
    return QueuedBatch(rowid, f"{rig}:{seqs[0]}", rig, datetime.now(UTC).timestamp(), reports,
                       "cpu_gpu")


async def stored(engine: Any) -> list[tuple[int, int]]:
    async with engine.connect() as conn:
        rows = await conn.execute(text("SELECT rig_id, seq FROM reports ORDER BY id"))
        return [(r.rig_id, r.seq) for r in rows]


async def _with_rigs(url: str, *ids: int) -> AsyncEngine:
    """The migrated database with CPU/GPU rigs of these ids; the caller disposes of it."""
    await upgrade_async(url)
    engine = make_engine(url)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(Rig.__table__.insert(), [
            {"id": i, "name": f"rig-{i}", "kind": "cpu_gpu", "token_hash": f"{i:064x}",
             "playbook_revision": 0, "created_at": now, "token_created_at": now} for i in ids])
    return engine


async def test_a_batch_is_stored_once_in_receive_order(database: str) -> None:  # noqa: F811
    engine = await _with_rigs(database, 1, 2)
    try:
        first = ListQueue([message(1, 1, 5), message(2, 2, 1)])
        await IngestConsumer(first, engine, InProcessPubSub()).drain_once()
        # seq 5 of rig 1 again (stored), seq 7 twice in one batch, a seq that went down
        queue = ListQueue([message(3, 2, 3), message(4, 1, 5, 7), message(5, 1, 7),
                           message(6, 1, 2)])
        consumer = IngestConsumer(queue, engine, InProcessPubSub())
        assert await consumer.drain_once() == 4
        assert queue.done_ids == [3, 4, 5, 6]
        assert await stored(engine) == [(1, 5), (2, 1), (2, 3), (1, 7), (1, 2)]
        async with engine.connect() as conn:
            latest = await conn.scalar(select(Rig.latest_stats).where(Rig.id == 1))
        assert latest == {"seq": 2}  # the last received, not the highest seq
    finally:
        await engine.dispose()


async def test_a_report_postgresql_refuses_does_not_hold_up_its_batch(
        database: str) -> None:  # noqa: F811
    engine = await _with_rigs(database, 1)
    try:
        queue = ListQueue([message(1, 1, 1), message(2, 1, 2, body='{"nul": "\x00"}'),
                           message(3, 1, 3)])
        consumer = IngestConsumer(queue, engine, InProcessPubSub())
        assert await consumer.drain_once() == 3
        assert queue.done_ids == [1, 2, 3] and consumer.dead == 1
        assert await stored(engine) == [(1, 1), (1, 3)]
    finally:
        await engine.dispose()
