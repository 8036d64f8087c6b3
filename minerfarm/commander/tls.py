"""The commander's TLS certificate: generated self-signed on first start, or given by the admin.

Its SHA-256 fingerprint (over the DER encoding) goes into every sentry token, so sentries pin
it: no PKI needed, and a man in the middle with another certificate is refused.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

import psutil
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from minerfarm.commander.datadir import write_secret

VALIDITY = dt.timedelta(days=3650)


@dataclass(frozen=True)
class TlsFiles:
    cert: Path
    key: Path

    @property
    def fingerprint(self) -> bytes:
        return certificate_fingerprint(self.cert.read_bytes())


def certificate_fingerprint(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256())


def local_names() -> tuple[list[str], list[ipaddress.IPv4Address | ipaddress.IPv6Address]]:
    """Hostname, its FQDN, localhost, and every local IP: the names sentries may use."""
    names = {socket.gethostname(), socket.getfqdn(), "localhost"}
    ips: set[ipaddress.IPv4Address | ipaddress.IPv6Address] = {
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    }
    for addrs in psutil.net_if_addrs().values():
        for addr in addrs:
            if addr.family in (socket.AF_INET, socket.AF_INET6):
                try:
                    ips.add(ipaddress.ip_address(addr.address.split("%")[0]))
                except ValueError:
                    continue
    return sorted(n for n in names if n), sorted(ips, key=str)


def generate_self_signed(cert_path: Path, key_path: Path) -> TlsFiles:
    key = ec.generate_private_key(ec.SECP256R1())
    names, ips = local_names()
    subject = x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, names[0]),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "minerfarm commander"),
    ])
    now = dt.datetime.now(dt.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ip) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_secret(
        key_path,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return TlsFiles(cert_path, key_path)


def ensure_tls(data_dir: Path, cert: str = "", key: str = "") -> TlsFiles:
    """The admin's certificate if given, else the data dir's, generated on first start."""
    if cert or key:
        if not (cert and key):
            raise ValueError("--cert and --key go together")
        return TlsFiles(Path(cert), Path(key))
    tls_dir = data_dir / "tls"
    files = TlsFiles(tls_dir / "cert.pem", tls_dir / "key.pem")
    if files.cert.exists() and files.key.exists():
        return files
    return generate_self_signed(files.cert, files.key)
