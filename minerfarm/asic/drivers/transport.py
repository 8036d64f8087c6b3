"""Transports: how the firmware backends reach an ASIC.

cgminer RPC (TCP 4028, :mod:`minerfarm.cgminer`) here; the web transport (HTTP JSON APIs,
with per-ASIC or per-subnet credentials) in :mod:`.web`. Both fill one :class:`Replies`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from minerfarm import cgminer
from minerfarm.cgminer import CgminerCommandError, CgminerError

DEFAULT_PORT = cgminer.DEFAULT_PORT


@dataclass(slots=True)
class Replies:
    """The replies to a set of commands: RPC ``data[command]``, web API JSON
    ``web[request name]``, or why one failed in ``errors`` (``refused``: the RPC commands the
    firmware answered with an error, not a lost connection)."""

    data: dict[str, dict[str, Any]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    web: dict[str, Any] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)

    def get(self, command: str) -> dict[str, Any]:
        return self.data.get(command, {})

    def json(self, name: str) -> dict[str, Any]:
        """A web reply that should be an object; ``{}`` if missing or not an object."""
        value = self.web.get(name)
        return value if isinstance(value, dict) else {}

    def merge(self, other: Replies) -> Replies:
        self.data.update(other.data)
        self.errors.update(other.errors)
        self.web.update(other.web)
        self.refused.update(other.refused)
        return self


@dataclass(slots=True)
class RpcTransport:
    """cgminer RPC to one ASIC. Remembers whether the firmware answers joined commands
    (``summary+pools``: one connection per poll instead of one per command), and which of a
    backend's optional commands it refused (``skip``: not asked again)."""

    host: str
    port: int = DEFAULT_PORT
    timeout: float = cgminer.DEFAULT_TIMEOUT
    joined: bool | None = None
    skip: set[str] = field(default_factory=set)

    async def command(self, name: str, parameter: str | None = None) -> dict[str, Any]:
        """One command; raises :class:`minerfarm.cgminer.CgminerError`."""
        return await cgminer.query(self.host, self.port, name, parameter, timeout=self.timeout)

    async def commands(self, names: Sequence[str]) -> Replies:
        """All ``names``, joined in one request where the firmware allows it.

        A command the firmware refuses lands in ``errors``; if nothing at all could be read,
        the transport error is raised (the ASIC is offline).
        """
        if len(names) > 1 and self.joined is not False:
            reply = await cgminer.query(self.host, self.port, "+".join(names),
                                        timeout=self.timeout, check_status=False)
            if cgminer.status_error(reply) is None and all(name in reply for name in names):
                self.joined = True
                return _split(reply, names)
            self.joined = False  # refused, or answered only part: ask one by one from now on
        return await self._separately(names)

    async def _separately(self, names: Sequence[str]) -> Replies:
        outcomes = await asyncio.gather(*(self.command(name) for name in names),
                                        return_exceptions=True)
        replies = Replies()
        failure: BaseException | None = None
        for name, outcome in zip(names, outcomes, strict=True):
            if isinstance(outcome, dict):
                replies.data[name] = outcome
            elif isinstance(outcome, CgminerCommandError):
                replies.errors[name] = _refused(outcome)
                replies.refused.add(name)
            elif isinstance(outcome, CgminerError):
                replies.errors[name] = str(outcome)
                failure = failure or outcome
            else:
                raise outcome
        if failure is not None and not replies.data:
            raise failure
        return replies


def _refused(error: CgminerCommandError) -> str:
    return str(error).split(": ", 1)[-1]


def _split(reply: dict[str, Any], names: Sequence[str]) -> Replies:
    replies = Replies()
    for name in names:
        part = reply.get(name)
        body = part[0] if isinstance(part, list) and part and isinstance(part[0], dict) else {}
        message = cgminer.status_error(body) if body else "missing from the joined reply"
        if message is None:
            replies.data[name] = body
        else:
            replies.errors[name] = f"{name!r} refused: {message}"
            replies.refused.add(name)
    return replies
