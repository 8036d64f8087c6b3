"""The main database's log is checkpointed beside the consumer (:mod:`minerfarm.commander.db.wal`):
it stays bounded while a backlog drains, is given back when idle, and what was committed
survives a kill -9 whether or not it was copied back yet."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson

from minerfarm.commander.db.engine import PAGE_SIZE, make_engine
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import Rig
from minerfarm.commander.ingest.consumer import IngestConsumer
from minerfarm.commander.ingest.queue import IncomingReport, SqliteIngestQueue
from minerfarm.commander.pubsub import InProcessPubSub
from tests.support import utc_ts

RIGS = 20
PADDING = "x" * 1000  # ~1 KB reports, as rigs send


async def fill(db: Path, queue: SqliteIngestQueue, per_rig: int) -> None:
    """Rigs in the database and ``per_rig`` one-report messages each in the queue."""
    url = f"sqlite+aiosqlite:///{db}"
    await upgrade_async(url)
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(Rig.__table__.insert(), [
            {"name": f"rig-{i}", "kind": "cpu_gpu", "token_hash": f"{i:064x}"}
            for i in range(1, RIGS + 1)])
    await engine.dispose()
    for seq in range(per_rig):
        await put_round(queue, seq)


async def put_round(queue: SqliteIngestQueue, seq: int) -> None:
    """One ~1 KB report from every rig, posted at once (one group commit)."""
    stamp = utc_ts()
    await asyncio.gather(*(queue.put(rig, [IncomingReport(
        seq, stamp, orjson.dumps({"seq": seq, "ts": stamp, "pad": PADDING}).decode())],
        "cpu_gpu") for rig in range(1, RIGS + 1)))


def wal_size(db: Path) -> int:
    log = db.with_name(db.name + "-wal")
    return log.stat().st_size if log.exists() else 0


async def test_the_log_stays_bounded_while_a_backlog_drains_and_goes_when_idle(
        tmp_path: Path) -> None:
    db, limit = tmp_path / "minerfarm.db", 256 * 1024
    queue = SqliteIngestQueue(tmp_path / "queue.db")
    await fill(db, queue, per_rig=300)  # 6,000 reports: ~6 MB of rows, 24 times the limit
    engine = make_engine(f"sqlite+aiosqlite:///{db}", wal_bytes=limit)
    consumer = IngestConsumer(queue, engine, InProcessPubSub(), batch=200)
    sizes = []
    while await consumer.drain_once():
        sizes.append(wal_size(db))
    assert consumer.stored == 6000
    # the bound: four times the limit (where a commit checkpoints the log itself), plus what
    # the commit that crossed it had written (one batch: ~0.3 MB)
    assert max(sizes) < 4 * limit + 1024 * 1024, sizes
    deadline = time.monotonic() + 30
    while wal_size(db) and time.monotonic() < deadline:  # idle: truncated to nothing
        await asyncio.sleep(0.1)
    assert wal_size(db) == 0
    await queue.close()
    await engine.dispose()
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA page_size").fetchone() == (PAGE_SIZE,)  # a new file
    assert connection.execute("SELECT count(*) FROM reports").fetchone() == (6000,)
    connection.close()


async def test_the_queue_log_stays_bounded_under_puts_that_never_pause(tmp_path: Path) -> None:
    path, limit = tmp_path / "queue.db", 256 * 1024
    queue = SqliteIngestQueue(path, wal_bytes=limit)
    sizes = []
    for seq in range(150):  # 3,000 reports, ~12 times the limit, with no idle moment
        await put_round(queue, seq)
        sizes.append(wal_size(path))
    assert await queue.backlog() == 3000
    await queue.close()
    # the bound: four times the limit (where the commit checkpoints itself, should the thread
    # find no moment between two transactions), plus one group's commit (~30 KB)
    assert max(sizes) < 4 * limit + 512 * 1024, sizes


async def test_the_queue_log_is_cut_back_to_its_limit_while_still_written(
        tmp_path: Path) -> None:
    path, limit = tmp_path / "queue.db", 256 * 1024
    queue = SqliteIngestQueue(path, wal_bytes=limit)
    stamp = utc_ts()
    for seq in range(40):  # ~0.8 MB of log, no idle moment long enough for "idle"
        await put_round(queue, seq)
    assert wal_size(path) > limit  # under the commit's own bound (4x)
    deadline = time.monotonic() + 30
    more = 10_000
    while wal_size(path) > limit and time.monotonic() < deadline:
        more += 1
        await queue.put(1, [IncomingReport(more, stamp, f'{{"seq":{more}}}')], "cpu_gpu")
        await asyncio.sleep(0.05)  # still written, every 50 ms: never idle for a round
    assert wal_size(path) <= limit
    await queue.close()


DRAIN_THEN_WAIT = """
import asyncio, sys
from pathlib import Path
from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.ingest.consumer import IngestConsumer
from minerfarm.commander.ingest.queue import SqliteIngestQueue
from minerfarm.commander.pubsub import InProcessPubSub

async def main() -> None:
    tmp = Path(sys.argv[1])
    queue = SqliteIngestQueue(tmp / "queue.db")
    # a log far larger than the data: no commit copies it back, only the thread does
    engine = make_engine(f"sqlite+aiosqlite:///{tmp / 'minerfarm.db'}", wal_bytes=2**30)
    consumer = IngestConsumer(queue, engine, InProcessPubSub(), batch=500)
    while await consumer.drain_once():
        pass
    print(consumer.stored, flush=True)
    await asyncio.sleep(3600)  # killed here

asyncio.run(main())
"""


async def test_committed_reports_survive_a_kill_9_before_or_after_their_checkpoint(
        tmp_path: Path) -> None:
    db = tmp_path / "minerfarm.db"
    queue = SqliteIngestQueue(tmp_path / "queue.db")
    await fill(db, queue, per_rig=100)
    await queue.close()
    child = subprocess.Popen([sys.executable, "-c", DRAIN_THEN_WAIT, str(tmp_path)],
                             stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "2000"
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    connection = sqlite3.connect(db)  # a fresh connection, as after a restart
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("SELECT count(*), count(DISTINCT rig_id) FROM reports"
                                  ).fetchone() == (2000, RIGS)
    finally:
        connection.close()
