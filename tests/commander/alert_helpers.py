"""Local receivers for alert notifications (a JSON webhook, a real SMTP server) and a rig that
keeps reporting over the real sentry API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support import CommanderProcess, free_port, report


@dataclass
class Webhook:
    """apprise's ``json://127.0.0.1:PORT/path`` posts here; each body is kept with its path."""

    port: int
    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def on(self, path: str) -> list[dict[str, Any]]:
        return [body for p, body in list(self.received) if p == f"/{path}"]

    def texts(self, path: str) -> list[str]:
        return [f"{b.get('title', '')}\n{b.get('message', '')}" for b in self.on(path)]


@contextmanager
def webhook(port: int | None = None) -> Iterator[Webhook]:
    """A receiver on ``port`` (a free one by default)."""
    hook = Webhook(port or free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            hook.received.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", hook.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    messages: list[Message] = field(default_factory=list)

    def url(self, to: str = "farmer@example.com") -> str:
        return f"mailto://localhost:{self.port}?to={to}&from=minerfarm@example.com"

    def texts(self) -> list[str]:
        out = []
        for message in list(self.messages):
            parts = message.walk() if message.is_multipart() else [message]
            body = "".join(str(p.get_payload(decode=True) or b"", "utf-8", "replace")
                           for p in parts if p.get_content_maintype() == "text")
            out.append(f"{message['Subject']}\n{body}")
        return out


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(free_port())

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            box.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


class ReportingRig:
    """Sends ``fields`` as a report every ``every_s`` over the real sentry API until stopped;
    change ``fields`` to change what the next reports say."""

    def __init__(self, commander: CommanderProcess, token: str, every_s: float = 0.25,
                 **fields: Any) -> None:
        self.commander, self.token, self.every_s = commander, token, every_s
        self.fields: dict[str, Any] = fields
        self.seq = 0
        self.last_sent = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> ReportingRig:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        with self.commander.sentry(self.token) as client:
            while not self._stop.is_set():
                self.seq += 1
                answer = client.post("/api/v1/sentry/reports",
                                     json={"reports": [report(self.seq, **self.fields)]})
                assert answer.status_code == 202, answer.text
                self.last_sent = time.monotonic()
                # a plain sleep: Event.wait's timed condition wait never returns under
                # libfaketime (CI's pass with the clock 30 days ahead)
                time.sleep(self.every_s)
