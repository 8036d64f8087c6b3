"""The async engine: SQLite (WAL, foreign keys, busy timeout) or any SQLAlchemy async URL.

SQLite runs with synchronous=FULL: the ingest consumer marks queue messages done only after
their reports are committed here, so this commit must survive a power loss, not only a crash.
A file database's log is checkpointed by a thread beside the writers (:mod:`.wal`), from the
engine's first connection until it is disposed.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from minerfarm.commander.db.wal import WAL_BYTES, WalCheckpointer, bound_log

# For a database created from now on (an existing file keeps its own): a 20,000-report batch
# is ~40 MB of pages to log and to copy back; in 16 KB pages that is a quarter of the writes
# (system calls) of 4 KB pages, measured ~10% more reports/s drained (README, bench [2]).
PAGE_SIZE = 16384


def make_engine(url: str, *, wal_bytes: int = WAL_BYTES, **options: Any) -> AsyncEngine:
    """``wal_bytes``: the log's size it is cut back to; a commit checkpoints it itself at four
    times that (:mod:`.wal`)."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

        def pragmas(dbapi_conn: Any, _record: Any) -> None:
            _sqlite_pragmas(dbapi_conn, wal_bytes)

        event.listen(engine.sync_engine, "connect", pragmas)
        path = engine.url.database
        if path and path != ":memory:" and not path.startswith("file:"):
            _Checkpointing(engine.sync_engine, Path(path))
        return engine
    return create_async_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(dbapi_conn: Any, wal_bytes: int) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute(f"PRAGMA page_size={PAGE_SIZE}")  # only before the file's first table
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # 64 MB of page cache (the default is 2 MB): the reports' indexes stay in memory as the
    # table grows, which keeps ingest from slowing down with a large history.
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA temp_store=MEMORY")
    bound_log(cursor, keep=wal_bytes)
    cursor.close()


class _Checkpointing:
    """A :class:`WalCheckpointer` for the engine's file while the engine has connections:
    started by the first (the file exists and is in WAL mode by then), stopped by
    ``dispose`` (a disposed engine that connects again starts another)."""

    def __init__(self, engine: Engine, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._running: WalCheckpointer | None = None
        event.listen(engine, "connect", self._connected)
        event.listen(engine, "engine_disposed", self._disposed)

    def _connected(self, _dbapi_conn: Any, _record: Any) -> None:
        with self._lock:
            if self._running is None:
                self._running = WalCheckpointer(self._path)

    def _disposed(self, _engine: Engine) -> None:
        with self._lock:
            running, self._running = self._running, None
        if running is not None:
            running.stop()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[Any]:
    return async_sessionmaker(engine, expire_on_commit=False)
