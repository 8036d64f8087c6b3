"""Every route of the app needs the admin (or a sentry token); nothing is open by accident.

The routes are read from the app's own URL map, so a route added later is checked too.
"""

from __future__ import annotations

import base64
import os
import re
import socket
from pathlib import Path

import pytest

from minerfarm.commander.app import create_app
from minerfarm.commander.auth.password import AdminPassword, hash_password
from minerfarm.commander.settings import Settings
from tests.support import CommanderProcess

PUBLIC = {"/login", "/static/pages/<path:filename>", "/favicon.ico"}


def all_rules(tmp: Path) -> list[tuple[str, str, bool]]:
    app = create_app(Settings(data_dir=tmp), AdminPassword(hash_password("x")), b"0" * 32)
    return [(rule.rule, method, rule.websocket)
            for rule in app.url_map.iter_rules()
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})]


def concrete(path: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", lambda m: "1" if "id" in m[1] else "x", path)


def test_every_http_route_refuses_anonymous_callers(commander: CommanderProcess,
                                                    tmp_path: Path) -> None:
    rules = [r for r in all_rules(tmp_path) if not r[2]]
    assert len(rules) > 20
    with commander.anonymous() as nobody:
        for path, method, _ in rules:
            if path in PUBLIC:
                continue
            answer = nobody.request(method, concrete(path))
            if path.startswith(("/api/", "/openapi", "/metrics")):  # machine routes: 401
                assert answer.status_code == 401, (method, path, answer.status_code)
                assert answer.json()["error"]["code"] == "unauthorized"
            else:
                assert answer.status_code == 302, (method, path, answer.status_code)
                assert answer.headers["location"].startswith("/login")


def test_admin_api_refuses_a_sentry_token(commander: CommanderProcess) -> None:
    _, token = commander.create_rig("not-an-admin")
    with commander.sentry(token) as sentry:
        assert sentry.get("/api/v1/rigs").status_code == 401
        assert sentry.get("/openapi.json").status_code == 401


def websocket_status(commander: CommanderProcess, path: str) -> int:
    """Status of a raw websocket upgrade over TLS (101 means the socket was opened)."""
    context = commander.ssl_context()
    with socket.create_connection(("127.0.0.1", commander.port), timeout=5) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        key = base64.b64encode(os.urandom(16)).decode()
        tls.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                     f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                     "Sec-WebSocket-Version: 13\r\n\r\n").encode())
        status_line = tls.recv(4096).split(b"\r\n", 1)[0]
    return int(status_line.split()[1])


def test_every_websocket_refuses_anonymous_callers(commander: CommanderProcess,
                                                   tmp_path: Path) -> None:
    sockets = [r for r in all_rules(tmp_path) if r[2]]
    if not sockets:
        pytest.skip("this build has no websocket routes yet")
    for path, _, _ in sockets:
        assert websocket_status(commander, concrete(path)) != 101, path


def test_openapi_document_lists_the_protocol(commander: CommanderProcess) -> None:
    with commander.admin() as api:
        document = api.get("/openapi.json").json()
    paths = set(document["paths"])
    for expected in ("/api/v1/sentry/hello", "/api/v1/sentry/reports", "/api/v1/sentry/playbooks",
                     "/api/v1/sentry/playbook-runs", "/api/v1/sentry/logs", "/api/v1/rigs",
                     "/api/v1/rigs/{rig_id}", "/api/v1/rigs/{rig_id}/token",
                     "/api/v1/rigs/{rig_id}/reports", "/api/v1/stats", "/api/v1/addresses",
                     "/api/v1/software", "/api/v1/rigs/{rig_id}/playbooks"):
        assert expected in paths, expected
