"""HTTP/1.1 over asyncio streams, h11 for the protocol: one connection's primitives, and the
sentries' keep-alive client on them.

Both sentries speak plain HTTP/1.1 to two kinds of peers only: the commander (HTTPS with a
pinned certificate, :mod:`minerfarm.agent.client`) and the JSON APIs of GPU miners on the rig
(plain HTTP, :mod:`minerfarm.sentry.miners.http_json`). httpx did that too, but with httpcore,
anyio, idna, certifi and its optional parts it cost the sentry about 5 MB of its 40 MB budget
(``bench/sentry_footprint.py``); h11 is the same HTTP/1.1 state machine httpcore drives.

Two layers, one implementation of the connection:

- :func:`connect` opens a :class:`Connection` (TCP, TLS where given, within a timeout); a
  connection sends a request (:meth:`Connection.send`) and reads the reply, whole
  (:meth:`Connection.read_response`, with an optional body cap) or as a head and then pieces
  of body (:meth:`Connection.receive_head`, :meth:`Connection.receive_data`), every read
  within its own timeout. The ASIC sentry's httpx transport (:mod:`minerfarm.asic.drivers.
  oneshot`) is these, one connection per request, with this tree mapped to httpx's errors.
- :class:`Pool` holds keep-alive connections to one origin. Timeouts are httpx's
  (``Timeout(t)``): ``t`` for connecting (TLS handshake included), for writing the request,
  for each read, and for waiting for a free connection.

Errors, one tree (the original exception, an ``OSError``, ``ssl.SSLError`` or h11's error, is
the ``__cause__``)::

    HttpError
    ├── ConnectError       no connection: refused, unroutable, unknown host, TLS refused
    ├── Timeout            no connection, reply or free connection in time
    │   ├── ConnectTimeout    the connection (or its TLS handshake) took too long
    │   ├── WriteTimeout      the request could not be sent in time
    │   └── ReadTimeout       the peer sent nothing for a read's timeout
    ├── ConnectionLost     the connection broke after it was made (reset, closed mid-reply)
    │   ├── WriteError        ... while the request was sent
    │   └── IncompleteReply   the peer closed it before its reply was complete
    ├── ProtocolError      what came back is not HTTP/1.1
    │   └── RequestInvalid    the request cannot be written as HTTP/1.1
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
Headers = list[tuple[bytes, bytes]] | list[tuple[str, str]]


class HttpError(Exception):
    """Base of every error of this client."""


class ConnectError(HttpError):
    """No connection could be made."""


class Timeout(HttpError):
    """Something did not happen in time."""


class ConnectTimeout(Timeout):
    """The connection (TCP, then the TLS handshake) was not made in time."""


class WriteTimeout(Timeout):
    """The request could not be written in time (the peer reads nothing)."""


class ReadTimeout(Timeout):
    """The peer sent nothing within a read's timeout."""


class ConnectionLost(HttpError):
    """The connection broke while the request was sent or the reply read."""


class WriteError(ConnectionLost):
    """The connection broke while the request was sent."""


class IncompleteReply(ConnectionLost):
    """The peer closed the connection before its reply was complete (or before any)."""


class ProtocolError(HttpError):
    """The peer's reply is not HTTP/1.1."""


class RequestInvalid(ProtocolError):
    """The request cannot be written as HTTP/1.1 (h11 refused it)."""


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


async def connect(host: str, port: int, *, ssl_context: ssl.SSLContext | None = None,
                  timeout_s: float | None, where: str | None = None) -> Connection:
    """A connection to ``host:port``, over TLS with ``ssl_context`` if given (the host as
    the server name), made within ``timeout_s`` (None: no limit). ``where`` names the peer in
    error messages (``host:port`` by default)."""
    where = where or f"{host}:{port}"
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=ssl_context, limit=READ_SIZE,
                server_hostname=host if ssl_context is not None else None)
    except TimeoutError as exc:
        raise ConnectTimeout(f"connecting to {where} took over {_s(timeout_s)}") from exc
    except OSError as exc:  # refused, unreachable, unknown host, a TLS handshake that failed
        raise ConnectError(f"cannot connect to {where}: {_text(exc)}") from exc
    return Connection(reader, writer, where)


