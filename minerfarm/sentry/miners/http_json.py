"""The HTTP-JSON dialect (xmrig, lolMiner, T-Rex, GMiner, NBMiner, SRBMiner-MULTI, Rigel,
WildRig-Multi, BzMiner): ``GET`` a path, get one JSON document. :mod:`minerfarm.http11`
errors are translated here and nowhere else."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from minerfarm import http11
from minerfarm.sentry.miners.endpoint import Endpoint
from minerfarm.sentry.miners.errors import MinerReplyInvalid, MinerTimeout, MinerUnreachable

# A miner's status reply is a few kB; refuse to buffer without end from a device that lies.
MAX_REPLY_BYTES = 1 << 20

Get = Callable[[str], Awaitable[Any]]


@asynccontextmanager
async def session(endpoint: Endpoint, timeout_s: float) -> AsyncIterator[Get]:
    """Yield ``get(path) -> decoded JSON`` over one keep-alive connection.

    Plain HTTP straight to the miner: no proxy (a rig's HTTP(S)_PROXY must not route LAN
    miner polls), no redirects followed, no TLS (the APIs are ``http://``)."""
    async with http11.Pool(endpoint.url, timeout=timeout_s, max_connections=1) as pool:

        async def get(path: str) -> Any:
            return await _get_json(pool, endpoint, path)

        yield get


async def _get_json(pool: http11.Pool, endpoint: Endpoint, path: str) -> Any:
    where = f"{endpoint.url}{path}"
    try:
        reply = await pool.request("GET", path, headers={"Accept": "application/json"},
                                   max_body=MAX_REPLY_BYTES)
    except http11.ConnectTimeout as exc:
        raise MinerUnreachable(f"{where}: connect timed out") from exc
    except http11.Timeout as exc:
        raise MinerTimeout(f"{where}: no answer in time") from exc
    except http11.ConnectError as exc:
        raise MinerUnreachable(f"{where}: cannot connect ({_why(exc)})") from exc
    except http11.BodyTooLarge as exc:
        raise MinerReplyInvalid(f"{where}: reply over {MAX_REPLY_BYTES} bytes") from exc
    except http11.HttpError as exc:  # not HTTP, or the connection dropped mid-reply
        raise MinerReplyInvalid(f"{where}: broken HTTP reply ({exc})") from exc
    if reply.status_code != 200:
        raise MinerReplyInvalid(f"{where}: HTTP {reply.status_code} (is this the miner's API "
                                "port, and is its API enabled without a password?)")
    try:
        return json.loads(reply.content)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MinerReplyInvalid(f"{where}: reply is not JSON ({exc})") from exc


def _why(exc: http11.HttpError) -> str:
    """What the operating system said (``[Errno 111] ...``), without the client's words."""
    cause = exc.__cause__
    return (str(cause) or type(cause).__name__) if cause is not None else str(exc)
