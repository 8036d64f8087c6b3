"""Login rate limiting with exponential backoff, per client address.

After ``free_attempts`` failures, each further failure locks the address out for twice as long
as the last (1 s, 2 s, 4 s ... up to ``max_lockout_s``). While locked out, the password is not
even checked (429 with ``Retry-After``). A success clears the address's record.

Two backends behind :class:`LoginLimits`: :class:`LoginLimiter` here, in this commander's
memory (one commander), and :class:`minerfarm.commander.nats.logins.SharedLoginLimiter`,
whose counts live in NATS so that guesses spread over several commanders are limited as if
on one (it keeps a :class:`LoginLimiter` too, for while NATS is away).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

MAX_RECORDS = 100_000  # bounded memory under a spray of addresses


class LoginLimits(Protocol):
    async def retry_after(self, address: str) -> float:
        """Seconds this address must wait before trying again (0 if it may try now)."""

    async def failed(self, address: str) -> None: ...

    async def succeeded(self, address: str) -> None: ...


def lockout_s(failures: int, free_attempts: int, max_lockout_s: float) -> float:
    """How long the ``failures``-th failure locks its address out (0: not at all)."""
    over = failures - free_attempts
    return 0.0 if over < 0 else min(max_lockout_s, float(2 ** min(over, 62)))


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0


@dataclass
class LoginLimiter:
    free_attempts: int = 5
    max_lockout_s: float = 900.0
    clock: Callable[[], float] = time.monotonic
    _records: dict[str, _Record] = field(default_factory=dict)

    async def retry_after(self, address: str) -> float:
        return self.wait(address)

    def wait(self, address: str) -> float:
        record = self._records.get(address)
        if record is None:
            return 0.0
        return max(0.0, record.locked_until - self.clock())

    async def failed(self, address: str) -> None:
        if len(self._records) > MAX_RECORDS:
            self._records.clear()
        record = self._records.setdefault(address, _Record())
        record.failures += 1
        lock = lockout_s(record.failures, self.free_attempts, self.max_lockout_s)
        if lock > 0:
            record.locked_until = self.clock() + lock

    async def succeeded(self, address: str) -> None:
        self.forget(address)

    def forget(self, address: str) -> bool:
        """Drop the address's record; whether there was one."""
        return self._records.pop(address, None) is not None

    def adopt(self, address: str, failures: int, wait_s: float) -> None:
        """Take this count and lockout (from the shared record) as the address's own."""
        if len(self._records) > MAX_RECORDS:
            self._records.clear()
        self._records[address] = _Record(failures, self.clock() + wait_s)
