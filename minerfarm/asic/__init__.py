"""The ASIC sentry: discovers and polls the ASICs of one LAN, read-only.

Library face: :func:`probe_asic` identifies and reads one ASIC into the report's
``asics[]`` entry (:class:`minerfarm.protocol.Asic`); :func:`scan` sweeps subnets and
identifies what answers (:class:`Found`); :data:`BACKENDS` are the firmware families read;
errors are :class:`AsicError` and its subclasses.
"""

from __future__ import annotations

from minerfarm.asic.discovery import Found, scan
from minerfarm.asic.drivers import BACKEND_NAMES, BACKENDS, probe
from minerfarm.asic.drivers.transport import DEFAULT_PORT
from minerfarm.asic.errors import AsicError, AsicNotIdentified, AsicUnreachable
from minerfarm.protocol.reports import Asic


async def probe_asic(ip: str, type: str | None = None, *, port: int = DEFAULT_PORT,
                     timeout: float = 5.0) -> Asic:  # noqa: ASYNC109 (per request)
    """Read one ASIC; its firmware family is identified unless ``type`` names one (a
    name in :data:`BACKEND_NAMES`). Raises :class:`AsicError` (unreachable, not identified)."""
    _, reading = await probe(ip, port, type, timeout=timeout)
    return reading


__all__ = [
    "BACKENDS",
    "BACKEND_NAMES",
    "DEFAULT_PORT",
    "AsicError",
    "AsicNotIdentified",
    "AsicUnreachable",
    "Found",
    "probe_asic",
    "scan",
]
