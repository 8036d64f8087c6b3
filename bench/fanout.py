"""Live dashboard benchmark: the two figures of the realtime-dashboard issue, in one run.

1. Report POST -> live update received, at 200 websocket subscribers, open loop at 1,000
   reports/s (goal p99 < 250 ms). A report's latency runs from its scheduled send time to the
   first frame that shows its state (or a newer state of the same rig) to a subscriber that
   watches it. Scenarios: ``none`` (no subscriber: the baseline, same run), ``index`` (every
   subscriber on the CPU/GPU index, showing 30 rows on screen: a report reaches the pages
   that show its row, as live.js tells the server) and ``detail`` (each
   subscriber on one rig's page: a report reaches its rig's); on the index, 1 socket in 10
   parses its frames for latency, the others read and discard the bytes (this client shares
   the machine with the commander: its own CPU must not become the latency measured). Also the
   commander's CPU time per report (from /proc), which does not depend on what else runs on
   the machine: 1000 / that is the rate one core sustains.
2. The index page's time (HTTPS GET, render included) and size with 10,000 reporting rigs,
   cold (first view right after start) and warm (goals: < 300 ms, < 300 KB: the index shows a
   page of 100 rows, not every rig); also a filtered, sorted view (search, sort by hashrate);
   baseline in the same run: the farm totals recomputed from the database, as each index view
   did before the aggregator.

Usage: python bench/fanout.py [--subscribers 200] [--rate 1000] [--seconds 10] [--rigs 1000]
                              [--scenario none|index|detail|all] [--index-rigs 10000]

``--index-rigs 0`` leaves out the index page figures. ``MINERFARM_BENCH_PROFILE=DIR`` records
where the commander's CPU goes during each measured run (py-spy, see :class:`Profile`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import platform
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import procstat
from bench.ingest import pct, sample_report
from bench.loadclient import Connection
from bench.wsclient import LiveSocket
from tests.support import CommanderProcess, browser_login

SHARES = re.compile(r">([\d,]+) / 0")
ON_SCREEN = 30  # rows an index page shows


def cpu_seconds(commander: CommanderProcess) -> float:
    """CPU time the commander process has used (user + system), from /proc."""
    assert commander.proc is not None
    return procstat.cpu_seconds(commander.proc.pid)


class Profile:
    """``MINERFARM_BENCH_PROFILE=DIR``: py-spy samples the commander during each measured run
    (raw collapsed stacks in ``DIR/<scenario>.txt``; it does not pause the commander; more
    py-spy options in ``MINERFARM_BENCH_PYSPY_ARGS``, e.g. ``--gil``), and the run prints the
    CPU seconds each of the commander's threads used."""

    def __init__(self, commander: CommanderProcess, name: str) -> None:
        self.out = os.environ.get("MINERFARM_BENCH_PROFILE")
        self.commander, self.name = commander, name
        self.proc: subprocess.Popen[bytes] | None = None
        self.threads: dict[str, float] = {}

    def thread_cpu(self) -> dict[str, float]:
        """CPU seconds per thread of the commander (name and id), from /proc."""
        assert self.commander.proc is not None
        out = {}
        for task in Path(f"/proc/{self.commander.proc.pid}/task").iterdir():
            with contextlib.suppress(OSError):
                name, seconds = procstat.name_and_cpu_seconds(task / "stat")
                out[f"{name}/{task.name}"] = seconds
        return out

    def __enter__(self) -> Profile:
        if self.out and self.commander.proc is not None:
            self.threads = self.thread_cpu()
            Path(self.out).mkdir(parents=True, exist_ok=True)
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).with_name("py-spy")), "record", "--nonblocking",
                 "--format", "raw", "--rate", "200", *os.environ.get(
                     "MINERFARM_BENCH_PYSPY_ARGS", "").split(),  # e.g. --gil
                 "--pid", str(self.commander.proc.pid),
                 "--output", str(Path(self.out) / f"{self.name}.txt")],
                stdout=subprocess.DEVNULL)
        return self

    def __exit__(self, *_: object) -> None:
        if self.proc is not None:
            after = self.thread_cpu()
            self.proc.send_signal(signal.SIGINT)
            self.proc.wait(30)
            used = {k: v - self.threads.get(k, 0.0) for k, v in after.items()}
            print(f"[{self.name}] commander CPU s by thread: " + ", ".join(
                f"{k} {v:.2f}" for k, v in sorted(used.items(), key=lambda kv: -kv[1]) if v))


