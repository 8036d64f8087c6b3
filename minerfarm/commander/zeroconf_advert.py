"""The commander announces itself on the LAN (mDNS ``_minerfarm._tcp.local.``) so that
``minerfarm sentry enroll`` needs only a token. Setting ``advertise`` (``MINERFARM_ADVERTISE``),
on by default. A network without multicast only costs a warning: serving goes on."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket

from zeroconf import ServiceInfo
from zeroconf.asyncio import AsyncZeroconf

from minerfarm.commander.tls import local_names
from minerfarm.protocol.discovery import SERVICE_TYPE, txt_properties

log = logging.getLogger(__name__)


def advertised_addresses(host: str) -> list[str]:
    """The listen address, or every non-loopback local address when listening on all."""
    address = ipaddress.ip_address(host) if host else ipaddress.ip_address("0.0.0.0")  # noqa: S104
    if not address.is_unspecified:
        return [str(address)]
    _, ips = local_names()
    return [str(ip) for ip in ips if not ip.is_loopback and not ip.is_link_local]


def service_info(port: int, fingerprint: bytes, addresses: list[str],
                 hostname: str | None = None) -> ServiceInfo:
    host = (hostname or socket.gethostname()).split(".")[0] or "minerfarm"
    return ServiceInfo(
        SERVICE_TYPE,
        f"minerfarm commander on {host}.{SERVICE_TYPE}",
        port=port,
        properties=txt_properties(fingerprint),
        server=f"{host}.local.",
        parsed_addresses=addresses,
    )


class Advertiser:
    def __init__(self, info: ServiceInfo) -> None:
        self.info = info
        self._zeroconf: AsyncZeroconf | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Register in the background (mDNS probing takes a few seconds)."""
        self._task = asyncio.create_task(self._register(), name="zeroconf-advertise")

    async def _register(self) -> None:
        try:
            self._zeroconf = AsyncZeroconf()
            await self._zeroconf.async_register_service(self.info)
            log.info("advertising %s on %s", self.info.name, self.info.parsed_addresses())
        except Exception as exc:  # no multicast route, name conflict...: serve anyway
            log.warning("cannot advertise the commander over mDNS: %s", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._zeroconf is not None:
            with contextlib.suppress(Exception):
                await self._zeroconf.async_unregister_service(self.info)
            await self._zeroconf.async_close()
            self._zeroconf = None
