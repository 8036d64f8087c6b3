"""Compaction: reports past ``report_compact_after_s`` packed into per-rig, per-hour blocks.

A singleton job, run by the rollup loop after each round (so its watermark is fresh): every
raw report received before the cut (an hour boundary at least ``report_compact_after_s`` ago)
and already rolled up (id <= the rollup watermark) goes into a block of its rig and receive
hour (:mod:`.blocks`: zstd JSON lines, ~40x smaller than the rows), written in the same
transaction that deletes the originals. Nothing is converted in a migration: existing reports
are packed by the job, a rig at a time, in transactions of at most ``CHUNK_BYTES`` of JSON.

Readers go through :mod:`.paging`, which merges both. A report resent after its seq was packed
is recognised: at acknowledgement (the SQLite queue's ``ingest_seen``; the JetStream queue
asks :func:`stored_seqs`) and again by the consumer (:func:`drop_compacted`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from minerfarm.commander.db.models import Report, ReportBlock, Rig, RollupWatermark
from minerfarm.commander.reports import blocks
from minerfarm.commander.reports.blocks import StoredReport

log = logging.getLogger(__name__)
CHUNK_ROWS = 5000  # reports read per transaction, at most
CHUNK_BYTES = 32 << 20  # and JSON bytes (an ASIC sentry's reports are megabytes each)
DELETE_IDS = 500  # ids per DELETE ... IN (SQLite's bound-parameter limit)
FRESH_S = 60  # the consumer checks blocks only for reports older than this when received


def compaction_cut(now: datetime, after_s: int) -> datetime:
    """Reports received before this are packed: the hour boundary ``after_s`` before ``now``
    (whole receive hours only, so a rig-hour makes one block)."""
    moment = now - timedelta(seconds=after_s)
    return datetime.fromtimestamp(int(moment.timestamp()) // 3600 * 3600, UTC)


async def compact(engine: AsyncEngine, after_s: int, now: datetime | None = None) -> int:
    """Pack what is due; returns how many reports were packed (0 at once when none is due)."""
    cut = compaction_cut(now or datetime.now(UTC), after_s)
    table = Report.__table__
    async with engine.connect() as conn:
        mark = await conn.scalar(select(RollupWatermark.__table__.c.last_id)
                                 .where(RollupWatermark.__table__.c.name == "reports"))
        oldest = (await conn.execute(select(table.c.id, table.c.received_at)
                                     .order_by(table.c.id).limit(1))).first()
        if mark is None or oldest is None or oldest.id > mark or oldest.received_at >= cut:
            return 0
        keep_from = await first_id_received_at_or_after(conn, cut)
        rig_ids = list(await conn.scalars(select(Rig.id).order_by(Rig.id)))
    below = min(keep_from if keep_from is not None else mark + 1, mark + 1)
    packed = 0
    for rig_id in rig_ids:
        packed += await _compact_rig(engine, rig_id, below)
        await asyncio.sleep(0)  # the live pages go on between rigs
    if packed:
        log.info("compaction: %d reports packed into blocks", packed)
    return packed


async def _compact_rig(engine: AsyncEngine, rig_id: int, below: int) -> int:
    table, packed = Report.__table__, 0
    query = (select(table.c.id, table.c.seq, table.c.ts, table.c.received_at,
                    cast(table.c.payload, Text).label("text"))
             .where(table.c.rig_id == rig_id, table.c.id < below).order_by(table.c.id))
    while True:
        async with engine.begin() as conn:
            rows, full = [], False
            size = 0
            result = await conn.stream(query.limit(CHUNK_ROWS))
            async for row in result:
                rows.append(row)
                size += len(row.text or "")
                if size >= CHUNK_BYTES:
                    full = True
                    break
            await result.close()
            full = full or len(rows) == CHUNK_ROWS
            if not rows:
                return packed
            hours: dict[int, list[Any]] = defaultdict(list)
            for row in rows:
                hours[int(row.received_at.timestamp()) // 3600].append(row)
            if full and len(hours) > 1:  # the last hour goes on in the next chunk
                hours.popitem()
            taken = [row for group in hours.values() for row in group]
            new_blocks = await asyncio.to_thread(_encode, rig_id, list(hours.values()))
            await conn.execute(insert(ReportBlock), new_blocks)
            ids = [row.id for row in taken]
            for start in range(0, len(ids), DELETE_IDS):
                await conn.execute(delete(Report).where(
                    Report.id.in_(ids[start:start + DELETE_IDS])))
            packed += len(taken)
        if not full:
            return packed


def _encode(rig_id: int, hours: list[list[Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for group in hours:
        reports = [StoredReport(r.seq, r.ts, r.received_at, r.text or "null") for r in group]
        out.extend(blocks.block_row(rig_id, part) for part in blocks.split(reports))
    return out


async def delete_blocks_received_before(engine: AsyncEngine, cut: datetime) -> None:
    """Retention: a block goes once its newest report was received before ``cut``."""
    async with engine.begin() as conn:
        await conn.execute(delete(ReportBlock).where(ReportBlock.last_received < cut))


async def stored_seqs(conn: AsyncConnection, rig_id: int, seqs: Sequence[int]) -> set[int]:
    """Which of ``seqs`` the rig has stored, raw or in a block."""
    if not seqs:
        return set()
    found = set(await conn.scalars(select(Report.seq).where(
        Report.rig_id == rig_id, Report.seq.in_(list(seqs)))))
    return found | (await packed_seqs(conn, {rig_id: set(seqs)})).get(rig_id, set())


async def packed_seqs(conn: AsyncConnection, wanted: dict[int, set[int]]) -> dict[int, set[int]]:
    """Of these seqs per rig, those that are in a block."""
    table = ReportBlock.__table__
    ranges = [(table.c.rig_id == rig_id) & (table.c.max_seq >= min(seqs))
              & (table.c.min_seq <= max(seqs)) for rig_id, seqs in wanted.items() if seqs]
    if not ranges:
        return {}
    found: dict[int, set[int]] = defaultdict(set)
    for start in range(0, len(ranges), 200):
        rows = (await conn.execute(select(table.c.rig_id, table.c.data)
                                   .where(or_(*ranges[start:start + 200])))).all()
        for row in rows:
            found[row.rig_id] |= blocks.seqs_in(row.data) & wanted[row.rig_id]
    return found


async def drop_compacted(conn: AsyncConnection,
                         rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The consumer's rows less those whose seq is already in a block. Only reports that were
    old when received (a sentry's spool, a resend) are looked up: a fresh one costs nothing."""
    wanted: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if row["received_at"] - row["ts"] > timedelta(seconds=FRESH_S):
            wanted[row["rig_id"]].add(row["seq"])
    if not wanted:
        return rows
    packed = await packed_seqs(conn, wanted)
    if not packed:
        return rows
    return [r for r in rows if r["seq"] not in packed.get(r["rig_id"], ())]


async def first_id_received_at_or_after(conn: AsyncConnection, cut: datetime) -> int | None:
    """The first report id received at or after ``cut`` (ids grow with ``received_at``): a
    binary search over the primary key, a few dozen index lookups; None without reports."""
    table = Report.__table__
    low = await conn.scalar(select(func.min(table.c.id)))
    high = await conn.scalar(select(func.max(table.c.id)))
    if low is None or high is None:
        return None

    async def received_from(report_id: int) -> tuple[int, datetime]:
        row = (await conn.execute(select(table.c.id, table.c.received_at)
                                  .where(table.c.id >= report_id)
                                  .order_by(table.c.id).limit(1))).one()
        return int(row.id), row.received_at

    if (await received_from(high))[1] < cut:
        return int(high) + 1  # everything is older
    while low < high:  # invariant: the answer is in [low, high]
        middle = (low + high) // 2
        found_id, received = await received_from(middle)
        if received >= cut:
            high = middle  # ids in [middle, found_id) do not exist
        else:
            low = found_id + 1
    return int(low)
