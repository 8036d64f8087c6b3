"""What a ``/metrics`` scrape costs: a farm of 1,000 GPU rigs and 5,000 ASICs (five sentries),
built from the farm model as the endpoint does, then formatted.

Prints the series count, the time the event loop is held (the snapshot) and the time the
series take to build and format (in a thread on the commander), as medians of several scrapes.

Usage: python bench/metrics.py [--rigs 1000] [--asics 5000] [--scrapes 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import sample_report
from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.digest import RigDigest
from minerfarm.commander.metrics.route import exposition
from minerfarm.commander.metrics.series import Internals, snapshot


def farm(rigs: int, asics: int, now: datetime) -> FarmAggregator:
    model = FarmAggregator(offline_after_s=60)
    for n in range(rigs):
        digest = RigDigest(n, f"rig-{n}", "cpu_gpu")
        digest.apply_stats({**sample_report(1), "ts": now.isoformat()}, now, 1)
        model.rigs[n] = digest
    fleet = [{"ip": f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", "mac": f"02:00:{n:08x}",
              "make": "Antminer", "model": "S19 Pro", "online": True, "hashrate_hs": 110e12,
              "power_w": 3250.0, "fans_rpm": [5400.0] * 4,
              "boards": [{"index": b, "temp_c": 61.0, "chip_temp_c": 76.0} for b in range(3)],
              "shares": {"accepted": 900, "rejected": 1}} for n in range(asics)]
    for s in range(5):
        digest = RigDigest(rigs + s, f"lan-{s}", "asic")
        digest.apply_stats({"ts": now.isoformat(), "asics": fleet[s::5]}, now, 1)
        model.rigs[rigs + s] = digest
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rigs", type=int, default=1000)
    parser.add_argument("--asics", type=int, default=5000)
    parser.add_argument("--scrapes", type=int, default=5)
    args = parser.parse_args()
    now = datetime.now(UTC)
    model = farm(args.rigs, args.asics, now)
    internals = Internals(0, 0, 0, 0)
    build, fmt, size, series = [], [], 0, 0
    for _ in range(args.scrapes):
        start = time.perf_counter()
        view = snapshot(model, internals, now)
        built = time.perf_counter()
        body = exposition(view)
        done = time.perf_counter()
        build.append(built - start)
        fmt.append(done - built)
        size = len(body)
        series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    print(f"farm: {args.rigs} GPU rigs, {args.asics} ASICs in 5 sentries")
    print(f"series per scrape: {series:,} ({size / 1e6:.1f} MB of text)")
    print(f"event loop held (snapshot): median {statistics.median(build) * 1000:.0f} ms")
    print(f"build + format (thread):  median {statistics.median(fmt) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
