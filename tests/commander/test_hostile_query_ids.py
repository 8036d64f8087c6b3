"""A hostile ``?after=`` (an id where a page or a client resumes: huge, negative, no number)
on a real commander, on SQLite and on PostgreSQL (32-bit ids): the miner-log API answers 200,
each live socket opens and keeps delivering, and no traceback is logged. A number past the
column's range used to reach the database: 500 from the API, a dead socket on the pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from wsproto.events import CloseConnection, TextMessage

from tests.commander.test_postgres import database  # noqa: F401 - the fixture
from tests.commander.test_websocket_sessions import LivePage
from tests.support import CommanderProcess, browser_login, report, utc_ts, wait_for

pytestmark = pytest.mark.slow
HOSTILE = ["9" * 30, str(2**63), str(2**31), "-7", "x", "1e3"]


@pytest.fixture(params=["sqlite", "postgresql"])
def hostile_commander(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[
        CommanderProcess]:
    env = {}
    if request.param == "postgresql":
        env["MINERFARM_DATABASE_URL"] = request.getfixturevalue("database")
    commander = CommanderProcess(tmp_path / "data", env=env).start()
    try:
        yield commander
    finally:
        commander.stop()


def texts(page: LivePage, seconds: float, wanted: str) -> str:
    """The text frames within ``seconds``, until one holds ``wanted``; fails on a close."""
    found = ""
    for _ in range(int(seconds / 0.5)):
        events = page.events(0.5)
        assert not any(isinstance(e, CloseConnection) for e in events), events
        found += "".join(e.data for e in events if isinstance(e, TextMessage))
        if wanted in found:
            return found
    raise AssertionError(f"{wanted!r} never came; got {found[:300]!r}")


def test_a_hostile_after_is_an_id_in_range(hostile_commander: CommanderProcess) -> None:
    commander = hostile_commander
    rig_id, token = commander.create_rig("resumer")
    miner = {"software": "xmrig", "hashrate_hs": 1000.0}
    with commander.sentry(token) as sentry, commander.admin() as api, \
            commander.anonymous(follow_redirects=True) as browser:
        assert sentry.post("/api/v1/sentry/reports", json={
            "reports": [report(1, miners=[{**miner, "running": False}])]}).status_code == 202
        wait_for(lambda: api.get(f"/api/v1/rigs/{rig_id}/events").json()["events"], 15,
                 "the online event")
        for after in HOSTILE:
            answer = api.get(f"/api/v1/rigs/{rig_id}/miner-logs", params={"after": after})
            assert answer.status_code == 200, (after, answer.text)
            assert isinstance(answer.json()["lines"], list)

        browser_login(browser)
        pages = {(path, after): LivePage(commander, f"{path}?after={after}", browser)
                 for path in (f"/live/rigs/{rig_id}", f"/live/events/{rig_id}",
                              f"/rigs/{rig_id}/miner-logs/ws") for after in HOSTILE}
        assert sentry.post("/api/v1/sentry/reports", json={
            "reports": [report(2, miners=[{**miner, "running": True}])]}).status_code == 202
        assert sentry.post("/api/v1/sentry/logs", json={"lines": [
            {"ts": utc_ts(), "line": "still followed", "playbook_id": 1}]}).status_code == 202
        for (path, after), page in pages.items():
            wanted = ("still followed" if path.endswith("/ws")
                      else "xmrig started" if "/events/" in path else "rig-head")
            frames = texts(page, 15, wanted)
            if "/events/" in path:  # every item is an event of this rig
                ops = [op for line in frames.split("}]}")[:-1]
                       for op in json.loads(line + "}]}")["ops"]]
                assert all(op["id"].startswith("event-") or op["id"] == "no-events"
                           for op in ops), (after, ops)
    log = commander.log.read_text()
    assert "Traceback" not in log and "OverflowError" not in log, log[-2000:]
