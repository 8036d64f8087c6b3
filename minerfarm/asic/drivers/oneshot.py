"""The httpx transport under the web transport: each request on a connection of its own,
:mod:`minerfarm.http11`'s (asyncio streams, TLS where asked, h11 framing), closed after the
reply.

Why not httpx's default transport (httpcore's connection pool over anyio): measured against
simulated AxeOS devices on loopback, it spent ~1.6 ms of CPU per request (pool bookkeeping,
anyio cancel scopes and connect task groups, all made for long-lived keep-alive pools)
against ~0.3 ms for one request on one asyncio connection, and a third of a 2,000-ASIC fleet
is read over the web. The sentry uses nothing of a pool: ESP32 and CGI servers serve one
connection at a time and no connection is kept between polls (:class:`.web.WebSession`).
httpx stays above it: requests, auth flows (digest), redirects off, decoding, errors.

Failures are raised as httpx's own, by one table (:data:`HTTPX_ERRORS`: http11's error tree
to ``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``, ``WriteTimeout``, ``ReadError``,
``WriteError``, ``LocalProtocolError``, ``RemoteProtocolError``), so that :mod:`.web`
translates them once, as before.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx

from minerfarm import http11

_DROPPED = (b"connection", b"keep-alive")  # httpx's defaults ask for keep-alive
_CLOSE = (b"Connection", b"close")

# Most specific first: the first class an error is an instance of decides.
HTTPX_ERRORS: tuple[tuple[type[http11.HttpError], type[httpx.TransportError]], ...] = (
    (http11.ConnectTimeout, httpx.ConnectTimeout),
    (http11.ConnectError, httpx.ConnectError),
    (http11.WriteTimeout, httpx.WriteTimeout),
    (http11.ReadTimeout, httpx.ReadTimeout),
    (http11.Timeout, httpx.PoolTimeout),  # waiting for a pool's connection: never here
    (http11.WriteError, httpx.WriteError),
    (http11.IncompleteReply, httpx.RemoteProtocolError),  # as httpcore: "disconnected"
    (http11.ConnectionLost, httpx.ReadError),
    (http11.RequestInvalid, httpx.LocalProtocolError),
    (http11.ProtocolError, httpx.RemoteProtocolError),
    (http11.HttpError, httpx.RemoteProtocolError),  # BodyTooLarge: the caller caps, not us
)


def as_httpx(error: http11.HttpError, request: httpx.Request) -> httpx.TransportError:
    """``error`` as httpx's exception, with the text of what caused it (an ``OSError``'s
    ``[Errno 111] Connection refused``, as httpcore words it) where there is one."""
    kind = next(k for mine, k in HTTPX_ERRORS if isinstance(error, mine))
    cause = error.__cause__
    return kind(str(cause) if cause is not None and str(cause) else str(error),
                request=request)


class OneShotTransport(httpx.AsyncBaseTransport):
    """One connection per request, never pooled. ``tls``: the context for ``https`` URLs."""

    def __init__(self, tls: ssl.SSLContext) -> None:
        self._tls = tls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        url = request.url
        https = url.scheme == "https"
        body = await request.aread()
        headers = [(k, v) for k, v in request.headers.raw if k.lower() not in _DROPPED]
        headers.append(_CLOSE)
        try:
            connection = await http11.connect(
                url.host, url.port or (443 if https else 80), timeout_s=timeouts.get("connect"),
                ssl_context=self._tls if https else None)
        except http11.HttpError as exc:
            raise as_httpx(exc, request) from exc
        try:
            await connection.send(request.method, url.raw_path, headers, body,
                                  timeouts.get("write"))
            head = await connection.receive_head(timeouts.get("read"))
        except http11.HttpError as exc:
            connection.close()
            raise as_httpx(exc, request) from exc
        except BaseException:
            connection.close()
            raise
        return httpx.Response(
            head.status_code, headers=list(head.headers.raw_items()),
            stream=_Body(connection, request, timeouts.get("read")),
            extensions={"http_version": b"HTTP/" + head.http_version,
                        "reason_phrase": head.reason})


class _Body(httpx.AsyncByteStream):
    def __init__(self, connection: http11.Connection, request: httpx.Request,
                 timeout: float | None) -> None:
        self._connection, self._request, self._timeout = connection, request, timeout

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            while chunk := await self._connection.receive_data(self._timeout):
                yield chunk
        except http11.HttpError as exc:
            raise as_httpx(exc, self._request) from exc

    async def aclose(self) -> None:
        self._connection.close()
