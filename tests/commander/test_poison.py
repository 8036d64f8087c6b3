"""No report, id or stored row can break the farm (SQLite): poison is refused with 422 naming
the field, or kept as a dead letter; every other rig's reports go on being stored and shown,
before and after a restart; SIGTERM stops the commander and it starts again."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from minerfarm.commander.db.engine import make_engine
from minerfarm.commander.ingest.consumer import IngestConsumer
from minerfarm.commander.ingest.queue import IncomingReport, SqliteIngestQueue
from minerfarm.commander.pubsub import InProcessPubSub
from tests.commander.poison_helpers import (
    ASIC,
    ASIC_REFUSED,
    REFUSED,
    dead_letters,
    good_report_shows,
    post,
    queue_as_an_older_version,
    stop_cleanly,
)
from tests.support import CommanderProcess, browser_login, free_port, report, utc_ts, wait_for


@pytest.fixture(scope="module")
def farm(commander: CommanderProcess) -> dict[str, Any]:
    good, good_token = commander.create_rig("good-rig")
    _, bad_token = commander.create_rig("bad-rig")
    _, asic_token = commander.create_rig("bad-asics", "asic")
    return {"good": good, "good_token": good_token, "bad_token": bad_token,
            "asic_token": asic_token, "seq": iter(range(1, 10**6))}


@pytest.mark.parametrize(("case", "body", "field"), REFUSED, ids=[c[0] for c in REFUSED])
def test_poison_reports_are_refused_naming_the_field(
        commander: CommanderProcess, farm: dict[str, Any], case: str, body: dict[str, Any],
        field: str) -> None:
    answer = post(commander, farm["bad_token"], body)
    assert answer.status_code == 422, (case, answer.status_code, answer.text)
    assert answer.json()["error"]["message"].startswith(field + ":"), answer.text
    good_report_shows(commander, farm["good"], farm["good_token"], next(farm["seq"]))


@pytest.mark.parametrize(("case", "asic", "field"), ASIC_REFUSED, ids=[c[0] for c in ASIC_REFUSED])
def test_poison_asics_are_refused_naming_the_field(
        commander: CommanderProcess, farm: dict[str, Any], case: str, asic: dict[str, Any],
        field: str) -> None:
    answer = post(commander, farm["asic_token"], {"reports": [report(1, asics=[asic])]})
    assert answer.status_code == 422, (case, answer.status_code, answer.text)
    assert answer.json()["error"]["message"].startswith(field + ":"), answer.text
    good_report_shows(commander, farm["good"], farm["good_token"], next(farm["seq"]))


def test_asic_coin_and_algorithm_are_totalled(commander: CommanderProcess,
                                              farm: dict[str, Any]) -> None:
    asic = {**ASIC, "coin": "BTC", "algorithm": "sha256d"}
    answer = post(commander, farm["asic_token"], {"reports": [report(100, asics=[asic])]})
    assert answer.status_code == 202, answer.text
    with commander.admin() as api:
        wait_for(lambda: api.get("/api/v1/stats").json()["hashrate_hs_by_coin"].get("BTC"),
                 10, "the ASIC's coin in the farm totals")
        # "sha256d" is normalised to the one name the totals use for SHA-256
        assert api.get("/api/v1/stats").json()["hashrate_hs_by_algorithm"]["SHA-256"] == 2.0e14


def test_ids_beyond_a_row_answer_404_or_422(commander: CommanderProcess,
                                            farm: dict[str, Any]) -> None:
    huge, big = 2**64 + 1, 2**40
    with commander.admin() as api:
        for rig_id in (huge, big):
            assert api.get(f"/api/v1/rigs/{rig_id}").status_code == 404
            assert api.get(f"/api/v1/rigs/{rig_id}/reports").status_code == 404
            # no route for such an id: 404, or 405 where another route has the path
            assert api.patch(f"/api/v1/rigs/{rig_id}", json={"name": "x"}).status_code in (
                404, 405)
            assert api.delete(f"/api/v1/rigs/{rig_id}").status_code in (404, 405)
            assert api.get(f"/api/v1/rigs/{rig_id}/playbooks").status_code == 404
        good = farm["good"]
        for query in ({"cursor": f"{utc_ts()}_{huge}"}, {"before": "9999-12-31T23:00:00-05:00"}):
            answer = api.get(f"/api/v1/rigs/{good}/reports", params=query)
            assert answer.status_code == 422, answer.text
        answer = api.post(f"/api/v1/rigs/{good}/playbooks", json={
            "name": "p", "software_id": huge, "yaml": "- hosts: all\n"})
        assert answer.status_code == 422, answer.text
        assert "software_id" in answer.json()["error"]["message"]
    with commander.anonymous() as browser:
        browser_login(browser)
        assert browser.get(f"/rigs/{huge}").status_code == 404
        answer = browser.get(f"/rigs/{good}/reports", params={"since": "9999-12-31T23:00-05:00"})
        assert answer.status_code == 200
    with commander.sentry(farm["good_token"]) as sentry:
        for body, path, field in (
                ({"revision": "r", "status": "success", "playbook_id": huge}, "playbook-runs",
                 "playbook_id"),
                ({"lines": [{"ts": utc_ts(), "line": "x", "playbook_id": huge}]}, "logs",
                 "lines.0.playbook_id"),
                ({"lines": [{"ts": utc_ts(), "line": "nul \x00 here"}]}, "logs", "lines.0.line"),
                ({"lines": [{"ts": "0001-01-01T01:00:00+05:00", "line": "x"}]}, "logs",
                 "lines.0.ts")):
            answer = sentry.post(f"/api/v1/sentry/{path}", json=body)
            assert answer.status_code == 422, (path, answer.text)
            assert answer.json()["error"]["message"].startswith(field), answer.text


def _poison_queued(rig_id: int) -> list[tuple[int, str, str]]:
    """Reports an older version queued and today's consumer cannot store."""
    good = report(3)
    return [
        (1, "not a time", json.dumps(report(1))),  # ts the database column cannot take
        (2, utc_ts(), json.dumps(report(2, asics=[{"online": True}]))),  # an ASIC without ip
        (3, good["ts"], json.dumps(good)),
    ]


