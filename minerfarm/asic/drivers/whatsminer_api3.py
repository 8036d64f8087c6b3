"""Whatsminer API 3 (firmware from late 2024 on): its one read the backend uses,
``get.device.info``, over TCP port 4433.

Framing: a 4-byte little-endian length, then that many bytes of JSON, both ways (request
``{"cmd": "get.device.info"}``); the reply is ``{"code": 0, "desc": ..., "msg": {...}}``,
``code`` other than 0 being a refusal. Reading needs no account (only ``set.*`` commands do,
with a token derived from the ``salt`` this reply carries; never sent by minerfarm).

What is verified: the reply's shape, from the two API 3.0.2 captures
(``whatsminer/api3_*get_device_info*.json``). What is not: the framing and port are MicroBT's
documentation as other clients implement it (asic-rs ``whatsminer/backends/v3/rpc.rs``;
pyasic 0.79's API 3 client reads the simulator's ``get.device.info`` and names the model
from it, ``bench/asic_libraries.py``); no byte capture of a session exists, and
``get.miner.status`` (hashrate, temperatures under API 3) has no capture at all, so it is not
read: API 3 firmwares are read over the cgminer RPC as before, and ``get.device.info`` adds
model, MAC, firmware, PSU and error codes.
"""

from __future__ import annotations

import asyncio
import json
import struct
from typing import Any

from minerfarm.cgminer import (
    CgminerCommandError,
    CgminerReplyInvalid,
    CgminerTimeout,
    CgminerUnreachable,
)

PORT = 4433
COMMAND = "get.device.info"
MAX_REPLY_BYTES = 1 << 20


async def query(host: str, port: int = PORT, command: str = COMMAND, *,
                timeout: float = 2.0) -> dict[str, Any]:  # noqa: ASYNC109 (per request)
    """One API 3 command; raises the :mod:`minerfarm.cgminer` errors (same tree)."""
    body = json.dumps({"cmd": command}).encode()
    writer: asyncio.StreamWriter | None = None
    connected = False
    try:
        async with asyncio.timeout(timeout):
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError as exc:
                raise CgminerUnreachable(f"{host}:{port}: {exc.strerror or exc}") from exc
            connected = True
            writer.write(struct.pack("<I", len(body)) + body)
            await writer.drain()
            (length,) = struct.unpack("<I", await reader.readexactly(4))
            if length > MAX_REPLY_BYTES:
                raise CgminerReplyInvalid(f"{host}:{port}: reply over {MAX_REPLY_BYTES} bytes")
            raw = await reader.readexactly(length)
    except TimeoutError as exc:
        what = "no reply to" if connected else "no connection for"
        raise (CgminerTimeout if connected else CgminerUnreachable)(
            f"{host}:{port}: {what} {command!r} within {timeout:g}s") from exc
    except asyncio.IncompleteReadError as exc:
        raise CgminerReplyInvalid(f"{host}:{port}: reply to {command!r} cut short") from exc
    except OSError as exc:
        raise CgminerReplyInvalid(f"{host}:{port}: connection lost: {exc}") from exc
    finally:
        if writer is not None:
            writer.close()
    try:
        reply = json.loads(raw)
    except ValueError as exc:
        raise CgminerReplyInvalid(f"{host}:{port}: reply to {command!r} is not JSON") from exc
    if not isinstance(reply, dict):
        raise CgminerReplyInvalid(f"{host}:{port}: reply to {command!r} is not an object")
    if reply.get("code") != 0:
        raise CgminerCommandError(f"{host}:{port}: {command!r} refused: "
                                  f"{reply.get('msg') or reply.get('code')}")
    return reply
