"""The httpx transport under the web transport: each request on a connection of its own
(asyncio streams, TLS where asked), framed and parsed by h11, closed after the reply.

Why not httpx's default transport (httpcore's connection pool over anyio): measured against
simulated AxeOS devices on loopback, it spent ~1.6 ms of CPU per request (pool bookkeeping,
anyio cancel scopes and connect task groups, all made for long-lived keep-alive pools)
against ~0.3 ms for one request on one asyncio connection, and a third of a 2,000-ASIC fleet
is read over the web. The sentry uses nothing of a pool: ESP32 and CGI servers serve one
connection at a time and no connection is kept between polls (:class:`.web.WebSession`).
httpx stays above it: requests, auth flows (digest), redirects off, decoding, errors.

Failures are raised as httpx's own (``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``,
``WriteTimeout``, ``ReadError``, ``WriteError``, ``RemoteProtocolError``), so that
:mod:`.web` translates them once, as before.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager

import h11
import httpx

_READ_BYTES = 65536
_DROPPED = (b"connection", b"keep-alive")  # httpx's defaults ask for keep-alive


class OneShotTransport(httpx.AsyncBaseTransport):
    """One connection per request, never pooled. ``tls``: the context for ``https`` URLs."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self._tls = tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        url = request.url
        https = url.scheme == "https"
        body = await request.aread()
        reader, writer = await _connect(request, url.host, url.port or (443 if https else 80),
                                        self._tls if https else None, timeouts.get("connect"))
        try:
            connection = h11.Connection(h11.CLIENT)
            headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _DROPPED]
            with _mapped(request, protocol=httpx.LocalProtocolError):
                data = connection.send(h11.Request(
                    method=request.method, target=url.raw_path,
                    headers=[*headers, (b"Connection", b"close")])) or b""
                if body:
                    data += connection.send(h11.Data(data=body)) or b""
                data += connection.send(h11.EndOfMessage()) or b""
            writer.write(data)
            with _mapped(request, timeout=httpx.WriteTimeout, os_error=httpx.WriteError):
                async with asyncio.timeout(timeouts.get("write")):
                    await writer.drain()
            event = await _next_event(connection, reader, request, timeouts.get("read"))
            while isinstance(event, h11.InformationalResponse):  # 100 Continue: not the reply
                event = await _next_event(connection, reader, request, timeouts.get("read"))
            if not isinstance(event, h11.Response):
                raise httpx.RemoteProtocolError(f"unexpected {type(event).__name__}",
                                                request=request)
        except BaseException:
            writer.close()
            raise
        return httpx.Response(
            event.status_code, headers=list(event.headers.raw_items()),
            stream=_Body(connection, reader, writer, request, timeouts.get("read")),
            extensions={"http_version": b"HTTP/" + event.http_version,
                        "reason_phrase": event.reason})


class _Body(httpx.AsyncByteStream):
    def __init__(self, connection: h11.Connection, reader: asyncio.StreamReader,
                 writer: asyncio.StreamWriter, request: httpx.Request,
                 timeout: float | None) -> None:
        self._connection, self._reader, self._writer = connection, reader, writer
        self._request, self._timeout = request, timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            event = await _next_event(self._connection, self._reader, self._request,
                                      self._timeout)
            if isinstance(event, h11.Data):
                yield bytes(event.data)
            elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
                return

    async def aclose(self) -> None:
        self._writer.close()


async def _connect(request: httpx.Request, host: str, port: int, tls: ssl.SSLContext | None,
                   within: float | None
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    try:
        async with asyncio.timeout(within):
            return await asyncio.open_connection(
                host, port, ssl=tls, server_hostname=host if tls is not None else None,
                limit=_READ_BYTES)
    except TimeoutError:
        raise httpx.ConnectTimeout("connect timed out", request=request) from None
    except OSError as exc:  # refused, unreachable, a TLS handshake that failed
        raise httpx.ConnectError(str(exc) or type(exc).__name__, request=request) from None


async def _next_event(connection: h11.Connection, reader: asyncio.StreamReader,
                      request: httpx.Request, within: float | None) -> object:
    while True:
        with _mapped(request, protocol=httpx.RemoteProtocolError):
            event = connection.next_event()
        if event is not h11.NEED_DATA:
            return event
        with _mapped(request, timeout=httpx.ReadTimeout, os_error=httpx.ReadError):
            async with asyncio.timeout(within):
                data = await reader.read(_READ_BYTES)
        connection.receive_data(data)  # b"": the peer closed; h11 says whether that is early


@contextmanager
def _mapped(request: httpx.Request, *, timeout: type[httpx.TransportError] = httpx.ReadTimeout,
            os_error: type[httpx.TransportError] = httpx.ReadError,
            protocol: type[httpx.TransportError] = httpx.RemoteProtocolError) -> Iterator[None]:
    """A timeout, a socket error and an h11 protocol error as the given httpx errors."""
    try:
        yield
    except TimeoutError as exc:
        raise timeout(str(exc) or "timed out", request=request) from None
    except h11.ProtocolError as exc:
        raise protocol(str(exc) or type(exc).__name__, request=request) from None
    except OSError as exc:
        raise os_error(str(exc) or type(exc).__name__, request=request) from None
