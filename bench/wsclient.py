"""A lean websocket client over TLS for benchmarks (wsproto on asyncio streams)."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    CloseConnection,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)


class LiveSocket:
    """One browser-like websocket: a session cookie, text frames handed to ``on_frame``."""

    def __init__(self, on_frame: Callable[[str], None] | None) -> None:
        """``on_frame=None``: read and discard what arrives after the handshake (a cheap
        subscriber for load: the server does all its work, the client parses nothing)."""
        self.on_frame = on_frame
        self.received_bytes = 0
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.open = asyncio.Event()
        self.frames = 0
        self._parts: list[str] = []

    def send_text(self, text: str) -> None:
        self.writer.write(self.ws.send(TextMessage(data=text)))

    async def run(self, host: str, port: int, context: ssl.SSLContext, path: str,
                  cookie: str) -> None:
        reader, writer = await asyncio.open_connection(host, port, ssl=context,
                                                       server_hostname=host)
        self.writer = writer
        writer.write(self.ws.send(Request(host=host, target=path,
                                          extra_headers=[(b"cookie", cookie.encode())])))
        try:
            while True:
                data = await reader.read(1 << 16)
                if not data:
                    return
                if self.on_frame is None and self.open.is_set():
                    self.received_bytes += len(data)
                    continue
                self.ws.receive_data(data)
                for event in self.ws.events():
                    if isinstance(event, AcceptConnection):
                        self.open.set()
                    elif isinstance(event, RejectConnection):
                        raise RuntimeError(f"websocket refused: {event.status_code}")
                    elif isinstance(event, TextMessage):
                        self._parts.append(event.data)
                        if event.message_finished:
                            self.frames += 1
                            if self.on_frame is not None:
                                self.on_frame("".join(self._parts))
                            self._parts.clear()
                    elif isinstance(event, Ping):
                        writer.write(self.ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        return
        finally:
            writer.close()
