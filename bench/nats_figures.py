"""``bench/ingest.py --nats``: the same figures on JetStream as on the SQLite queue, in one run.

[5] acknowledged reports/s (closed loop, 1 report per POST) and acknowledgement p99 at
    ``--nats-rate`` reports/s (open loop), for a commander on the SQLite queue and for one on
    PostgreSQL + JetStream (goal: JetStream >= 0.5x SQLite on one box);
[6] the consumer's drain of a ``--nats-backlog`` backlog on each, into the database each
    commander uses (goal: both >= 20,000 reports/s).

Needs PostgreSQL and NATS (JetStream) on 127.0.0.1, as on this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from bench import procstat
from bench.loadclient import closed_loop, open_loop
from tests.support import CommanderProcess

NATS_URL = "nats://127.0.0.1:4222"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by this process, nats-server and every PostgreSQL process,
    from /proc (Linux; empty elsewhere): which of them limits the drain on a small box."""
    totals = {"bench process (consumer)": 0.0, "nats-server": 0.0, "postgres": 0.0}
    with contextlib.suppress(OSError):
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            with contextlib.suppress(OSError, IndexError, ValueError):
                name, used = procstat.name_and_cpu_seconds(Path(f"/proc/{pid}/stat"))
                if int(pid) == os.getpid():
                    totals["bench process (consumer)"] += used
                elif name == "nats-server":
                    totals["nats-server"] += used
                elif name.startswith("postgres"):
                    totals["postgres"] += used
    return totals


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _pg(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(PG_ADMIN, timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def _delete_streams(prefix: str) -> None:
    import nats

    client = await nats.connect(NATS_URL)
    for name in (f"{prefix.upper()}_REPORTS", f"KV_{prefix}_leases", f"KV_{prefix}_logins"):
        with contextlib.suppress(Exception):  # gone already
            await client.jetstream().delete_stream(name)
    await client.close()


LIFTED = {"MINERFARM_SENTRY_REQUESTS_PER_S": "1000000",
          "MINERFARM_SENTRY_REQUEST_BURST": "1000000",
          "MINERFARM_RIG_BYTES_PER_DAY": str(10**15), "MINERFARM_ADVERTISE": "0"}


def fresh(body: Any) -> Any:
    """Bodies stamped now: a sentry's reports are minutes old at most, so JetStream's
    duplicate window answers for them (an older ``ts`` costs a database lookup)."""
    def make(start: int) -> Any:
        inner = body(start)

        def one() -> bytes:
            batch = orjson.loads(inner())
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            for item in batch["reports"]:
                item["ts"] = stamp
            return orjson.dumps(batch)
        return one
    return make


def _http(commander: CommanderProcess, seconds: float, connections: int,
          rate: float, body: Any) -> tuple[float, float]:
    _, token = commander.create_rig("bench-rig")
    context, headers = commander.ssl_context(), {"Authorization": f"Bearer {token}"}
    path = "/api/v1/sentry/reports"
    asyncio.run(closed_loop("127.0.0.1", commander.port, context, path, body(10_000_000),
                            headers, connections, 2.0))  # warm-up
    started = time.perf_counter()
    done, failed = asyncio.run(closed_loop("127.0.0.1", commander.port, context, path,
                                           body(20_000_000), headers, connections, seconds))
    rps = done / (time.perf_counter() - started)
    if failed:
        raise RuntimeError(f"{failed} requests were not acknowledged")
    latencies = asyncio.run(open_loop("127.0.0.1", commander.port, context, path,
                                      body(1), headers, rate=rate, seconds=seconds))
    return rps, pct([x * 1000 for x in latencies], 0.99)


def http_figures(seconds: float, connections: int, rate: float, body: Any) -> None:
    prefix = f"bench{secrets.token_hex(3)}"
    database = f"minerfarm_bench_{secrets.token_hex(3)}"
    body = fresh(body)
    with tempfile.TemporaryDirectory() as tmp:
        sqlite = CommanderProcess(Path(tmp) / "sqlite", env=LIFTED).start()
        try:
            sqlite_rps, sqlite_p99 = _http(sqlite, seconds, connections, rate, body)
        finally:
            sqlite.stop()
        asyncio.run(_pg(f'CREATE DATABASE "{database}"'))
        jetstream = CommanderProcess(Path(tmp) / "nats", env={
            **LIFTED, "MINERFARM_NATS_URL": NATS_URL, "MINERFARM_NATS_PREFIX": prefix,
            "MINERFARM_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1/{database}"})
        try:
            jetstream.start()
            nats_rps, nats_p99 = _http(jetstream, seconds, connections, rate, body)
        finally:
            jetstream.stop()
            asyncio.run(_delete_streams(prefix))
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    print(f"[5] acknowledged over HTTPS, 1 report/POST, {connections} connections, "
          f"{seconds:.0f} s; ack p99 at {rate:.0f} reports/s, open loop")
    print(f"    SQLite queue (SQLite database):        {sqlite_rps:8.0f} reports/s   "
          f"p99 {sqlite_p99:6.1f} ms")
    print(f"    JetStream (PostgreSQL database):       {nats_rps:8.0f} reports/s   "
          f"p99 {nats_p99:6.1f} ms")
    print(f"    JetStream / SQLite: {nats_rps / sqlite_rps:.2f}   (goal >= 0.50)")


async def jetstream_drain(backlog: int, sample: Any, rigs: int = 1000) -> tuple[
        float, float, dict[str, float]]:
    """Fill a JetStream stream with ``backlog`` reports, then drain it into PostgreSQL with
    the commander's consumer: (fill s, reports/s drained, µs of CPU per report drained by
    each process)."""
    import gc
    from datetime import UTC, datetime

    from minerfarm import gc_tuning
    from minerfarm.commander.db.engine import make_engine
    from minerfarm.commander.db.migrate import upgrade_async
    from minerfarm.commander.db.models import Rig
    from minerfarm.commander.ingest.consumer import IngestConsumer
    from minerfarm.commander.ingest.queue import IncomingReport
    from minerfarm.commander.nats.connection import connect
    from minerfarm.commander.nats.queue import JetStreamIngestQueue
    from minerfarm.commander.pubsub import InProcessPubSub
    from minerfarm.commander.settings import Settings

    prefix, database = f"drain{secrets.token_hex(3)}", f"minerfarm_drain_{secrets.token_hex(3)}"
    await _pg(f'CREATE DATABASE "{database}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1/{database}"
    client = await connect(NATS_URL, 5, "bench")
    try:
        await upgrade_async(url)
        engine = make_engine(url, json_serializer=lambda v: orjson.dumps(v).decode(),
                             json_deserializer=orjson.loads)
        now = datetime.now(UTC)
        async with engine.begin() as conn:
            await conn.execute(Rig.__table__.insert(), [
                {"id": i, "name": f"rig-{i}", "kind": "cpu_gpu", "token_hash": f"{i:064x}",
                 "playbook_revision": 0, "created_at": now, "token_created_at": now}
                for i in range(1, rigs + 1)])

        async def nothing_stored(rig_id: int, seqs: list[int]) -> set[int]:
            return set()

        async def poison(data: bytes, reason: str) -> None:
            raise RuntimeError(reason)

        queue = JetStreamIngestQueue(client, prefix=prefix, duplicate_window_s=120,
                                     max_bytes=16 * 1024**3, ack_wait_s=300,
                                     publish_timeout_s=120, already_stored=nothing_stored,
                                     poison=poison)
        await queue.open()
        started = time.perf_counter()
        per_rig = backlog // rigs
        for seq in range(1, per_rig + 1):  # rigs post concurrently, one report each
            # stamped when posted, as live rigs do: a backlog that takes longer to fill than
            # the consumer's "fresh" horizon must not look like resent (spooled) reports,
            # which are looked up in the compacted blocks
            ts = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            payload = orjson.dumps(sample(seq)).decode()
            await asyncio.gather(*(queue.put(rig, [IncomingReport(seq, ts, payload)], "cpu_gpu")
                                   for rig in range(1, rigs + 1)))
        filled = time.perf_counter() - started
        consumer = IngestConsumer(queue, engine, InProcessPubSub(), batch=Settings().ingest_batch)
        gc_tuning.tune_gc()  # as the commander's startup does before its consumer runs
        gc.freeze()
        before, started = cpu_seconds(), time.perf_counter()
        while consumer.stored < per_rig * rigs:
            await consumer.drain_once()
        elapsed, after = time.perf_counter() - started, cpu_seconds()
        cpu = {name: (after[name] - before[name]) * 1e6 / (per_rig * rigs) for name in after}
        await queue.close()
        await client.jetstream().delete_stream(queue.stream)
        await engine.dispose()
    finally:
        await client.close()
        await _pg(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    return filled, per_rig * rigs / elapsed, cpu
