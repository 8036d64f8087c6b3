"""The cgminer-style TCP dialect (TeamRedMiner; any sgminer-compatible API): one command per
connection through the shared :mod:`minerfarm.cgminer` client, its errors translated here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from minerfarm import cgminer
from minerfarm.sentry.miners.endpoint import Endpoint
from minerfarm.sentry.miners.errors import MinerReplyInvalid, MinerTimeout, MinerUnreachable

Get = Callable[[str], Awaitable[Any]]


@asynccontextmanager
async def session(endpoint: Endpoint, timeout_s: float) -> AsyncIterator[Get]:
    """Yield ``get(command) -> decoded reply``; cgminer APIs close after each answer, so there
    is no connection to keep between commands."""

    async def get(command: str) -> Any:
        try:
            return await cgminer.query(endpoint.host, endpoint.port, command, timeout=timeout_s)
        except cgminer.CgminerUnreachable as exc:
            raise MinerUnreachable(str(exc)) from exc
        except cgminer.CgminerTimeout as exc:
            raise MinerTimeout(str(exc)) from exc
        except cgminer.CgminerError as exc:  # invalid reply, or STATUS "E"
            raise MinerReplyInvalid(str(exc)) from exc

    yield get
