"""The single admin password: argon2id hash; from MINERFARM_PASSWORD, the data dir, or generated.

HTTP Basic callers (scripts, Ansible's ``uri``) send the password on every request; verifying
argon2 each time would cost ~50 ms, so a password once verified is remembered (as an HMAC
under a per-process key, never in clear) for a few minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from minerfarm.commander.datadir import PASSWORD_HASH, write_secret

ENV_PASSWORD = "MINERFARM_PASSWORD"  # noqa: S105 - a variable name
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def store_password(data_dir: Path, password: str) -> None:
    write_secret(data_dir / PASSWORD_HASH, hash_password(password))


@dataclass
class AdminPassword:
    """Checks the admin password against its hash; caches recent successes."""

    hashed: str
    cache_seconds: float = 300.0
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _recent: dict[bytes, float] = field(default_factory=dict)

    def verify(self, candidate: str) -> bool:
        digest = hmac.new(self._key, candidate.encode(), hashlib.sha256).digest()
        now = time.monotonic()
        expiry = self._recent.get(digest)
        if expiry is not None and expiry > now:
            return True
        try:
            _hasher.verify(self.hashed, candidate)
        except (VerificationError, InvalidHashError):
            return False
        if len(self._recent) > 64:
            self._recent.clear()
        self._recent[digest] = now + self.cache_seconds
        return True


def load_admin_password(data_dir: Path) -> tuple[AdminPassword, str | None]:
    """The admin password and, when it was just generated, its clear text to print once.

    ``MINERFARM_PASSWORD`` wins; then the hash stored by ``set-password``; with neither, a new
    password is generated, its hash stored, and the clear text returned to be shown once.
    """
    from_env = os.environ.get(ENV_PASSWORD)
    if from_env:
        return AdminPassword(hash_password(from_env)), None
    stored = data_dir / PASSWORD_HASH
    if stored.exists():
        return AdminPassword(stored.read_text().strip()), None
    generated = secrets.token_urlsafe(15)
    store_password(data_dir, generated)
    return AdminPassword(hash_password(generated)), generated