def test_what_cannot_be_stored_is_a_dead_letter_and_blocks_nothing(tmp_path: Path) -> None:
    commander = CommanderProcess(tmp_path / "data").start()
    try:
        bad, _ = commander.create_rig("older-sentry", "asic")
        good, good_token = commander.create_rig("good")
        stop_cleanly(commander)
        queue_as_an_older_version(commander.data_dir, bad, "asic", _poison_queued(bad))
        queue_as_an_older_version(commander.data_dir, good, "cpu_gpu",
                                  [(1, utc_ts(), json.dumps(report(1)))])
        commander.start()
        body = wait_for(lambda: dead_letters(commander)["count"] == 2 and dead_letters(commander),
                        10, "two dead letters")
        assert body["in_stats"] == 2
        letters = {d["seq"]: d for d in body["dead_letters"]}
        assert set(letters) == {1, 2}
        assert all(d["rig_id"] == bad and d["reason"] and d["received_at"]
                   for d in letters.values())
        assert json.loads(letters[1]["payload"])["ts"] != "not a time"  # kept as it came
        with commander.admin() as api:
            stored = [r["seq"] for r in api.get(f"/api/v1/rigs/{bad}/reports").json()["reports"]]
            assert stored == [3]  # the good report of the same message is stored
            assert [r["seq"] for r in api.get(f"/api/v1/rigs/{good}/reports").json()[
                "reports"]] == [1]
        good_report_shows(commander, good, good_token, 2)
        with commander.anonymous() as browser:
            browser_login(browser)
            line = browser.get("/").text
            assert "2 received reports could not be stored" in line
            assert "/api/v1/dead-letters" in line
        stop_cleanly(commander)
        commander.start()
        assert dead_letters(commander)["count"] == 2
        good_report_shows(commander, good, good_token, 3)
        stop_cleanly(commander)
    finally:
        commander.stop()


def test_no_dead_letters_no_line_on_the_index_page(commander: CommanderProcess) -> None:
    assert dead_letters(commander)["count"] == 0
    with commander.anonymous() as browser:
        browser_login(browser)
        assert "could not be stored" not in browser.get("/").text


def _stored_poison(db: Path, good: int, bad: int, asics: int) -> None:
    """Rows as an older version stored them, before the protocol had bounds."""
    huge = orjson.dumps({"seq": 5, "ts": utc_ts(), "miners": [
        {"software": "xmrig", "hashrate_hs": 5.0, "shares": {"accepted": 7}}]}).decode()
    huge = huge.replace('"accepted":7', '"accepted":1' + "0" * 400)  # what orjson cannot read
    odd_asics = orjson.dumps({"seq": 5, "ts": utc_ts(), "asics": [
        {**ASIC, "coin": {"name": "BTC"}, "algorithm": 7}, {**ASIC, "ip": "10.0.0.8",
                                                            "mac": None, "coin": ["x"]},
        "not an object", {"ip": "10.0.0.7", "online": True, "hashrate_hs": "fast"}]}).decode()
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE rigs SET latest_stats = ?, last_seen = ?, last_seq = 5 WHERE id = ?",
                     (huge, utc_ts().replace("Z", ""), bad))
        conn.execute("UPDATE rigs SET latest_stats = ?, last_seen = ?, last_seq = 5 WHERE id = ?",
                     (odd_asics, utc_ts().replace("Z", ""), asics))
        for rig, payload in ((bad, huge), (asics, odd_asics), (bad, "[1, 2"), (bad, "[]")):
            conn.execute("INSERT INTO reports (rig_id, seq, ts, received_at, payload) "
                         "VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM reports), ?, ?, ?)",
                         (rig, utc_ts().replace("Z", ""), utc_ts().replace("Z", ""), payload))
        conn.execute("INSERT INTO asic_miners (rig_id, identity, ip, online, latest_stats) "
                     "VALUES (?, 'ip:10.0.0.1', '10.0.0.1', 1, '[\"not an object\"]')", (asics,))


