"""The poison cases PostgreSQL is stricter about (column lengths, NUL, 32-bit ids), on a real
commander on PostgreSQL: refused with 422, or kept as dead letters when an older version
queued them; other rigs' reports keep being stored and shown, before and after a restart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

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
from tests.commander.test_postgres import database  # noqa: F401 - the fixture
from tests.support import CommanderProcess, report, utc_ts, wait_for

pytestmark = pytest.mark.slow


def test_poison_on_postgresql(tmp_path: Path, database: str) -> None:  # noqa: F811
    commander = CommanderProcess(tmp_path / "data", env={"MINERFARM_DATABASE_URL": database})
    commander.start()
    try:
        good, good_token = commander.create_rig("good")
        older, _ = commander.create_rig("older-asic-sentry", "asic")
        _, asic_token = commander.create_rig("asics", "asic")
        _, bad_token = commander.create_rig("bad")
        seq = 1
        for _case, body, field in REFUSED:
            answer = post(commander, bad_token, body)
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"]["message"].startswith(field + ":")
        for _case, asic, field in ASIC_REFUSED:
            answer = post(commander, asic_token, {"reports": [report(1, asics=[asic])]})
            assert answer.status_code == 422, answer.text
            assert answer.json()["error"]["message"].startswith(field + ":")
        with commander.admin() as api:
            assert api.get(f"/api/v1/rigs/{2**40}").status_code == 404
            assert api.get(f"/api/v1/rigs/{2**64}").status_code == 404
        with commander.sentry(bad_token) as sentry:
            answer = sentry.post("/api/v1/sentry/logs", json={
                "lines": [{"ts": utc_ts(), "line": "nul \x00 here"}]})
            assert answer.status_code == 422, answer.text
            answer = sentry.post("/api/v1/sentry/playbook-runs", json={
                "revision": "r", "status": "failed", "playbook_id": 2**40})
            assert answer.status_code == 422, answer.text
        good_report_shows(commander, good, good_token, seq)

        # What an older version accepted and PostgreSQL cannot store: dead letters.
        stop_cleanly(commander)
        fine = report(4, asics=[ASIC])
        queue_as_an_older_version(commander.data_dir, older, "asic", [
            (1, utc_ts(), json.dumps(report(1, asics=[{**ASIC, "mac": "m" * 40}]))),
            (2, utc_ts(), json.dumps(report(2, asics=[{**ASIC, "model": "S21\x00"}]))),
            (3, utc_ts(), json.dumps(report(3, asics=[{**ASIC, "firmware_version": "f" * 300}]))),
            (4, fine["ts"], json.dumps(fine)),
        ])
        queue_as_an_older_version(commander.data_dir, good, "cpu_gpu",
                                  [(2, utc_ts(), json.dumps(report(2)))])
        commander.start()
        body = wait_for(lambda: (d := dead_letters(commander))["count"] == 3 and d, 15,
                        "three dead letters")
        assert body["in_stats"] == 3
        assert sorted(d["seq"] for d in body["dead_letters"]) == [1, 2, 3]
        assert all(d["rig_id"] == older for d in body["dead_letters"])
        with commander.admin() as api:
            stored = api.get(f"/api/v1/rigs/{older}/reports").json()["reports"]
            assert [r["seq"] for r in stored] == [4]
            assert api.get(f"/api/v1/rigs/{older}").json()["asics"][0]["model"] == "S21"
            assert 2 in [r["seq"] for r in api.get(f"/api/v1/rigs/{good}/reports").json()[
                "reports"]]
        good_report_shows(commander, good, good_token, 3)
        stop_cleanly(commander)
        commander.start()
        assert dead_letters(commander)["count"] == 3
        good_report_shows(commander, good, good_token, 4)
        stop_cleanly(commander)
    finally:
        commander.stop()
