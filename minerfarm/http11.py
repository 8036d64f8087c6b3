"""The sentries' HTTP/1.1 client: asyncio streams for the I/O, h11 for the protocol.

Both sentries speak plain HTTP/1.1 to two kinds of peers only: the commander (HTTPS with a
pinned certificate, :mod:`minerfarm.agent.client`) and the JSON APIs of GPU miners on the rig
(plain HTTP, :mod:`minerfarm.sentry.miners.http_json`). httpx did that too, but with httpcore,
anyio, idna, certifi and its optional parts it cost the sentry about 5 MB of its 40 MB budget
(``bench/sentry_footprint.py``); h11 is the same HTTP/1.1 state machine httpcore drives.

:class:`Pool` holds keep-alive connections to one origin. Timeouts are httpx's
(``Timeout(t)``): ``t`` for connecting (TLS handshake included), for writing the request, for
each read, and for waiting for a free connection. Errors, one tree (the original exception, an
``OSError`` or ``ssl.SSLError``, is the ``__cause__``)::

    HttpError
    ├── ConnectError       no connection: refused, unroutable, unknown host, TLS refused
    ├── Timeout            no connection, reply or free connection in time
    │   └── ConnectTimeout    the connection (or its TLS handshake) took too long
    ├── ConnectionLost     the connection broke after it was made (reset, closed mid-reply)
    ├── ProtocolError      what came back is not HTTP/1.1
    └── BodyTooLarge       the reply is over the caller's ``max_body``
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import h11

READ_SIZE = 65536


class HttpError(Exception):
    """Base of every error of this client."""


class ConnectError(HttpError):
    """No connection could be made."""


class Timeout(HttpError):
    """Something did not happen in time."""


class ConnectTimeout(Timeout):
    """The connection (TCP, then the TLS handshake) was not made in time."""


class ConnectionLost(HttpError):
    """The connection broke while the request was sent or the reply read."""


class ProtocolError(HttpError):
    """The peer's reply is not HTTP/1.1 (or the request could not be written as such)."""


class BodyTooLarge(HttpError):
    """The reply's body is larger than the caller accepts."""


@dataclass(frozen=True)
class Response:
    status_code: int
    reason_phrase: str
    headers: dict[str, str]  # lower-case names; a repeated header's values joined by ", "
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        """The body as JSON (``ValueError`` when it is not)."""
        return json.loads(self.content)


@dataclass
class _Connection:
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter
    h11: h11.Connection

    def usable(self) -> bool:
        """Still open, and the peer sent nothing since the last reply (a keep-alive
        connection the server closed while idle reads as at EOF)."""
        return (self.h11.our_state is h11.IDLE and not self.writer.is_closing()
                and not self.reader.at_eof())

    def close(self) -> None:
        self.writer.close()


