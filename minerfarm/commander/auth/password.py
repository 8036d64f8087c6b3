"""The single admin password: argon2id hash; from MINERFARM_PASSWORD, the data dir, or generated.

argon2 costs ~50-90 ms of CPU per verification, on purpose. Run on the event loop, every
guess stalled every rig's report for that long; so verifications run in a small thread pool
(threads at a lower CPU priority than the loop), at most ``concurrency`` at once. Guesses from
many addresses (each under its own per-address lockout, :mod:`.ratelimit`) wait up to
:data:`QUEUE_WAIT_S` for a slot, then are answered 429: the farm keeps its CPU whatever the
guess rate.

HTTP Basic callers (scripts, Ansible's ``uri``) send the password on every request; a password
once verified is remembered (as an HMAC under a per-process key, never in clear) for a few
minutes, so they skip argon2.

A stored hash is re-read when its file changes (``commander set-password`` on a running
commander): one ``stat`` before each check, and the remembered successes are dropped with it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import hashlib
import hmac
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from minerfarm.commander.datadir import PASSWORD_HASH, write_secret
from minerfarm.commander.errors import ApiError

ENV_PASSWORD = "MINERFARM_PASSWORD"  # noqa: S105 - a variable name
QUEUE_WAIT_S = 1.0  # a guess waits this long for a free slot, then is answered 429
MAX_WAITING = 64  # guesses waiting for a slot; more are answered 429 at once
_NICE = 10  # hashing threads yield the CPU to the event loop (reports, pages)
_hasher = PasswordHasher()


class PasswordCheckBusy(ApiError):
    """Every password-check slot is taken (many logins at once): retry in a second."""

    def __init__(self) -> None:
        super().__init__(429, "login_busy",
                         "the commander is busy checking other login attempts; retry in 1 s",
                         retry_after=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def store_password(data_dir: Path, password: str) -> None:
    write_secret(data_dir / PASSWORD_HASH, hash_password(password))


def _lower_priority() -> None:
    # Linux nice values are per thread (and inherited by threads argon2 may start).
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), _NICE)


def _file_signature(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return info.st_ino, info.st_mtime_ns, info.st_size


@dataclass
class AdminPassword:
    """Checks the admin password against its hash; caches recent successes.

    ``source``: the file the hash was read from, re-read when it changes. ``concurrency``:
    argon2 verifications in flight at once (the rest wait, then get 429).
    """

    hashed: str
    source: Path | None = None
    cache_seconds: float = 300.0
    concurrency: int = 1
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _recent: dict[bytes, float] = field(default_factory=dict)
    _signature: tuple[int, int, int] | None = None
    _slots: asyncio.Semaphore | None = None
    _waiting: int = 0
    _pool: concurrent.futures.ThreadPoolExecutor | None = None

    def __post_init__(self) -> None:
        if self.source is not None:
            self._signature = _file_signature(self.source)

    def _reload_if_changed(self) -> None:
        if self.source is None:
            return
        signature = _file_signature(self.source)
        if signature is None or signature == self._signature:
            return  # a missing file keeps the hash we have: never fall open
        try:
            hashed = self.source.read_text().strip()
        except OSError:
            return
        self.hashed, self._signature = hashed, signature
        self._recent.clear()  # the old password must stop working at once

    def _digest(self, candidate: str) -> bytes:
        return hmac.new(self._key, candidate.encode(), hashlib.sha256).digest()

    def _remembered(self, digest: bytes) -> bool:
        expiry = self._recent.get(digest)
        return expiry is not None and expiry > time.monotonic()

    def _argon2(self, hashed: str, candidate: str, digest: bytes) -> bool:
        try:
            _hasher.verify(hashed, candidate)
        except (VerificationError, InvalidHashError):
            return False
        if hashed == self.hashed:  # not replaced by set-password meanwhile
            if len(self._recent) > 64:
                self._recent.clear()
            self._recent[digest] = time.monotonic() + self.cache_seconds
        return True

    def verify_blocking(self, candidate: str) -> bool:
        """The check on the calling thread (command-line tools; never on the event loop)."""
        self._reload_if_changed()
        digest = self._digest(candidate)
        return self._remembered(digest) or self._argon2(self.hashed, candidate, digest)

    async def verify(self, candidate: str) -> bool:
        """True for the right password. Raises :class:`PasswordCheckBusy` (429) when every
        slot stays taken for :data:`QUEUE_WAIT_S`."""
        self._reload_if_changed()
        digest = self._digest(candidate)
        if self._remembered(digest):
            return True
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.concurrency)
            self._pool = concurrent.futures.ThreadPoolExecutor(
                self.concurrency, "argon2", initializer=_lower_priority)
        await self._take_slot(self._slots)
        loop = asyncio.get_running_loop()
        assert self._pool is not None
        slots = self._slots
        job = self._pool.submit(self._argon2, self.hashed, candidate, digest)
        # The slot is freed when the thread is done, not when this request is (a client that
        # hangs up must not let more verifications run than the bound).
        job.add_done_callback(lambda _: loop.call_soon_threadsafe(slots.release))
        return await asyncio.wrap_future(job)

    async def _take_slot(self, slots: asyncio.Semaphore) -> None:
        if self._waiting >= MAX_WAITING:
            raise PasswordCheckBusy
        self._waiting += 1
        try:
            async with asyncio.timeout(QUEUE_WAIT_S):
                await slots.acquire()
        except TimeoutError:
            raise PasswordCheckBusy from None
        finally:
            self._waiting -= 1


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
        return AdminPassword(stored.read_text().strip(), source=stored), None
    generated = secrets.token_urlsafe(15)
    store_password(data_dir, generated)
    return AdminPassword(stored.read_text().strip(), source=stored), generated
