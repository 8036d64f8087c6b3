"""Sentry tokens: ``mf1.<certificate fingerprint>.<secret>``.

The token is shown once, when a rig is created or its token regenerated. It carries the
SHA-256 fingerprint of the commander's TLS certificate (base64url, 43 characters) so that a
sentry pins the certificate with no PKI, and a 32-byte random secret (base64url). The commander
stores only the SHA-256 of the secret: the secret is random and long, so a fast hash is as
strong as a slow one here and keeps every sentry request cheap.

Only ``[A-Za-z0-9_.-]``: it survives copy-paste, shells and YAML.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from dataclasses import dataclass

PREFIX = "mf1"


class TokenFormatError(ValueError):
    """Text that is not a minerfarm sentry token."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TokenFormatError("token is not valid base64url") from exc


@dataclass(frozen=True)
class SentryToken:
    fingerprint: bytes  # SHA-256 of the commander certificate (DER), 32 bytes
    secret: str

    def __str__(self) -> str:
        return f"{PREFIX}.{_b64(self.fingerprint)}.{self.secret}"

    @property
    def fingerprint_hex(self) -> str:
        return self.fingerprint.hex()

    @property
    def secret_hash(self) -> str:
        return hash_secret(self.secret)

    @classmethod
    def issue(cls, fingerprint: bytes) -> SentryToken:
        return cls(fingerprint=fingerprint, secret=_b64(secrets.token_bytes(32)))

    @classmethod
    def parse(cls, text: str) -> SentryToken:
        parts = text.strip().split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise TokenFormatError("not a minerfarm token (expected mf1.<pin>.<secret>)")
        fingerprint = _unb64(parts[1])
        if len(fingerprint) != 32:
            raise TokenFormatError("token's certificate pin is not a SHA-256 fingerprint")
        secret = parts[2]
        if len(_unb64(secret)) != 32:
            raise TokenFormatError("token's secret has the wrong length")
        return cls(fingerprint=fingerprint, secret=secret)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()
