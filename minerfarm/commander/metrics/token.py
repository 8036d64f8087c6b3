"""The metrics bearer token: made by ``minerfarm commander metrics-token``, shown once, kept
as its SHA-256 in the data dir (``metrics-token.hash``, 0600). A token is 32 random bytes, so
a fast hash is enough (the admin password, chosen by a person, gets argon2)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from minerfarm.commander.datadir import write_secret

TOKEN_HASH = "metrics-token.hash"  # noqa: S105 - a file name
PREFIX = "mfm_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token(data_dir: Path) -> str:
    """A new token, replacing any earlier one (which stops working at once)."""
    token = PREFIX + secrets.token_urlsafe(32)
    write_secret(data_dir / TOKEN_HASH, _digest(token) + "\n")
    return token


class MetricsToken:
    """Checks a presented token against the stored hash; re-reads the file when it changes,
    so a new token works without a restart."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / TOKEN_HASH
        self._stamp: tuple[int, int] | None = None
        self._hash: str | None = None

    def _current(self) -> str | None:
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            self._stamp = self._hash = None
            return None
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            self._hash = self.path.read_text().strip() or None
            self._stamp = stamp
        return self._hash

    def matches(self, token: str) -> bool:
        stored = self._current()
        return stored is not None and hmac.compare_digest(stored, _digest(token))
