"""The sentries' durable outbox: every report is written here first, then sent in ``seq`` order.

One SQLite file (WAL, ``synchronous=FULL``: a report the sentry built survives a power cut) with
two tables: ``reports`` (the queue) and ``meta`` (the ``seq`` counter, last delivery, drop
count). Shared by the CPU/GPU and the ASIC sentry.

- ``seq`` survives restarts and goes up by one per report (a gap or a duplicate is visible).
  A new spool starts it at the current Unix time in milliseconds: a sentry sends far fewer than
  1,000 reports a second, so one that lost its state (reinstalled, same token) never reuses a
  ``seq`` the commander would drop as a duplicate.
- A reinstalled sentry (new spool, or one restored from an old image) may number below what
  the commander already stored, and its reports would be dropped there as duplicates: the
  uplink asks the commander's last stored ``seq`` at every start, before sending anything,
  and :meth:`Spool.seq_above` moves the counter (and this run's unsent reports) above it.
- Bounded by age (default 7 days) and size (default 100 MB of report JSON): the oldest reports
  are dropped first; :meth:`Spool.put` returns how many so the caller can warn, and the total is
  kept for ``status``.

Blocking (sqlite3): call it from the event loop with ``asyncio.to_thread``; a lock makes the
calls of the collector and the sender safe from two threads.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_AGE_S = 7 * 24 * 3600
DEFAULT_MAX_BYTES = 100 * 1000 * 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,
    created REAL NOT NULL,
    size INTEGER NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Spooled:
    id: int
    seq: int
    body: str  # one report, JSON


@dataclass(frozen=True)
class SpoolStats:
    count: int
    bytes: int
    oldest: float | None  # Unix time the oldest waiting report was spooled
    dropped: int  # reports dropped by the bounds, ever
    last_sent_at: float | None
    last_sent_seq: int | None


class Spool:
    def __init__(self, path: Path, *, max_age_s: float = DEFAULT_MAX_AGE_S,
                 max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = Path(path)
        self.max_age_s, self.max_bytes = max_age_s, max_bytes
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.path.chmod(0o600)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def next_seq(self) -> int:
        """The next report ``seq``, durably reserved."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            current = self._meta("seq")
            seq = int(current) + 1 if current is not None else int(time.time() * 1000)
            self._set_meta("seq", str(seq))
        return seq

    def seq_above(self, last_seq: int, renumber_from: int | None = None) -> tuple[int, int]:
        """Make every ``seq`` from now on greater than ``last_seq`` (the commander's highest).

        Waiting reports numbered ``renumber_from`` or above (this run's, never sent yet) are
        moved up with the counter if they collide; older waiting ones are left alone (they may
        be stored already, their acknowledgement lost: the commander deduplicates them).
        Returns ``(shift, counter_before)``: the amount reports were moved by and the counter
        before the move, so a ``seq`` reserved but not yet spooled can be moved too."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            current = self._meta("seq")
            before = int(current) if current is not None else int(time.time() * 1000) - 1
            shift = 0
            if renumber_from is not None and renumber_from <= last_seq:
                shift = last_seq + 1 - renumber_from
                self._db.execute("UPDATE reports SET seq = seq + ? WHERE seq >= ?",
                                 (shift, renumber_from))
            self._set_meta("seq", str(max(before + shift, last_seq)))
        return shift, before

    def put(self, seq: int, body: str, now: float | None = None) -> int:
        """Queue one report (JSON text); returns how many old reports the bounds dropped."""
        now = time.time() if now is None else now
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("INSERT INTO reports (seq, created, size, body) VALUES (?, ?, ?, ?)",
                             (seq, now, len(body.encode()), body))
            return self._trim(now)

    def trim(self, now: float | None = None) -> int:
        """Apply the bounds now (age matters even when nothing new is spooled)."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            return self._trim(time.time() if now is None else now)

    def peek(self, max_reports: int = 500, max_bytes: int = 900_000) -> list[Spooled]:
        """The oldest waiting reports, in ``seq`` order, at most ``max_reports`` and (beyond
        the first) ``max_bytes`` of JSON."""
        with self._lock:
            rows = self._db.execute(
                "SELECT id, seq, size, body FROM reports ORDER BY id LIMIT ?", (max_reports,)
            ).fetchall()
        batch: list[Spooled] = []
        total = 0
        for row_id, seq, size, body in rows:
            if batch and total + size > max_bytes:
                break
            batch.append(Spooled(row_id, seq, body))
            total += size
        return batch

    def ack(self, delivered: list[Spooled], now: float | None = None) -> None:
        """The commander stored these (or already had them): forget them."""
        if not delivered:
            return
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM reports WHERE id = ?", [(r.id,) for r in delivered])
            self._set_meta("last_sent_at", str(time.time() if now is None else now))
            self._set_meta("last_sent_seq", str(delivered[-1].seq))

    def drop(self, reports: list[Spooled]) -> None:
        """Give up on reports the commander refuses as they are (counted as dropped)."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("DELETE FROM reports WHERE id = ?", [(r.id,) for r in reports])
            self._count_dropped(len(reports))

    def clear(self) -> None:
        """Forget every waiting report (the rig was removed); the ``seq`` counter stays."""
        with self._lock, self._db:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM reports")

    def stats(self) -> SpoolStats:
        with self._lock:
            count, size, oldest = self._db.execute(
                "SELECT COUNT(*), COALESCE(SUM(size), 0), MIN(created) FROM reports").fetchone()
            sent_at, sent_seq = self._meta("last_sent_at"), self._meta("last_sent_seq")
            return SpoolStats(count=count, bytes=size, oldest=oldest,
                              dropped=int(self._meta("dropped") or 0),
                              last_sent_at=float(sent_at) if sent_at else None,
                              last_sent_seq=int(sent_seq) if sent_seq else None)

    def _trim(self, now: float) -> int:
        dropped = self._db.execute("DELETE FROM reports WHERE created < ?",
                                   (now - self.max_age_s,)).rowcount
        total = self._db.execute("SELECT COALESCE(SUM(size), 0) FROM reports").fetchone()[0]
        if total > self.max_bytes:
            # walk from the oldest, keeping the newest reports that fit
            excess, cut = total - self.max_bytes, 0
            for row_id, size in self._db.execute("SELECT id, size FROM reports ORDER BY id"):
                excess -= size
                cut = row_id
                if excess <= 0:
                    break
            dropped += self._db.execute("DELETE FROM reports WHERE id <= ?", (cut,)).rowcount
        if dropped:
            self._count_dropped(dropped)
        return dropped

    def _count_dropped(self, count: int) -> None:
        self._set_meta("dropped", str(int(self._meta("dropped") or 0) + count))

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                         "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))