def test_poison_stored_by_an_older_version_breaks_nothing(tmp_path: Path) -> None:
    commander = CommanderProcess(tmp_path / "data", env={"MINERFARM_ROLLUP_INTERVAL_S": "1"})
    commander.start()
    try:
        bad, _ = commander.create_rig("stored-poison")
        asics, _ = commander.create_rig("stored-asic-poison", "asic")
        good, good_token = commander.create_rig("good")
        stop_cleanly(commander)
        _stored_poison(commander.data_dir / "minerfarm.db", good, bad, asics)
        commander.start()
        with commander.admin() as api:
            for path in ("/api/v1/rigs", f"/api/v1/rigs/{bad}", f"/api/v1/rigs/{asics}",
                         f"/api/v1/rigs/{bad}/reports", f"/api/v1/rigs/{asics}/reports",
                         "/api/v1/stats"):
                answer = api.get(path)
                assert answer.status_code == 200, (path, answer.text)
        with commander.anonymous() as browser:
            browser_login(browser)
            for path in ("/", "/asics", f"/rigs/{bad}", f"/rigs/{asics}", f"/rigs/{bad}/reports",
                         f"/rigs/{asics}/reports"):
                answer = browser.get(path)
                assert answer.status_code == 200, (path, answer.text[-2000:])
        good_report_shows(commander, good, good_token, 1)
        with commander.anonymous() as browser:  # the rollups went on: the good rig has a chart
            browser_login(browser)
            wait_for(lambda: browser.get(f"/rigs/{good}/series").json()["hashrate_hs"] == [1001.0],
                     15, "the good rig's chart")
        stop_cleanly(commander)
        commander.start()
        good_report_shows(commander, good, good_token, 2)
        stop_cleanly(commander)
    finally:
        commander.stop()


def test_a_damaged_queue_message_is_a_dead_letter_and_blocks_nothing(tmp_path: Path) -> None:
    """A queue file damaged on disk (here: a message that is not minerfarm's format, written
    while the commander was stopped) must not stop the drain: it is kept as a dead letter and
    the reports behind it are stored."""
    import litequeue

    commander = CommanderProcess(tmp_path / "data")
    commander.start()
    try:
        good, good_token = commander.create_rig("after-the-damage")
        stop_cleanly(commander)
        damaged = litequeue.LiteQueue(str(commander.data_dir / "ingest-queue.db"),
                                      queue_name="reports")
        damaged.put("this is not a queued report")
        damaged.conn.close()
        commander.start()
        good_report_shows(commander, good, good_token, 1)
        letters = wait_for(lambda: dead_letters(commander)["dead_letters"], 15,
                           "the damaged message as a dead letter")
        assert any("this is not a queued report" in d["payload"]
                   and "cannot be read" in d["reason"] for d in letters), letters
        stop_cleanly(commander)
        commander.start()  # taken once: not again after a restart
        assert len(dead_letters(commander)["dead_letters"]) == len(letters)
        good_report_shows(commander, good, good_token, 2)
    finally:
        commander.stop()


@pytest.fixture
def unreachable_database(tmp_path: Path) -> Iterator[tuple[SqliteIngestQueue, IngestConsumer]]:
    queue = SqliteIngestQueue(tmp_path / "queue.db")
    engine = make_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/none")
    yield queue, IngestConsumer(queue, engine, InProcessPubSub())


def test_a_database_outage_is_retried_not_dead_lettered(
        unreachable_database: tuple[SqliteIngestQueue, IngestConsumer]) -> None:
    queue, consumer = unreachable_database

    async def attempt() -> int:
        await queue.put(1, [IncomingReport(1, utc_ts(), json.dumps(report(1)))], "cpu_gpu")
        for _ in range(3):
            with pytest.raises(OSError):
                await consumer.drain_once()
        backlog = await queue.backlog()
        await queue.close()
        await consumer.engine.dispose()
        return backlog

    assert asyncio.run(attempt()) == 1  # still queued, for when the database is back
    assert consumer.dead == 0
