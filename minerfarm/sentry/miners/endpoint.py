"""Where a miner's API listens: ``http://host:port`` (JSON over HTTP) or ``tcp://host:port``
(cgminer-style JSON over TCP)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from minerfarm.sentry.miners.errors import MinerConfigError

Dialect = Literal["http", "tcp"]


@dataclass(frozen=True)
class Endpoint:
    scheme: Dialect
    host: str
    port: int

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host  # IPv6 literal
        return f"{self.scheme}://{host}:{self.port}"


def parse_api_url(url: str, dialect: Dialect, default_port: int | None = None, *,
                  software: str = "this miner") -> Endpoint:
    """``http://10.0.0.5:4067``, ``tcp://10.0.0.5:4028`` or plain ``10.0.0.5:4067``.

    A plain ``host:port`` takes the adapter's ``dialect``; an explicit scheme must match it.
    Raises :class:`MinerConfigError` with what to write instead.
    """
    text = url.strip()
    if "://" not in text:
        text = f"{dialect}://{text}"
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:  # a port that is not a number, or out of range
        raise MinerConfigError(f"bad API URL {url!r}: {exc}") from exc
    if parts.scheme != dialect:
        raise MinerConfigError(
            f"{software}'s API speaks {dialect}: write the URL as {dialect}://HOST:PORT"
        )
    if not parts.hostname:
        raise MinerConfigError(f"bad API URL {url!r}: no host (write {dialect}://HOST:PORT)")
    port = port or default_port
    if port is None:
        raise MinerConfigError(
            f"API URL {url!r} has no port and {software} has no default one: "
            f"write {dialect}://{parts.hostname}:PORT (the port given to the miner's API option)"
        )
    return Endpoint(scheme=dialect, host=parts.hostname, port=port)
