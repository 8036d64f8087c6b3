"""The commander's data dir: created 0700; every secret in it 0600.

Holds ``minerfarm.db`` (SQLite), ``ingest-queue.db``, ``tls/cert.pem`` and ``tls/key.pem``,
``session-secret`` and ``admin-password.hash``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

SESSION_SECRET = "session-secret"  # noqa: S105 - a file name
PASSWORD_HASH = "admin-password.hash"  # noqa: S105 - a file name


def ensure_data_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def write_secret(path: Path, content: str | bytes) -> None:
    """Write ``content`` to ``path`` readable by its owner only, atomically."""
    data = content.encode() if isinstance(content, str) else content
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    path.chmod(0o600)


def shared_session_secret(key_file: Path) -> str:
    """Several commanders sign sessions alike: the secret is derived from the TLS private key
    they share (``--key``), so a browser logged in on one is logged in on all, and nothing
    more needs copying between them."""
    return hmac.new(key_file.read_bytes(), b"minerfarm session secret v1",
                    hashlib.sha256).hexdigest()


def session_secret(data_dir: Path) -> str:
    """The key that signs session cookies; made once, kept across restarts."""
    path = data_dir / SESSION_SECRET
    if not path.exists():
        write_secret(path, secrets.token_urlsafe(48))
    return path.read_text().strip()
