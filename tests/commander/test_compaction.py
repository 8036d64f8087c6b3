"""Reports packed into blocks: the log pages and the API answer exactly the same before and
after compaction (cursors included), a resent packed seq is not stored again, retention
deletes blocks by age, and the migration converts nothing."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import bindparam, func, select, update

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.dashboard.rollups import apply_retention, roll_up_once
from minerfarm.commander.db.migrate import alembic_config, upgrade
from minerfarm.commander.db.models import Report, ReportBlock
from minerfarm.commander.reports.compaction import compact
from minerfarm.commander.settings import Settings
from minerfarm.commander.state import EXTENSION, CommanderState
from tests.commander.test_postgres import database  # noqa: F401  (the fixture)
from tests.support import csrf_from, report, utc_ts

ADMIN = ("admin", "pw")
ASICS = [{"ip": f"10.0.0.{n}", "mac": f"aa:bb:cc:dd:ee:0{n}", "model": "S19 Pro",
          "hashrate_hs": 1.1e14 + n, "online": True} for n in range(1, 4)]
NOW = re.compile(r' data-now="\d+"')
CSRF = re.compile(r'(name="csrf_token" value=|data-csrf=|content=)"[^"]*"')


async def _exercise(settings: Settings) -> None:
    app = create_app(settings, AdminPassword(hash_password("pw")), b"0" * 32)
    async with app.test_app() as test_app:
        client = test_app.test_client()
        login = await client.get("/login", scheme="https")
        await client.post("/login", scheme="https", form={
            "password": "pw", "csrf_token": csrf_from(await login.get_data(as_text=True))})
        state: CommanderState = app.extensions[EXTENSION]

        async def create(name: str, kind: str) -> tuple[int, str]:
            answer = await client.post("/api/v1/rigs", json={"name": name, "kind": kind},
                                       auth=ADMIN, scheme="https")
            body = await answer.get_json()
            return int(body["rig"]["id"]), str(body["token"])

        async def post(token: str, reports: list[dict[str, Any]]) -> Any:
            answer = await client.post("/api/v1/sentry/reports", json={"reports": reports},
                                       headers={"Authorization": f"Bearer {token}"},
                                       scheme="https")
            assert answer.status_code == 202
            return await answer.get_json()

        rig, rig_token = await create("packed-rig", "cpu_gpu")
        lan, lan_token = await create("packed-lan", "asic")
        sent = [report(k, ts=utc_ts(-900 + 5 * k), gpus=[{"index": 0, "temp_c": 50 + k % 9}])
                for k in range(1, 61)]
        sent += [report(k, ts=utc_ts(-100)) for k in range(61, 66)]  # one shared ts
        # ids grow with receive time (retention and compaction rely on it): the LAN's first
        await post(lan_token, [report(k, ts=utc_ts(-600 + 30 * k), asics=ASICS)
                               for k in range(1, 13)])
        await post(rig_token, sent)

        async def api_pages(rig_id: int) -> list[Any]:
            pages, cursor = [], None
            while True:
                params: dict[str, Any] = {"limit": 7, **({"cursor": cursor} if cursor else {})}
                answer = await client.get(f"/api/v1/rigs/{rig_id}/reports", auth=ADMIN,
                                          query_string=params, scheme="https")
                pages.append(await answer.get_json())
                cursor = pages[-1]["next_cursor"]
                if not cursor:
                    return pages

        async def html(path: str, **params: Any) -> str:
            answer = await client.get(path, query_string=params, scheme="https")
            assert answer.status_code == 200
            # the page's clock (data-now, for its live script) moves between the two looks
            return NOW.sub("", CSRF.sub("", await answer.get_data(as_text=True)))

        for _ in range(100):  # the consumer stores them
            if sum(len(p["reports"]) for p in await api_pages(rig)) == 65:
                break
            await asyncio.sleep(0.05)

        since, until = utc_ts(-700), utc_ts(-400)  # one window for both looks

        async def snapshot() -> list[Any]:
            first = await html(f"/rigs/{rig}/reports")
            cursor = re.search(r"cursor=([^&\"]+)", first)
            assert cursor is not None  # 65 reports: a second page
            return [await api_pages(rig), await api_pages(lan), first,
                    await html(f"/rigs/{rig}/reports", cursor=cursor.group(1).replace("%3A", ":")),
                    await html(f"/rigs/{rig}/reports", since=since, until=until),
                    await html(f"/asics/{lan}/aa:bb:cc:dd:ee:02/reports")]

        engine = state.engine
        assert engine is not None
        now = datetime.now(UTC)
        async with engine.begin() as conn:  # received two hours ago: all but the newest 20
            ids = list(await conn.scalars(select(Report.id).where(
                ~((Report.rig_id == rig) & (Report.seq > 45)))))
            await conn.execute(update(Report).where(Report.id == bindparam("rid")).values(
                received_at=bindparam("at")), [{"rid": i, "at": now - timedelta(hours=2)}
                                                for i in ids])
        before = await snapshot()
        assert sum(len(p["reports"]) for p in before[0]) == 65
        assert len(before[0]) == 10  # 7 a page
        while await roll_up_once(engine):
            pass
        assert await compact(engine, 3600) == len(ids)
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(Report)) == 20
            assert await conn.scalar(select(func.count()).select_from(ReportBlock)) == 2
        assert await snapshot() == before

        # A packed seq resent after the queue forgot it: acknowledged, but not stored again.
        await state.queue.forget_rig(rig)
        assert (await post(rig_token, sent[:5]))["accepted"] == 5
        for _ in range(100):
            if await state.queue.backlog() == 0:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)
        assert await api_pages(rig) == before[0]

        # Retention goes by receive time: a week after the blocks' reports arrived, they go.
        await apply_retention(engine, settings, now + timedelta(days=7, hours=-1))
        async with engine.connect() as conn:
            assert await conn.scalar(select(func.count()).select_from(ReportBlock)) == 0
        left = [r["seq"] for p in await api_pages(rig) for r in p["reports"]]
        assert sorted(left) == list(range(46, 66))


async def test_pages_are_the_same_after_compaction(tmp_path: Path) -> None:
    await _exercise(Settings(data_dir=tmp_path, advertise=False))


@pytest.mark.slow
async def test_pages_are_the_same_after_compaction_on_postgresql(tmp_path: Path,
                                                                 database: str) -> None:  # noqa: F811
    await _exercise(Settings(data_dir=tmp_path, advertise=False, database_url=database))


def test_migration_converts_nothing_and_downgrade_unpacks(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/m.db"
    command.upgrade(alembic_config(url), "0009")
    received = datetime.now(UTC) - timedelta(hours=3)
    with sqlite3.connect(tmp_path / "m.db") as conn:
        conn.execute("INSERT INTO rigs (id, name, kind, token_hash, created_at, "
                     "token_created_at, playbook_revision) VALUES (1, 'old', 'cpu_gpu', 'h', "
                     "?, ?, 0)", (received.isoformat(), received.isoformat()))
        conn.executemany("INSERT INTO reports (rig_id, seq, ts, received_at, payload) "
                         "VALUES (1, ?, ?, ?, ?)",
                         [(k, received.isoformat(), received.isoformat(),
                           f'{{"seq": {k}, "ts": "{utc_ts()}"}}') for k in range(1, 4)])
    rows = "SELECT seq, payload FROM reports ORDER BY seq"
    with sqlite3.connect(tmp_path / "m.db") as conn:
        kept = conn.execute(rows).fetchall()
    upgrade(url)
    with sqlite3.connect(tmp_path / "m.db") as conn:
        assert conn.execute(rows).fetchall() == kept
        conn.execute("INSERT INTO rollup_watermarks (name, last_id) VALUES ('reports', 99)")
    from minerfarm.commander.db.engine import make_engine

    async def pack() -> int:
        engine = make_engine(url)
        try:
            return await compact(engine, 3600)
        finally:
            await engine.dispose()

    assert asyncio.run(pack()) == 3
    command.downgrade(alembic_config(url), "0009")
    with sqlite3.connect(tmp_path / "m.db") as conn:
        assert conn.execute(rows).fetchall() == kept
