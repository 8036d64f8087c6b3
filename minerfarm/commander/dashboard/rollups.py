"""Chart rollups and retention: the background job started with the app.

Every ``rollup_interval_s`` it folds reports stored since its watermark (the last report id it
saw) into per-minute and per-hour buckets, for each rig and each ASIC, merging into existing
buckets by sample count so late or resent reports land exactly. Then it deletes raw reports
and rollups older than their retention, and the other tables that grow with time (playbook
runs, ASICs no longer seen). Charts read only rollups.

Buckets and retention go by ``received_at``, the commander's clock when it accepted the report,
never by the rig's own ``ts``: rigs without NTP are off by hours or years, and a rig at 2020
had its reports deleted within a minute (and empty charts), one at 2035 was never pruned. The
cost: reports replayed after an outage land in the minutes they arrived in.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Text, delete, func, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from minerfarm.commander.dashboard.digest import MinerLine, algorithm_bucket
from minerfarm.commander.db.models import (
    AsicMiner,
    PlaybookRun,
    Report,
    RollupWatermark,
    StatRollup,
    read_json,
)
from minerfarm.commander.db.upsert import insert_for
from minerfarm.commander.reports.compaction import (
    compact,
    delete_blocks_received_before,
    first_id_received_at_or_after,
)
from minerfarm.commander.reports.figures import (
    Figures,
    asic_figures,
    asic_identity,
    objects,
    rollup_figures,
)
from minerfarm.commander.settings import Settings

log = logging.getLogger(__name__)
PERIODS = (60, 3600)
CHUNK = 1000  # reports read per transaction (the job yields to the live pages between)
RETENTION_CHUNK = 20_000  # report ids per retention transaction


@dataclass
class Bucket:
    samples: int = 0
    hashrate: tuple[float, int] = (0.0, 0)  # (sum, count of reports that gave it)
    temp: tuple[float, int] = (0.0, 0)
    power: tuple[float, int] = (0.0, 0)

    def add(self, hashrate: float | None, temp: float | None, power: float | None) -> None:
        self.samples += 1
        self.hashrate = _acc(self.hashrate, hashrate)
        self.temp = _acc(self.temp, temp)
        self.power = _acc(self.power, power)

    def row(self) -> dict[str, Any]:
        return {"samples": self.samples, "hashrate_hs": _avg(self.hashrate),
                "temp_c": _avg(self.temp), "power_w": _avg(self.power)}


def _acc(acc: tuple[float, int], value: float | None) -> tuple[float, int]:
    return acc if value is None else (acc[0] + value, acc[1] + 1)


def _avg(acc: tuple[float, int]) -> float | None:
    return acc[0] / acc[1] if acc[1] else None


def bucket_start(moment: datetime, period_s: int) -> datetime:
    seconds = int(moment.timestamp()) // period_s * period_s
    return datetime.fromtimestamp(seconds, UTC)


BucketKey = tuple[int, str, int, datetime]  # (rig_id, asic identity or "", period_s, start)

# A rig's hashrate per algorithm is stored in the rollup rows of the ``asic`` column named
# ALGORITHM_SERIES + the algorithm (temperature and power empty). Why there and not a new
# column: it needs no migration (merging, upserts and retention work unchanged). It cannot
# meet an ASIC's identity: those are an ASCII MAC or start with "ip:", this starts with "§".
ALGORITHM_SERIES = "§algorithm:"


def algorithm_rates(stats: dict[str, Any]) -> dict[str, float]:
    """The report's hashrate per algorithm bucket (as the farm totals name them); online ASICs
    and miners that gave a hashrate only."""
    asics = [a for a in objects(stats.get("asics")) if a.get("online") is True]
    lines = ([MinerLine.asic(a) for a in asics] if asics else
             [MinerLine.miner(m) for m in objects(stats.get("miners"))])
    rates: dict[str, float] = defaultdict(float)
    for line in lines:
        if line.hashrate_hs is not None:
            rates[algorithm_bucket(line)] += line.hashrate_hs
    return dict(rates)


def fold(reports: list[tuple[int, datetime, str | dict[str, Any]]]) -> dict[BucketKey, Bucket]:
    """Reports ``(rig_id, received_at, payload)`` -> buckets keyed by (rig_id, asic identity or
    "", period_s, bucket start).

    A report that cannot be read (stored by an older version, before the protocol's bounds)
    is logged and skipped: one row must not stop the charts and retention of every rig.
    """
    buckets: dict[BucketKey, Bucket] = defaultdict(Bucket)
    for rig_id, ts, payload in reports:
        try:
            stats = read_json(payload) if isinstance(payload, str | bytes) else payload
            adds = list(_samples(rig_id, ts, stats))
        except (ValueError, TypeError, AttributeError, OverflowError, OSError) as exc:
            log.warning("rollups: a report of rig %s at %s cannot be read (%s); skipped",
                        rig_id, ts, exc)
            continue
        for key, figures in adds:
            buckets[key].add(*figures)
    return buckets


def _samples(rig_id: int, ts: datetime, stats: Any) -> Iterator[tuple[BucketKey, Figures]]:
    if not isinstance(stats, dict):
        raise ValueError("not a JSON object")
    rig_figures = rollup_figures(stats)
    for period in PERIODS:
        start = bucket_start(ts, period)
        yield (rig_id, "", period, start), rig_figures
        for algorithm, rate in algorithm_rates(stats).items():
            yield (rig_id, (ALGORITHM_SERIES + algorithm)[:64], period, start), (rate, None, None)
        for asic in objects(stats.get("asics")):
            yield (rig_id, asic_identity(asic)[:64], period, start), asic_figures(asic)


def _merge(old: float | None, old_n: int, new: float | None, new_n: int) -> float | None:
    if old is None or old_n == 0:
        return new
    if new is None:
        return old
    return (old * old_n + new * new_n) / (old_n + new_n)


async def _write(conn: AsyncConnection, buckets: dict[BucketKey, Bucket]) -> None:
    table = StatRollup.__table__
    for chunk in _chunks(list(buckets.items()), 500):
        keys = [k for k, _ in chunk]
        existing = await _existing(conn, keys)
        rows = []
        for key, bucket in chunk:
            row = {"rig_id": key[0], "asic": key[1], "period_s": key[2], "bucket": key[3],
                   **bucket.row()}
            old = existing.get(key)
            if old is not None:
                n = old["samples"]
                for name in ("hashrate_hs", "temp_c", "power_w"):
                    row[name] = _merge(old[name], n, row[name], bucket.samples)
                row["samples"] = n + bucket.samples
            rows.append(row)
        statement = insert_for(conn.dialect.name, table)
        excluded = statement.excluded
        await conn.execute(statement.on_conflict_do_update(
            index_elements=["rig_id", "asic", "period_s", "bucket"],
            set_={name: getattr(excluded, name)
                  for name in ("samples", "hashrate_hs", "temp_c", "power_w")},
        ), rows)


async def _existing(conn: AsyncConnection,
                    keys: list[BucketKey]) -> dict[BucketKey, dict[str, Any]]:
    table = StatRollup.__table__
    found: dict[BucketKey, dict[str, Any]] = {}
    rig_ids = {k[0] for k in keys}
    starts = [k[3] for k in keys]
    result = await conn.execute(
        select(table).where(table.c.rig_id.in_(rig_ids), table.c.bucket >= min(starts),
                            table.c.bucket <= max(starts))
    )
    wanted = set(keys)
    for row in result.mappings():
        key = (row["rig_id"], row["asic"], row["period_s"], row["bucket"])
        if key in wanted:
            found[key] = dict(row)
    return found


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[i:i + size] for i in range(0, len(items), size)]


async def roll_up_once(engine: AsyncEngine) -> int:
    """Fold the next chunk of new reports into rollups; returns how many were folded."""
    reports, marks = Report.__table__, RollupWatermark.__table__
    async with engine.begin() as conn:
        mark = await conn.scalar(select(marks.c.last_id).where(marks.c.name == "reports"))
        newest = await conn.scalar(select(func.max(reports.c.id)))
        if mark is None or (newest is not None and newest < mark):
            # First run, or the newest reports were deleted with their rig (SQLite then
            # reuses ids): start below what exists now rather than skip new reports.
            mark = 0 if mark is None else newest
        # The payloads come back as text and are parsed and folded in a worker thread: on the
        # event loop, a backlog of thousands of reports stalled every live page for seconds.
        rows = (await conn.execute(
            select(reports.c.id, reports.c.rig_id, reports.c.received_at,
                   type_coerce(reports.c.payload, Text).label("payload"))
            .where(reports.c.id > mark).order_by(reports.c.id).limit(CHUNK)
        )).all()
        if not rows:
            return 0
        buckets = await asyncio.to_thread(fold, [(r.rig_id, r.received_at, r.payload)
                                                 for r in rows])
        await _write(conn, buckets)
        statement = insert_for(conn.dialect.name, marks)
        await conn.execute(statement.on_conflict_do_update(
            index_elements=["name"], set_={"last_id": statement.excluded.last_id}
        ), {"name": "reports", "last_id": rows[-1].id})
    return len(rows)


async def apply_retention(engine: AsyncEngine, settings: Settings,
                          now: datetime | None = None) -> None:
    """Delete what is past its retention: raw reports (by receive time), rollups, playbook
    runs (each rig's newest stays), ASICs not seen online for ``asic_retention_days``."""
    now = now or datetime.now(UTC)
    report_cut = now - timedelta(days=settings.report_retention_days)
    await _delete_reports_received_before(engine, report_cut)
    await delete_blocks_received_before(engine, report_cut)
    async with engine.begin() as conn:
        for period, days in ((60, settings.minute_rollup_days),
                             (3600, settings.hour_rollup_days)):
            await conn.execute(delete(StatRollup).where(
                StatRollup.period_s == period, StatRollup.bucket < now - timedelta(days=days)))
        newest_runs = select(func.max(PlaybookRun.id)).group_by(PlaybookRun.rig_id)
        await conn.execute(delete(PlaybookRun).where(
            PlaybookRun.received_at < now - timedelta(days=settings.playbook_run_retention_days),
            PlaybookRun.id.not_in(newest_runs.scalar_subquery())))
        await conn.execute(delete(AsicMiner).where(
            AsicMiner.last_seen < now - timedelta(days=settings.asic_retention_days)))


async def _delete_reports_received_before(engine: AsyncEngine, cut: datetime) -> None:
    """Reports are stored in the order they were received, so ``received_at`` grows with
    ``id``: a binary search over the primary key finds the first report to keep (a few dozen
    index lookups), and the rest is a primary-key range delete, in short transactions (the
    ingest writer goes on). No index on ``received_at`` is needed. If the commander's own clock
    stepped back, reports near the step may go up to that step early or late."""
    async with engine.connect() as conn:
        keep_from = await first_id_received_at_or_after(conn, cut)
        oldest = await conn.scalar(select(func.min(Report.__table__.c.id)))
    if keep_from is None or oldest is None:
        return
    for start in range(oldest, keep_from, RETENTION_CHUNK):
        async with engine.begin() as conn:
            await conn.execute(delete(Report).where(
                Report.id >= start, Report.id < min(start + RETENTION_CHUNK, keep_from)))


async def run_rollups(engine: AsyncEngine, settings: Settings) -> None:
    """The background job: roll up, apply retention, compact what is past
    ``report_compact_after_s`` (:mod:`~minerfarm.commander.reports.compaction`), sleep; a
    failure is logged, not fatal."""
    while True:
        try:
            folded = CHUNK
            while folded == CHUNK:  # a backlog (first start, long outage): chunk by chunk
                folded = await roll_up_once(engine)
                await asyncio.sleep(0)
            await apply_retention(engine, settings)
            await compact(engine, settings.report_compact_after_s)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("rollups: this round failed; will retry")
        await asyncio.sleep(settings.rollup_interval_s)
