"""WAL checkpoints beside the writer, not inside its commits.

SQLite copies a WAL-mode file's log back into the database inside the commit that takes the
log past ``wal_autocheckpoint`` pages: that commit, and whatever waits on it (the ingest
consumer's next batch, the requests queued behind a group commit), pays for writing megabytes
a second time. A :class:`WalCheckpointer` thread does that copy on its own connection instead,
with PASSIVE checkpoints, which never block the writer.

A PASSIVE checkpoint alone does not bound the log: the writer starts the log over only if,
when its transaction begins, every frame is already copied, and a writer that commits batch
after batch always starts before the copy of its last commit is done. So the writer's own
connection keeps an automatic checkpoint, at a much larger size (:func:`bound_log`:
:data:`BOUND` times the size a log is cut back to): when the log reaches it, the commit that
crosses it copies what the thread has not copied yet (little: the thread has been copying all
along) and the next transaction starts the log over. ``journal_size_limit`` then cuts the file
back. At 1x a backlog's commits copied the log back every second or third batch, each with an
fsync of the database (bench [2], a 1,000,000 backlog in 20,000-report batches: ~40,000
reports/s against ~49,000 at 4x; the ingest queue's drain lost ~15 % at 1x). When the
database is idle the thread truncates the log to nothing. None of this touches durability: a
commit is in the log, fsynced (``synchronous=FULL``), before it returns, whenever the log is
copied back.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

WAL_BYTES = 64 * 1024 * 1024  # a log started over is cut back to this
BOUND = 4  # times that: where a commit checkpoints the log itself
STOP_CHECK_S = 0.05  # how soon stop() is seen


def bound_log(cursor: Any, keep: int) -> None:
    """On the writer's connection (``cursor``: a DB-API cursor of it): a log started over is
    cut back to ``keep`` bytes, and a commit checkpoints the log itself once it reaches
    :data:`BOUND` times that (the bound, see above)."""
    cursor.execute("PRAGMA page_size")
    page = int(cursor.fetchone()[0])
    cursor.execute(f"PRAGMA wal_autocheckpoint = {max(1, BOUND * keep // page)}")
    cursor.execute(f"PRAGMA journal_size_limit = {keep}")


class WalCheckpointer:
    """Checkpoints a WAL-mode SQLite file every ``every_s`` from its own thread and connection.

    PASSIVE while the file is written; TRUNCATE once a round finds nothing new and nothing
    left to copy (idle), and at :meth:`stop`. A busy file is tried again the next round.
    """

    def __init__(self, path: Path, every_s: float = 0.5) -> None:
        self._path, self._every_s = path, every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"checkpoint-{path.name}",
                                        daemon=True)
        self._thread.start()

    def _run(self) -> None:
        # timeout=0: a TRUNCATE that finds a reader or the writer gives up at once instead of
        # holding the write lock while it waits for them
        connection = sqlite3.connect(self._path, timeout=0, check_same_thread=False)
        log = self._path.with_name(self._path.name + "-wal")
        try:
            version = None
            while self._pause():
                with contextlib.suppress(sqlite3.OperationalError):  # busy: next time
                    # data_version moves when another connection commits
                    now = connection.execute("PRAGMA data_version").fetchone()[0]
                    if now != version:
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                        version = now
                    elif log.exists() and log.stat().st_size:  # idle: give the disk back
                        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
            with contextlib.suppress(sqlite3.OperationalError):
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            connection.close()

    def _pause(self) -> bool:
        """Wait ``every_s`` in short sleeps; False once stopped. Not ``Event.wait(timeout)``:
        its deadline is absolute on the monotonic clock, and where that clock is moved
        (libfaketime, as CI's +30 days pass runs the commander) it never returns."""
        for _ in range(max(1, round(self._every_s / STOP_CHECK_S))):
            if self._stopped.is_set():
                return False
            time.sleep(STOP_CHECK_S)
        return not self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join(10)
