"""How the JetStream queue hands out a backlog (real NATS on 127.0.0.1:4222): full batches,
each message once, reports queued by an older version (one subject per rig) still taken,
a commander that closes hands what it had fetched ahead back to the others at once, and a
smaller take after a full one leaves the rest of what was taken ahead for the next."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from minerfarm.commander.ingest.queue import encode_message
from tests.commander.test_queue_contract import Harness, _nats_harness, reports, take_all
from tests.support import utc_ts


async def fill(harness: Harness, rigs: int, per_rig: int) -> set[tuple[int, int]]:
    for rig in range(1, rigs + 1):
        assert await harness.queue.put(rig, reports(*range(1, per_rig + 1)), "cpu_gpu") == (
            per_rig, 0)
    return {(rig, seq) for rig in range(1, rigs + 1) for seq in range(1, per_rig + 1)}


async def drained(harness: Harness, within_s: float = 5) -> bool:
    """The server counts acks a moment after it has them (after a nak, measurably later)."""
    for _ in range(int(within_s * 10)):
        if await harness.queue.backlog() == 0:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_a_backlog_comes_in_full_batches_each_report_once(tmp_path: Path) -> None:
    async for harness in _nats_harness(tmp_path):
        queue = harness.queue
        queued = await fill(harness, rigs=50, per_rig=50)  # 2,500 messages
        sizes, seen = [], []
        for _ in range(3):
            batch = await queue.take(1000)
            sizes.append(len(batch))
            seen += [(b.rig_id, r.seq) for b in batch for r in b.reports]
            await queue.done([b.rowid for b in batch])
        assert sizes == [1000, 1000, 500]
        assert len(seen) == len(set(seen)) and set(seen) == queued
        assert await queue.take(1000) == []  # within the second: nothing more
        assert await drained(harness)


async def test_a_report_queued_on_its_rigs_own_subject_is_taken(tmp_path: Path) -> None:
    """Older versions published each rig's reports on ``<prefix>.reports.<rig id>``."""
    async for harness in _nats_harness(tmp_path):
        queue = harness.queue
        old = encode_message(4, 1.0, reports(8, ts=utc_ts()), "asic")
        ack = await harness.client.jetstream().publish(  # type: ignore[attr-defined]
            queue.subject.rsplit(".", 1)[0] + ".4", old.encode(),
            headers={"Nats-Msg-Id": "4:8"})
        assert ack.stream == queue.stream
        await queue.put(4, reports(9), "asic")
        taken = await take_all(harness, 2)
        assert sorted(r.seq for b in taken for r in b.reports) == [8, 9]
        assert {b.kind for b in taken} == {"asic"}
        await queue.done([b.rowid for b in taken])
        assert await drained(harness)


async def test_a_closing_commander_hands_its_fetched_ahead_batch_back_at_once(
        tmp_path: Path) -> None:
    """A full batch makes the queue ask for the next one ahead; closing, it gives those
    back (nak) instead of leaving them to the 60 s ack wait: the other commander gets them
    now."""
    prefix = f"test{secrets.token_hex(4)}"
    async for first in _nats_harness(tmp_path, ack_wait_s=60, prefix=prefix):
        async for second in _nats_harness(tmp_path, ack_wait_s=60, prefix=prefix):
            queued = await fill(first, rigs=5, per_rig=50)  # 250 messages
            batch = await first.queue.take(100)
            assert len(batch) == 100
            await first.queue.done([b.rowid for b in batch])
            await asyncio.sleep(0.5)  # the next 100, fetched ahead, have arrived
            await first.queue.close()
            rest = await take_all(second, 150, timeout=10)
            keys = [(b.rig_id, r.seq) for b in batch + rest for r in b.reports]
            assert len(keys) == len(set(keys)) and set(keys) == queued
            await second.queue.done([b.rowid for b in rest])
            assert await drained(second)



async def test_a_smaller_take_after_a_full_one_leaves_the_rest_of_what_was_taken_ahead(
        tmp_path: Path) -> None:
    """After a full batch the next one is taken ahead, at that size; a take that asks for
    fewer gets that many, and the rest comes with the takes after it, each message once."""
    async for harness in _nats_harness(tmp_path):
        queue = harness.queue
        queued = await fill(harness, rigs=5, per_rig=50)  # 250 messages
        sizes, seen = [], []
        for limit in (100, 30, 100, 100):
            batch = await queue.take(limit)
            sizes.append(len(batch))
            seen += [(b.rig_id, r.seq) for b in batch for r in b.reports]
            await queue.done([b.rowid for b in batch])
        assert sizes == [100, 30, 70, 50]
        assert len(seen) == len(set(seen)) and set(seen) == queued
        assert await drained(harness)
