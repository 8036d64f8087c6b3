"""Rig health and the event log, in-process (Quart's test client, a real SQLite file, the real
queue and consumer): what a report or a playbook run makes the pages say, the events stored,
paged by the admin API, and sent live to an open events page."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from quart import Quart

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.settings import Settings
from tests.support import report

PASSWORD = "pw"
AUTH = ("admin", PASSWORD)
XMRIG_URL = "http://127.0.0.1:18088"
# quart-auth says so of the login redirect; the cookie still works (same site)
pytestmark = pytest.mark.filterwarnings("ignore:Strict samesite cookies:UserWarning")


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Any]:
    app: Quart = create_app(Settings(data_dir=tmp_path, advertise=False, offline_after_s=2),
                            AdminPassword(hash_password(PASSWORD)), b"0" * 32)
    async with app.test_app() as test_app:
        yield test_app


async def _login(client: Any) -> None:
    page = await client.get("/login", scheme="https")
    token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', await page.get_data(True))
    assert token
    answer = await client.post("/login", form={"password": PASSWORD,
                                               "csrf_token": token.group(1)}, scheme="https")
    assert answer.status_code == 302


async def _rig(client: Any, name: str) -> tuple[int, dict[str, str]]:
    created = await (await client.post("/api/v1/rigs", json={"name": name},
                                       auth=AUTH)).get_json()
    return created["rig"]["id"], {"Authorization": f"Bearer {created['token']}"}


async def _until(check: Callable[[], Awaitable[Any]], what: str, timeout: float = 10) -> Any:
    for _ in range(int(timeout / 0.1)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


async def _page(client: Any, path: str) -> str:
    text: str = await (await client.get(path, scheme="https")).get_data(True)
    return text


def _row(page: str, rig_id: int) -> str:
    found = re.search(rf'<tr id="rig-{rig_id}".*?</tr>', page, re.S)
    assert found, page[-2000:]
    return found.group(0)


async def test_a_dead_miner_shows_on_the_index_row_and_the_rig_page(served: Any) -> None:
    client = served.test_client()
    await _login(client)
    rig_id, sentry = await _rig(client, "dead-miner")
    dead = {"software": "xmrig", "playbook_id": 3, "running": False, "api_url": XMRIG_URL,
            "api_error": "cannot connect: connection refused"}
    answer = await client.post("/api/v1/sentry/reports", headers=sentry,
                               json={"reports": [report(1, miners=[dead])]})
    assert answer.status_code == 202

    async def degraded() -> str | None:
        row = _row(await _page(client, "/"), rig_id)
        return row if "degraded" in row else None

    row = await _until(degraded, "the index row says degraded")
    assert "xmrig: API not answering" in row
    detail = await _page(client, f"/rigs/{rig_id}")
    problems = re.search(r'<div id="rig-problems".*?</div>', detail, re.S)
    assert problems and "Problems" in problems.group(0)
    assert f"xmrig is not answering its API at {XMRIG_URL}" in problems.group(0)
    assert "connection refused" in problems.group(0)


async def test_events_are_stored_paged_and_sent_live(served: Any) -> None:
    client = served.test_client()
    await _login(client)
    rig_id, sentry = await _rig(client, "eventful")
    running = {"software": "xmrig", "playbook_id": 3, "running": True, "hashrate_hs": 5000.0,
               "api_url": XMRIG_URL}
    frames: list[dict[str, Any]] = []
    async with client.websocket(f"/live/events/{rig_id}", scheme="wss") as ws:
        async def post(seq: int, miner: dict[str, Any]) -> None:
            answer = await client.post("/api/v1/sentry/reports", headers=sentry,
                                       json={"reports": [report(seq, miners=[miner])]})
            assert answer.status_code == 202

        await asyncio.sleep(0.2)  # subscribed
        await post(1, running)
        await post(2, {**running, "running": False, "hashrate_hs": None,
                       "api_error": "timed out"})
        failed = await client.post("/api/v1/sentry/playbook-runs", headers=sentry, json={
            "revision": "2", "playbook_id": 3, "status": "failed",
            "failed_task": "install_miner : Download xmrig 6.22.1 and verify its sha256",
            "message": "Request failed: <urlopen error [Errno 111] Connection refused>\n"
                       "url: http://127.0.0.1:9/xmrig.tar.gz"})
        assert failed.status_code == 202
        text = ""
        while not all(word in text for word in ("miner started", "miner crashed",
                                                "playbook failed")):
            async with asyncio.timeout(10):
                frame = json.loads(await ws.receive())
            frames.append(frame)
            text += " ".join(op.get("html", "") for op in frame["ops"])
    assert "xmrig crashed: not answering its API at http://127.0.0.1:18088 (timed out)" in text
    assert "The rig could not download http://127.0.0.1:9/xmrig.tar.gz (connection refused" \
        in text
    assert all(op.get("at") == "start" for f in frames for op in f["ops"] if "html" in op)

    # the same, stored: the admin API pages them newest first and filters by kind
    page = await (await client.get(f"/api/v1/rigs/{rig_id}/events?limit=2",
                                   auth=AUTH)).get_json()
    assert [e["kind"] for e in page["events"]] == ["playbook_failed", "miner_crashed"]
    rest = await (await client.get(f"/api/v1/rigs/{rig_id}/events?before={page['next_before']}",
                                   auth=AUTH)).get_json()
    assert [e["kind"] for e in rest["events"]] == ["miner_started", "online"]
    assert rest["next_before"] is None
    only = await (await client.get(f"/api/v1/rigs/{rig_id}/events?kind=miner_crashed",
                                   auth=AUTH)).get_json()
    assert [e["details"]["api_error"] for e in only["events"]] == ["timed out"]
    wrong = await client.get(f"/api/v1/rigs/{rig_id}/events?kind=nope", auth=AUTH)
    assert wrong.status_code == 422
    assert "unknown nope" in (await wrong.get_json())["error"]["message"]

    # the index row now names the failed playbook first... and the events page filters
    row = _row(await _page(client, "/"), rig_id)
    assert "could not download (connection refused)" in row
    filtered = await _page(client, f"/rigs/{rig_id}/events?kind=miner_crashed")
    assert "xmrig crashed" in filtered and "xmrig started" not in filtered
    assert "eventful" in await _page(client, f"/rigs/{rig_id}")  # the section renders

    # a rig that goes silent gets an offline event (offline_after_s=2), once
    async def offline() -> Any:
        found = await (await client.get(f"/api/v1/rigs/{rig_id}/events?kind=offline",
                                        auth=AUTH)).get_json()
        return found["events"]

    events = await _until(offline, "an offline event", timeout=10)
    assert len(events) == 1 and events[0]["message"].startswith("offline: no report since")


async def test_stored_reports_read_as_labelled_summaries_with_raw_json_behind_a_toggle(
        served: Any) -> None:
    client = served.test_client()
    await _login(client)
    rig_id, sentry = await _rig(client, "summaries")
    miner = {"software": "xmrig", "version": "6.22.1", "coin": "XMR", "hashrate_hs": 4884.25,
             "pool": "pool.example:3333", "shares": {"accepted": 12, "rejected": 1},
             "running": True}
    gpu = {"index": 0, "name": "RTX 3070", "temp_c": 64.4, "power_w": 118.0}
    answer = await client.post("/api/v1/sentry/reports", headers=sentry, json={
        "reports": [report(1, miners=[miner], gpus=[gpu])]})
    assert answer.status_code == 202

    async def shown() -> str | None:
        page = await _page(client, f"/rigs/{rig_id}/reports")
        return page if 'id="report-1"' in page else None

    page = await _until(shown, "the report on the reports page")
    entry = re.search(r'<article class="report" id="report-1">.*?</article>', page, re.S)
    assert entry
    labelled = entry.group(0).split('<details class="raw">')[0]
    assert "<dt>xmrig 6.22.1</dt>" in labelled
    assert "4.88 kH/s XMR · shares 12 accepted / 1 rejected · pool pool.example:3333" in labelled
    assert "<dt>GPU 0</dt><dd>RTX 3070 · 64 °C · 118 W</dd>" in labelled
    assert "{" not in labelled  # no JSON outside the toggle
    assert "<summary>raw</summary><pre>{" in entry.group(0)
