"""ASIC sentry at scale, on loopback only (127.0.0.0/8), a third of the fleet on web APIs.

The simulated fleets cycle through :data:`FLEET_PROFILES`: six cgminer-RPC firmwares (the
Antminer S21 also answers its web CGI, digest auth) and three web-only ones (AxeOS, Goldshell
with its JWT login, ePIC's HTTP on 4028), so every third ASIC is read over HTTP only.

Prints:
- a scan of a /24 holding 50 simulated ASICs (goal < 3 s),
- a scan of the /22 around it (goal < 12 s),
- one polling round over 2,000 simulated ASICs (goal < 15 s on one core, < 150 MB RSS), cold
  (identification included) and warm (the next rounds), against a baseline measured in the
  same child: a bare TCP connect to each of the 2,000 (the floor of touching every ASIC);
- then the library comparison of ``bench/asic_libraries.py`` (ours, pyasic, pyasic-rs on
  every capture), run by its own code after the fleet is stopped.

The simulators run in their own processes (pinned to the last core); the scans and the poller
run in a child process pinned to core 0, whose peak RSS is read with getrusage. Each round
prints its wall time and the CPU seconds of both sides (the poller's own ``process_time``;
the fleet simulator's from ``/proc``): on a shared machine the wall time counts other
processes' turns on core 0 too, the poller's CPU seconds do not. The poller runs as the ASIC
sentry runs it (``run_asic_sentry``: :func:`tune_gc` before the first round,
:func:`freeze_fleet_state` after it).

    python bench/asic_scale.py [--count 2000] [--rounds 3] [--faults 0] [--timeout 5]
                               [--lib-python /tmp/libs/bin/python | --no-libraries]

The web simulators listen on port 80 of their 127.x addresses: run it as root (or with
CAP_NET_BIND_SERVICE). pyasic and pyasic-rs live in a separate virtual environment (see
``bench/asic_libraries.py``); without ``--lib-python`` their rows say "not installed".
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
from typing import Any

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


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(args: argparse.Namespace) -> None:
    """Runs pinned to one core; prints one JSON line of figures."""
    os.sched_setaffinity(0, {0})
    from minerfarm.asic import discovery
    from minerfarm.asic.concurrency import bounded_map, freeze_fleet_state
    from minerfarm.asic.config import AsicEntry
    from minerfarm.asic.poller import Poller
    from minerfarm.asic.simulator import addresses, raise_fd_limit
    from minerfarm.gc_tuning import tune_gc

    raise_fd_limit()
    tune_gc()
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
        rounds: list[dict[str, float]] = []
        for number in range(args.rounds):
            started, cpu, fleet_cpu = time.perf_counter(), time.process_time(), \
                _cpu_s(args.simulator_pid)
            readings = await poller.poll()
            rounds.append({"wall_s": time.perf_counter() - started,
                           "cpu_s": time.process_time() - cpu,
                           "simulator_cpu_s": _cpu_s(args.simulator_pid) - fleet_cpu,
                           "online": sum(1 for r in readings if r.online)})
            if number == 0:
                freeze_fleet_state()  # as the ASIC sentry's reporter does
        figures["rounds"] = rounds
        figures["total_hs"] = sum(r.hashrate_hs or 0 for r in readings)
        figures["web_online"] = sum(1 for r in readings if r.online and (
            r.make in ("Bitaxe", "Goldshell") or r.software_version == "umcOS"))
        await poller.aclose()

    asyncio.run(run())
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures), flush=True)


def _in_child(*extra: str) -> dict[str, Any]:
    output = subprocess.run([sys.executable, __file__, "--child", *extra], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=True)
    return dict(json.loads(output.stdout.strip().splitlines()[-1]))


def _print_poll(poll: dict[str, Any], count: int) -> None:
    print(f"baseline: TCP connect to {count} ASICs: "
          f"{poll['baseline_connect_s']:.2f} s ({poll['baseline_open']} open)")
    for number, figures in enumerate(poll["rounds"]):
        name = "cold, identification included" if number == 0 else "warm"
        print(f"poll round {number + 1} ({name}) over {count}: {figures['wall_s']:.2f} s, "
              f"{figures['online']} online  (goal < 15 s); poller CPU {figures['cpu_s']:.2f} s,"
              f" simulators' CPU {figures['simulator_cpu_s']:.2f} s")
    print(f"read over web APIs only: {poll['web_online']} of {count}")
    print(f"poller peak RSS: {poll['peak_rss_mb']:.1f} MB  (goal < 150 MB); "
          f"fleet total {poll['total_hs'] / 1e15:.2f} PH/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--faults", type=int, default=0,
                        help="hanging and garbage ASICs (each) among the polled fleet")
    parser.add_argument("--timeout", type=float, default=5.0, help="per-ASIC poll timeout")
    parser.add_argument("--rounds", type=int, default=3, help="polling rounds (first: cold)")
    parser.add_argument("--lib-python", default=sys.executable,
                        help="interpreter with pyasic and pyasic-rs (bench/asic_libraries.py)")
    parser.add_argument("--no-libraries", action="store_true",
                        help="skip the library comparison")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--what", default="scan", help=argparse.SUPPRESS)
    parser.add_argument("--cidr24", help=argparse.SUPPRESS)
    parser.add_argument("--cidr22", help=argparse.SUPPRESS)
    parser.add_argument("--start", help=argparse.SUPPRESS)
    parser.add_argument("--simulator-pid", type=int, help=argparse.SUPPRESS)
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
            print(f"scan {cidr:>18}: {f['seconds']:6.2f} s  (goal < {goal} s)  "
                  f"answered {f['answered']}, identified {f['identified']}")
        simulators.append(_spawn_simulator(poll_start, args.count, args.faults, last_core))
        poll = _in_child("--what", "poll", "--start", poll_start, "--count", str(args.count),
                         "--timeout", str(args.timeout), "--rounds", str(args.rounds),
                         "--simulator-pid", str(simulators[-1].pid))
        _print_poll(poll, args.count)
    finally:
        for process in simulators:
            process.terminate()
            process.wait(10)
    if not args.no_libraries:
        from bench.asic_libraries import compare

        print("\nthe library question (bench/asic_libraries.py, same run):")
        print(compare(args.lib_python)[0])


if __name__ == "__main__":
    main()
