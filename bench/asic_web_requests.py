"""CPU of one ASIC web request: the web transport (httpx over :mod:`.oneshot`, a connection
per request) against simulated AxeOS devices on loopback.

The simulators run in their own process (pinned to the last core); the requests run here,
pinned to core 0, ``--concurrency`` at a time, each ``GET /api/system/info`` as the poller
sends it (:class:`WebTransport`, JSON decoded). Prints this process's CPU (``process_time``)
per request, and the wall time, for ``--rounds`` rounds over ``--count`` devices; the first
round warms up (imports, TLS context, first connections) and is left out of the best.

    python bench/asic_web_requests.py [--count 200] [--rounds 5] [--concurrency 64]

The simulators listen on port 80 of their 127.x addresses: run it as root (or with
CAP_NET_BIND_SERVICE).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minerfarm.asic.concurrency import bounded_map  # noqa: E402
from minerfarm.asic.drivers.web import WebRequest, WebSession, WebTransport  # noqa: E402
from minerfarm.asic.simulator import addresses  # noqa: E402

INFO = WebRequest("info", "/api/system/info")


async def _rounds(hosts: list[str], rounds: int, concurrency: int) -> list[tuple[float, float]]:
    session = WebSession()
    transports = [WebTransport(host, 80, session) for host in hosts]
    figures = []
    try:
        for _ in range(rounds):
            started, cpu = time.perf_counter(), time.process_time()
            replies = await bounded_map(lambda web: web.call(INFO), transports, concurrency)
            assert all(isinstance(r, dict) and r for r in replies), "a device did not answer"
            figures.append((time.process_time() - cpu, time.perf_counter() - started))
    finally:
        await session.aclose()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    start = f"127.{random.randint(100, 250)}.{random.randint(1, 250)}.1"
    last_core = max(os.sched_getaffinity(0))
    simulator = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start, "--count",
         str(args.count), "--profiles", "bitaxe-gamma"], stdout=subprocess.PIPE, text=True,
        cwd=ROOT, preexec_fn=lambda: os.sched_setaffinity(0, {last_core}))
    try:
        assert simulator.stdout is not None
        assert json.loads(simulator.stdout.readline())["ready"]
        os.sched_setaffinity(0, {0})
        figures = asyncio.run(_rounds(addresses(start, args.count), args.rounds,
                                      args.concurrency))
    finally:
        simulator.terminate()
        simulator.wait(10)
    for number, (cpu_s, wall_s) in enumerate(figures, 1):
        print(f"round {number}{' (warm-up)' if number == 1 else ''}: {args.count} requests, "
              f"{cpu_s / args.count * 1000:.3f} ms CPU each, wall {wall_s:.2f} s")
    best = min(cpu for cpu, _ in figures[1:] or figures) / args.count * 1000
    print(f"best warm round: {best:.3f} ms of CPU per web request")


if __name__ == "__main__":
    main()
