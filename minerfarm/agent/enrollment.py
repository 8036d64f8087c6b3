"""Enrollment, shared by both sentries: pin the commander's certificate, check the token.

1. Fetch the certificate the commander presents (a TLS handshake that verifies nothing yet).
2. Its SHA-256 must equal the fingerprint the token carries, else :class:`CertificateMismatch`
   naming both fingerprints (a man in the middle, or a token of another commander).
3. Save it (PEM) as the pin, then ``GET /hello`` over HTTPS trusting only that certificate.
4. The rig's ``kind`` must be the sentry's (:class:`WrongRigKind` otherwise).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minerfarm.agent.client import (
    CertificateMismatch,
    CommanderClient,
    CommanderError,
    CommanderUnreachable,
    normalize_url,
)
from minerfarm.agent.configfile import write_private
from minerfarm.protocol.tokens import SentryToken


class WrongRigKind(CommanderError):
    """The token belongs to a rig of the other kind (an ``asic`` rig for the CPU/GPU sentry)."""

    def __init__(self, rig: dict[str, Any], expected: str) -> None:
        self.rig, self.expected = rig, expected
        super().__init__(f"the token is for {rig.get('kind')} rig {rig.get('name')!r}, "
                         f"not a {expected} rig")


@dataclass(frozen=True)
class Enrollment:
    url: str
    token: str
    cert_pem: str
    rig: dict[str, Any]
    last_seq: int | None = None  # the highest report seq the commander stored for the rig


def fingerprint_hex(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


async def fetch_certificate(url: str, timeout_s: float = 10.0) -> bytes:
    """The DER certificate the server at ``url`` presents (nothing verified: compare it!)."""
    parts = urlsplit(normalize_url(url))
    host, port = parts.hostname or "", parts.port or 443
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # only reads the certificate, which the caller pins
    try:
        async with asyncio.timeout(timeout_s):
            reader, writer = await asyncio.open_connection(host, port, ssl=context,
                                                           server_hostname=host or None)
    except (OSError, TimeoutError, ssl.SSLError) as exc:
        raise CommanderUnreachable(f"cannot reach the commander at {host}:{port}: "
                                   f"{exc or type(exc).__name__}") from exc
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        der = ssl_object.getpeercert(binary_form=True) if ssl_object else None
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
            await asyncio.wait_for(writer.wait_closed(), 2)
    del reader
    if not der:
        raise CommanderUnreachable(f"the commander at {host}:{port} presented no certificate")
    return bytes(der)


async def enroll(url: str, token_text: str, pin_path: Path, expected_kind: str, *,
                 timeout_s: float = 10.0) -> Enrollment:
    """Pin and check; writes ``pin_path`` (0600). Raises :class:`CommanderError` subclasses or
    :class:`~minerfarm.protocol.tokens.TokenFormatError`; on failure ``pin_path`` is left as
    it was."""
    url = normalize_url(url)
    token = SentryToken.parse(token_text)
    der = await fetch_certificate(url, timeout_s)
    actual = fingerprint_hex(der)
    if actual != token.fingerprint_hex:
        raise CertificateMismatch(
            f"the commander at {url} presents certificate SHA-256 {actual}, but the token "
            f"expects {token.fingerprint_hex}", expected=token.fingerprint_hex, actual=actual)
    pem = ssl.DER_cert_to_PEM_cert(der)
    candidate = pin_path.with_name(pin_path.name + ".new")
    write_private(candidate, pem)
    try:
        async with CommanderClient(url, str(token), candidate, timeout=timeout_s) as client:
            rig, last_seq = await client.hello_and_last_seq()
        if rig.get("kind") != expected_kind:
            raise WrongRigKind(rig, expected_kind)
        candidate.replace(pin_path)
    finally:
        candidate.unlink(missing_ok=True)
    return Enrollment(url=url, token=str(token), cert_pem=pem, rig=rig, last_seq=last_seq)



async def same_commander(url: str, pinned_pem: str, timeout_s: float = 10.0) -> str:
    """``url`` normalised, once it presents the pinned certificate (another commander of the
    same farm); refuses one that presents another. One that cannot be reached now is kept:
    a failover commander may well be down while a rig enrolls."""
    url = normalize_url(url)
    try:
        der = await fetch_certificate(url, timeout_s)
    except CommanderUnreachable:
        return url
    pinned = ssl.PEM_cert_to_DER_cert(pinned_pem)
    if der != pinned:
        raise CertificateMismatch(
            f"the commander at {url} presents certificate SHA-256 {fingerprint_hex(der)}, not "
            f"the one of the first commander ({fingerprint_hex(pinned)}): several commanders "
            f"of one farm must serve the same certificate and key (--cert/--key)",
            expected=fingerprint_hex(pinned), actual=fingerprint_hex(der))
    return url
