"""Alerts benchmark: the two figures of the alerts issue, in one run.

1. The commander's CPU time per report with 1,000 reporting rigs and 20 alert rules (over every
   rig, of every kind that reads reports), against the same commander with no rule, measured
   in the same run (goal: under 10 % more). CPU from /proc, so the load client's own CPU on a
   shared machine does not count.
2. The time from a rig's last report to a local webhook (apprise ``json://``) receiving its
   "offline" notification (goal: under offline_after + 5 s).

Usage: python bench/alerts.py [--rigs 1000] [--rate 300] [--seconds 10] [--offline-after 10]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import cpu_seconds, create_rigs
from bench.loadclient import Connection
from tests.commander.alert_helpers import webhook
from tests.support import CommanderProcess, report, utc_ts

RULES: list[dict[str, Any]] = [
    {"kind": "offline"}, {"kind": "back_online"},
    {"kind": "hashrate_below", "threshold": 0.7}, {"kind": "hashrate_below", "threshold": 0.5},
    {"kind": "hashrate_below_hs", "threshold": 1000},
    {"kind": "temperature_above", "threshold": 85}, {"kind": "temperature_above",
                                                      "threshold": 90, "sensor": "gpu"},
    {"kind": "temperature_above", "threshold": 80, "sensor": "cpu"},
    {"kind": "temperature_above", "threshold": 95, "sensor": "board"},
    {"kind": "temperature_above", "threshold": 100, "sensor": "chip"},
    {"kind": "fan_below", "threshold": 20}, {"kind": "fan_below", "threshold": 1000,
                                              "sensor": "rpm"},
    {"kind": "rejected_ratio_above", "threshold": 0.05},
    {"kind": "rejected_ratio_above", "threshold": 0.2},
    {"kind": "no_accepted_share", "threshold": 30}, {"kind": "miner_not_running"},
    {"kind": "playbook_failed"}, {"kind": "hashboard_dead"},
    {"kind": "clock_skew_above", "threshold": 300}, {"kind": "temperature_above",
                                                      "threshold": 75, "for_s": 600},
]


def rig_report(seq: int) -> dict[str, Any]:
    return report(seq, host={"cpu": {"temp_c": 60.0}},
                  gpus=[{"index": i, "temp_c": 61, "fan_pct": 70, "power_w": 220.0}
                        for i in range(2)],
                  miners=[{"software": "xmrig", "algorithm": "rx/0", "coin": "XMR",
                           "hashrate_hs": 12345.6, "running": True,
                           "shares": {"accepted": 10 + seq, "rejected": 0}}])


async def load(commander: CommanderProcess, rigs: list[tuple[int, str]], rate: float,
               seconds: float, seqs: dict[int, itertools.count[int]]) -> int:
    """Reports at ``rate`` per second over ``rigs`` (round robin) for ``seconds``."""
    context, connections = commander.ssl_context(), 16
    sent = 0
    order = itertools.cycle(rigs)
    start = time.perf_counter()

    async def worker(n: int) -> None:
        nonlocal sent
        conn = await Connection.open("127.0.0.1", commander.port, context)
        k = n
        while True:
            due = start + k / rate
            if due - start > seconds:
                break
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            rig_id, token = next(order)
            body = orjson.dumps({"reports": [rig_report(next(seqs[rig_id]))]})
            status, _ = await conn.post("/api/v1/sentry/reports", body,
                                        {"Authorization": f"Bearer {token}"})
            assert status == 202, status
            sent += 1
            k += connections
        conn.writer.close()

    await asyncio.gather(*(worker(n) for n in range(connections)))
    return sent


def cpu_per_report(commander: CommanderProcess, rigs: list[tuple[int, str]], rate: float,
                   seconds: float, seqs: dict[int, itertools.count[int]]) -> float:
    time.sleep(2)  # let the previous phase's consumer and alert ticks settle
    before = cpu_seconds(commander)
    sent = asyncio.run(load(commander, rigs, rate, seconds, seqs))
    time.sleep(3)  # the consumer drains what was queued; alert ticks run on the latest state
    return (cpu_seconds(commander) - before) / sent * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rigs", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--offline-after", type=int, default=10)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, "
          f"{args.rigs} rigs, {args.rate:.0f} reports/s for {args.seconds:.0f} s per phase")
    with tempfile.TemporaryDirectory() as tmp, webhook() as hook:
        commander = CommanderProcess(Path(tmp) / "data", env={
            "MINERFARM_ADVERTISE": "0",
            "MINERFARM_OFFLINE_AFTER_S": str(args.offline_after)}).start()
        try:
            rigs = create_rigs(commander, args.rigs)
            seqs: dict[int, itertools.count[int]] = {r: itertools.count(1) for r, _ in rigs}
            cpu_per_report(commander, rigs, args.rate, min(args.seconds, 3), seqs)  # warm-up
            ids: list[int] = []
            bare, ruled, engine = [], [], []
            with commander.admin() as api:
                for n, rule in enumerate(RULES):
                    answer = api.post("/api/v1/alert-rules", json={
                        "name": f"bench rule {n}", "for_s": 60, "enabled": False, **rule})
                    assert answer.status_code == 201, answer.text
                    ids.append(answer.json()["rule"]["id"])
                for _round in range(2):  # interleaved: the machine's drift hits both alike
                    bare.append(cpu_per_report(commander, rigs, args.rate, args.seconds, seqs))
                    toggle(api, ids, True)
                    before = api.get("/api/v1/alert-engine").json()["cpu_s"]
                    ruled.append(cpu_per_report(commander, rigs, args.rate, args.seconds, seqs))
                    spent = api.get("/api/v1/alert-engine").json()["cpu_s"] - before
                    engine.append(spent / (args.rate * args.seconds) * 1000)
                    toggle(api, ids, False)
            b, r, e = (sum(x) / len(x) for x in (bare, ruled, engine))
            print(f"commander CPU per report: no rule {b:.3f} ms, {len(RULES)} rules {r:.3f} ms: "
                  f"{r / b - 1:+.1%} (goal < +10 %); runs {[round(x, 3) for x in bare]} / "
                  f"{[round(x, 3) for x in ruled]}")
            print(f"alert engine's own CPU (its ticks, measured inside): {e:.3f} ms per report, "
                  f"{e / b:+.1%} of a report's cost")
            latency = offline_latency(commander, hook, args.offline_after)
            print(f"last report -> webhook 'offline': {latency:.1f} s "
                  f"(offline_after {args.offline_after} s; goal < {args.offline_after + 5} s)")
        finally:
            commander.stop()


def toggle(api: Any, ids: list[int], enabled: bool) -> None:
    for rule_id in ids:
        api.patch(f"/api/v1/alert-rules/{rule_id}", json={"enabled": enabled}).raise_for_status()


def offline_latency(commander: CommanderProcess, hook: Any, offline_after: int) -> float:
    rig_id, token = commander.create_rig("bench-goes-dark")
    with commander.admin() as api:
        channel = api.post("/api/v1/channels", json={"name": "bench hook",
                                                     "url": hook.url("offline")}).json()
        api.post("/api/v1/alert-rules", json={
            "name": "Rig down", "kind": "offline", "for_s": 0, "rig_ids": [rig_id],
            "channel_ids": [channel["channel"]["id"]]}).raise_for_status()
    with commander.sentry(token) as client:
        client.post("/api/v1/sentry/reports", json={"reports": [
            {**rig_report(1), "ts": utc_ts()}]}).raise_for_status()
    last = time.monotonic()
    deadline = last + offline_after + 60
    while time.monotonic() < deadline:
        if any("Rig down" in t for t in hook.texts("offline")):
            return time.monotonic() - last
        time.sleep(0.05)
    raise SystemExit("no offline notification within offline_after + 60 s")


if __name__ == "__main__":
    main()