class Connection:
    """One HTTP/1.1 connection: requests in turn (keep-alive when both sides allow it)."""

    __slots__ = ("_eof", "h11", "reader", "where", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                 where: str) -> None:
        self.reader, self.writer, self.where = reader, writer, where
        self.h11 = h11.Connection(h11.CLIENT)
        self._eof = False

    def usable(self) -> bool:
        """Ready for a request: still open, and the peer sent nothing since the last reply
        (a keep-alive connection the server closed while idle reads as at EOF)."""
        return (self.h11.our_state is h11.IDLE and not self.writer.is_closing()
                and not self.reader.at_eof())

    def next_cycle(self) -> bool:
        """After a complete request and reply: ready the connection for the next request;
        False when it cannot serve another (either side asked to close)."""
        if self.h11.our_state is h11.DONE and self.h11.their_state is h11.DONE:
            self.h11.start_next_cycle()
            return True
        return False

    def close(self) -> None:
        self.writer.close()

    async def wait_closed(self, timeout_s: float) -> None:
        """Close, and wait up to ``timeout_s`` for the transport to be gone (errors ignored:
        the connection is being dropped)."""
        self.writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self.writer.wait_closed()

    async def send(self, method: bytes | str, target: bytes | str, headers: Headers,
                   body: bytes | None, timeout_s: float | None) -> None:
        """Write one request (``headers`` as given: Host and the body's framing included)."""
        try:
            request = h11.Request(method=method, target=target, headers=headers)
            data = self.h11.send(request) or b""
            if body:
                data += self.h11.send(h11.Data(data=body)) or b""
            data += self.h11.send(h11.EndOfMessage()) or b""
        except h11.LocalProtocolError as exc:
            raise RequestInvalid(f"cannot send that request: {exc}") from exc
        try:
            async with asyncio.timeout(timeout_s):
                self.writer.write(data)
                await self.writer.drain()
        except TimeoutError as exc:
            raise WriteTimeout(f"sending to {self.where} took over {_s(timeout_s)}") from exc
        except OSError as exc:
            raise WriteError(f"connection to {self.where} lost while sending: "
                             f"{_text(exc)}") from exc

    async def receive_head(self, timeout_s: float | None) -> h11.Response:
        """The reply's status line and headers (an informational 1xx reply is skipped)."""
        while True:
            event = await self._next_event(timeout_s)
            if isinstance(event, h11.Response):
                return event
            if not isinstance(event, h11.InformationalResponse):
                raise IncompleteReply(f"{self.where} closed the connection without a reply")

    async def receive_data(self, timeout_s: float | None) -> bytes:
        """The next piece of the reply's body; ``b""`` once the body is complete."""
        while True:
            event = await self._next_event(timeout_s)
            if isinstance(event, h11.Data):
                if event.data:
                    return bytes(event.data)
            elif isinstance(event, h11.EndOfMessage):
                return b""
            else:
                raise IncompleteReply(f"{self.where} closed the connection without a "
                                      "complete reply")

    async def read_response(self, timeout_s: float | None,
                            max_body: int | None = None) -> Response:
        """The whole reply; :class:`BodyTooLarge` once its body is over ``max_body`` bytes."""
        head = await self.receive_head(timeout_s)
        chunks: list[bytes] = []
        size = 0
        while chunk := await self.receive_data(timeout_s):
            size += len(chunk)
            if max_body is not None and size > max_body:
                raise BodyTooLarge(f"the reply of {self.where} is over {max_body} bytes")
            chunks.append(chunk)
        return Response(head.status_code, head.reason.decode("latin-1"),
                        _header_dict(head.headers), b"".join(chunks))

    async def _next_event(self, timeout_s: float | None) -> object:
        while True:
            try:
                event = self.h11.next_event()
            except h11.RemoteProtocolError as exc:
                if self._eof:
                    raise IncompleteReply(f"{self.where} closed the connection without a "
                                          f"complete reply ({exc})") from exc
                raise ProtocolError(f"{self.where} answered something other than "
                                    f"HTTP/1.1: {exc}") from exc
            if event is not h11.NEED_DATA:
                return event
            try:
                async with asyncio.timeout(timeout_s):
                    data = await self.reader.read(READ_SIZE)
            except TimeoutError as exc:
                raise ReadTimeout(f"{self.where} sent no reply within {_s(timeout_s)}") \
                    from exc
            except OSError as exc:
                raise ConnectionLost(f"connection to {self.where} lost while reading: "
                                     f"{_text(exc)}") from exc
            self._eof = not data
            self.h11.receive_data(data)  # b"": the peer closed; h11 says whether that is early


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
        self._idle: list[Connection] = []
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
            fields = [*self._headers, *(headers or {}).items()]
            if body is not None:
                fields.append(("Content-Length", str(len(body))))
            try:
                await connection.send(method, target, fields, body, limit)
                response = await connection.read_response(limit, max_body)
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
            await connection.wait_closed(2)

    async def _connection(self, limit: float) -> Connection:
        while self._idle:
            connection = self._idle.pop()
            if connection.usable():
                return connection
            connection.close()
        return await connect(self.host, self.port, ssl_context=self.ssl, timeout_s=limit,
                             where=self._host_header)

    def _release(self, connection: Connection) -> None:
        if connection.next_cycle() and not self._closed and len(self._idle) < self.max_idle:
            self._idle.append(connection)
            return
        connection.close()


def _header_dict(headers: Any) -> dict[str, str]:
    result: dict[str, str] = {}
    for name, value in headers:
        key, text = name.decode("latin-1"), value.decode("latin-1")
        result[key] = f"{result[key]}, {text}" if key in result else text
    return result


def _s(seconds: float | None) -> str:
    return "no limit" if seconds is None else f"{seconds:g}s"


def _text(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
