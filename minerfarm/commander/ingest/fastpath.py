"""``POST /api/v1/sentry/reports`` as a lean ASGI handler in front of the Quart app.

Every rig posts here every few seconds: it is the one hot path of the commander. Through Quart
each report paid for request/response objects, context pushes and every app hook (measured
~0.3 ms of CPU, more than validating and durably queueing the report). This handler does the
same work with none of that: body size limit (413) and time limit (408: a body must arrive
within ``body_timeout_s``), bearer token (401/410), the rig's budget (429, :mod:`.limits`),
validation (400/422), durable queue (202) — the checks live in
:func:`.accept.accept_reports` and :func:`~minerfarm.commander.auth.tokens.rig_for_bearer`,
shared with the Quart route, and errors have the protocol's one shape. Every other request
goes to Quart untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from minerfarm.commander.auth.tokens import rig_for_bearer
from minerfarm.commander.errors import ApiError
from minerfarm.commander.headers import ASGI_HEADERS
from minerfarm.commander.ingest.accept import accept_reports
from minerfarm.commander.ingest.limits import rig_budget
from minerfarm.commander.state import CommanderState
from minerfarm.protocol import SENTRY_PREFIX
from minerfarm.protocol.errors import error_body

log = logging.getLogger(__name__)
PATH = SENTRY_PREFIX + "/reports"
Asgi = Callable[[dict[str, Any], Callable[[], Awaitable[dict[str, Any]]],
                 Callable[[dict[str, Any]], Awaitable[None]]], Awaitable[None]]


DISCARD_CAP = 64 * 1024 * 1024


class _TooLarge(Exception):
    pass


class _TooSlow(Exception):
    pass


async def _discard(receive: Any, cap: int, timeout_s: float) -> None:
    """Read and drop the rest of a request body, ``cap`` bytes and ``timeout_s`` at most."""
    dropped = 0
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(timeout_s):
            while dropped <= cap:
                message = await receive()
                if message["type"] == "http.disconnect" or not message.get("more_body", False):
                    return
                dropped += len(message.get("body", b""))


class ReportsFastPath:
    def __init__(self, app: Asgi, state: CommanderState) -> None:
        self.app, self.state = app, state

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] != PATH or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = []
        try:
            status, payload = 202, await self._accept(scope, receive)
        except ApiError as error:
            status, payload = error.status, error_body(error.code, error.message, **error.details)
            headers += [(k.lower().encode(), v.encode()) for k, v in error.headers.items()]
        except _TooLarge:
            limit = self.state.settings.max_body_bytes
            status = 413
            payload = error_body("request_entity_too_large",
                                 f"request body is larger than the limit of {limit} bytes")
            # An HTTP/1.1 client sends its whole body before it reads the answer: discard the
            # rest (up to a cap) so it can, then close the connection.
            await _discard(receive, DISCARD_CAP, self.state.settings.body_timeout_s)
            headers.append((b"connection", b"close"))
        except _TooSlow:
            status = 408
            payload = error_body("request_timeout", "the request body did not arrive within "
                                 f"{self.state.settings.body_timeout_s} s; send it at once")
            headers.append((b"connection", b"close"))
        except Exception:
            log.exception("ingest: unexpected error on %s", PATH)
            status, payload = 500, error_body("internal_error", "the commander failed; retry")
        body = orjson.dumps(payload)
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()), *ASGI_HEADERS, *headers]})
        await send({"type": "http.response.body", "body": body})

    async def _accept(self, scope: dict[str, Any], receive: Any) -> dict[str, int]:
        headers = {name.lower(): value for name, value in scope["headers"]}
        rig = await rig_for_bearer(headers.get(b"authorization", b"").decode("latin-1"),
                                   self.state)
        rig_budget(self.state).charge_request(rig.id)  # before the body: a refusal is cheap
        try:
            async with asyncio.timeout(self.state.settings.body_timeout_s):
                body = await self._read_body(headers, receive)
        except TimeoutError:
            raise _TooSlow from None
        mimetype = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip()
        return await accept_reports(self.state, rig, body, mimetype.lower())

    async def _read_body(self, headers: dict[bytes, bytes], receive: Any) -> bytes:
        limit = self.state.settings.max_body_bytes
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            raise _TooLarge
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ApiError(400, "disconnected", "the client went away mid-request")
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)