class Pool:
    """Keep-alive connections to one origin (``http://host:port`` or ``https://host:port``).

    ``ssl`` is the context for ``https://`` (required there). At most ``max_connections``
    requests are in flight at once (others wait, up to the timeout); at most ``max_idle``
    connections are kept open between requests. ``headers`` go with every request.
    """

    def __init__(self, origin: str, *, ssl_context: ssl.SSLContext | None = None,
                 timeout: float = 10.0, max_connections: int = 2, max_idle: int = 1,
                 headers: dict[str, str] | None = None) -> None:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s)://HOST[:PORT] origin: {origin!r}")
        if parts.scheme == "https" and ssl_context is None:
            raise ValueError("https:// needs an SSL context")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.ssl = ssl_context if parts.scheme == "https" else None
        self.timeout = timeout
        self.max_idle = max_idle
        self._host_header = parts.netloc.rpartition("@")[2]
        self._headers = [("Host", self._host_header), *(headers or {}).items()]
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Connection] = []
        self._closed = False

    async def __aenter__(self) -> Pool:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    async def request(self, method: str, target: str, *, body: bytes | None = None,
                      headers: dict[str, str] | None = None, timeout_s: float | None = None,
                      max_body: int | None = None) -> Response:
        """Send one request (``target``: path and query) and read the whole reply;
        ``timeout_s`` instead of the pool's timeout."""
        if self._closed:
            raise ConnectionLost("the client was closed")
        limit = self.timeout if timeout_s is None else timeout_s
        try:
            async with asyncio.timeout(limit):
                await self._slots.acquire()
        except TimeoutError as exc:
            raise Timeout(f"no free connection to {self._host_header} within {limit:g}s") \
                from exc
        try:
            connection = await self._connection(limit)
            try:
                response = await self._exchange(connection, method, target, body,
                                                headers or {}, limit, max_body)
            except BaseException:
                connection.close()  # half a request or reply: the connection is unusable
                raise
            self._release(connection)
            return response
        finally:
            self._slots.release()

    async def aclose(self) -> None:
        self._closed = True
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
            with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
                await asyncio.wait_for(connection.writer.wait_closed(), 2)

    async def _connection(self, limit: float) -> _Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                return connection
            connection.close()
        try:
            async with asyncio.timeout(limit):
                reader, writer = await asyncio.open_connection(
                    self.host, self.port, ssl=self.ssl, limit=READ_SIZE,
                    server_hostname=self.host if self.ssl is not None else None)
        except TimeoutError as exc:
            raise ConnectTimeout(f"connecting to {self._host_header} took over {limit:g}s") \
                from exc
        except (OSError, ssl.SSLError) as exc:
            raise ConnectError(f"cannot connect to {self._host_header}: "
                               f"{exc or type(exc).__name__}") from exc
        return _Connection(reader, writer, h11.Connection(h11.CLIENT))

    def _release(self, connection: _Connection) -> None:
        if connection.h11.our_state is h11.DONE and connection.h11.their_state is h11.DONE:
            connection.h11.start_next_cycle()
            if not self._closed and len(self._idle) < self.max_idle:
                self._idle.append(connection)
                return
        connection.close()

    async def _exchange(self, connection: _Connection, method: str, target: str,
                        body: bytes | None, headers: dict[str, str], limit: float,
                        max_body: int | None) -> Response:
        fields = [*self._headers, *headers.items()]
        if body is not None:
            fields.append(("Content-Length", str(len(body))))
        try:
            data = connection.h11.send(h11.Request(method=method, target=target,
                                                   headers=fields))
            if body:
                data += connection.h11.send(h11.Data(data=body))
            data += connection.h11.send(h11.EndOfMessage())
        except h11.LocalProtocolError as exc:
            raise ProtocolError(f"cannot send that request: {exc}") from exc
        try:
            async with asyncio.timeout(limit):
                connection.writer.write(data)
                await connection.writer.drain()
        except TimeoutError as exc:
            raise Timeout(f"sending to {self._host_header} took over {limit:g}s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise ConnectionLost(f"connection to {self._host_header} lost while sending: "
                                 f"{exc or type(exc).__name__}") from exc
        return await self._reply(connection, limit, max_body)

    async def _reply(self, connection: _Connection, limit: float,
                     max_body: int | None) -> Response:
        head: h11.Response | None = None
        chunks: list[bytes] = []
        size, eof = 0, False
        while True:
            try:
                event = connection.h11.next_event()
            except h11.RemoteProtocolError as exc:
                if eof:
                    raise ConnectionLost(f"{self._host_header} closed the connection without "
                                         f"a complete reply ({exc})") from exc
                raise ProtocolError(f"{self._host_header} answered something other than "
                                    f"HTTP/1.1: {exc}") from exc
            if event is h11.NEED_DATA:
                data = await self._read(connection, limit)
                eof = not data
                connection.h11.receive_data(data)
            elif isinstance(event, h11.Response):
                head = event
            elif isinstance(event, h11.Data):
                size += len(event.data)
                if max_body is not None and size > max_body:
                    raise BodyTooLarge(f"the reply of {self._host_header} is over "
                                       f"{max_body} bytes")
                chunks.append(bytes(event.data))
            elif isinstance(event, h11.EndOfMessage) and head is not None:
                return Response(head.status_code, head.reason.decode("latin-1"),
                                _header_dict(head.headers), b"".join(chunks))
            elif isinstance(event, h11.ConnectionClosed) or event is h11.PAUSED:
                raise ConnectionLost(f"{self._host_header} closed the connection without "
                                     "a complete reply")
            # an InformationalResponse (1xx) is skipped: the final reply follows

    async def _read(self, connection: _Connection, limit: float) -> bytes:
        try:
            async with asyncio.timeout(limit):
                return await connection.reader.read(READ_SIZE)
        except TimeoutError as exc:
            raise Timeout(f"{self._host_header} sent no reply within {limit:g}s") from exc
        except (OSError, ssl.SSLError) as exc:
            raise ConnectionLost(f"connection to {self._host_header} lost while reading: "
                                 f"{exc or type(exc).__name__}") from exc


def _header_dict(headers: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        result[key] = f"{result[key]}, {text}" if key in result else text
    return result
