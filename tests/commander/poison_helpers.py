"""Poison for the ingest pipeline, and how a test checks the farm survived it."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from pathlib import Path
from typing import Any

import httpx

from minerfarm.commander.ingest.queue import IncomingReport, SqliteIngestQueue
from tests.support import CommanderProcess, browser_login, report, utc_ts, wait_for

ASIC = {"ip": "10.0.0.9", "mac": "aa:bb:cc:dd:ee:09", "model": "S21", "online": True,
        "hashrate_hs": 2.0e14}

# (name, body of a report batch, the field the 422 must name)
REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("counter 10**400", {"reports": [report(1, miners=[
        {"software": "xmrig", "shares": {"accepted": 10**400}}])]},
     "reports.0.miners.0.shares.accepted"),
    ("counter 2**60", {"reports": [report(1, miners=[
        {"software": "xmrig", "shares": {"rejected": 2**60}}])]},
     "reports.0.miners.0.shares.rejected"),
    ("ts year 9999, offset -05:00", {"reports": [{"seq": 1, "ts": "9999-12-31T23:00:00-05:00"}]},
     "reports.0.ts"),
    ("ts year 1, offset +05:00", {"reports": [{"seq": 1, "ts": "0001-01-01T01:00:00+05:00"}]},
     "reports.0.ts"),
    ("unknown field 10**30", {"reports": [report(1, future={"counter": 10**30})]}, "reports.0"),
    ("unknown field nested 50 deep", {"reports": [report(1, future=[[[[[[[[[[[[1]]]]]]]]]]]])]},
     "reports.0"),
    ("unknown field with NUL", {"reports": [report(1, note="a\x00b")]}, "reports.0"),
    ("host name with NUL", {"reports": [report(1, host={"hostname": "rig\x00"})]},
     "reports.0.host.hostname"),
]

ASIC_REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("mac of 40 characters", {**ASIC, "mac": "a" * 40}, "reports.0.asics.0.mac"),
    ("model with NUL", {**ASIC, "model": "S21\x00"}, "reports.0.asics.0.model"),
    ("coin an object", {**ASIC, "coin": {"name": "BTC"}}, "reports.0.asics.0.coin"),
    ("coin a number", {**ASIC, "coin": 7}, "reports.0.asics.0.coin"),
    ("algorithm a list", {**ASIC, "algorithm": ["sha256"]}, "reports.0.asics.0.algorithm"),
    ("unknown field 2**64", {**ASIC, "chips": 2**64}, "reports.0.asics.0"),
]


def post(commander: CommanderProcess, token: str, body: dict[str, Any] | bytes) -> httpx.Response:
    with commander.sentry(token) as sentry:
        if isinstance(body, bytes):
            return sentry.post("/api/v1/sentry/reports", content=body,
                               headers={"Content-Type": "application/json"})
        return sentry.post("/api/v1/sentry/reports", json=body)


def good_report_shows(commander: CommanderProcess, rig_id: int, token: str, seq: int,
                      timeout: float = 10.0) -> None:
    """Another rig's next report is stored, in the API and on the index page, within seconds."""
    hashrate = 1000.0 + seq
    answer = post(commander, token, {"reports": [report(seq, miners=[
        {"software": "xmrig", "coin": "XMR", "hashrate_hs": hashrate}])]})
    assert answer.status_code == 202, answer.text
    with commander.admin() as api:
        def stored() -> bool:
            reports = api.get(f"/api/v1/rigs/{rig_id}/reports", params={"limit": 5})
            assert reports.status_code == 200, reports.text
            return any(r["seq"] == seq for r in reports.json()["reports"])

        wait_for(stored, timeout, f"report {seq} of rig {rig_id} stored")
        rigs = api.get("/api/v1/rigs")
        assert rigs.status_code == 200, rigs.text
        stats = api.get("/api/v1/stats")
        assert stats.status_code == 200, stats.text
    with commander.anonymous() as browser:
        browser_login(browser)

        def shown() -> bool:
            page = browser.get("/")
            assert page.status_code == 200, page.text[-2000:]
            return f"{hashrate / 1000:.2f} kH/s" in page.text

        wait_for(shown, timeout, f"hashrate of report {seq} on the index page")
        for path in ("/asics", f"/rigs/{rig_id}", f"/rigs/{rig_id}/reports"):
            assert browser.get(path).status_code == 200, path


def stop_cleanly(commander: CommanderProcess, within_s: float = 15.0) -> None:
    """SIGTERM, and the commander exits by itself (no hang) with status 0."""
    assert commander.proc is not None
    commander.proc.send_signal(signal.SIGTERM)
    try:
        code = commander.proc.wait(within_s)
    except subprocess.TimeoutExpired as exc:
        commander.kill()
        raise AssertionError(f"commander hung on SIGTERM: {commander.log.read_text()[-2000:]}"
                             ) from exc
    assert code == 0, commander.log.read_text()[-3000:]


def queue_as_an_older_version(data_dir: Path, rig_id: int, kind: str,
                              reports: list[tuple[int, str, str]]) -> None:
    """Put reports in the commander's ingest queue as they are, past today's validation (an
    older version accepted them), while the commander is stopped."""

    async def put() -> None:
        queue = SqliteIngestQueue(data_dir / "ingest-queue.db")
        try:
            await queue.put(rig_id, [IncomingReport(s, ts, text) for s, ts, text in reports],
                            kind)
        finally:
            await queue.close()

    asyncio.run(put())


def dead_letters(commander: CommanderProcess) -> dict[str, Any]:
    with commander.admin() as api:
        answer = api.get("/api/v1/dead-letters")
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        body["in_stats"] = api.get("/api/v1/stats").json()["dead_letters"]
        return body


__all__ = ["utc_ts"]
