"""What an adapter is, and the one read loop every adapter goes through.

An adapter is data plus one pure function: which requests to send (HTTP paths or cgminer
commands, by name) and how to turn the replies into a :class:`~minerfarm.protocol.reports.Miner`.
The dialect modules do the I/O and translate transport errors, so a parser never sees a socket
and a test can feed it any captured reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners import http_json
from minerfarm.sentry.miners.endpoint import Dialect, Endpoint
from minerfarm.sentry.miners.errors import MinerReplyInvalid, MinerTimeout
from minerfarm.sentry.miners.gpustats import MinerGpu

DEFAULT_TIMEOUT = 5.0

# (replies by request name, time.time() when they arrived) -> Miner
Parser = Callable[[Mapping[str, Any], float], Miner]
# replies by request name -> what the miner says about each GPU (temperature, fan, power)
GpuParser = Callable[[Mapping[str, Any]], list[MinerGpu]]


def no_gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    return []


@dataclass(frozen=True)
class Adapter:
    software: str  # the registry name, also Miner.software
    dialect: Dialect
    requests: Mapping[str, str]  # request name -> HTTP path ("/summary") or cgminer command
    parse: Parser
    optional: frozenset[str] = frozenset()  # requests whose failure leaves their fields None
    default_port: int | None = None  # only where the miner documents one
    gpus: GpuParser = no_gpus  # only where the miner's API carries GPU sensor figures

    async def read(self, endpoint: Endpoint, *, timeout_s: float = DEFAULT_TIMEOUT) -> Miner:
        """Send the requests (one after another: two at most, and a rig's miner is near) and
        parse. One deadline covers them all. Raises :class:`~.errors.MinerApiError`."""
        return (await self.read_with_gpus(endpoint, timeout_s=timeout_s))[0]

    async def read_with_gpus(self, endpoint: Endpoint, *, timeout_s: float = DEFAULT_TIMEOUT
                             ) -> tuple[Miner, list[MinerGpu]]:
        """As :meth:`read`, plus the GPU figures the same replies carry."""
        if self.dialect == "http":
            session = http_json.session
        else:  # imported here: a rig without cgminer-style miners does without it and orjson
            from minerfarm.sentry.miners import cgminer_tcp

            session = cgminer_tcp.session
        replies: dict[str, Any] = {}
        try:
            async with asyncio.timeout(timeout_s), session(endpoint, timeout_s) as get:
                for name, what in self.requests.items():
                    try:
                        replies[name] = await get(what)
                    except MinerReplyInvalid:
                        if name not in self.optional:  # e.g. an older build without /2/backends
                            raise
        except TimeoutError as exc:
            raise MinerTimeout(f"{endpoint.url}: no complete answer within {timeout_s:g}s") from exc
        try:
            return self.parse(replies, time.time()), self.gpus(replies)
        except ValidationError as exc:  # a figure outside what the wire allows
            raise MinerReplyInvalid(f"{endpoint.url}: reply has values out of range: {exc}") \
                from exc


def expect(reply: Any, what: str, *keys: str) -> dict[str, Any]:
    """The reply as an object, checked to carry at least one of ``keys``.

    Catches the common mistake of pointing an adapter at another miner's API (or at a web page
    that happens to be JSON): that is an invalid reply, not a miner with every figure missing.
    """
    if not isinstance(reply, dict) or not any(key in reply for key in keys):
        raise MinerReplyInvalid(f"the reply does not look like {what} (none of {', '.join(keys)})")
    return reply
