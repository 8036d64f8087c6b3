"""The miner console page: lines the sentry ships reach an open page over its websocket."""

from __future__ import annotations

import json
import socket
import time
from typing import Any

from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage

from tests.support import CommanderProcess, browser_login, utc_ts


def _frames(commander: CommanderProcess, path: str, cookie: str, send: Any,
            timeout: float = 10.0) -> list[Any]:
    """Open the websocket with the browser's session, call ``send()``, read one frame."""
    ws = WSConnection(ConnectionType.CLIENT)
    with socket.create_connection(("127.0.0.1", commander.port), timeout=timeout) as raw, \
            commander.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(ws.send(Request(host="127.0.0.1", target=path,
                                    extra_headers=[(b"cookie", cookie.encode())])))
        deadline, text, sent = time.monotonic() + timeout, "", False
        while time.monotonic() < deadline:
            ws.receive_data(tls.recv(65536))
            for event in ws.events():
                if isinstance(event, AcceptConnection) and not sent:
                    send()
                    sent = True
                elif isinstance(event, TextMessage):
                    text += event.data
                    if event.message_finished:
                        return list(json.loads(text))
    raise AssertionError("no frame on the miner log websocket")


def test_shipped_lines_reach_the_open_log_page(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("live-console")
    with commander.anonymous(follow_redirects=True) as browser, \
            commander.sentry(token) as sentry:
        browser_login(browser)
        sentry.post("/api/v1/sentry/logs", json={"lines": [
            {"ts": utc_ts(-1), "line": "before the page", "playbook_id": 1}]})
        page = browser.get(f"/rigs/{rig_id}/miner-logs")
        assert page.status_code == 200 and "before the page" in page.text
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        after = page.text.split('data-after="', 1)[1].split('"', 1)[0]

        def ship() -> None:
            answer = sentry.post("/api/v1/sentry/logs", json={"lines": [
                {"ts": utc_ts(), "line": "hashrate 1.2 kH/s <b>",
                 "playbook_id": 1}]})
            assert answer.status_code == 202

        frames = _frames(commander, f"/rigs/{rig_id}/miner-logs/ws?after={after}", cookie, ship)
        assert [f["line"] for f in frames] == ["hashrate 1.2 kH/s <b>"]
        assert frames[0]["playbook_id"] == 1


def test_a_rig_keeps_its_newest_console_lines(commander: CommanderProcess) -> None:
    rig_id, token = commander.create_rig("chatty")
    with commander.sentry(token, timeout=60) as sentry, commander.admin() as api:
        for batch in range(5):  # 25,000 lines; each batch shares one timestamp
            stamp = utc_ts(batch - 5)
            lines = [{"ts": stamp, "line": f"line {batch * 5000 + i:05d}"}
                     for i in range(5000)]
            assert sentry.post("/api/v1/sentry/logs", json={"lines": lines}).status_code == 202
        oldest = api.get(f"/api/v1/rigs/{rig_id}/miner-logs", params={"after": 0, "limit": 1})
        newest = api.get(f"/api/v1/rigs/{rig_id}/miner-logs", params={"limit": 1})
    assert oldest.json()["lines"][0]["line"] == "line 05000"  # the newest 20,000 are kept
    assert newest.json()["lines"][0]["line"] == "line 24999"
