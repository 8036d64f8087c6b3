"""The consumer takes each rig's kind from its queue message (no lookup per batch), still reads
messages queued by an older version (no kind in them), and drops the reports of a rig deleted
after they were queued without holding up the others. Real SQLite files, foreign keys on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import delete, select

from minerfarm.commander.db.engine import make_engine, make_sessionmaker
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import AsicMiner, Report, Rig
from minerfarm.commander.ingest.consumer import IngestConsumer
from minerfarm.commander.ingest.queue import (
    IncomingReport,
    SqliteIngestQueue,
    decode_message,
    encode_message,
)
from minerfarm.commander.pubsub import InProcessPubSub
from minerfarm.protocol.reports import Report as WireReport
from tests.support import utc_ts


def incoming(seq: int, **fields: object) -> IncomingReport:
    stamp = utc_ts()
    body = WireReport.model_validate({"seq": seq, "ts": stamp, **fields})
    return IncomingReport(seq, stamp, body.model_dump_json(exclude_defaults=True))


def test_the_kind_travels_in_the_message_and_old_messages_have_none() -> None:
    reports = [incoming(1)]
    assert decode_message(1, "m", encode_message(7, 1.0, reports, "asic")).kind == "asic"
    old_format = orjson.dumps({"rig_id": 7, "received_at": 1.0, "keys": [[1, reports[0].ts]]})
    assert decode_message(1, "m", old_format.decode() + "\n" + reports[0].json).kind is None


async def test_kinds_from_messages_old_messages_and_a_deleted_rig(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'minerfarm.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        session.add_all([Rig(name="gpu", kind="cpu_gpu", token_hash="a" * 64),
                         Rig(name="asics", kind="asic", token_hash="b" * 64),
                         Rig(name="doomed", kind="cpu_gpu", token_hash="c" * 64)])
    async with sessions() as session:
        ids = {r.name: r.id for r in await session.scalars(select(Rig))}
    queue = SqliteIngestQueue(tmp_path / "queue.db")
    asic = {"ip": "10.0.0.5", "mac": "AA:BB:CC:00:00:05", "online": True, "model": "S19"}
    await queue.put(ids["gpu"], [incoming(1)], "cpu_gpu")
    await queue.put(ids["asics"], [incoming(1, asics=[asic])], "asic")
    await queue.put(ids["doomed"], [incoming(1), incoming(2)], "cpu_gpu")
    # a message queued by a version that did not carry the kind: looked up in the database
    queue._queue.put(encode_message(ids["asics"], 2.0, [incoming(2, asics=[asic])]))
    async with sessions() as session, session.begin():  # deleted after its reports were queued
        await session.execute(delete(Rig).where(Rig.id == ids["doomed"]))

    consumer = IngestConsumer(queue, engine, InProcessPubSub())
    assert await consumer.drain_once() == 4
    assert await consumer.drain_once() == 0  # nothing left behind in the queue
    async with sessions() as session:
        stored = sorted((r.rig_id, r.seq) for r in await session.scalars(select(Report)))
        asics = list(await session.scalars(select(AsicMiner)))
    assert stored == [(ids["gpu"], 1), (ids["asics"], 1), (ids["asics"], 2)]
    assert [(a.rig_id, a.identity, a.model) for a in asics] == [
        (ids["asics"], "aa:bb:cc:00:00:05", "S19")]  # the ASIC row: the kind was known
    await queue.close()
    await engine.dispose()


async def _last_seq_after(url: str, queue_path: Path, posts: list[list[int]]) -> tuple[
        int | None, int]:
    """A rig's ``last_seq`` and its latest report's seq once ``posts`` (each a POST's seqs,
    in that order) are drained together."""
    await upgrade_async(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        session.add(Rig(name="resent", kind="cpu_gpu", token_hash="d" * 64))
    async with sessions() as session:
        rig_id = (await session.scalars(select(Rig.id))).one()
    queue = SqliteIngestQueue(queue_path)
    for seqs in posts:
        await queue.put(rig_id, [incoming(s) for s in seqs], "cpu_gpu")
    await IngestConsumer(queue, engine, InProcessPubSub()).drain_once()
    async with sessions() as session:
        rig = (await session.scalars(select(Rig))).one()
        last_seq = rig.last_seq
        latest = int((rig.latest_stats or {}).get("seq", -1))
    await queue.close()
    await engine.dispose()
    return last_seq, latest


async def test_last_seq_is_the_highest_stored_whatever_the_order(tmp_path: Path) -> None:
    """A spool's resend can arrive out of order (5, 7, then an old 2): ``/hello`` must still
    say 7, or a reinstalled sentry would number on from 5 and its reports 6 and 7 would be
    taken for duplicates. The rig's latest report stays the last one received."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'minerfarm.db'}"
    assert await _last_seq_after(url, tmp_path / "queue.db", [[5, 7, 2]]) == (7, 2)
    url = f"sqlite+aiosqlite:///{tmp_path / 'other.db'}"
    assert await _last_seq_after(url, tmp_path / "other-queue.db", [[5], [7], [2]]) == (7, 2)


async def test_a_message_older_than_the_rigs_last_seen_leaves_the_rig_as_it_was(
        tmp_path: Path) -> None:
    """``last_seen`` only moves forward: a queue message replayed after a newer one was stored
    (received before it) stores its report but changes neither the rig's latest report nor its
    receive time."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'minerfarm.db'}"
    await upgrade_async(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    newer = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=123456)
    async with sessions() as session, session.begin():
        session.add(Rig(name="ahead", kind="cpu_gpu", token_hash="e" * 64, last_seen=newer,
                        last_seq=3, latest_stats={"seq": 99}))
    async with sessions() as session:
        rig_id = (await session.scalars(select(Rig.id))).one()
    queue = SqliteIngestQueue(tmp_path / "queue.db")
    await queue.put(rig_id, [incoming(5)], "cpu_gpu")
    await IngestConsumer(queue, engine, InProcessPubSub()).drain_once()
    async with sessions() as session:
        rig = (await session.scalars(select(Rig))).one()
        stored = [r.seq for r in await session.scalars(select(Report))]
    assert (rig.last_seen, rig.last_seq, rig.latest_stats) == (newer, 3, {"seq": 99})
    assert stored == [5]
    await queue.close()
    await engine.dispose()