def start(data_dir: Path) -> CommanderProcess:
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    return CommanderProcess(data_dir, env={"MINERFARM_ADVERTISE": "0"}).start()


def session_cookie(commander: CommanderProcess) -> str:
    with commander.client() as client:
        assert browser_login(client).status_code == 302
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def create_rigs(commander: CommanderProcess, count: int) -> list[tuple[int, str]]:
    with commander.admin() as api:
        return [(body["rig"]["id"], body["token"]) for body in (
            api.post("/api/v1/rigs", json={"name": f"bench-{n:05d}", "kind": "cpu_gpu"}).json()
            for n in range(count))]


class Tracker:
    """Which reports each subscriber has seen: a frame showing report k of a rig delivers
    every earlier report of that rig too (its state superseded theirs)."""

    def __init__(self) -> None:
        self.sent: dict[int, float] = {}
        self.by_rig: dict[int, list[int]] = defaultdict(list)
        self.latencies: list[float] = []
        self.delivered = 0

    def cursor(self) -> dict[int, int]:
        return defaultdict(int)

    def seen(self, cursor: dict[int, int], rig: int, k: int, now: float) -> None:
        sent = self.by_rig[rig]
        i = cursor[rig]
        while i < len(sent) and sent[i] <= k:
            self.latencies.append(now - self.sent[sent[i]])
            i += 1
        self.delivered += i - cursor[rig]
        cursor[rig] = i


def frame_handler(tracker: Tracker, watched_rig: int | None) -> Any:
    cursor = tracker.cursor()

    def on_frame(text: str) -> None:
        now = time.perf_counter()
        for op in orjson.loads(text)["ops"]:
            if op["op"] != "replace":
                continue
            if watched_rig is None and op["id"].startswith("rig-"):  # index page
                rig = int(op["id"][4:])
            elif watched_rig is not None and op["id"] == "rig-body":
                rig = watched_rig
            else:
                continue
            match = SHARES.search(op["html"])
            if match:
                tracker.seen(cursor, rig, int(match.group(1).replace(",", "")), now)

    return on_frame


# Each rig's report sequence, across every run against the same commander: a resent seq is a
# duplicate the commander rightly ignores (and would show up here as a late update).
SEQ_OF: dict[int, itertools.count[int]] = defaultdict(lambda: itertools.count(1))


