"""A rig's stored reports, newest first, in pages that lose nothing.

Reports are ordered by ``(ts, seq)``, descending. A page ends at a :class:`Cursor` naming its
last report, and the next page starts strictly after that pair: reports that share a
timestamp (a sentry replaying its spool after an outage sends many) are never skipped at a
page boundary, as they were when the next page asked only for ``ts < before``. ``before``
(a timestamp, exclusive) still works for callers that page by time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, or_, select

from minerfarm.commander.db.models import Report
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
    def of(cls, report: Report) -> Cursor:
        return cls(report.ts, report.seq)


@dataclass(frozen=True)
class Window:
    """Which reports a page may hold: a time range, and where the previous page ended."""

    since: datetime | None = None
    until: datetime | None = None
    before: datetime | None = None  # exclusive; older callers page with this
    after: Cursor | None = None  # the previous page's cursor: strictly older than it


async def report_page(rig_id: int, limit: int, window: Window) -> tuple[list[Report],
                                                                         Cursor | None]:
    """Up to ``limit`` reports, newest first, and the cursor of the next page (None: last)."""
    query = select(Report).where(Report.rig_id == rig_id)
    if window.since is not None:
        query = query.where(Report.ts >= window.since)
    if window.until is not None:
        query = query.where(Report.ts <= window.until)
    if window.before is not None:
        query = query.where(Report.ts < window.before)
    if window.after is not None:
        cursor = window.after
        query = query.where(or_(Report.ts < cursor.ts,
                                and_(Report.ts == cursor.ts, Report.seq < cursor.seq)))
    query = query.order_by(Report.ts.desc(), Report.seq.desc()).limit(limit)
    async with commander_state().db() as session:
        found = list(await session.scalars(query))
    return found, (Cursor.of(found[-1]) if len(found) == limit else None)
