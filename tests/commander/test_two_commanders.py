"""Two commanders on one PostgreSQL database and one NATS JetStream: reports posted to both
while one is killed -9 and restarted are all stored, once; a report posted to one shows on
the other's farm model; the rollup job moves to the survivor."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.commander.test_postgres import database  # noqa: F401 - the fixture
from tests.sentry.sentry_run_helpers import cli, spawn
from tests.support import CommanderProcess, report, wait_for

pytestmark = pytest.mark.slow
NATS_URL = "nats://127.0.0.1:4222"


def query(url: str, sql: str) -> list[tuple[object, ...]]:
    asyncpg = pytest.importorskip("asyncpg")

    async def run() -> list[tuple[object, ...]]:
        connection = await asyncpg.connect(url.replace("+asyncpg", ""), timeout=5)
        try:
            return [tuple(row) for row in await connection.fetch(sql)]
        finally:
            await connection.close()

    return asyncio.run(run())


@contextlib.contextmanager
def commander_pair(tmp_path: Path, database_url: str, **settings: str,
                   ) -> Iterator[tuple[CommanderProcess, CommanderProcess]]:
    """Two commanders on ``database_url`` and one NATS (a prefix of their own), serving one
    certificate and key; ``settings`` (``MINERFARM_*``) added to their environment."""
    pytest.importorskip("nats")
    prefix = f"t{secrets.token_hex(4)}"
    env = {"MINERFARM_DATABASE_URL": database_url, "MINERFARM_NATS_URL": NATS_URL,
           "MINERFARM_NATS_PREFIX": prefix, "MINERFARM_LEASE_TTL_S": "3",
           "MINERFARM_ROLLUP_INTERVAL_S": "1", "MINERFARM_NATS_ACK_WAIT_S": "3",
           "MINERFARM_ADVERTISE": "0",
           # each rig posts one report at a time as fast as it can: lift the per-rig budget
           "MINERFARM_SENTRY_REQUESTS_PER_S": "100000", "MINERFARM_SENTRY_REQUEST_BURST": "100000",
           **settings}
    a = CommanderProcess(tmp_path / "a", env=env).start()
    try:
        # b serves a's certificate and key (as --cert/--key would): one pinned fingerprint
        (tmp_path / "b" / "tls").mkdir(parents=True)
        for name in ("cert.pem", "key.pem"):
            shutil.copy2(a.data_dir / "tls" / name, tmp_path / "b" / "tls" / name)
        b = CommanderProcess(tmp_path / "b", env=env).start()
        try:
            yield a, b
        finally:
            b.stop()
    finally:
        a.stop()
        _delete_nats_parts(prefix)


def _delete_nats_parts(prefix: str) -> None:
    cleanup = f"""
import asyncio, nats
async def main():
    nc = await nats.connect("{NATS_URL}")
    js = nc.jetstream()
    for name in ("{prefix.upper()}_REPORTS", "KV_{prefix}_leases", "KV_{prefix}_logins"):
        try:
            await js.delete_stream(name)
        except Exception:
            pass
    await nc.close()
