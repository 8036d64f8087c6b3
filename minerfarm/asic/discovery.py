"""Finding ASICs: a subnet scan in two stages, and zeroconf browsing.

Stage 1 sweeps TCP connects to the RPC port (4028) and the web port (80) over every host of
the CIDRs with short timeouts; stage 2 identifies (RPC and web APIs at once, see
:func:`~minerfarm.asic.drivers.identify`) and reads only what answered. Both stages run in a bounded
worker pool (:func:`~minerfarm.asic.concurrency.bounded_map`): hosts are generated lazily and
only ``concurrency`` tasks exist, whatever the size of the range.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import socket
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import psutil

from . import drivers
from .concurrency import bounded_map
from .drivers import DEFAULT_PORT, Endpoint, WebSession
from .errors import AsicError, AsicNotIdentified

SWEEP_CONCURRENCY = 512
CONNECT_TIMEOUT = 0.5
IDENTIFY_TIMEOUT = 3.0
WEB_PORT = 80
MAX_SCAN_HOSTS = 1 << 16  # a /16: larger ranges are refused, split them
ZEROCONF_TYPES = ("_http._tcp.local.",)


@dataclass(frozen=True, slots=True)
class Found:
    """One device that answered on the RPC port, identified or not."""

    ip: str
    port: int
    type: str | None = None
    make: str | None = None
    model: str | None = None
    firmware_version: str | None = None
    hashrate_hs: float | None = None
    mac: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def hosts(cidrs: Iterable[str]) -> Iterator[str]:
    """Every host address of ``cidrs``, once, lazily; refuses ranges over a /16 in total."""
    networks = [ipaddress.ip_network(cidr.strip(), strict=False) for cidr in cidrs]
    total = sum(network.num_addresses for network in networks)
    if total > MAX_SCAN_HOSTS:  # checked now, not at the first address taken
        raise AsicError(f"{total} addresses to scan; split the range (at most a /16 at once)")
    return _unique_hosts(networks)


def _unique_hosts(networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
                  ) -> Iterator[str]:
    seen: set[str] = set()
    for network in networks:
        for address in network.hosts() if network.num_addresses > 2 else network:
            text = str(address)
            if text not in seen:
                seen.add(text)
                yield text


async def port_open(ip: str, port: int, connect_s: float) -> bool:
    try:
        async with asyncio.timeout(connect_s):
            _, writer = await asyncio.open_connection(ip, port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def sweep(cidrs: Iterable[str], port: int = DEFAULT_PORT, *,
                concurrency: int = SWEEP_CONCURRENCY,
                connect_timeout: float = CONNECT_TIMEOUT,
                other_ports: Iterable[int] = ()) -> list[str]:
    """Stage 1: the hosts of ``cidrs`` accepting TCP on ``port`` (or one of ``other_ports``,
    tried at the same time)."""
    ports = list(dict.fromkeys([port, *other_ports]))

    async def check(ip: str) -> str | None:
        opened = await asyncio.gather(*(port_open(ip, p, connect_timeout) for p in ports))
        return ip if any(opened) else None

    return [ip for ip in await bounded_map(check, hosts(cidrs), concurrency) if ip]


async def identify_host(ip: str, port: int = DEFAULT_PORT,
                        budget_s: float = IDENTIFY_TIMEOUT, *, web_port: int | None = None,
                        session: WebSession | None = None) -> Found:
    """Stage 2 for one host: which firmware, and a first reading, within ``budget_s``.
    ``port``/``web_port`` as in :class:`~minerfarm.asic.drivers.Endpoint`."""
    endpoint = Endpoint(ip, port, web_port, budget_s, session=session or WebSession())
    try:
        async with asyncio.timeout(budget_s):
            backend = await drivers.identify(endpoint, deadline=budget_s * 0.7)
            asic = await drivers.read(endpoint, backend)
    except TimeoutError:
        return Found(ip, port, error=f"no answer within {budget_s:g}s")
    except AsicNotIdentified as exc:
        return Found(ip, port, error=f"answers, but no known ASIC firmware: {exc}"[:300])
    except (AsicError, ValueError) as exc:
        return Found(ip, port, error=str(exc).splitlines()[0])
    finally:
        if session is None:
            await endpoint.session.aclose()
    port = endpoint.main_port(backend)
    return Found(ip, port, type=backend.name, make=asic.make, model=asic.model,
                 firmware_version=asic.firmware_version, hashrate_hs=asic.hashrate_hs,
                 mac=asic.mac)


async def scan(cidrs: Iterable[str], port: int = DEFAULT_PORT, *,
               concurrency: int = SWEEP_CONCURRENCY, connect_timeout: float = CONNECT_TIMEOUT,
               identify_timeout: float = IDENTIFY_TIMEOUT,
               extra_hosts: Iterable[str] = (), web_port: int = WEB_PORT) -> list[Found]:
    """Sweep ``cidrs`` (plus ``extra_hosts``, e.g. from zeroconf) on the RPC and the web
    port, identify what answered on either."""
    answered = await sweep(cidrs, port, concurrency=concurrency,
                           connect_timeout=connect_timeout, other_ports=[web_port])
    candidates = sorted(set(answered) | set(extra_hosts), key=ipaddress.ip_address)
    session = WebSession(min(concurrency, 128) * 4)

    async def one(ip: str) -> Found:
        return await identify_host(ip, port, identify_timeout, web_port=web_port,
                                   session=session)

    try:
        found = await bounded_map(one, candidates, min(concurrency, 128))
    finally:
        await session.aclose()
    return sorted(found, key=lambda f: ipaddress.ip_address(f.ip))


def default_cidrs() -> list[str]:
    """The sentry's own IPv4 subnets (loopback and link-local left out). A subnet larger
    than a /20 is narrowed to the /24 around the sentry's address."""
    result: list[str] = []
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family != socket.AF_INET or not address.netmask:
                continue
            interface = ipaddress.ip_interface(f"{address.address}/{address.netmask}")
            if interface.is_loopback or interface.is_link_local:
                continue
            network = interface.network
            if network.prefixlen < 20:
                network = ipaddress.ip_interface(f"{address.address}/24").network
            if str(network) not in result:
                result.append(str(network))
    return result


