"""Disk use of the dashboard's history: bytes per device reading (a rig report, or one ASIC in
an ASIC sentry's report) as stored raw and after compaction, and per rollup row (SQLite,
indexes included), measured on a real database, then the figure for a farm.

Default farm: 1,000 rigs reporting every 10 s, raw reports kept 7 days (the last
``report_compact_after_s`` plus the hour being filled raw, the rest in blocks), minute
rollups 7 days, hour rollups 365 days (the settings' defaults). A rig's report is
bench/ingest.py's sample (2 GPUs, one miner, host and CPU figures) with its figures moving
from report to report; an ASIC is an Antminer S19 Pro as its driver reads the captured
replies, figures moving likewise, in sentries of ``--asics-per-sentry`` ASICs.

Usage: python bench/disk.py [--rigs 1000] [--interval 10] [--sample-reports 20000]
                            [--asics 5000] [--asics-per-sentry 500] [--asic-reports 20]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import sample_report
from minerfarm.asic.drivers import antminer
from minerfarm.asic.drivers.transport import Replies
from minerfarm.asic.simulator import captures_dir
from minerfarm.commander.dashboard.rollups import roll_up_once
from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import RawJson, Report, Rig, read_json
from minerfarm.commander.reports.compaction import compact
from minerfarm.commander.settings import Settings

REPORT_TABLES = ("reports", "report_blocks")


def table_bytes(db: Path, tables: tuple[str, ...]) -> int:
    """Pages of these tables and their indexes (SQLite's dbstat)."""
    with sqlite3.connect(db) as conn:
        marks = ",".join("?" * len(tables))
        names = [row[0] for row in conn.execute(
            f"SELECT name FROM sqlite_master WHERE tbl_name IN ({marks})", tables)]
        return sum(conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?",
                                (name,)).fetchone()[0] for name in names)


def _jitter(rng: random.Random, value: float, spread: float, digits: int = 1) -> float:
    return round(value * (1 + rng.uniform(-spread, spread)), digits)


