"""Ingest benchmark: prints the three figures of the commander-core issue, measured in one run.

1. Reports/s acknowledged over HTTPS by the commander, against a bare Quart JSON endpoint under
   the same Hypercorn/TLS setup on this machine (ratio; goal >= 0.8). One report per POST, as
   a rig sends them.
2. The queue consumer's drain rate with a 1,000,000-report backlog (goal >= 50,000 reports/s).
3. p99 acknowledgement latency at 1,000 reports/s, open loop (goal < 50 ms).
4. The same p99 (at ``--guess-rate`` reports/s) quiet, then while 8 clients guess the admin
   password with HTTP Basic from rotating loopback addresses (127.x.y.z, each under its own
   lockout), in the same run (goal: under 2x the quiet figure).

5. With ``--nats``: [1] and [3] for a commander on the SQLite queue against one on PostgreSQL
   and NATS JetStream, and [2] on JetStream too (:mod:`bench.nats_figures`).

Usage: python bench/ingest.py [--seconds 10] [--backlog 1000000] [--connections 32]
       python bench/ingest.py --only-guessing [--guess-rate 200]
       python bench/ingest.py --only-drain [--backlog 1000000]
       python bench/ingest.py --nats [--nats-rate 500] [--skip-http --skip-guessing]
       python bench/ingest.py --nats --skip-http --skip-drain --skip-guessing  # [6] alone
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.loadclient import closed_loop, open_loop
from tests.support import PASSWORD, CommanderProcess, free_port


def sample_report(seq: int) -> dict[str, Any]:
    return {
        "seq": seq, "ts": "2026-11-23T10:00:00Z",
        "host": {"hostname": "rig-07", "os": "Linux 6.1", "uptime_s": 86400,
                 "cpu": {"model": "AMD Ryzen 9 5950X", "cores": 16, "usage_pct": 97.5,
                         "temp_c": 71.0}, "memory": {"total_mb": 32000, "used_mb": 9000}},
        "gpus": [{"index": i, "vendor": "nvidia", "name": "RTX 3080", "temp_c": 61, "fan_pct": 70,
                  "power_w": 221.5, "core_mhz": 1500, "mem_mhz": 9500, "util_pct": 100,
                  "mem_used_mb": 4100} for i in range(2)],
        "miners": [{"software": "xmrig", "version": "6.22.1", "algorithm": "rx/0", "coin": "XMR",
                    "pool": "pool.example:3333", "hashrate_hs": 12345.6,
                    "shares": {"accepted": 10, "rejected": 0, "stale": 0}, "uptime_s": 3600,
                    "running": True}],
    }


def body_factory(start: int = 1) -> Any:
    counter = itertools.count(start)
    return lambda: orjson.dumps({"reports": [sample_report(next(counter))]})


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def start_bare(cert: Path, key: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("bare_quart.py")),
                             str(port), str(cert), str(key)],
                            cwd=Path(__file__).resolve().parents[1],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            httpx.get(f"https://127.0.0.1:{port}/", verify=False, timeout=1)
            return proc, port
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("bare Quart server did not start")


async def throughput(port: int, context: Any, token: str, seconds: float,
                     connections: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    make = body_factory(10_000_000)
    await closed_loop("127.0.0.1", port, context, "/api/v1/sentry/reports", make, headers,
                      connections, 2.0)  # warm-up
    started = time.perf_counter()
    done, failed = await closed_loop("127.0.0.1", port, context, "/api/v1/sentry/reports", make,
                                     headers, connections, seconds)
    if failed:
        raise RuntimeError(f"{failed} requests were not acknowledged")
    return done / (time.perf_counter() - started)


def http_figures(seconds: float, connections: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        # one token carries the whole load: lift the per-rig budget (MINERFARM_SENTRY_*)
        commander = CommanderProcess(Path(tmp) / "data", env={
            "MINERFARM_SENTRY_REQUESTS_PER_S": "1000000",
            "MINERFARM_SENTRY_REQUEST_BURST": "1000000",
            "MINERFARM_RIG_BYTES_PER_DAY": str(10**15)}).start()
        try:
            _, token = commander.create_rig("bench-rig")
            context = commander.ssl_context()
            ours = asyncio.run(throughput(commander.port, context, token, seconds, connections))
            asyncio.run(open_loop(  # warm-up at the same rate, not measured
                "127.0.0.1", commander.port, context, "/api/v1/sentry/reports",
                body_factory(50_000_000), {"Authorization": f"Bearer {token}"}, rate=1000,
                seconds=2))
            latencies = asyncio.run(open_loop(
                "127.0.0.1", commander.port, context, "/api/v1/sentry/reports", body_factory(1),
                {"Authorization": f"Bearer {token}"}, rate=1000, seconds=seconds))
        finally:
            commander.stop()
        bare_proc, bare_port = start_bare(commander.cert, commander.data_dir / "tls" / "key.pem")
        try:
            bare = asyncio.run(throughput(bare_port, context, token, seconds, connections))
        finally:
            bare_proc.terminate()
            bare_proc.wait(10)
    print(f"[1] acknowledged over HTTPS, 1 report/POST, {connections} connections, {seconds:.0f} s")
    print(f"    commander (validate + durable queue, FULL sync): {ours:8.0f} reports/s")
    print(f"    bare Quart JSON endpoint, same TLS/Hypercorn:    {bare:8.0f} reports/s")
    print(f"    ratio: {ours / bare:.2f}   (goal >= 0.80)")
    ms = [x * 1000 for x in latencies]
    print(f"[3] acknowledgement latency at 1,000 reports/s, open loop, {len(ms)} requests")
    print(f"    p50 {pct(ms, 0.50):.1f} ms   p99 {pct(ms, 0.99):.1f} ms   "
          f"max {max(ms):.1f} ms   mean {statistics.fmean(ms):.1f} ms   (goal p99 < 50 ms)")


GUESSERS = 8
GUESSES_PER_ADDRESS = 3  # under the per-address lockout's free attempts


async def guess_passwords(url: str, context: Any, stop: asyncio.Event,
                          index: int) -> dict[int, int]:
    """One attacker: wrong Basic passwords against the admin API, a new source address every
    few guesses. Returns how many answers of each status it got."""
    codes: dict[int, int] = {}
    for address in itertools.count():
        local = f"127.{10 + index}.{address // 250 % 250}.{address % 250 + 1}"
        transport = httpx.AsyncHTTPTransport(verify=context, local_address=local)
        async with httpx.AsyncClient(base_url=url, transport=transport, timeout=30) as client:
            for attempt in range(GUESSES_PER_ADDRESS):
                if stop.is_set():
                    return codes
                answer = await client.get("/api/v1/rigs", auth=("admin", f"guess-{attempt}"))
                codes[answer.status_code] = codes.get(answer.status_code, 0) + 1
    return codes


async def acks_while_guessing(commander: CommanderProcess, token: str, rate: float,
                              seconds: float) -> tuple[list[float], dict[int, int]]:
    stop = asyncio.Event()
    context = commander.ssl_context()
    attackers = [asyncio.create_task(guess_passwords(commander.url, context, stop, i))
                 for i in range(GUESSERS)]
    await asyncio.sleep(1.0)  # the guesses are queued up on the commander
    try:
        latencies = await open_loop(
            "127.0.0.1", commander.port, context, "/api/v1/sentry/reports",
            body_factory(70_000_000), {"Authorization": f"Bearer {token}"}, rate=rate,
            seconds=seconds)
    finally:
        stop.set()
        results = await asyncio.gather(*attackers)
    codes: dict[int, int] = {}
    for result in results:
        for code, count in result.items():
            codes[code] = codes.get(code, 0) + count
    return latencies, codes


def guessing_figure(seconds: float, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        commander = CommanderProcess(Path(tmp) / "data").start()
        try:
            _, token = commander.create_rig("bench-rig")
            context = commander.ssl_context()
            headers = {"Authorization": f"Bearer {token}"}
            asyncio.run(open_loop("127.0.0.1", commander.port, context,
                                  "/api/v1/sentry/reports", body_factory(60_000_000), headers,
                                  rate=rate, seconds=2))  # warm-up
            quiet = asyncio.run(open_loop("127.0.0.1", commander.port, context,
                                          "/api/v1/sentry/reports", body_factory(1), headers,
                                          rate=rate, seconds=seconds))
            loud, codes = asyncio.run(acks_while_guessing(commander, token, rate, seconds))
        finally:
            commander.stop()
    quiet_ms, loud_ms = [x * 1000 for x in quiet], [x * 1000 for x in loud]
    print(f"[4] acknowledgement latency at {rate:.0f} reports/s, quiet, then with {GUESSERS} "
          f"clients guessing the password (HTTP Basic, rotating 127.x.y.z sources)")
    print(f"    quiet:    p50 {pct(quiet_ms, 0.5):.1f} ms   p99 {pct(quiet_ms, 0.99):.1f} ms   "
          f"max {max(quiet_ms):.1f} ms")
    print(f"    guessing: p50 {pct(loud_ms, 0.5):.1f} ms   p99 {pct(loud_ms, 0.99):.1f} ms   "
          f"max {max(loud_ms):.1f} ms   guesses answered {dict(sorted(codes.items()))}")
    print(f"    p99 ratio: {pct(loud_ms, 0.99) / pct(quiet_ms, 0.99):.2f}   (goal < 2)")


async def drain_figure(backlog: int, rigs: int = 1000) -> None:
    from minerfarm.commander.db.engine import make_engine
    from minerfarm.commander.db.migrate import upgrade_async
    from minerfarm.commander.db.models import Rig
    from minerfarm.commander.ingest.consumer import IngestConsumer
    from minerfarm.commander.ingest.queue import IncomingReport, SqliteIngestQueue, _Put
    from minerfarm.commander.pubsub import InProcessPubSub
    from minerfarm.commander.settings import Settings
    from minerfarm.protocol.reports import isoformat_z

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/minerfarm.db"
        await upgrade_async(url)
        engine = make_engine(url, json_serializer=lambda v: orjson.dumps(v).decode(),
                             json_deserializer=orjson.loads)
        async with engine.begin() as conn:
            await conn.execute(Rig.__table__.insert(), [
                {"name": f"rig-{i}", "kind": "cpu_gpu", "token_hash": f"{i:064x}",
                 "playbook_revision": 0, "created_at": _now(), "token_created_at": _now()}
                for i in range(1, rigs + 1)])
        queue = SqliteIngestQueue(Path(tmp) / "queue.db")
        filled = time.perf_counter()
        loop = asyncio.get_running_loop()
        per_rig = backlog // rigs
        # Reports as live rigs post them: stamped just before they are received (a backlog of
        # old ones, a sentry's spool, is also looked up in the compacted blocks).
        stamp = isoformat_z(_now())
        for chunk in range(0, per_rig, 50):  # one message per report, as rigs post them
            group = [_Put(rig, [IncomingReport(seq, stamp, orjson.dumps(
                              {**sample_report(seq), "ts": stamp}).decode())],
                          loop.create_future())
                     for seq in range(chunk, min(per_rig, chunk + 50))
                     for rig in range(1, rigs + 1)]
            await loop.run_in_executor(queue._executor, queue._write, group)
        filled = time.perf_counter() - filled
        consumer = IngestConsumer(queue, engine, InProcessPubSub(), batch=Settings().ingest_batch)
        started = time.perf_counter()
        while await consumer.drain_once():
            pass
        elapsed = time.perf_counter() - started
        await queue.close()
        await engine.dispose()
    print(f"[2] consumer drain, backlog of {consumer.stored:,} reports over {rigs} rigs "
          f"(queue filled in {filled:.0f} s)")
    print(f"    {consumer.stored / elapsed:,.0f} reports/s   ({elapsed:.1f} s)   "
          f"(goal >= 50,000 reports/s)")


def _now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--backlog", type=int, default=1_000_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--skip-guessing", action="store_true")
    parser.add_argument("--only-guessing", action="store_true")
    parser.add_argument("--only-drain", action="store_true", help="measure [2] alone")
    parser.add_argument("--guess-rate", type=float, default=200.0,
                        help="reports/s while measuring [4]")
    parser.add_argument("--nats", action="store_true",
                        help="also measure JetStream (PostgreSQL and NATS on 127.0.0.1)")
    parser.add_argument("--nats-rate", type=float, default=500.0,
                        help="reports/s of the open-loop p99 in [5]")
    args = parser.parse_args()
    os.environ.setdefault("MINERFARM_PASSWORD", PASSWORD)
    print(f"minerfarm ingest benchmark - {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    if args.only_guessing:
        args.skip_http = args.skip_drain = True
    if args.only_drain:
        args.skip_http = args.skip_guessing = True
    if not args.skip_http:
        http_figures(args.seconds, args.connections)
    if not args.skip_drain:
        asyncio.run(drain_figure(args.backlog))
    if args.nats:
        from bench import nats_figures

        if not args.skip_http:
            nats_figures.http_figures(args.seconds, args.connections, args.nats_rate,
                                      body_factory)
        filled, rate, cpu = asyncio.run(nats_figures.jetstream_drain(args.backlog,
                                                                     sample_report))
        print(f"[6] JetStream drain into PostgreSQL, backlog of {args.backlog:,} reports over "
              f"1000 rigs (stream filled in {filled:.0f} s)")
        print(f"    {rate:,.0f} reports/s   (goal >= 20,000 reports/s); CPU per report: " +
              ", ".join(f"{name} {us:.1f} µs" for name, us in cpu.items()))
    if not args.skip_guessing:
        guessing_figure(args.seconds, args.guess_rate)


if __name__ == "__main__":
    main()
