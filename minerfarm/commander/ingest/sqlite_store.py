"""The consumer's hot insert on SQLite: report rows go straight to the driver's ``executemany``.

Through SQLAlchemy Core each report row cost ~15 µs of Python before SQLite saw it: a parameter
dict, two ``UtcDateTime`` columns bound by the dialect (~5 µs each), the JSON type, the
statement's parameter processing. Here a row is a tuple of what the dialect would have bound:
the same text for each datetime (:func:`sqlite_utc_text`, pinned to the dialect's own by a
test), the report's JSON as it came. It runs on the transaction's own connection, so it commits
or rolls back with the rest of the batch; a driver error is raised as SQLAlchemy's, as if Core
had run the statement (the consumer's poison-versus-outage split reads it the same way).
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

from minerfarm.commander.ingest.queue import QueuedBatch
from minerfarm.commander.reports.compaction import FRESH_S, packed_seqs

INSERT_REPORTS = ("INSERT INTO reports (rig_id, seq, ts, received_at, payload) "
                  "VALUES (?, ?, ?, ?, ?) ON CONFLICT (rig_id, seq) DO NOTHING")
_FRESH = timedelta(seconds=FRESH_S)
ReportRow = tuple[int, int, str, str, str]


def sqlite_utc_text(moment: datetime) -> str:
    """How SQLAlchemy's SQLite ``DATETIME`` stores an aware datetime of a ``UtcDateTime``
    column: UTC, naive, always six digits of microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def parse_ts(text: str) -> datetime:
    """A report's ``ts`` (ISO-8601, ``Z`` or an offset) as an aware UTC datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def ts_text(text: str) -> tuple[datetime, str]:
    """A report's ``ts`` as a datetime and as :func:`sqlite_utc_text` writes it. The shape the
    protocol writes (``2026-11-23T10:00:00Z``, with or without ``.ffffff``) is sliced into the
    stored text, after ``fromisoformat`` has checked it is a real time; any other is parsed."""
    size = len(text)
    if ((size == 20 or (size == 27 and text[19] == ".")) and text[-1] == "Z"
            and text[10] == "T" and text[4] == text[7] == "-" and text[13] == text[16] == ":"):
        moment = datetime.fromisoformat(text)  # raises on a date or time that does not exist
        return moment, f"{text[:10]} {text[11:19]}{text[19:26] if size == 27 else '.000000'}"
    moment = parse_ts(text)
    return moment, sqlite_utc_text(moment)


def report_rows(batches: list[QueuedBatch]) -> tuple[list[ReportRow], dict[int, set[int]]]:
    """The rows to insert, and the seqs per rig of reports that were old when received (only
    those may already be packed in a block)."""
    rows: list[ReportRow] = []
    old: dict[int, set[int]] = defaultdict(set)
    received_at, received, received_text = None, datetime.min, ""
    for batch in batches:
        if batch.received_at != received_at:  # one group commit: one receive time, many POSTs
            received_at = batch.received_at
            received = datetime.fromtimestamp(received_at, UTC)
            received_text = sqlite_utc_text(received)
        rig_id = batch.rig_id
        for report in batch.reports:
            moment, text = ts_text(report.ts)
            if received - moment > _FRESH:
                old[rig_id].add(report.seq)
            rows.append((rig_id, report.seq, text, received_text, report.json))
    return rows, old


async def insert_reports(conn: AsyncConnection, batches: list[QueuedBatch]) -> int:
    """Insert the batches' reports, less those already packed; returns how many rows were
    sent (a duplicate ``(rig, seq)`` is sent and ignored, as through Core)."""
    rows, old = report_rows(batches)
    if old:  # a sentry's spool or a resend: drop what compaction already packed
        packed = await packed_seqs(conn, old)
        if packed:
            rows = [row for row in rows if row[1] not in packed.get(row[0], ())]
    if rows:
        await executemany(conn, INSERT_REPORTS, rows)
    return len(rows)


async def executemany(conn: AsyncConnection, statement: str, rows: list[Any]) -> None:
    """``statement`` for each row, on the transaction's own connection, straight to the
    driver (see the module doc); a driver error is raised as SQLAlchemy's."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection  # aiosqlite's Connection: runs it on its own thread
    if driver is None:
        raise RuntimeError("the SQLite connection is closed")
    try:
        await driver.executemany(statement, rows)
    except sqlite3.Error as exc:
        # the parameters are left out: they are whole reports (reason_of reads exc.orig)
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error,
                                  hide_parameters=True, ismulti=True) from exc
