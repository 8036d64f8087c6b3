"""The consumer's SQLite insert bypasses SQLAlchemy per row: what it stores must be what
SQLAlchemy would have stored (read back through the models, compared with Core's own insert),
for every time a report may carry. Real SQLite files."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import insert, select, text
from sqlalchemy.dialects import sqlite

from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.db.migrate import upgrade
from minerfarm.commander.db.models import RawJson, Report, Rig
from minerfarm.commander.ingest.queue import IncomingReport, QueuedBatch
from minerfarm.commander.ingest.sqlite_store import insert_reports, sqlite_utc_text, ts_text
from minerfarm.protocol.reports import isoformat_z

DIALECT = sqlite.dialect()
BIND = Report.__table__.c.ts.type.dialect_impl(DIALECT).bind_processor(DIALECT)
moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(9998, 12, 30),
                       timezones=st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)),
                                                  timezone(timedelta(hours=-7))]))


@given(moments)
@settings(max_examples=300, deadline=None)
def test_the_stored_text_is_the_dialects(moment: datetime) -> None:
    assert sqlite_utc_text(moment) == BIND(moment)
    as_sent = isoformat_z(moment)  # the shape the queue holds
    assert ts_text(as_sent)[1] == BIND(moment)
    assert ts_text(moment.isoformat())[1] == BIND(moment)  # an offset: parsed, not sliced


YEAR = datetime.now(UTC).year  # no fixed date in a test (tests/test_no_fixed_dates.py)


@pytest.mark.parametrize("bad", [f"{YEAR}-13-01T00:00:00Z", f"{YEAR}-11-31T10:00:00.000000Z",
                                 f"{YEAR}-11-23T24:00:00Z", "not a time", ""])
def test_a_time_that_does_not_exist_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        ts_text(bad)


def test_rows_read_back_as_core_would_have_stored_them(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'minerfarm.db'}"
    upgrade(url)

    now = datetime.now(UTC).replace(microsecond=250000)
    before = now.replace(microsecond=0) - timedelta(seconds=1)

    async def run() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
        engine = make_engine(url)
        async with engine.begin() as conn:
            await conn.execute(insert(Rig), [{"name": n, "kind": "cpu_gpu", "token_hash": n * 64}
                                             for n in "ab"])
            rigs = list(await conn.scalars(select(Rig.id).order_by(Rig.id)))
            stamps = [(before - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                      before.strftime("%Y-%m-%dT%H:%M:%S.123456Z"),
                      before.astimezone(timezone(timedelta(hours=2))).isoformat()]
            batch = QueuedBatch(1, "m", rigs[0], now.timestamp(),
                                [IncomingReport(i, s, f'{{"seq":{i},"é":"\\n"}}')
                                 for i, s in enumerate(stamps)], "cpu_gpu")
            assert await insert_reports(conn, [batch]) == 3
            await conn.execute(insert(Report), [  # the same through Core, for the other rig
                {"rig_id": rigs[1], "seq": i, "ts": ts_text(s)[0], "received_at": now,
                 "payload": RawJson(f'{{"seq":{i},"é":"\\n"}}')} for i, s in enumerate(stamps)])
        async with engine.connect() as conn:
            raw = (await conn.execute(text(
                "SELECT rig_id, seq, ts, received_at, payload FROM reports ORDER BY id"))).all()
            models = (await conn.execute(select(Report.rig_id, Report.seq, Report.ts,
                                                Report.received_at, Report.payload)
                                         .order_by(Report.id))).all()
        await engine.dispose()
        return [tuple(r) for r in raw], [tuple(r) for r in models]

    raw, models = asyncio.run(run())
    assert [r[1:] for r in raw[:3]] == [r[1:] for r in raw[3:]]  # the very same text
    assert [r[1:] for r in models[:3]] == [r[1:] for r in models[3:]]
    assert models[0][2] == before - timedelta(seconds=1)
    assert models[0][4] == {"seq": 0, "é": "\n"}
