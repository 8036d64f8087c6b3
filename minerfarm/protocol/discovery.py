"""Finding the commander on the LAN: it advertises ``_minerfarm._tcp.local.`` over mDNS
(zeroconf), with its certificate fingerprint in the TXT record, so a sentry given only a token
picks the commander that token belongs to.

TXT record: ``v`` protocol version, ``fp`` SHA-256 of the certificate (hex), ``path`` ``/``.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from minerfarm.protocol import PROTOCOL_VERSION

SERVICE_TYPE = "_minerfarm._tcp.local."


def txt_properties(fingerprint: bytes) -> dict[str, str]:
    return {"v": str(PROTOCOL_VERSION), "fp": fingerprint.hex(), "path": "/"}


class ResolvedService(Protocol):
    """What we read of a zeroconf ``ServiceInfo``."""

    name: str
    port: int | None

    @property
    def properties(self) -> Mapping[bytes, bytes | None]: ...

    def parsed_addresses(self) -> list[str]: ...


@dataclass(frozen=True)
class AdvertisedCommander:
    name: str
    urls: list[str]  # IPv4 first
    fingerprint_hex: str | None


def commander_from(info: ResolvedService) -> AdvertisedCommander | None:
    """A browse result as URLs; None when it has no port or no address."""
    if not info.port:
        return None
    addresses = sorted(info.parsed_addresses(),
                       key=lambda a: ipaddress.ip_address(a).version)
    urls = [f"https://{a}:{info.port}" if ipaddress.ip_address(a).version == 4
            else f"https://[{a}]:{info.port}" for a in addresses]
    if not urls:
        return None
    props = {_text(k): _text(v) for k, v in info.properties.items()}
    return AdvertisedCommander(info.name, urls, props.get("fp") or None)


def _text(value: bytes | None) -> str:
    return value.decode("utf-8", "replace") if value else ""


async def browse_commanders(duration_s: float = 3.0) -> list[AdvertisedCommander]:
    """Listen ``duration_s`` seconds for commanders announcing themselves."""
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    names: set[str] = set()

    def on_change(zeroconf: Zeroconf, service_type: str, name: str,
                  state_change: ServiceStateChange) -> None:
        if state_change is not ServiceStateChange.Removed:
            names.add(name)

    aiozc = AsyncZeroconf()
    browser = AsyncServiceBrowser(aiozc.zeroconf, [SERVICE_TYPE], handlers=[on_change])
    try:
        await asyncio.sleep(duration_s)
        found: list[AdvertisedCommander] = []
        for name in sorted(names):
            info = AsyncServiceInfo(SERVICE_TYPE, name)
            if await info.async_request(aiozc.zeroconf, 1000):
                commander = commander_from(info)
                if commander is not None:
                    found.append(commander)
        return found
    finally:
        await browser.async_cancel()
        await aiozc.async_close()


def pick(found: list[AdvertisedCommander], fingerprint_hex: str) -> AdvertisedCommander | None:
    """The advertised commander whose certificate the token pins, if exactly one."""
    matching = [c for c in found if c.fingerprint_hex == fingerprint_hex]
    return matching[0] if len(matching) == 1 else None


def describe(found: list[AdvertisedCommander]) -> str:
    return ", ".join(f"{c.name} ({c.urls[0]})" for c in found) or "none"


__all__ = ["SERVICE_TYPE", "AdvertisedCommander", "browse_commanders", "commander_from",
           "describe", "pick", "txt_properties"]