@dataclass(slots=True)
class Announced:
    """A device that announced itself over mDNS."""

    name: str
    service_type: str
    addresses: list[str] = field(default_factory=list)
    port: int | None = None


async def browse(duration: float = 3.0, service_types: Iterable[str] = ZEROCONF_TYPES, *,
                 interfaces: list[str] | None = None) -> list[Announced]:
    """Listen ``duration`` seconds for mDNS announcements of ``service_types`` and resolve
    their IPv4 addresses (python-zeroconf ``AsyncServiceBrowser``). Which firmwares announce
    themselves, and under which type, is not covered by our captures: the scan identifies
    every announced address over RPC like any swept host."""
    from zeroconf import ServiceStateChange, Zeroconf
    from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

    seen: dict[str, str] = {}

    def on_change(zeroconf: Zeroconf, service_type: str, name: str,
                  state_change: ServiceStateChange) -> None:
        if state_change is not ServiceStateChange.Removed:
            seen[name] = service_type

    aiozc = AsyncZeroconf(interfaces=interfaces) if interfaces else AsyncZeroconf()
    browser = AsyncServiceBrowser(aiozc.zeroconf, list(service_types), handlers=[on_change])
    try:
        await asyncio.sleep(duration)
        found: list[Announced] = []
        for name, service_type in seen.items():
            info = AsyncServiceInfo(service_type, name)
            if await info.async_request(aiozc.zeroconf, 1000):
                found.append(announced_from(info, service_type))
        return found
    finally:
        await browser.async_cancel()
        await aiozc.async_close()


def announced_from(info: Any, service_type: str) -> Announced:
    """:class:`Announced` from a resolved zeroconf ``ServiceInfo``."""
    addresses = [a for a in info.parsed_addresses() if ipaddress.ip_address(a).version == 4]
    return Announced(name=info.name, service_type=service_type, addresses=addresses,
                     port=info.port)
