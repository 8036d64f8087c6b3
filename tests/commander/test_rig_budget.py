"""What one rig token may cost, against a real commander: requests per second and report bytes
per day (429 with Retry-After, nothing of the refused request stored); and retention of every
table that grows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert, select

from minerfarm.commander.dashboard.rollups import apply_retention
from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.db.migrate import upgrade_async
from minerfarm.commander.db.models import AsicMiner, PlaybookRun, Report, Rig
from minerfarm.commander.settings import Settings
from tests.support import CommanderProcess, utc_ts, wait_for


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommanderProcess]:
    data = tmp_path_factory.mktemp("budget") / "data"
    process = CommanderProcess(Path(data), env={
        "MINERFARM_SENTRY_REQUESTS_PER_S": "1", "MINERFARM_SENTRY_REQUEST_BURST": "3",
        "MINERFARM_RIG_BYTES_PER_DAY": "2400"}).start()  # bucket: one 1 MiB body at most
    yield process
    process.stop()


def report(seq: int, pool_chars: int = 0) -> dict[str, Any]:
    miners = [{"software": "xmrig", "pool": "p" * pool_chars}] * (10 if pool_chars else 1)
    return {"seq": seq, "ts": utc_ts(), "miners": miners}


def stored(commander: CommanderProcess, rig_id: int) -> list[int]:
    with commander.admin() as admin:
        return sorted(r["seq"] for r in
                      admin.get(f"/api/v1/rigs/{rig_id}/reports").json()["reports"])


def test_a_token_past_its_request_rate_gets_429_with_retry_after(
        tight: CommanderProcess) -> None:
    rig_id, token = tight.create_rig("chatty")
    with tight.sentry(token) as sentry:
        answers = [sentry.post("/api/v1/sentry/reports", json={"reports": [report(seq)]})
                   for seq in range(1, 6)]
        assert [a.status_code for a in answers][:3] == [202, 202, 202]
        refused = next(a for a in answers if a.status_code == 429)
        assert refused.json()["error"]["code"] == "too_many_requests"
        wait_s = int(refused.headers["Retry-After"])
        assert 1 <= wait_s <= 2
        assert sentry.get("/api/v1/sentry/hello").status_code == 429  # every sentry route
        time.sleep(wait_s + 0.2)
        again = sentry.post("/api/v1/sentry/reports", json={"reports": [report(99)]})
        assert again.status_code == 202, again.text
    accepted = [seq for seq, a in zip(range(1, 6), answers, strict=True) if a.status_code == 202]
    wait_for(lambda: stored(tight, rig_id) == [*accepted, 99], 10, "only accepted reports")
    # another rig has its own budget
    _, other = tight.create_rig("quiet")
    with tight.sentry(other) as sentry:
        assert sentry.post("/api/v1/sentry/reports",
                           json={"reports": [report(1)]}).status_code == 202


def test_a_token_past_its_daily_bytes_gets_429_and_nothing_is_stored(
        tight: CommanderProcess) -> None:
    rig_id, token = tight.create_rig("bulky")
    batch = lambda first: {"reports": [report(first + i, 1000) for i in range(40)]}  # noqa: E731
    assert 400_000 < len(orjson.dumps(batch(0))) < 500_000
    with tight.sentry(token) as sentry:
        first = sentry.post("/api/v1/sentry/reports", json=batch(0))
        second = sentry.post("/api/v1/sentry/reports", json=batch(100))
        third = sentry.post("/api/v1/sentry/reports", json=batch(200))
    assert (first.status_code, second.status_code) == (202, 202)
    assert third.status_code == 429
    assert "bytes per day" in third.json()["error"]["message"]
    assert int(third.headers["Retry-After"]) > 3600
    wait_for(lambda: len(stored(tight, rig_id)) == 80, 10, "the two accepted batches")
    assert max(stored(tight, rig_id)) < 200


NOW = datetime.now(UTC)


async def test_retention_goes_by_receive_time_and_covers_every_growing_table(
        tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/d.db"
    await upgrade_async(url)
    engine = make_engine(url, json_serializer=lambda v: orjson.dumps(v).decode(),
                         json_deserializer=orjson.loads)
    old, new = NOW - timedelta(days=40), NOW - timedelta(minutes=1)
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(Rig.__table__), [{
                "id": 1, "name": "r", "kind": "asic", "token_hash": "x", "created_at": NOW,
                "token_created_at": NOW, "playbook_revision": 0}])
            # received long ago with a clock in the future; received now with one in 2020
            await conn.execute(insert(Report.__table__), [
                {"rig_id": 1, "seq": 1, "ts": NOW + timedelta(days=3650), "received_at": old,
                 "payload": {}},
                {"rig_id": 1, "seq": 2, "ts": NOW - timedelta(days=1825), "received_at": new,
                 "payload": {}}])
            await conn.execute(insert(PlaybookRun.__table__), [
                {"rig_id": 1, "revision": "a", "status": "ok", "received_at": old},
                {"rig_id": 1, "revision": "b", "status": "ok", "received_at": old},
                {"rig_id": 1, "revision": "c", "status": "ok", "received_at": new}])
            await conn.execute(insert(AsicMiner.__table__), [
                {"rig_id": 1, "identity": "gone", "ip": "10.0.0.1", "online": False,
                 "last_seen": old},
                {"rig_id": 1, "identity": "here", "ip": "10.0.0.2", "online": True,
                 "last_seen": new}])
        await apply_retention(engine, Settings())
        async with engine.connect() as conn:
            assert list(await conn.scalars(select(Report.__table__.c.seq))) == [2]
            assert list(await conn.scalars(select(PlaybookRun.__table__.c.revision))) == ["c"]
            assert list(await conn.scalars(select(AsicMiner.__table__.c.identity))) == ["here"]
        # a rig's newest playbook run is kept however old
        await apply_retention(engine, Settings(), now=NOW + timedelta(days=60))
        async with engine.connect() as conn:
            assert list(await conn.scalars(select(PlaybookRun.__table__.c.revision))) == ["c"]
            assert list(await conn.scalars(select(Report.__table__.c.seq))) == []
    finally:
        await engine.dispose()
