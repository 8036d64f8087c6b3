"""The durable ingest queue, on litequeue (SQLite), with group commit.

litequeue gives us the table and its message life cycle; three things are added for speed:

- **Group commit.** Concurrent requests are written in one transaction by one writer thread
  (SQLite has one writer anyway): with ``synchronous=FULL`` every acknowledged batch survives a
  power loss, and the fsync is shared by every request waiting at that moment.
- **Batched pops.** ``take`` reads the oldest N ready messages in one indexed query instead of
  litequeue's one-row ``pop`` (a write transaction each), using an index on
  ``(status, message_id)``; without it, each pop scans past every done row (measured ~300
  pops/s with 20,000 rows in the table). There is exactly one consumer per queue file (SQLite
  is one process), so messages need no lock: the consumer reads a batch, commits its reports
  to the database, then deletes the batch; a crash in between only means reading it again.
- **Pruning.** Done messages are deleted as they are acknowledged, so the table stays small.

Deduplication happens here, at acknowledgement: ``ingest_seen`` holds the ``(rig, seq)`` of every
report accepted in the last ``SEEN_DAYS`` days, written in the same transaction as the message,
so the answer ``{"accepted", "duplicates"}`` is exact and a resent batch is not queued twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import litequeue
import orjson

from minerfarm.commander.db.wal import WAL_BYTES, WalCheckpointer, bound_log

log = logging.getLogger(__name__)
# Longer than the sentry's spool (7 days): a report replayed after that is still recognised.
SEEN_DAYS = 8
_READY = litequeue.MessageStatus.READY.value
DECODE_SLICE = 2000  # messages decoded between two turns of the event loop (~5 ms)


# Not frozen, but slotted: a frozen dataclass's __init__ costs a microsecond more per object,
# and the drain makes two per message (nothing changes them after they are made).
@dataclass(slots=True)
class IncomingReport:
    """A validated report: its key, its time, and its JSON (serialised once, one line)."""

    seq: int
    ts: str  # ISO-8601 UTC, as validated
    json: str


@dataclass(slots=True)
class QueuedBatch:
    """One acknowledged POST (new reports only), as the consumer receives it."""

    rowid: int
    message_id: str
    rig_id: int
    received_at: float
    reports: list[IncomingReport]
    kind: str | None = None  # the rig's kind when it posted (None: queued by an older version)


# A message is a one-line JSON header (rig, time, each report's seq and ts) followed by one
# line per report: the consumer reads the header and stores the reports' text as it is,
# without parsing and re-serialising every payload (that alone halves the drain rate).
# Validated JSON never holds a raw newline: string contents escape it.
def encode_message(rig_id: int, received_at: float, reports: list[IncomingReport],
                   kind: str | None = None) -> str:
    header = orjson.dumps({"rig_id": rig_id, "kind": kind, "received_at": received_at,
                           "keys": [[r.seq, r.ts] for r in reports]}).decode()
    return "\n".join([header, *(r.json for r in reports)])


def decode_message(rowid: int, message_id: str, data: str) -> QueuedBatch:
    lines = data.split("\n")
    header = orjson.loads(lines[0])
    keys = header["keys"]
    if len(lines) == 2:  # one report, as a rig posts them: no zip, no slice
        ((seq, ts),) = keys
        reports = [IncomingReport(seq, ts, lines[1])]
    else:
        reports = [IncomingReport(seq, ts, body)
                   for (seq, ts), body in zip(keys, lines[1:], strict=True)]
    return QueuedBatch(rowid, message_id, header["rig_id"], header["received_at"], reports,
                       header.get("kind"))


@dataclass
class _Put:
    rig_id: int
    reports: list[IncomingReport]
    future: asyncio.Future[tuple[int, int]]
    kind: str | None = None


@dataclass(frozen=True)
class _ReadAhead:
    limit: int
    future: Future[list[tuple[int, str, str]]]


@dataclass(frozen=True)
class _Decoded:
    batches: list[QueuedBatch]
    unreadable: list[tuple[int, str, str]]  # (rowid, data, why)
    rows: int  # rows read
    last_id: str | None  # the message id of the last one


async def _decode(rows: list[tuple[int, str, str]]) -> _Decoded:
    """Queue rows as batches, :data:`DECODE_SLICE` at a time (other requests go on between
    slices); a message that cannot be read is set aside, to be kept as a dead letter."""
    batches: list[QueuedBatch] = []
    unreadable: list[tuple[int, str, str]] = []
    for start in range(0, len(rows), DECODE_SLICE):
        if start:
            await asyncio.sleep(0)
        for row in rows[start:start + DECODE_SLICE]:
            try:
                batches.append(decode_message(*row))
            except (ValueError, KeyError, TypeError) as exc:  # a damaged queue file
                unreadable.append((row[0], row[2], f"queue message cannot be read: {exc!r}"))
    return _Decoded(batches, unreadable, len(rows), rows[-1][1] if rows else None)


async def _decode_read_ahead(ahead: _ReadAhead) -> _Decoded:
    return await _decode(await asyncio.wrap_future(ahead.future))


def _runs(ordered: list[int]) -> list[tuple[int, int]]:
    """``[1, 2, 3, 7, 8]`` → ``[(1, 3), (7, 8)]``: the ranges of consecutive integers."""
    runs: list[tuple[int, int]] = []
    for value in ordered:
        if runs and value == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], value)
        else:
            runs.append((value, value))
    return runs


def _log_failed_delete(future: Future[None]) -> None:
    if not future.cancelled() and future.exception() is not None:
        # Still queued: read again later, and their reports ignored as already stored.
        log.error("ingest queue: deleting done messages failed", exc_info=future.exception())


class QueueClosed(RuntimeError):
    """The queue was closed; the caller should answer 503."""


class QueueUnavailable(QueueClosed):
    """The queue's server did not take the reports (NATS away or its stream full): 503, and
    the sentry keeps them in its spool."""


class IngestQueue(Protocol):
    """What the fast path, the consumer and the rig service need of a queue. Two backends:
    :class:`SqliteIngestQueue` (one commander) and
    :class:`~minerfarm.commander.nats.queue.JetStreamIngestQueue` (several)."""

    batch: int  # the consumer's batch (messages per transaction) that drains it fastest

    async def put(self, rig_id: int, reports: list[IncomingReport],
                  kind: str | None = None) -> tuple[int, int]:
        """Durably queue; ``(accepted, duplicates)`` once durable."""
        ...

    async def take(self, limit: int) -> list[QueuedBatch]: ...

    def decode_ahead(self) -> None:
        """The consumer's batch is committing (its database waits on the disk): a queue that
        reads ahead may decode the next batch now. A hint; it may do nothing."""
        ...

    async def wait(self, timeout_s: float) -> None:
        """Until something may have arrived (or ``timeout_s``), after an empty ``take``."""
        ...

    async def done(self, rowids: list[int]) -> None: ...

    async def prune_seen(self, older_than_s: float = ...) -> int: ...

    async def forget_rig(self, rig_id: int) -> None: ...

    async def backlog(self) -> int: ...

    async def close(self) -> None: ...


Poison = Callable[[bytes, str], Awaitable[None]]
"""``(message data, reason)``: keep a queued message that cannot be read (a dead letter)."""


class SqliteIngestQueue:
    # A backlog's batch dirties about one page of each of the reports' two indexes per rig,
    # whatever its size: 50,000 wrote a fifth less than 20,000 and drained ~25 % faster
    # (README, bench [2]); a batch and the one read ahead hold ~190 MB at this size (~85 at
    # 20,000).
    batch = 50_000

    def __init__(self, path: Path, synchronous: str = "FULL",
                 poison: Poison | None = None, wal_bytes: int = WAL_BYTES) -> None:
        self._poison = poison
        if synchronous.upper() not in {"FULL", "NORMAL", "EXTRA"}:
            raise ValueError(f"queue synchronous mode must be FULL, NORMAL or EXTRA: {synchronous}")
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-queue")
        self._queue = litequeue.LiteQueue(str(path), queue_name="reports")
        conn = self._queue.conn
        conn.execute(f"PRAGMA synchronous = {synchronous.upper()}")
        conn.execute(f"CREATE INDEX IF NOT EXISTS ix_reports_status_id "
                     f"ON {self._queue.table}(status, message_id)")
        conn.execute("CREATE TABLE IF NOT EXISTS ingest_seen (rig_id INTEGER NOT NULL, "
                     "seq INTEGER NOT NULL, seen_at REAL NOT NULL, "
                     "PRIMARY KEY (rig_id, seq)) WITHOUT ROWID")
        conn.execute("CREATE INDEX IF NOT EXISTS ix_ingest_seen_at ON ingest_seen(seen_at)")
        # SQLite checkpoints the WAL inside the commit that crosses its size threshold: that
        # commit, and every request waiting on it, would pay for writing megabytes back into
        # the database file. The checkpointer thread does it instead, beside the writer; the
        # log stays bounded should the thread never catch up (writes that never pause, see
        # db.wal).
        bound_log(conn.cursor(), keep=wal_bytes)
        # This SQLite is built with secure_delete on: every delete of done messages zeroes
        # their bytes, one more write of all that was queued. FAST zeroes only what it
        # writes anyway; the reports are in the database by then, nothing is hidden.
        conn.execute("PRAGMA secure_delete = FAST")
        self._checkpointer = WalCheckpointer(path)
        self._pending: list[_Put] = []
        self._flusher: asyncio.Task[None] | None = None
        self._ahead: _ReadAhead | None = None  # the batch after the one being written
        self._decoding: asyncio.Future[_Decoded] | None = None  # those rows, being decoded
        self._unacked: set[int] = set()  # rowids of the last take not yet done
        self._closed = False
        self.arrived = asyncio.Event()  # set on every put, for the consumer

    # -- producer side -------------------------------------------------------------------
    async def put(self, rig_id: int, reports: list[IncomingReport],
                  kind: str | None = None) -> tuple[int, int]:
        """Durably queue ``reports`` of a rig of ``kind``; (accepted, duplicates) once on disk.

        The kind travels in the message, so the consumer need not look it up per batch."""
        if self._closed:
            raise QueueClosed("ingest queue is closed")
        future: asyncio.Future[tuple[int, int]] = asyncio.get_running_loop().create_future()
        self._pending.append(_Put(rig_id, reports, future, kind))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        # shield: a client that hangs up must not cancel a write other requests share.
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            group, self._pending = self._pending, []
            try:
                results = await loop.run_in_executor(self._executor, self._write, group)
            except Exception as exc:
                for put in group:
                    if not put.future.done():
                        put.future.set_exception(exc)
                continue
            for put, result in zip(group, results, strict=True):
                if not put.future.done():
                    put.future.set_result(result)
            self.arrived.set()

    def _write(self, group: list[_Put]) -> list[tuple[int, int]]:
        conn, now = self._queue.conn, time.time()
        results = []
        with self._queue.transaction(mode="IMMEDIATE"):
            for put in group:
                fresh = [
                    report
                    for report in put.reports
                    if conn.execute(
                        "INSERT OR IGNORE INTO ingest_seen (rig_id, seq, seen_at) VALUES (?, ?, ?)",
                        (put.rig_id, report.seq, now),
                    ).rowcount
                ]
                if fresh:
                    self._queue.put(encode_message(put.rig_id, now, fresh, put.kind))
                results.append((len(fresh), len(put.reports) - len(fresh)))
        return results

    # -- consumer side -------------------------------------------------------------------
    async def take(self, limit: int) -> list[QueuedBatch]:
        """The oldest ``limit`` ready messages (they stay queued until :meth:`done`).

        A full batch means a backlog: the rows of the batch after it are read at once, on the
        queue's thread, while the consumer writes this one. They are handed out only if every
        message of this batch is done by then; otherwise (a failed write) the next take reads
        from the oldest again, so a batch that was not stored is taken again first.

        Messages are decoded on the event loop, a slice at a time: decoding on the queue's
        thread would hold the GIL against the database driver's thread, which takes it back
        after every row it inserts, and stall the insert (measured: 3x slower). The rows read
        ahead are decoded when the consumer says its batch is committing
        (:meth:`decode_ahead`), or here."""
        ahead, self._ahead = self._ahead, None
        decoding, self._decoding = self._decoding, None
        if ahead is not None and ahead.limit == limit and not self._unacked:
            decoded = await (decoding or _decode_read_ahead(ahead))
        else:
            if decoding is not None:
                decoding.cancel()  # the batch before failed: read from the oldest again
            decoded = await _decode(await asyncio.get_running_loop().run_in_executor(
                self._executor, self._read, limit, None))
        if decoded.rows == limit:
            self._ahead = _ReadAhead(limit, self._executor.submit(self._read, limit,
                                                                  decoded.last_id))
        self._unacked = {b.rowid for b in decoded.batches}
        if decoded.unreadable:
            await self._bury(decoded.unreadable)
        return decoded.batches

    def decode_ahead(self) -> None:
        """The consumer's batch is committing: decode the rows read ahead for the next take now.

        A commit waits on the disk without the GIL, so decoding then costs the driver's thread
        nothing, where decoding during the batch's inserts would stall them (see :meth:`take`):
        the next take finds its batch ready. Does nothing without rows read ahead."""
        if self._ahead is not None and self._decoding is None and not self._closed:
            self._decoding = asyncio.ensure_future(_decode_read_ahead(self._ahead))

    async def _bury(self, unreadable: list[tuple[int, str, str]]) -> None:
        """Keep each unreadable message as a dead letter, then drop it from the queue: one
        damaged message must not stop every later take."""
        for rowid, data, why in unreadable:
            log.error("ingest queue: message %d cannot be read (%s); kept as a dead letter",
                      rowid, why)
            if self._poison is not None:
                await self._poison(data.encode("utf-8", "replace"), why)
        await self.done([rowid for rowid, _, _ in unreadable])

    def _read(self, limit: int, after: str | None) -> list[tuple[int, str, str]]:
        # Message ids (UUIDv7) grow with time: "after" is the last one of the batch being
        # written. One that sorts before it but arrived later waits for a read from the start.
        query = (f"SELECT rowid, message_id, data FROM {self._queue.table} "
                 f"WHERE status = {_READY}{'' if after is None else ' AND message_id > ?'} "
                 f"ORDER BY message_id LIMIT ?")
        cursor = self._queue.conn.cursor()
        cursor.row_factory = None  # plain tuples
        rows: list[tuple[int, str, str]] = cursor.execute(
            query, (limit,) if after is None else (after, limit)).fetchall()
        return rows

    async def wait(self, timeout_s: float) -> None:
        self.arrived.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self.arrived.wait()

    async def done(self, rowids: list[int]) -> None:
        """The reports of these messages are in the database: forget the messages.

        Returns once the delete is queued on the queue's thread, ahead of every later call
        (a take, a backlog count), so none of them sees these messages; the consumer goes on
        with the next batch meanwhile. Killed before the delete commits, the messages are
        read again and their reports, already stored, are ignored as duplicates."""
        self._unacked.difference_update(rowids)
        if rowids:
            self._executor.submit(self._done, rowids).add_done_callback(_log_failed_delete)

    def _done(self, rowids: list[int]) -> None:
        # Consecutive rowids (the usual batch) go in one range each: one statement, not one
        # per message.
        with self._queue.transaction():
            self._queue.conn.executemany(
                f"DELETE FROM {self._queue.table} WHERE rowid BETWEEN ? AND ?",
                _runs(sorted(rowids)))

    async def prune_seen(self, older_than_s: float = SEEN_DAYS * 86400) -> int:
        def prune() -> int:
            with self._queue.transaction():
                deleted: int = self._queue.conn.execute(
                    "DELETE FROM ingest_seen WHERE seen_at < ?", (time.time() - older_than_s,)
                ).rowcount
                return deleted

        return await asyncio.get_running_loop().run_in_executor(self._executor, prune)

    async def forget_rig(self, rig_id: int) -> None:
        """A deleted rig: drop its dedupe keys. Its reports still queued stay queued; the
        consumer drops them, as it finds no rig to store them under."""
        def forget() -> None:
            with self._queue.transaction():
                self._queue.conn.execute("DELETE FROM ingest_seen WHERE rig_id = ?", (rig_id,))

        await asyncio.get_running_loop().run_in_executor(self._executor, forget)

    async def backlog(self) -> int:
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._queue.qsize
        )

    async def close(self) -> None:
        """Wait for pending writes, then close. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._decoding is not None:
            self._decoding.cancel()
            self._decoding = None
        if self._flusher is not None:
            await self._flusher
        await asyncio.get_running_loop().run_in_executor(self._executor, self._queue.close)
        self._executor.shutdown(wait=True)
        self._checkpointer.stop()