async def fanout(commander: CommanderProcess, rigs: list[tuple[int, str]], scenario: str,
                 subscribers: int, rate: float, seconds: float,
                 sample: int = 10, measure: bool = True) -> dict[str, Any]:
    context, cookie = commander.ssl_context(), session_cookie(commander)
    tracker = Tracker()
    sockets, tasks = [], []
    for n in range(subscribers):
        watched = None if scenario != "detail" else rigs[n % len(rigs)][0]
        path = "/live/index/cpu_gpu" if watched is None else f"/live/rigs/{watched}"
        measured = scenario == "detail" or n % sample == 0
        socket = LiveSocket(frame_handler(tracker, watched) if measured else None)
        sockets.append(socket)
        tasks.append(asyncio.create_task(socket.run("127.0.0.1", commander.port, context,
                                                    path, cookie)))
    await asyncio.wait_for(asyncio.gather(*(s.open.wait() for s in sockets)), 60)
    watchers: dict[int, int] = defaultdict(int)  # rig id -> measured sockets that show it
    for n, socket in enumerate(sockets):
        if scenario == "detail":
            watchers[rigs[n % len(rigs)][0]] += 1
            continue
        # An index page shows a screenful of rows and says so, as live.js does.
        window = [rigs[(n * 7 + i) % len(rigs)][0] for i in range(ON_SCREEN)]
        socket.send_text(orjson.dumps({"visible": window}).decode())
        if n % sample == 0:
            for rig_id in window:
                watchers[rig_id] += 1
    await asyncio.sleep(1)  # the rows that came into view arrive before the load starts

    pool: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(64):
        pool.put_nowait(await Connection.open("127.0.0.1", commander.port, context))
    seq_of = SEQ_OF  # shared by the warm-up and the measured run: no seq is sent twice
    acks: list[float] = []
    expected = 0

    async def one(k: int, rig_id: int, token: str, scheduled: float) -> None:
        report = sample_report(next(seq_of[rig_id]))
        report["ts"] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
        report["miners"][0]["shares"] = {"accepted": k, "rejected": 0}
        conn = await pool.get()
        status, _ = await conn.post("/api/v1/sentry/reports",
                                    orjson.dumps({"reports": [report]}),
                                    {"Authorization": f"Bearer {token}"})
        acks.append(time.perf_counter() - scheduled)
        pool.put_nowait(conn)
        assert status == 202, status

    with Profile(commander, scenario) if measure else contextlib.nullcontext():
        cpu_before = cpu_seconds(commander)
        begin, posts = time.perf_counter(), []
        for k in range(1, int(rate * seconds) + 1):
            scheduled = begin + k / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            rig_id, token = rigs[k % len(rigs)]
            tracker.sent[k] = scheduled
            tracker.by_rig[rig_id].append(k)
            expected += watchers.get(rig_id, 0)
            posts.append(asyncio.create_task(one(k, rig_id, token, scheduled)))
        await asyncio.gather(*posts)
        elapsed = time.perf_counter() - begin
        await asyncio.sleep(3)  # stragglers
        cpu = cpu_seconds(commander) - cpu_before
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    while not pool.empty():
        pool.get_nowait().close()
    lat = tracker.latencies
    return {"scenario": scenario, "subscribers": subscribers, "reports": len(tracker.sent),
            "rate": len(tracker.sent) / elapsed, "expected": expected,
            "mb": sum(s.received_bytes for s in sockets) / 1e6,
            "delivered": tracker.delivered, "frames": sum(s.frames for s in sockets),
            "p50": pct(lat, 0.5) if lat else None, "p99": pct(lat, 0.99) if lat else None,
            "max": max(lat) if lat else None, "ack_p99": pct(acks, 0.99),
            "cpu_ms_per_report": cpu * 1000 / len(tracker.sent)}


def seed_rigs(db: Path, count: int) -> None:
    """Reporting rigs written straight into the database (the API would take minutes)."""
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    stats = orjson.dumps(sample_report(1)).decode()
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO rigs (name, kind, created_at, token_hash, token_created_at, last_seen,"
            " last_seq, latest_stats, playbook_revision)"
            " VALUES (?, 'cpu_gpu', ?, ?, ?, ?, 1, ?, 0)",
            [(f"seeded-{n:05d}", now, f"seed{n:060d}", now, now, stats) for n in range(count)])


def timed_gets(commander: CommanderProcess, path: str, times: int,
               auth: bool = False) -> list[float]:
    client = commander.admin() if auth else commander.client()
    with client:
        if not auth:
            browser_login(client)
        out = []
        for _ in range(times):
            t0 = time.perf_counter()
            answer = client.get(path)
            out.append(time.perf_counter() - t0)
            assert answer.status_code == 200, answer.status_code
    return out


