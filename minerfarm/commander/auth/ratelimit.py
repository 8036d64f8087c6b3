"""Login rate limiting with exponential backoff, per client address.

After ``free_attempts`` failures, each further failure locks the address out for twice as long
as the last (1 s, 2 s, 4 s ... up to ``max_lockout_s``). While locked out, the password is not
even checked (429 with ``Retry-After``). A success clears the address's record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field


@dataclass
class _Record:
    failures: int = 0
    locked_until: float = 0.0


@dataclass
class LoginLimiter:
    free_attempts: int = 5
    max_lockout_s: float = 900.0
    clock: object = field(default=time.monotonic)
    _records: dict[str, _Record] = field(default_factory=dict)

    def _now(self) -> float:
        return self.clock()  # type: ignore[operator,no-any-return]

    def retry_after(self, address: str) -> float:
        """Seconds this address must wait before trying again (0 if it may try now)."""
        record = self._records.get(address)
        if record is None:
            return 0.0
        return max(0.0, record.locked_until - self._now())

    def failed(self, address: str) -> None:
        if len(self._records) > 100_000:  # bounded memory under a spray of addresses
            self._records.clear()
        record = self._records.setdefault(address, _Record())
        record.failures += 1
        over = record.failures - self.free_attempts
        if over >= 0:
            record.locked_until = self._now() + min(self.max_lockout_s, float(2**over))

    def succeeded(self, address: str) -> None:
        self._records.pop(address, None)
