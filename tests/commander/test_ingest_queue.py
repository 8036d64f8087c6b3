"""The durable ingest queue, in-process: group commit, dedupe, message format, restart."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson

from minerfarm.commander.ingest.queue import (
    IncomingReport,
    SqliteIngestQueue,
    decode_message,
    encode_message,
)
from minerfarm.protocol.reports import Report
from tests.support import utc_ts


def incoming(seq: int, **fields: object) -> IncomingReport:
    stamp = utc_ts()
    report = Report.model_validate({"seq": seq, "ts": stamp, **fields})
    return IncomingReport(seq, stamp, report.model_dump_json())


async def test_concurrent_puts_share_commits_and_each_gets_its_answer(tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    answers = await asyncio.gather(*(queue.put(rig, [incoming(1), incoming(2)])
                                     for rig in range(1, 51)))
    assert answers == [(2, 0)] * 50
    assert await queue.put(7, [incoming(2), incoming(3), incoming(3)]) == (1, 2)
    batches = await queue.take(1000)
    assert sum(len(b.reports) for b in batches) == 101
    await queue.close()


async def test_acknowledged_messages_survive_a_reopen(tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    await queue.put(1, [incoming(1), incoming(2)])
    taken = await queue.take(10)  # taken but never marked done: the consumer "crashed"
    assert len(taken) == 1
    await queue.close()
    reopened = SqliteIngestQueue(tmp_path / "q.db")
    again = await reopened.take(10)
    assert [r.seq for r in again[0].reports] == [1, 2]
    await reopened.done([again[0].rowid])
    assert await reopened.take(10) == []
    assert await reopened.put(1, [incoming(1)]) == (0, 1)  # still known after the restart
    await reopened.close()


async def test_message_keeps_text_with_newlines_and_unicode(tmp_path: Path) -> None:
    tricky = incoming(5, host={"hostname": "rig\n7 <script>\u2028 \"quoted\" ünï"})
    decoded = decode_message(1, "m1", encode_message(3, 1.5, [tricky, incoming(6)]))
    assert decoded.rig_id == 3 and decoded.received_at == 1.5
    assert [r.seq for r in decoded.reports] == [5, 6]
    assert orjson.loads(decoded.reports[0].json)["host"]["hostname"] == (
        "rig\n7 <script>\u2028 \"quoted\" ünï")


async def test_forgetting_a_rig_lets_its_seqs_be_used_again(tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    await queue.put(4, [incoming(1)])
    await queue.forget_rig(4)
    assert await queue.put(4, [incoming(1)]) == (1, 0)
    await queue.close()


async def test_take_reads_oldest_first_in_batches(tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    for seq in range(10):
        await queue.put(1, [incoming(seq)])
    first = await queue.take(4)
    assert [b.reports[0].seq for b in first] == [0, 1, 2, 3]
    await queue.done([b.rowid for b in first])
    rest = await queue.take(100)
    assert [b.reports[0].seq for b in rest] == list(range(4, 10))
    assert await queue.backlog() == 6
    await queue.close()
    await queue.close()  # idempotent


async def test_a_backlog_is_read_ahead_but_a_batch_not_done_comes_back_first(
        tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    for seq in range(10):
        await queue.put(1, [incoming(seq)])
    first = await queue.take(4)  # a full batch: the next four are read meanwhile
    assert [b.reports[0].seq for b in first] == [0, 1, 2, 3]
    await queue.done([b.rowid for b in first[:2]])  # the write failed after two messages
    again = await queue.take(4)
    assert [b.reports[0].seq for b in again] == [2, 3, 4, 5]  # not the batch read ahead
    await queue.done([b.rowid for b in again])
    await queue.put(1, [incoming(10)])  # arrives while the next batch is read ahead
    rest = await queue.take(4)
    assert [b.reports[0].seq for b in rest] == [6, 7, 8, 9]
    await queue.done([b.rowid for b in rest])
    assert [b.reports[0].seq for b in await queue.take(4)] == [10]
    await queue.close()


async def test_a_batch_decoded_ahead_is_handed_out_once_and_dropped_after_a_failed_write(
        tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    for seq in range(12):
        await queue.put(1, [incoming(seq)])
    first = await queue.take(4)
    queue.decode_ahead()  # the consumer's commit of the first batch begins
    queue.decode_ahead()  # said twice (a batch written message by message): one decode
    await queue.done([b.rowid for b in first])
    second = await queue.take(4)
    assert [b.reports[0].seq for b in second] == [4, 5, 6, 7]  # the batch decoded ahead
    queue.decode_ahead()  # 8-11 decoded while the second batch commits...
    await asyncio.sleep(0.05)
    await queue.done([b.rowid for b in second[:1]])  # ...but the commit failed after one
    again = await queue.take(4)
    assert [b.reports[0].seq for b in again] == [5, 6, 7, 8]  # from the oldest, not 8-11
    await queue.done([b.rowid for b in again])
    rest = await queue.take(4)
    assert [b.reports[0].seq for b in rest] == [9, 10, 11]
    queue.decode_ahead()  # a partial batch: nothing was read ahead, nothing to decode
    await queue.done([b.rowid for b in rest])
    assert await queue.take(4) == []
    assert await queue.backlog() == 0
    await queue.close()


async def test_a_damaged_message_in_a_batch_decoded_ahead_is_a_dead_letter(
        tmp_path: Path) -> None:
    kept: list[tuple[bytes, str]] = []

    async def poison(data: bytes, why: str) -> None:
        kept.append((data, why))

    queue = SqliteIngestQueue(tmp_path / "q.db", poison=poison)
    for seq in range(4):
        await queue.put(1, [incoming(seq)])
    queue._queue.put("not a queued report \x00")  # as a damaged file reads
    for seq in range(4, 7):
        await queue.put(1, [incoming(seq)])
    first = await queue.take(4)
    queue.decode_ahead()
    await queue.done([b.rowid for b in first])
    second = await queue.take(4)
    assert [b.reports[0].seq for b in second] == [4, 5, 6]  # the others, none held up
    assert len(kept) == 1 and kept[0][0].startswith(b"not a queued report")
    assert "cannot be read" in kept[0][1]
    await queue.done([b.rowid for b in second])
    assert await queue.backlog() == 0  # the damaged one is gone from the queue too
    await queue.close()


async def test_closing_cancels_a_decode_ahead(tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    for seq in range(8):
        await queue.put(1, [incoming(seq)])
    await queue.take(4)
    queue.decode_ahead()
    await queue.close()  # no task left pending, the messages stay queued
    reopened = SqliteIngestQueue(tmp_path / "q.db")
    assert [b.reports[0].seq for b in await reopened.take(10)] == list(range(8))
    await reopened.close()


async def test_done_forgets_exactly_the_messages_named(tmp_path: Path) -> None:
    queue = SqliteIngestQueue(tmp_path / "q.db")
    for seq in range(8):
        await queue.put(1, [incoming(seq)])
    taken = await queue.take(100)
    await queue.done([b.rowid for b in taken if b.reports[0].seq in {0, 1, 2, 4, 6, 7}])
    assert await queue.backlog() == 2  # the delete is ahead of every later call
    assert [b.reports[0].seq for b in await queue.take(100)] == [3, 5]
    await queue.close()
    reopened = SqliteIngestQueue(tmp_path / "q.db")  # and it was committed
    assert [b.reports[0].seq for b in await reopened.take(100)] == [3, 5]
    await reopened.close()
