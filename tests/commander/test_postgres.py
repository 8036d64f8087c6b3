"""The same commander on PostgreSQL (the big-farm database): only the URL changes."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import CommanderProcess, report

pytestmark = pytest.mark.slow
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _admin(statement: str) -> None:
    asyncpg = pytest.importorskip("asyncpg")

    async def run() -> None:
        connection = await asyncpg.connect(ADMIN_URL, timeout=5)
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


@pytest.fixture
def database() -> Iterator[str]:
    name = f"minerfarm_test_{secrets.token_hex(4)}"
    try:
        _admin(f'CREATE DATABASE "{name}"')
    except OSError as exc:
        pytest.skip(f"no PostgreSQL on 127.0.0.1:5432 ({exc})")
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_commander_runs_on_postgresql(tmp_path: Path, database: str) -> None:
    commander = CommanderProcess(tmp_path / "data",
                                 env={"MINERFARM_DATABASE_URL": database}).start()
    try:
        rig_id, token = commander.create_rig("pg-rig")
        asic_rig, asic_token = commander.create_rig("pg-asics", "asic")
        with commander.admin() as api:
            assert api.post("/api/v1/rigs", json={"name": "pg-rig"}).status_code == 409
        with commander.sentry(token) as sentry:
            batch = {"reports": [report(1, miners=[{"software": "xmrig", "coin": "XMR",
                                                     "hashrate_hs": 100.0}]), report(2)]}
            assert sentry.post("/api/v1/sentry/reports", json=batch).json() == {
                "accepted": 2, "duplicates": 0}
            assert sentry.post("/api/v1/sentry/reports", json=batch).json() == {
                "accepted": 0, "duplicates": 2}
        with commander.sentry(asic_token) as sentry:
            asics = [{"ip": "10.0.0.5", "mac": "aa:bb:cc:dd:ee:01", "model": "S21",
                      "online": True}]
            sentry.post("/api/v1/sentry/reports", json={"reports": [report(1, asics=asics)]})
        with commander.admin() as api:
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                stored = api.get(f"/api/v1/rigs/{rig_id}/reports").json()["reports"]
                found = api.get(f"/api/v1/rigs/{asic_rig}").json()["asics"]
                if len(stored) == 2 and found:
                    break
                time.sleep(0.2)
            assert sorted(r["seq"] for r in stored) == [1, 2]
            assert found[0]["model"] == "S21"
            api.delete(f"/api/v1/rigs/{rig_id}")
        with commander.sentry(token) as sentry:
            assert sentry.get("/api/v1/sentry/hello").status_code == 410
    finally:
        commander.stop()
