"""An open live page does not outlive its login: after a logout (or ``set-password``) every
websocket of that session is sent to the login page and closed within
``MINERFARM_SESSION_RECHECK_S``; another browser's session keeps its pages."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

from tests.support import CommanderProcess, browser_login, csrf_from

pytestmark = pytest.mark.slow


class LivePage:
    def __init__(self, commander: CommanderProcess, path: str, browser: httpx.Client) -> None:
        cookie = "; ".join(f"{name}={value}" for name, value in browser.cookies.items())
        self.ws = WSConnection(ConnectionType.CLIENT)
        raw = socket.create_connection(("127.0.0.1", commander.port), timeout=10)
        self.tls = commander.ssl_context().wrap_socket(raw, server_hostname="127.0.0.1")
        self.tls.sendall(self.ws.send(Request(host=f"127.0.0.1:{commander.port}", target=path,
                                              extra_headers=[
            (b"cookie", cookie.encode()), (b"origin", commander.url.encode())])))
        opened = self.events(5, until=AcceptConnection)
        assert any(isinstance(e, AcceptConnection) for e in opened), opened

    def events(self, seconds: float, until: type = CloseConnection) -> list[Any]:
        """What arrives within ``seconds``, or up to the first event of type ``until``."""
        found: list[Any] = []
        deadline = time.monotonic() + seconds
        self.tls.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                data = self.tls.recv(65536)
            except TimeoutError:
                continue
            if not data:
                break
            self.ws.receive_data(data)
            found.extend(self.ws.events())
            if any(isinstance(e, until) for e in found):
                break
        return found


def test_logging_out_closes_the_sessions_live_pages(tmp_path: Path) -> None:
    commander = CommanderProcess(tmp_path / "data",
                                 env={"MINERFARM_SESSION_RECHECK_S": "0.5"}).start()
    try:
        rig_id, _ = commander.create_rig("watched")
        with commander.anonymous(follow_redirects=True) as leaving, \
                commander.anonymous(follow_redirects=True) as staying:
            browser_login(leaving)
            browser_login(staying)
            pages = [LivePage(commander, path, leaving) for path in (
                "/live/index/cpu_gpu", f"/live/rigs/{rig_id}", f"/rigs/{rig_id}/miner-logs/ws")]
            other = LivePage(commander, "/live/index/cpu_gpu", staying)
            token = csrf_from(leaving.get("/").text)
            assert leaving.post("/logout", data={"csrf_token": token}).status_code == 200
            for page in pages:
                events = page.events(5)
                texts = [json.loads(e.data) for e in events if isinstance(e, TextMessage)]
                assert {"op": "redirect", "url": "/login"} in [
                    op for frame in texts if isinstance(frame, dict) for op in frame["ops"]] \
                    or page is pages[2], texts  # the console page has no ops: it is closed
                assert any(isinstance(e, CloseConnection) and e.code == 4401 for e in events), \
                    events
            still = other.events(1.5)
            assert not any(isinstance(e, CloseConnection) for e in still), still
    finally:
        commander.stop()
