"""ASIC sentry at scale, on loopback only (127.0.0.0/8), a third of the fleet on web APIs.

The simulated fleets cycle through :data:`FLEET_PROFILES`: six cgminer-RPC firmwares (the
Antminer S21 also answers its web CGI, digest auth) and three web-only ones (AxeOS, Goldshell
with its JWT login, ePIC's HTTP on 4028), so every third ASIC is read over HTTP only.

Prints:
- a scan of a /24 holding 50 simulated ASICs (goal < 3 s),
- a scan of the /22 around it (goal < 12 s),
- one polling round over 2,000 simulated ASICs (goal < 15 s on one core, < 150 MB RSS), cold
  (identification included) and warm (second round), against a baseline measured in the
  same child: a bare TCP connect to each of the 2,000 (the floor of touching every ASIC).

The simulators run in their own processes (pinned to the last core); the scans and the poller
run in a child process pinned to core 0, whose peak RSS is read with getrusage.

    python bench/asic_scale.py [--count 2000] [--faults 0] [--timeout 5]

The web simulators listen on port 80 of their 127.x addresses: run it as root (or with
CAP_NET_BIND_SERVICE).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RPC_PROFILES = ("antminer-s9", "antminer-s21", "braiins-s9", "whatsminer-m31s", "avalon-1566",
                "auradine-gcminer")
WEB_PROFILES = ("bitaxe-gamma", "goldshell-ck5", "epic-umcos")
FLEET_PROFILES = tuple(p for pair in zip(RPC_PROFILES[::2], RPC_PROFILES[1::2], WEB_PROFILES,
                                         strict=True) for p in pair)


def _spawn_simulator(start: str, count: int, faults: int, core: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "minerfarm.asic.simulator", "--start", start, "--count",
         str(count), "--hang", str(faults), "--garbage", str(faults),
         "--profiles", ",".join(FLEET_PROFILES)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
        preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    assert process.stdout is not None
    ready = json.loads(process.stdout.readline())
    assert ready["ready"], ready
    return process


def _child(args: argparse.Namespace) -> None:
    """Runs pinned to one core; prints one JSON line of figures."""
    os.sched_setaffinity(0, {0})
    from minerfarm.asic import discovery
    from minerfarm.asic.concurrency import bounded_map
    from minerfarm.asic.config import AsicEntry
    from minerfarm.asic.poller import Poller
    from minerfarm.asic.simulator import addresses, raise_fd_limit

    raise_fd_limit()
    figures: dict[str, object] = {}

    async def run() -> None:
        if args.what == "scan":
            for cidr in (args.cidr24, args.cidr22):
                started = time.perf_counter()
                found = await discovery.scan([cidr], connect_timeout=0.5, identify_timeout=3)
                figures[cidr] = {"seconds": time.perf_counter() - started,
                                 "answered": len(found),
                                 "identified": sum(1 for f in found if f.type)}
            return
        hosts = addresses(args.start, args.count)
        started = time.perf_counter()
        async def touch(ip: str) -> bool:  # the RPC port, else the web port
            return await discovery.port_open(ip, 4028, 5) or \
                await discovery.port_open(ip, 80, 5)

        opened = await bounded_map(touch, hosts, 256)
        figures["baseline_connect_s"] = time.perf_counter() - started
        figures["baseline_open"] = sum(opened)
        poller = Poller([AsicEntry(ip=ip) for ip in hosts], timeout=args.timeout,
                        concurrency=256)
        for name in ("cold", "warm"):
            started = time.perf_counter()
            readings = await poller.poll()
            figures[f"{name}_round_s"] = time.perf_counter() - started
            figures[f"{name}_online"] = sum(1 for r in readings if r.online)
        figures["total_hs"] = sum(r.hashrate_hs or 0 for r in readings)
        figures["web_online"] = sum(1 for r in readings if r.online and (
            r.make in ("Bitaxe", "Goldshell") or r.software_version == "umcOS"))
        await poller.aclose()

    asyncio.run(run())
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures), flush=True)


def _in_child(*extra: str) -> dict[str, object]:
    output = subprocess.run([sys.executable, __file__, "--child", *extra], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--faults", type=int, default=0,
                        help="hanging and garbage ASICs (each) among the polled fleet")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-ASIC poll timeout")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--what", default="scan", help=argparse.SUPPRESS)
    parser.add_argument("--cidr24", help=argparse.SUPPRESS)
    parser.add_argument("--cidr22", help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args)
        return

    last_core = max(os.sched_getaffinity(0))
    octet = random.randint(100, 250)
    scan_start, poll_start = f"127.{octet}.4.1", f"127.{octet}.64.1"
    cidr24, cidr22 = f"127.{octet}.4.0/24", f"127.{octet}.4.0/22"
    print(f"cores: {os.cpu_count()} (simulators on core {last_core}, sentry on core 0)")
    simulators = [_spawn_simulator(scan_start, 50, 0, last_core)]
    try:
        scans = _in_child("--what", "scan", "--cidr24", cidr24, "--cidr22", cidr22)
        for cidr, goal in ((cidr24, 3), (cidr22, 12)):
            f = scans[cidr]
            print(f"scan {cidr:>18}: {f['seconds']:6.2f} s  (goal < {goal} s)  "  # type: ignore[index]
                  f"answered {f['answered']}, identified {f['identified']}")  # type: ignore[index]
        simulators.append(_spawn_simulator(poll_start, args.count, args.faults, last_core))
        poll = _in_child("--what", "poll", "--start", poll_start, "--count", str(args.count),
                         "--timeout", str(args.timeout))
        print(f"baseline: TCP connect to {args.count} ASICs: "
              f"{poll['baseline_connect_s']:.2f} s ({poll['baseline_open']} open)")
        for name in ("cold", "warm"):
            print(f"poll round ({name}{', identification included' if name == 'cold' else ''})"
                  f" over {args.count}: {poll[f'{name}_round_s']:.2f} s, "
                  f"{poll[f'{name}_online']} online  (goal < 15 s)")
        print(f"read over web APIs only: {poll['web_online']} of {args.count}")
        print(f"poller peak RSS: {poll['peak_rss_mb']:.1f} MB  (goal < 150 MB); "
              f"fleet total {poll['total_hs'] / 1e15:.2f} PH/s")  # type: ignore[operator]
    finally:
        for process in simulators:
            process.terminate()
            process.wait(10)


if __name__ == "__main__":
    main()
