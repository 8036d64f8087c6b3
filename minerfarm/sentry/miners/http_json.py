"""The HTTP-JSON dialect (xmrig, lolMiner, T-Rex, GMiner, NBMiner, SRBMiner-MULTI, Rigel,
WildRig-Multi, BzMiner): ``GET`` a path, get one JSON document. httpx errors are translated
here and nowhere else."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from minerfarm.sentry.miners.endpoint import Endpoint
from minerfarm.sentry.miners.errors import MinerReplyInvalid, MinerTimeout, MinerUnreachable

# A miner's status reply is a few kB; refuse to buffer without end from a device that lies.
MAX_REPLY_BYTES = 1 << 20

Get = Callable[[str], Awaitable[Any]]


@asynccontextmanager
async def session(endpoint: Endpoint, timeout_s: float) -> AsyncIterator[Get]:
    """Yield ``get(path) -> decoded JSON`` over one client (one connection pool)."""
    # trust_env=False: a rig's HTTP(S)_PROXY must not route LAN miner polls through a proxy.
    # Plain-HTTP APIs need no TLS: verify=False spares loading the CA bundle for every client
    # (about 6 MB of the sentry's RSS).
    async with httpx.AsyncClient(base_url=endpoint.url, timeout=httpx.Timeout(timeout_s),
                                 trust_env=False, follow_redirects=False,
                                 verify=not endpoint.url.startswith("http://")) as client:

        async def get(path: str) -> Any:
            return await _get_json(client, endpoint, path)

        yield get


async def _get_json(client: httpx.AsyncClient, endpoint: Endpoint, path: str) -> Any:
    where = f"{endpoint.url}{path}"
    try:
        async with client.stream("GET", path, headers={"Accept": "application/json"}) as reply:
            body = await _read_capped(reply, where)
            status = reply.status_code
    except httpx.ConnectTimeout as exc:
        raise MinerUnreachable(f"{where}: connect timed out") from exc
    except httpx.TimeoutException as exc:
        raise MinerTimeout(f"{where}: no answer in time") from exc
    except (httpx.ConnectError, OSError) as exc:
        raise MinerUnreachable(f"{where}: cannot connect ({exc or type(exc).__name__})") from exc
    except httpx.HTTPError as exc:  # not HTTP, or the connection dropped mid-reply
        raise MinerReplyInvalid(f"{where}: broken HTTP reply ({exc or type(exc).__name__})") \
            from exc
    if status != 200:
        raise MinerReplyInvalid(f"{where}: HTTP {status} (is this the miner's API port, "
                                "and is its API enabled without a password?)")
    try:
        return json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MinerReplyInvalid(f"{where}: reply is not JSON ({exc})") from exc


async def _read_capped(reply: httpx.Response, where: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in reply.aiter_bytes():
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise MinerReplyInvalid(f"{where}: reply over {MAX_REPLY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