def old_totals_from_db(db: Path) -> float:
    """What each index view cost before the aggregator: every rig's stats read and summed."""
    t0 = time.perf_counter()
    by_coin: dict[str, float] = defaultdict(float)
    power = 0.0
    with sqlite3.connect(db) as conn:
        for (stats,) in conn.execute("SELECT latest_stats FROM rigs"):
            parsed = orjson.loads(stats) if stats else {}
            for miner in parsed.get("miners") or ():
                by_coin[miner.get("coin") or "unknown"] += miner.get("hashrate_hs") or 0.0
            power += sum(g.get("power_w") or 0.0 for g in parsed.get("gpus") or ())
    return time.perf_counter() - t0


def render_bench(workdir: Path, rigs: int) -> dict[str, Any]:
    data = workdir / "render" / "data"
    start(data).stop()  # creates and migrates the database
    seed_rigs(data / "minerfarm.db", rigs)
    commander = start(data)
    try:
        cold = timed_gets(commander, "/", 1)[0]
        warm = timed_gets(commander, "/", 20)
        sorted_view = timed_gets(commander, "/?q=seeded-0&sort=hashrate&order=desc", 10)
        with commander.client() as client:
            browser_login(client)
            size = len(client.get("/").content)
    finally:
        commander.stop()
    db_totals = [old_totals_from_db(data / "minerfarm.db") for _ in range(5)]
    return {"rigs": rigs, "cold": cold, "warm_p50": pct(warm, 0.5), "warm_max": max(warm),
            "sorted_p50": pct(sorted_view, 0.5), "bytes": size,
            "db_totals_p50": pct(db_totals, 0.5)}


def ms(value: float | None) -> str:
    return "—" if value is None else f"{value * 1000:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rigs", type=int, default=1000)
    parser.add_argument("--scenario", choices=["none", "index", "detail", "all"], default="all")
    parser.add_argument("--index-rigs", type=int, default=10_000)
    args = parser.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"python {platform.python_version()}; client and commander share these CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        scenarios = ["none", "index", "detail"] if args.scenario == "all" else [args.scenario]
        for scenario in scenarios:
            commander = start(workdir / scenario / "data")
            subscribers = 0 if scenario == "none" else args.subscribers
            try:
                rigs = create_rigs(commander, args.rigs)
                # Warm-up, not measured: every rig reports once, as on a running farm (the
                # commander has met each token; its first lookup hits the database).
                asyncio.run(fanout(commander, rigs, "none", 0, args.rate,
                                   max(2.0, args.rigs / args.rate), measure=False))
                result = asyncio.run(fanout(commander, rigs, scenario, subscribers,
                                            args.rate, args.seconds))
            finally:
                commander.stop()
            print(f"fan-out [{scenario}]: {result['subscribers']} websockets, "
                  f"{result['reports']} reports at {result['rate']:.0f}/s over {args.rigs} rigs; "
                  f"updates delivered {result['delivered']}/{result['expected']} (measured "
                  f"sockets) in "
                  f"{result['frames']} parsed frames (+{result['mb']:.0f} MB unparsed); "
                  f"POST->update p50 {ms(result['p50'])}, "
                  f"p99 {ms(result['p99'])}, max {ms(result['max'])} (goal p99 < 250 ms); "
                  f"POST ack p99 {ms(result['ack_p99'])}; commander CPU "
                  f"{result['cpu_ms_per_report']:.2f} ms/report "
                  f"(one core: {1000 / result['cpu_ms_per_report']:.0f} reports/s)")
        if not args.index_rigs:  # --index-rigs 0: the live figures only
            return
        render = render_bench(workdir, args.index_rigs)
        print(f"index page with {render['rigs']} rigs: cold {ms(render['cold'])}, warm p50 "
              f"{ms(render['warm_p50'])} (max {ms(render['warm_max'])}; goal < 300 ms), "
              f"{render['bytes']:,} bytes of HTML ({render['bytes'] / 1000:.0f} KB; goal "
              f"< 300 KB); searched and sorted by hashrate, warm p50 "
              f"{ms(render['sorted_p50'])}; baseline: farm totals recomputed from "
              f"the database per view, as before the aggregator, p50 "
              f"{ms(render['db_totals_p50'])} (totals alone, no HTML)")


if __name__ == "__main__":
    main()
