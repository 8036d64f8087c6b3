"""Disk use of the dashboard's history: bytes per stored report and per rollup row (SQLite,
indexes included), measured on a real database, then the figure for a farm.

Default farm: 1,000 rigs reporting every 10 s, raw reports kept 7 days, minute rollups 7 days,
hour rollups 365 days (the settings' defaults). The report is bench/ingest.py's sample: a rig
with 2 GPUs, one miner, host and CPU figures.

Usage: python bench/disk.py [--rigs 1000] [--interval 10] [--sample-reports 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.ingest import sample_report
from minerfarm.commander.dashboard.rollups import roll_up_once
from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import Report, Rig
from minerfarm.commander.settings import Settings


def table_bytes(db: Path, tables: tuple[str, ...]) -> int:
    """Pages of these tables and their indexes (SQLite's dbstat)."""
    with sqlite3.connect(db) as conn:
        marks = ",".join("?" * len(tables))
        names = [row[0] for row in conn.execute(
            f"SELECT name FROM sqlite_master WHERE tbl_name IN ({marks})", tables)]
        return sum(conn.execute("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = ?",
                                (name,)).fetchone()[0] for name in names)


async def measure(db: Path, rigs: int, reports: int) -> tuple[float, float, int]:
    url = f"sqlite+aiosqlite:///{db}"
    await upgrade_async(url)
    engine = make_engine(url, json_serializer=lambda v: orjson.dumps(v).decode(),
                         json_deserializer=orjson.loads)
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(insert(Rig.__table__), [
            {"id": n, "name": f"rig-{n}", "kind": "cpu_gpu", "token_hash": f"{n:064d}",
             "created_at": now, "token_created_at": now, "playbook_revision": 0}
            for n in range(1, rigs + 1)])
        per_rig = reports // rigs
        start = now - timedelta(seconds=10 * per_rig)
        rows = []
        for n in range(1, rigs + 1):
            for k in range(per_rig):
                ts = start + timedelta(seconds=10 * k)
                payload = {**sample_report(k + 1), "ts": ts.isoformat()}
                rows.append({"rig_id": n, "seq": k + 1, "ts": ts, "received_at": ts,
                             "payload": orjson.dumps(payload).decode()})
        await conn.execute(insert(Report.__table__), rows)
    while await roll_up_once(engine):
        pass
    await engine.dispose()
    report_bytes = table_bytes(db, ("reports",)) / len(rows)
    with sqlite3.connect(db) as conn:
        rollup_rows = conn.execute("SELECT count(*) FROM stat_rollups").fetchone()[0]
    rollup_bytes = table_bytes(db, ("stat_rollups",)) / rollup_rows
    return report_bytes, rollup_bytes, len(orjson.dumps(sample_report(1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rigs", type=int, default=1000)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--sample-reports", type=int, default=20_000)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as tmp:
        per_report, per_row, json_bytes = asyncio.run(
            measure(Path(tmp) / "disk.db", 100, args.sample_reports))
    per_day = 86400 / args.interval
    raw = args.rigs * per_day * settings.report_retention_days * per_report
    minutes = args.rigs * 1440 * settings.minute_rollup_days * per_row
    hours = args.rigs * 24 * settings.hour_rollup_days * per_row
    gb = 1e9
    print(f"measured: {per_report:.0f} B per stored report ({json_bytes} B of JSON), "
          f"{per_row:.0f} B per rollup row (indexes included)")
    print(f"{args.rigs} rigs every {args.interval:g} s: raw reports "
          f"{settings.report_retention_days} d = {raw / gb:.1f} GB "
          f"({raw / settings.report_retention_days / gb:.2f} GB/day), minute rollups "
          f"{settings.minute_rollup_days} d = {minutes / gb:.2f} GB, hour rollups "
          f"{settings.hour_rollup_days} d = {hours / gb:.2f} GB; "
          f"total {(raw + minutes + hours) / gb:.1f} GB")


if __name__ == "__main__":
    main()
