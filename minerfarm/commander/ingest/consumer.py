"""Drains the ingest queue into the database in batches, then publishes what changed.

A batch that fails to write is split: each message is written alone, and the reports of a
message that still fails are written one by one; a report that fails alone with a data error
becomes a dead letter (:mod:`.deadletter`). Every good report is stored and every message is
deleted, so one poison report never holds up the reports queued behind it. A database outage
is not the data's fault: the batch stays queued and is retried.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from minerfarm.commander import topics
from minerfarm.commander.db import bulk
from minerfarm.commander.db.models import AsicMiner, JsonDocument, RawJson, Rig, UtcDateTime
from minerfarm.commander.db.upsert import insert_for
from minerfarm.commander.ingest import sqlite_store
from minerfarm.commander.ingest.deadletter import bury, is_outage, reason_of
from minerfarm.commander.ingest.queue import IngestQueue, QueuedBatch
from minerfarm.commander.ingest.sqlite_store import insert_reports, parse_ts, sqlite_utc_text
from minerfarm.commander.pubsub import PubSub
from minerfarm.commander.reports.compaction import drop_compacted
from minerfarm.commander.reports.figures import ASIC_COLUMNS, asic_identity

log = logging.getLogger(__name__)


class IngestConsumer:
    def __init__(self, queue: IngestQueue, engine: AsyncEngine, pubsub: PubSub,
                 batch: int = 0, linger_s: float = 0.05) -> None:
        """``batch``: most messages per transaction; 0 (or less), the queue's own
        (``queue.batch``)."""
        self.queue, self.engine, self.pubsub = queue, engine, pubsub
        self.batch = batch if batch > 0 else queue.batch
        self.linger_s = linger_s
        self.stored = 0  # reports written since start, for /metrics and tests
        self.dead = 0  # reports dead-lettered since start

    async def run(self) -> None:
        """Drain forever; sleeps until the queue says something arrived (or 1 s passes).

        After a partial batch it lingers ``linger_s`` before the next one: at a steady stream
        of reports, one transaction every 50 ms costs far less than one per arrival (each has
        fixed costs: two fsynced commits, a lookup, a publish), for at most 50 ms of delay.
        """
        while True:
            try:
                handled = await self.drain_once()
                if handled >= self.batch:
                    continue
                if handled:
                    await asyncio.sleep(self.linger_s)
                    continue
            except asyncio.CancelledError:
                raise
            except Exception:
                # The batch stays in the queue (only a committed batch is deleted): the next
                # round takes it again. Keep serving, and say so loudly.
                log.exception("ingest: writing a batch failed; will retry")
                await asyncio.sleep(1)
            await self.queue.wait(1.0)

    async def drain_once(self) -> int:
        """Move one batch from the queue to the database; returns messages handled.

        The cyclic garbage collector is paused meanwhile (:class:`_CollectorPause`)."""
        with _collector_paused():
            batches = await self.queue.take(self.batch)
            if batches:
                await self._write(batches)
            return len(batches)

    async def _write(self, batches: list[QueuedBatch]) -> None:
        try:
            latest, kinds = await self._write_together(batches)
        except Exception as exc:
            if is_outage(exc):
                raise
            log.warning("ingest: a batch of %d messages failed to write (%s); writing them "
                        "one by one", len(batches), reason_of(exc))
            latest, kinds = {}, {}
            for done, batch in enumerate(batches):
                try:
                    found, more = await self._write_alone(batch)
                except Exception:
                    # An outage meanwhile: what was written is acknowledged, the rest waits.
                    await self.queue.done([b.rowid for b in batches[:done]])
                    await self._publish(latest, kinds)
                    raise
                _merge_latest(latest, found)
                kinds.update(more)
        await self.queue.done([b.rowid for b in batches])
        await self._publish(latest, kinds)

    async def _write_alone(self, batch: QueuedBatch) -> tuple[dict[int, dict[str, Any]],
                                                               dict[int, str]]:
        """One message; if it fails, its reports one by one, burying those that fail alone."""
        try:
            return await self._write_together([batch])
        except Exception as exc:
            if is_outage(exc):
                raise
            if len(batch.reports) == 1:
                await self._bury(batch, exc)
                return {}, {}
        latest: dict[int, dict[str, Any]] = {}
        kinds: dict[int, str] = {}
        for report in batch.reports:
            single = QueuedBatch(batch.rowid, batch.message_id, batch.rig_id, batch.received_at,
                                 [report], batch.kind)
            try:
                found, more = await self._write_together([single])
            except Exception as exc:
                if is_outage(exc):
                    raise
                await self._bury(single, exc)
                continue
            _merge_latest(latest, found)
            kinds.update(more)
        return latest, kinds

    async def _bury(self, batch: QueuedBatch, exc: Exception) -> None:
        report = batch.reports[0]
        await bury(self.engine, batch.rig_id, report.seq,
                   datetime.fromtimestamp(batch.received_at, UTC), report.json, reason_of(exc))
        self.dead += 1

    async def _write_together(self, batches: list[QueuedBatch]) -> tuple[
            dict[int, dict[str, Any]], dict[int, str]]:
        # The rig's kind travels in each message; only messages queued by an older version
        # (no kind) are looked up. A rig deleted after its reports were queued makes the insert
        # fail on the foreign key: then the batch is written again without that rig's reports.
        kinds = {b.rig_id: b.kind for b in batches if b.kind is not None}
        try:
            async with self.engine.begin() as conn:
                kinds.update(await _rig_kinds(conn, {b.rig_id for b in batches} - set(kinds)))
                live = [b for b in batches if b.rig_id in kinds]
                latest = await self._store(conn, live, kinds)
                # only the commit is left: it waits on the disk, the next batch's decode need not
                self.queue.decode_ahead()
        except IntegrityError:
            async with self.engine.begin() as conn:
                kinds = await _rig_kinds(conn, {b.rig_id for b in batches})
                live = [b for b in batches if b.rig_id in kinds]  # deleted rigs: drop
                latest = await self._store(conn, live, kinds)
        return latest, kinds

    async def _store(self, conn: AsyncConnection, batches: list[QueuedBatch],
                     kinds: dict[int, str]) -> dict[int, dict[str, Any]]:
        """The batches' reports and each rig's latest, on the backend we run on (SQLite or
        PostgreSQL, as :mod:`..db.upsert`)."""
        if conn.dialect.name == "sqlite":
            return await self._store_sqlite(conn, batches, kinds)
        return await self._store_postgresql(conn, batches, kinds)

    async def _store_postgresql(self, conn: AsyncConnection, batches: list[QueuedBatch],
                                kinds: dict[int, str]) -> dict[int, dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        for batch in batches:
            received = datetime.fromtimestamp(batch.received_at, UTC)
            # the payload as it came (its JSON text); RawJson only where it is needed
            rows += [{"rig_id": batch.rig_id, "seq": report.seq, "ts": parse_ts(report.ts),
                      "received_at": received, "payload": report.json}
                     for report in batch.reports]
        rows = await drop_compacted(conn, rows)  # a resent seq already packed: not again
        if not rows:
            return {}
        await bulk.insert_reports(conn, rows)  # one statement, not a row at a time
        latest, asic_rows = _latest_and_asics(batches, kinds)
        await _mark_seen(conn, latest)
        if asic_rows:
            await _upsert_asics(conn, asic_rows)
        self.stored += len(rows)
        return latest

    async def _store_sqlite(self, conn: AsyncConnection, batches: list[QueuedBatch],
                            kinds: dict[int, str]) -> dict[int, dict[str, Any]]:
        """As :meth:`_store`, with the reports inserted by :mod:`.sqlite_store` (the drain's
        hot loop)."""
        stored = await insert_reports(conn, batches)
        if not stored:
            return {}
        latest, asic_rows = _latest_and_asics(batches, kinds)
        await _mark_seen_sqlite(conn, latest)
        if asic_rows:
            await _upsert_asics(conn, asic_rows)
        self.stored += stored
        return latest

    async def _publish(self, latest: dict[int, dict[str, Any]], kinds: dict[int, str]) -> None:
        for rig_id, item in latest.items():
            kind = kinds[rig_id]
            # "stats" is the report's JSON text (RawJson): subscribers that need figures parse
            # it; the consumer does not pay for that when nobody watches.
            data = {"id": rig_id, "seq": item["seq"], "last_seen": item["seen"].isoformat(),
                    "stats": item["report"]}
            # The farm-wide topic first: the dashboard model observes it, and a page woken by
            # the rig's own topic then reads a model that has this report.
            await self.pubsub.publish(topics.operational_stats(kind), "updated", data)
            await self.pubsub.publish(topics.rig_operational_stats(kind, rig_id), "updated", data)


class _CollectorPause:
    """No cyclic garbage collection while a batch is drained.

    A batch is some 80,000 objects that live until it is written (messages, reports, rows),
    then are freed by their reference counts: none is part of a cycle. With the collector on,
    they outlive a few collections, reach the oldest generation and, batch after batch, set off
    full collections that walk every object of the process (measured: 10-15% of the drain's
    time). Paused, they are freed before any collection sees them. Cyclic garbage made by
    other tasks meanwhile (requests served during the batch's awaits) waits for the next
    collection; while a backlog drains batch after batch the collector would never run, so
    every ``collect_every_s`` one young collection runs as a batch ends (nothing was promoted
    while paused: it finds all of that garbage). Not after every batch: it also walks what
    outlives the batch, such as the next batch already read ahead, which cost ~10 % of a
    backlog's drain. Nested uses leave the collector as they found it.
    """

    def __init__(self, collect_every_s: float = 5.0) -> None:
        self._depth, self._was_enabled = 0, True
        self._collect_every_s = collect_every_s
        self._collected = time.monotonic()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        if self._depth == 0:
            self._was_enabled = gc.isenabled()
            gc.disable()
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()
                now = time.monotonic()
                if now - self._collected >= self._collect_every_s:
                    self._collected = now
                    gc.collect(0)


_collector_paused = _CollectorPause()


def _latest_and_asics(batches: list[QueuedBatch], kinds: dict[int, str]) -> tuple[
        dict[int, dict[str, Any]], list[dict[str, Any]]]:
    """Each rig's latest report and its highest seq, and each ASIC's row, from the batches.

    Latest in receive order (queue order, then the POST's order), not by seq: a seq that went
    down (a reinstalled or third-party sentry) must not freeze the rig. A payload object is made
    only for each rig's latest report, its receive time only once per rig."""
    latest: dict[int, dict[str, Any]] = {}
    asic_rows: dict[tuple[int, str], dict[str, Any]] = {}
    for batch in batches:
        if not batch.reports:
            continue
        last = batch.reports[-1]
        top = max(max(r.seq for r in batch.reports),
                  latest.get(batch.rig_id, {}).get("top", last.seq))
        latest[batch.rig_id] = {"seq": last.seq, "report": RawJson(last.json),
                                "received_at": batch.received_at, "top": top}
        if kinds[batch.rig_id] == "asic":
            received = datetime.fromtimestamp(batch.received_at, UTC)
            for report in batch.reports:
                for asic in orjson.loads(report.json).get("asics") or ():
                    row = _asic_row(batch.rig_id, asic, received)
                    asic_rows[(batch.rig_id, row["identity"])] = row
    for item in latest.values():
        item["seen"] = datetime.fromtimestamp(item.pop("received_at"), UTC)
    return latest, list(asic_rows.values())


def _merge_latest(latest: dict[int, dict[str, Any]], found: dict[int, dict[str, Any]]) -> None:
    for rig_id, item in found.items():
        current = latest.get(rig_id)
        # receive order, not seq (see _store): a later write of the same rig wins
        if current is None or item["seen"] >= current["seen"]:
            latest[rig_id] = item
        if current is not None:  # the highest seq of both, whichever was received last
            latest[rig_id]["top"] = max(current["top"], item["top"])


async def _mark_seen(conn: AsyncConnection, latest: dict[int, dict[str, Any]]) -> None:
    """Each rig's last report received becomes its latest; ``last_seen`` is the commander's
    receive time and only moves forward (a replayed queue message is older). ``last_seq``
    stays the highest seq ever stored (``top``: the batch's highest, whatever order its
    reports came in): ``/hello`` gives it to a reinstalled sentry, which numbers on from it.
    On SQLite the same statement is :func:`_mark_seen_sqlite`."""
    seq: Any = bindparam("top")
    await conn.execute(
        update(Rig)
        .where(Rig.id == bindparam("rid"))
        .where(Rig.last_seen.is_(None) | (Rig.last_seen <= bindparam("seen", type_=UtcDateTime)))
        .values(last_seen=bindparam("seen", type_=UtcDateTime),
                last_seq=case((Rig.last_seq > seq, Rig.last_seq), else_=seq),
                latest_stats=bindparam("report", type_=JsonDocument)),
        [{"rid": rid, **item} for rid, item in latest.items()],
    )


# The same statement as Core's above, bound as the SQLite dialect binds it (a UtcDateTime is
# sqlite_utc_text, always six digits of microseconds, so text order is time order; RawJson is
# stored as it is): Core's per-row parameter processing cost more than the update itself.
MARK_SEEN_SQLITE = ("UPDATE rigs SET last_seen = ?, "
                    "last_seq = CASE WHEN last_seq > ? THEN last_seq ELSE ? END, "
                    "latest_stats = ? WHERE id = ? AND (last_seen IS NULL OR last_seen <= ?)")


async def _mark_seen_sqlite(conn: AsyncConnection, latest: dict[int, dict[str, Any]]) -> None:
    rows = []
    for rid, item in latest.items():
        seen = sqlite_utc_text(item["seen"])
        rows.append((seen, item["top"], item["top"], str(item["report"]), rid, seen))
    await sqlite_store.executemany(conn, MARK_SEEN_SQLITE, rows)


async def _rig_kinds(conn: AsyncConnection, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(ids)
    if not wanted:  # every message carried its kind: no query at all
        return {}
    result = await conn.execute(select(Rig.id, Rig.kind).where(Rig.id.in_(wanted)))
    return {row.id: row.kind for row in result}


def _asic_row(rig_id: int, asic: dict[str, Any], received: datetime) -> dict[str, Any]:
    online = bool(asic.get("online"))
    return {
        "rig_id": rig_id,
        "identity": asic_identity(asic),
        "ip": asic["ip"],
        "mac": (asic.get("mac") or "").lower() or None,
        **{k: asic.get(k) for k in ASIC_COLUMNS},
        "online": online,
        "last_seen": received if online else None,
        "latest_stats": asic,
    }


async def _upsert_asics(conn: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    table = AsicMiner.__table__
    statement = insert_for(conn.dialect.name, table)
    excluded = statement.excluded
    await conn.execute(
        statement.on_conflict_do_update(
            index_elements=["rig_id", "identity"],
            set_={
                "ip": excluded.ip,
                "online": excluded.online,
                "latest_stats": excluded.latest_stats,
                # An offline ASIC keeps what we last knew of it.
                **{name: _coalesce(excluded, table, name)
                   for name in ("mac", *ASIC_COLUMNS, "last_seen")},
            },
        ),
        rows,
    )


def _coalesce(excluded: Any, table: Any, name: str) -> Any:
    return func.coalesce(getattr(excluded, name), table.c[name])
