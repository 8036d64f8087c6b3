"""POST /reports: 202 once durable, dedupe on resend, 400/422/413, nothing partially stored."""

from __future__ import annotations

import html
import re
import time
from typing import Any

from tests.support import CommanderProcess, browser_login, report, utc_ts


def stored_seqs(commander: CommanderProcess, rig_id: int, expect: int,
                timeout: float = 10) -> list[int]:
    deadline = time.monotonic() + timeout
    with commander.admin() as api:
        while True:
            found = api.get(f"/api/v1/rigs/{rig_id}/reports", params={"limit": 1000}).json()
            seqs = sorted(r["seq"] for r in found["reports"])
            if len(seqs) >= expect or time.monotonic() > deadline:
                return seqs
            time.sleep(0.1)


MINER = {"software": "xmrig", "version": "6.22.1", "algorithm": "rx/0", "coin": "XMR",
         "pool": "pool.example:3333", "hashrate_hs": 12345.6,
         "shares": {"accepted": 10, "rejected": 1}}


def test_batch_is_accepted_then_deduplicated(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("dedupe-rig")
    batch = {"reports": [report(1, miners=[MINER]), report(2, miners=[MINER])]}
    with commander.sentry(token) as sentry:
        first = sentry.post("/api/v1/sentry/reports", json=batch)
        assert first.status_code == 202
        assert first.json() == {"accepted": 2, "duplicates": 0}
        again = sentry.post("/api/v1/sentry/reports",
                            json={"reports": [*batch["reports"], report(3, miners=[MINER])]})
        assert again.json() == {"accepted": 1, "duplicates": 2}
    assert stored_seqs(commander, rig_id, 3) == [1, 2, 3]
    with commander.admin() as api:
        rig = api.get(f"/api/v1/rigs/{rig_id}").json()
        assert rig["online"] is True
        assert rig["stats"]["seq"] == 3
        stats = api.get("/api/v1/stats").json()
        assert stats["hashrate_hs_by_coin"]["XMR"] >= 12345.6


def test_stored_report_keeps_what_the_sentry_sent(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("roundtrip-rig")
    sent = report(7, host={"hostname": "rig-07", "cpu": {"cores": 16, "usage_pct": 97.5}},
                  gpus=[{"index": 0, "vendor": "nvidia", "temp_c": 61, "power_w": 221.5}],
                  miners=[MINER], future_field={"kept": True})
    with commander.sentry(token) as sentry:
        assert sentry.post("/api/v1/sentry/reports", json={"reports": [sent]}).status_code == 202
    stored_seqs(commander, rig_id, 1)
    with commander.admin() as api:
        stored = api.get(f"/api/v1/rigs/{rig_id}/reports").json()["reports"][0]["report"]
    assert stored["host"] == sent["host"]
    assert stored["gpus"] == sent["gpus"]
    assert stored["miners"][0]["hashrate_hs"] == 12345.6
    assert stored["future_field"] == {"kept": True}  # additive protocol extensions survive


def test_malformed_batches(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("malformed-rig")
    with commander.sentry(token) as sentry:
        post = sentry.post
        not_json = post("/api/v1/sentry/reports", content=b"{not json",
                        headers={"Content-Type": "application/json"})
        assert not_json.status_code == 400
        assert not_json.json()["error"]["code"] == "invalid_json"
        cases = [
            ({"reports": []}, "reports"),
            ({"reports": [{"seq": 1}]}, "reports.0.ts"),
            ({"reports": [report(1), report(-1)]}, "reports.1.seq"),
            ({"reports": [report(1, ts="yesterday")]}, "reports.0.ts"),
            ({"reports": [report(1, ts=utc_ts().removesuffix("Z"))]}, "reports.0.ts"),  # no zone
            ({"reports": [report(1, miners=[{**MINER, "hashrate_hs": -5}])]},
             "reports.0.miners.0.hashrate_hs"),
            ({"reports": [report(1, gpus=[{"index": 0, "temp_c": "hot"}])]},
             "reports.0.gpus.0.temp_c"),
            ([1, 2, 3], "(body)"),
        ]
        for body, field in cases:
            answer = post("/api/v1/sentry/reports", json=body)
            assert answer.status_code == 422, body
            error = answer.json()["error"]
            assert error["message"].startswith(field), (body, error)
        # A batch with one bad report stores none of it: seq 1 is still free.
        first_good = post("/api/v1/sentry/reports", json={"reports": [report(1)]})
        assert first_good.json() == {"accepted": 1, "duplicates": 0}


def test_body_over_the_limit_is_413(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("huge-rig")
    huge = {"reports": [report(1, host={"hostname": "x" * 200})] * 6000}
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json=huge)
        assert answer.status_code == 413
        assert answer.json()["error"]["code"] == "request_entity_too_large"
        chunked = sentry.post("/api/v1/sentry/reports", content=iter([b"{" + b" " * 65536] * 20),
                              headers={"Content-Type": "application/json"})
        assert chunked.status_code == 413


def test_cpu_gpu_rig_cannot_report_asics(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("no-asics-rig")
    asic = {"ip": "10.0.0.21", "online": True}
    with commander.sentry(token) as sentry:
        answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(1, asics=[asic])]})
        assert answer.status_code == 422


def test_asic_sentry_reports_fill_its_asics(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("asic-sentry-1", "asic")
    asics = [
        {"ip": "10.0.0.21", "mac": "AA:BB:CC:00:00:01", "make": "Antminer", "model": "S21",
         "firmware_version": "2024", "hashrate_hs": 2.0e14, "online": True},
        {"ip": "10.0.0.22", "online": False, "errors": ["connection refused"]},
    ]
    with commander.sentry(token) as sentry:
        sentry.post("/api/v1/sentry/reports", json={"reports": [report(1, asics=asics)]})
    stored_seqs(commander, rig_id, 1)
    with commander.admin() as api:
        found = api.get(f"/api/v1/rigs/{rig_id}").json()["asics"]
    by_ip = {a["ip"]: a for a in found}
    assert by_ip["10.0.0.21"]["model"] == "S21"
    assert by_ip["10.0.0.21"]["mac"] == "aa:bb:cc:00:00:01"
    assert by_ip["10.0.0.21"]["online"] is True
    assert by_ip["10.0.0.22"]["online"] is False


def test_reports_page_backwards_by_time(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("paging-rig")
    batch = [report(i, ts=utc_ts(60.0 * (i - 10))) for i in range(10)]
    with commander.sentry(token) as sentry:
        sentry.post("/api/v1/sentry/reports", json={"reports": batch})
    stored_seqs(commander, rig_id, 10)
    with commander.admin() as api:
        page = api.get(f"/api/v1/rigs/{rig_id}/reports", params={"limit": 4}).json()
        assert [r["seq"] for r in page["reports"]] == [9, 8, 7, 6]
        older = api.get(f"/api/v1/rigs/{rig_id}/reports",
                        params={"limit": 4, "before": page["next_before"]}).json()
        assert [r["seq"] for r in older["reports"]] == [5, 4, 3, 2]


def _pages(api: Any, rig_id: int, limit: int, **params: Any) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        query = {"limit": limit, **params, **({"cursor": cursor} if cursor else {})}
        answer = api.get(f"/api/v1/rigs/{rig_id}/reports", params=query)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append([r["seq"] for r in body["reports"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_paging_loses_no_report_that_shares_a_timestamp(commander: CommanderProcess) -> None:
    """A sentry replaying its spool sends runs of equal timestamps: a page boundary inside
    such a run must not skip the rest of it (``ts < before`` did)."""
    rig_id, token = commander.create_rig("same-second")
    older, same, newer = utc_ts(-120), utc_ts(-60), utc_ts(-1)
    batch = [report(0, ts=older), *(report(i, ts=same) for i in range(1, 10)),
             report(10, ts=newer)]
    with commander.sentry(token) as sentry:
        sentry.post("/api/v1/sentry/reports", json={"reports": batch})
    stored_seqs(commander, rig_id, 11)
    with commander.admin() as api:
        pages = _pages(api, rig_id, 4)
        assert pages == [[10, 9, 8, 7], [6, 5, 4, 3], [2, 1, 0]]
        # every page size gives every report exactly once
        for limit in (1, 2, 3, 5, 11):
            seen = [seq for page in _pages(api, rig_id, limit) for seq in page]
            assert sorted(seen) == list(range(11)), limit
        bad = api.get(f"/api/v1/rigs/{rig_id}/reports", params={"cursor": "yesterday"})
        assert bad.status_code == 422 and "cursor" in bad.json()["error"]["message"]


def test_the_reports_page_follows_the_cursor_through_equal_timestamps(
        commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("same-second-page")
    same = utc_ts(-30)
    with commander.sentry(token) as sentry:
        sentry.post("/api/v1/sentry/reports",
                    json={"reports": [report(i, ts=same) for i in range(1, 61)]})
    stored_seqs(commander, rig_id, 60)
    with commander.anonymous(follow_redirects=True) as browser:
        browser_login(browser)
        first = browser.get(f"/rigs/{rig_id}/reports")
        assert first.status_code == 200
        link = re.search(r'href="([^"]*cursor=[^"]*)"', first.text)
        assert link, "the first page links to the next one"
        second = browser.get(html.unescape(link.group(1)))
    shown = [int(n) for n in re.findall(r"seq (\d+) ·", first.text + second.text)]
    assert sorted(set(shown)) == list(range(1, 61))