asyncio.run(main())
"""
    subprocess.run([sys.executable, "-c", cleanup], timeout=30, check=False)


@pytest.fixture
def pair(tmp_path: Path, database: str) -> Iterator[tuple[CommanderProcess, CommanderProcess]]:  # noqa: F811
    with commander_pair(tmp_path, database) as both:
        yield both


class Sentry(threading.Thread):
    """A rig posting one report at a time to its commander, failing over to the other."""

    def __init__(self, token: str, urls: list[CommanderProcess], count: int) -> None:
        super().__init__(daemon=True)
        self.token, self.urls, self.count = token, urls, count
        self.acked: list[int] = []

    def run(self) -> None:
        seq, which = 1, 0
        while seq <= self.count:
            commander = self.urls[which % len(self.urls)]
            try:
                with commander.sentry(self.token, timeout=5) as client:
                    while seq <= self.count:
                        answer = client.post("/api/v1/sentry/reports",
                                             json={"reports": [report(seq)]})
                        if answer.status_code != 202:
                            raise httpx.TransportError(f"{answer.status_code}")
                        self.acked.append(seq)
                        seq += 1
            except (httpx.TransportError, httpx.HTTPStatusError):
                which += 1  # that commander is away: the next one
                time.sleep(0.05)


def test_every_acknowledged_report_survives_a_killed_commander(
        pair: tuple[CommanderProcess, CommanderProcess], database: str) -> None:  # noqa: F811
    a, b = pair
    rigs = [a.create_rig(f"pair-{n}") for n in range(4)]
    sentries = [Sentry(token, [a, b] if n % 2 else [b, a], 300)
                for n, (_, token) in enumerate(rigs)]
    for sentry in sentries:
        sentry.start()
    wait_for(lambda: sum(len(s.acked) for s in sentries) > 150, 30, "load on both")
    a.kill()  # mid-load: its unacked JetStream messages go to b
    wait_for(lambda: sum(len(s.acked) for s in sentries) > 600, 60, "load on b alone")
    a.start()
    for sentry in sentries:
        sentry.join(120)
    acked = {(rig_id, seq) for (rig_id, _), s in zip(rigs, sentries, strict=True)
             for seq in s.acked}
    assert len(acked) == 1200

    def stored() -> set[tuple[object, ...]] | None:
        rows = set(query(database, "SELECT rig_id, seq FROM reports"))
        return rows if acked <= rows else None

    rows = wait_for(stored, 60, "every acknowledged report in the database")
    assert len(rows) == len(query(database, "SELECT id FROM reports"))  # once each

    # a report posted to a shows on b's farm model (over NATS pub/sub)
    _, token = rigs[0]
    with a.sentry(token) as sentry:
        marked = report(10_000, miners=[{"software": "xmrig", "coin": "XMR",
                                         "hashrate_hs": 4242.0}])
        assert sentry.post("/api/v1/sentry/reports", json={"reports": [marked]}).status_code == 202
    started = time.monotonic()
    with b.admin() as api:
        wait_for(lambda: api.get("/api/v1/stats").json()["hashrate_hs_by_coin"].get("XMR")
                 == 4242.0, 10, "b's totals to show the report posted to a")
    print(f"a -> b over NATS pub/sub: {time.monotonic() - started:.2f} s")


def test_a_sentry_fails_over_and_the_rollup_job_moves_to_the_survivor(
        pair: tuple[CommanderProcess, CommanderProcess], database: str,  # noqa: F811
        tmp_path: Path) -> None:
    a, b = pair
    rig_id, token = a.create_rig("failover-rig")
    leader, other = (a, b) if "runs the singleton jobs" in a.log.read_text() else (b, a)
    config = tmp_path / "sentry"
    enrolled = cli("sentry", "enroll", "--commander", f"{leader.url},{other.url}",
                   "--token", token, "--config-dir", str(config))
    assert enrolled.returncode == 0, enrolled.stderr
    sentry = spawn("sentry", "run", "--interval", "1", "--config-dir", str(config),
                   log=tmp_path / "sentry.log")

    def count() -> int:
        return int(query(database, f"SELECT count(*) FROM reports WHERE rig_id = {rig_id}")[0][0])

    try:
        wait_for(lambda: count() >= 2, 30, "the sentry's first reports")
        leader.kill()  # the sentry's first commander, and the one running rollups
        after = count()
        wait_for(lambda: count() >= after + 3, 30, "reports through the other commander")
    finally:
        sentry.terminate()
        sentry.wait(20)
    assert "trying the commander at " + other.url in (tmp_path / "sentry.log").read_text()

    def rolled_up() -> bool:
        newest = query(database, "SELECT max(id) FROM reports")[0][0]
        mark = query(database, "SELECT last_id FROM rollup_watermarks WHERE name = 'reports'")
        return bool(newest and mark and mark[0][0] >= newest)

    wait_for(rolled_up, 30, "the survivor to roll the new reports up")
    assert "runs the singleton jobs" in other.log.read_text()
