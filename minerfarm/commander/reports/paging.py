"""A rig's stored reports, newest first, in pages that lose nothing.

Reports are ordered by ``(ts, seq)``, descending. A page ends at a :class:`Cursor` naming its
last report, and the next page starts strictly after that pair: reports that share a
timestamp (a sentry replaying its spool after an outage sends many) are never skipped at a
page boundary, as they were when the next page asked only for ``ts < before``. ``before``
(a timestamp, exclusive) still works for callers that page by time.

Reports past an hour are compacted into blocks (:mod:`.compaction`); a page merges the raw
reports and the blocks, so it is the same page, cursor included, before and after.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Text, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from minerfarm.commander.db.models import Report, ReportBlock
from minerfarm.commander.reports import blocks as blocks_codec
from minerfarm.commander.reports.blocks import StoredReport
from minerfarm.commander.state import commander_state
from minerfarm.protocol.bounds import SEQ_MAX, to_utc
from minerfarm.protocol.reports import isoformat_z


class BadCursor(ValueError):
    """A cursor that :meth:`Cursor.parse` cannot read."""


@dataclass(frozen=True)
class Cursor:
    """The last report of a page: ``<ISO-8601 UTC ts>_<seq>``, e.g. ``2026-01-02T03:04:05Z_17``."""

    ts: datetime
    seq: int

    def __str__(self) -> str:
        return f"{isoformat_z(self.ts)}_{self.seq}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        stamp, sep, seq = text.rpartition("_")
        try:
            if not sep:
                raise ValueError(text)
            moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            moment = to_utc(moment)
            number = int(seq) if len(seq) <= 20 else SEQ_MAX + 1
            if not 0 <= number <= SEQ_MAX:
                raise ValueError(seq)
        except ValueError as exc:
            raise BadCursor(f"cursor: {text!r} is not <timestamp>_<seq>; pass back the "
                            "next_cursor of the previous page") from exc
        return cls(moment, number)

    @classmethod
    def of(cls, report: StoredReport) -> Cursor:
        return cls(report.ts, report.seq)


@dataclass(frozen=True)
class Window:
    """Which reports a page may hold: a time range, and where the previous page ended."""

    since: datetime | None = None
    until: datetime | None = None
    before: datetime | None = None  # exclusive; older callers page with this
    after: Cursor | None = None  # the previous page's cursor: strictly older than it


async def report_page(rig_id: int, limit: int, window: Window) -> tuple[list[StoredReport],
                                                                         Cursor | None]:
    """Up to ``limit`` reports, newest first, and the cursor of the next page (None: last)."""
    async with commander_state().db() as session:
        conn = await session.connection()
        found = await _page(conn, rig_id, limit, window)
    return found, (Cursor.of(found[-1]) if len(found) == limit else None)


def _key(report: StoredReport) -> tuple[datetime, int]:
    return report.ts, report.seq


def _admits(window: Window, report: StoredReport) -> bool:
    ts = report.ts
    return ((window.since is None or ts >= window.since)
            and (window.until is None or ts <= window.until)
            and (window.before is None or ts < window.before)
            and (window.after is None or _key(report) < (window.after.ts, window.after.seq)))


async def _page(conn: AsyncConnection, rig_id: int, limit: int,
                window: Window) -> list[StoredReport]:
    """The newest ``limit`` reports in ``window``: raw ones by the index, then the blocks whose
    time range can still hold one of the newest (newest block first), merged by ``(ts, seq)``."""
    if limit <= 0:
        return []
    table = Report.__table__
    query = select(table.c.seq, table.c.ts, table.c.received_at,
                   cast(table.c.payload, Text).label("text")).where(
        table.c.rig_id == rig_id)
    if window.since is not None:
        query = query.where(table.c.ts >= window.since)
    if window.until is not None:
        query = query.where(table.c.ts <= window.until)
    if window.before is not None:
        query = query.where(table.c.ts < window.before)
    if window.after is not None:
        cursor = window.after
        query = query.where(or_(table.c.ts < cursor.ts,
                                and_(table.c.ts == cursor.ts, table.c.seq < cursor.seq)))
    query = query.order_by(table.c.ts.desc(), table.c.seq.desc()).limit(limit)
    found = [StoredReport(r.seq, r.ts, r.received_at, r.text or "null")
             for r in await conn.execute(query)]
    blocks = ReportBlock.__table__
    overlapping = select(blocks.c.id, blocks.c.last_ts).where(blocks.c.rig_id == rig_id)
    if window.since is not None:
        overlapping = overlapping.where(blocks.c.last_ts >= window.since)
    for upper in (window.until, window.after.ts if window.after else None):
        if upper is not None:
            overlapping = overlapping.where(blocks.c.first_ts <= upper)
    if window.before is not None:
        overlapping = overlapping.where(blocks.c.first_ts < window.before)
    candidates = (await conn.execute(
        overlapping.order_by(blocks.c.last_ts.desc(), blocks.c.id.desc()))).all()
    for block in candidates:
        if len(found) >= limit and block.last_ts < found[limit - 1].ts:
            break  # this block and every later one hold only older reports
        data = await conn.scalar(select(blocks.c.data).where(blocks.c.id == block.id))
        if data is None:  # compacted again or deleted meanwhile
            continue
        found.extend(r for r in blocks_codec.decode(data) if _admits(window, r))
        found.sort(key=_key, reverse=True)
        del found[limit:]
    return found
