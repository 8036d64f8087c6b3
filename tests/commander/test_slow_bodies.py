"""A client that trickles its request body cannot hold a connection for good: the reports fast
path (and every Quart route) answers 408 and closes once ``MINERFARM_BODY_TIMEOUT_S`` has
passed, while other rigs' reports keep being acknowledged."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path

import pytest

from tests.support import CommanderProcess, report

pytestmark = pytest.mark.slow
TRICKLERS = 20


def _trickle(commander: CommanderProcess, path: str, token: str, result: list[str]) -> None:
    context = commander.ssl_context()
    with socket.create_connection(("127.0.0.1", commander.port), timeout=15) as raw, \
            context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                    "Content-Length: 4000\r\n\r\n".encode())
        answer = b""
        try:
            for _ in range(40):  # one byte every 0.25 s: 10 s at most
                tls.sendall(b" ")
                tls.settimeout(0.25)
                try:
                    chunk = tls.recv(4096)
                except TimeoutError:
                    continue
                if not chunk:
                    break
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
        except (ConnectionError, ssl.SSLError):
            pass
        result.append(answer.split(b"\r\n", 1)[0].decode(errors="replace"))


def test_a_trickled_body_is_cut_off_and_other_rigs_keep_reporting(tmp_path: Path) -> None:
    commander = CommanderProcess(tmp_path / "data",
                                 env={"MINERFARM_BODY_TIMEOUT_S": "2"}).start()
    try:
        _, slow_token = commander.create_rig("trickler")
        _, good_token = commander.create_rig("good")
        results: list[str] = []
        started = time.monotonic()
        threads = [threading.Thread(target=_trickle, args=(
            commander, path, slow_token, results)) for path in
            ["/api/v1/sentry/reports"] * (TRICKLERS - 1) + ["/api/v1/sentry/logs"]]
        for thread in threads:
            thread.start()
        with commander.sentry(good_token) as sentry:
            time.sleep(0.5)
            for seq in range(1, 6):
                answer = sentry.post("/api/v1/sentry/reports", json={"reports": [report(seq)]})
                assert answer.status_code == 202
        for thread in threads:
            thread.join(15)
        elapsed = time.monotonic() - started
        assert len(results) == TRICKLERS
        assert all(r.startswith("HTTP/1.1 408") for r in results), results
        assert elapsed < 8, f"the tricklers were held {elapsed:.1f} s"
    finally:
        commander.stop()