def rig_report(rng: random.Random, seq: int, ts: datetime) -> dict[str, Any]:
    """The sample rig report, its figures moving as a real rig's do."""
    report = {**sample_report(seq), "ts": ts.isoformat().replace("+00:00", "Z")}
    report["host"]["uptime_s"] = 86400 + 10 * seq
    report["host"]["cpu"]["usage_pct"] = _jitter(rng, 97.5, 0.02)
    report["host"]["cpu"]["temp_c"] = _jitter(rng, 71, 0.03)
    report["host"]["memory"]["used_mb"] = 9000 + rng.randrange(-50, 50)
    for gpu in report["gpus"]:
        gpu.update(temp_c=rng.randrange(58, 65), fan_pct=rng.randrange(68, 73),
                   power_w=_jitter(rng, 221.5, 0.03), core_mhz=rng.choice((1485, 1500, 1515)))
    for miner in report["miners"]:
        miner.update(hashrate_hs=_jitter(rng, 12345.6, 0.03), uptime_s=3600 + 10 * seq,
                     shares={"accepted": 10 + seq // 3, "rejected": seq // 500, "stale": 0})
    return report


def s19_entry() -> dict[str, Any]:
    """An Antminer S19 Pro as the ASIC sentry reports it (its driver, on captured replies)."""
    root = captures_dir() / "antminer"
    data = {command: json.loads((root / f"stock_s19pro_49.0.1.3_{command}.json").read_text())
            for command in ("version", "stats", "pools")}
    data["summary"] = json.loads((root / "stock_s19pro_summary.json").read_text())
    return antminer.parse("10.0.0.1", Replies(data=data)).model_dump(mode="json",
                                                                      exclude_defaults=True)


def asic_report(rng: random.Random, base: dict[str, Any], asics: int, seq: int,
                ts: datetime) -> dict[str, Any]:
    fleet = []
    for n in range(asics):
        entry = orjson.loads(orjson.dumps(base))
        entry.update(ip=f"10.{n // 62500}.{n // 250 % 250}.{n % 250 + 2}",
                     mac=f"02:00:{n >> 16 & 255:02x}:{n >> 8 & 255:02x}:{n & 255:02x}:01",
                     hashrate_hs=_jitter(rng, entry["hashrate_hs"], 0.03, 0),
                     power_w=_jitter(rng, entry.get("power_w") or 3250, 0.02, 0),
                     uptime_s=entry.get("uptime_s", 0) + 30 * seq)
        for board in entry.get("boards", []):
            board.update(hashrate_hs=_jitter(rng, board["hashrate_hs"], 0.04, 0),
                         temp_c=rng.randrange(60, 68), chip_temp_c=rng.randrange(72, 82))
        entry["fans_rpm"] = [rng.randrange(5200, 5700, 60) for _ in entry.get("fans_rpm", [])]
        if "shares" in entry:
            entry["shares"] = {**entry["shares"],
                               "accepted": entry["shares"].get("accepted", 0) + seq * 3}
        fleet.append(entry)
    return {"seq": seq, "ts": ts.isoformat().replace("+00:00", "Z"), "asics": fleet}


async def measure(db: Path, sentries: list[list[dict[str, Any]]]) -> tuple[float, float, int]:
    """(bytes per report raw, after compaction, rollup rows); one list of reports per rig."""
    url = f"sqlite+aiosqlite:///{db}"
    await upgrade_async(url)
    engine = make_engine(url, json_serializer=lambda v: orjson.dumps(v).decode(),
                         json_deserializer=read_json)
    now = datetime.now(UTC)
    received = now - timedelta(days=1)  # received a day ago: past the compaction cut
    count = 0
    async with engine.begin() as conn:
        await conn.execute(insert(Rig.__table__), [
            {"id": n, "name": f"rig-{n}", "kind": "asic" if sentries[0][0].get("asics")
             else "cpu_gpu", "token_hash": f"{n:064d}", "created_at": now,
             "token_created_at": now, "playbook_revision": 0}
            for n in range(1, len(sentries) + 1)])
        for n, reports in enumerate(sentries, start=1):
            rows = [{"rig_id": n, "seq": r["seq"], "ts": datetime.fromisoformat(r["ts"]),
                     "received_at": received + timedelta(seconds=10 * k),
                     "payload": RawJson(orjson.dumps(r).decode())}
                    for k, r in enumerate(reports)]
            await conn.execute(insert(Report.__table__), rows)
            count += len(rows)
    while await roll_up_once(engine):
        pass
    raw = table_bytes(db, REPORT_TABLES) / count
    await compact(engine, 0, now)
    await engine.dispose()
    with sqlite3.connect(db) as conn:
        conn.execute("VACUUM")
        left = conn.execute("SELECT count(*) FROM reports").fetchone()[0]
        rollup_rows = conn.execute("SELECT count(*) FROM stat_rollups").fetchone()[0]
    if left:
        raise SystemExit(f"compaction left {left} reports raw")
    return raw, table_bytes(db, REPORT_TABLES) / count, rollup_rows


def rig_sample(reports: int, rigs: int) -> list[list[dict[str, Any]]]:
    rng, start = random.Random(7), datetime.now(UTC) - timedelta(days=1)
    per_rig = max(1, reports // rigs)
    return [[rig_report(rng, k + 1, start + timedelta(seconds=10 * k)) for k in range(per_rig)]
            for _ in range(rigs)]


def asic_sample(sentries: int, asics: int, reports: int) -> list[list[dict[str, Any]]]:
    rng, start, base = random.Random(11), datetime.now(UTC) - timedelta(days=1), s19_entry()
    return [[asic_report(rng, base, asics, k + 1, start + timedelta(seconds=30 * k))
             for k in range(reports)] for _ in range(sentries)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rigs", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--sample-reports", type=int, default=20_000)
    parser.add_argument("--asics", type=int, default=5000)
    parser.add_argument("--asics-per-sentry", type=int, default=500)
    parser.add_argument("--asic-reports", type=int, default=20, help="per sample sentry")
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        rig_raw, rig_packed, rollup_rows = asyncio.run(
            measure(Path(tmp) / "rigs.db", rig_sample(args.sample_reports, 100)))
        rollup_bytes = table_bytes(Path(tmp) / "rigs.db", ("stat_rollups",)) / max(1, rollup_rows)
    with tempfile.TemporaryDirectory() as tmp:
        per = args.asics_per_sentry
        asic_raw, asic_packed, _ = asyncio.run(
            measure(Path(tmp) / "asics.db", asic_sample(2, per, args.asic_reports)))
        asic_raw, asic_packed = asic_raw / per, asic_packed / per
    days, gb = settings.report_retention_days, 1e9
    raw_share = min(1.0, (settings.report_compact_after_s + 3600) / (days * 86400))
    per_day = 86400 / args.interval
    readings = {"rig": (rig_raw, rig_packed, args.rigs), "ASIC": (asic_raw, asic_packed,
                                                                  args.asics)}
    print(f"measured: {rollup_bytes:.0f} B per rollup row (indexes included)")
    total = 0.0
    for name, (raw, packed, devices) in readings.items():
        mixed = raw_share * raw + (1 - raw_share) * packed
        week = devices * per_day * days * mixed
        total += week
        print(f"per {name} reading: {raw:.0f} B raw, {packed:.1f} B compacted, {mixed:.1f} B "
              f"over {days} d ({raw_share:.1%} of them raw); {devices} {name}s every "
              f"{args.interval:g} s: {week / gb:.1f} GB")
    minutes = args.rigs * 1440 * settings.minute_rollup_days * rollup_bytes
    hours = args.rigs * 24 * settings.hour_rollup_days * rollup_bytes
    print(f"{args.rigs} rigs' rollups: minute {settings.minute_rollup_days} d = "
          f"{minutes / gb:.2f} GB, hour {settings.hour_rollup_days} d = {hours / gb:.2f} GB; "
          f"total with the ASICs' reports {(total + minutes + hours) / gb:.1f} GB")


if __name__ == "__main__":
    main()
