"""ASIC drivers: firmware backends over the shared cgminer RPC reader.

Layers (as in pyasic): transports (:mod:`.transport`: cgminer RPC via
:mod:`minerfarm.cgminer`), firmware backends (:mod:`.antminer`, :mod:`.braiins`,
:mod:`.whatsminer`, :mod:`.avalon`, registered explicitly in :data:`BACKENDS`), and model
facts as plain data (:mod:`.facts`).

Why our own backends and not a library (measured 2026-11 against the simulator replaying
every capture in ``shared/fixtures/miner-apis``, pyasic 0.79.0 and pyasic-rs 0.8.6):

- **pyasic** (pure Python) identified all 5 captured firmwares, but reading data failed on 3:
  Antminer S9 (``APIError: Failed to call config``), Braiins OS+ (needs the LuCI web API),
  Whatsminer M31S (identified as "WhatsminerUnknown", every field empty). S21 and Avalon
  read, but Avalon fans/power/boards came back empty. It also pulls asyncssh, betterproto,
  passlib...; its scan found all 50 simulated ASICs of a /24 (0.30 s; /22 0.96 s) but
  peaked at 114 MB RSS for the scan alone.
- **pyasic-rs** (Rust core) scans fast (/24 0.82 s, /22 1.04 s, 38 MB) and read the Avalon
  capture completely, but recognised only the Avalons (10 of the 50): Antminer stock,
  Braiins OS+ and Whatsminer are identified through web endpoints we have no captures for.
- Both hard-code port 4028 / 80, so neither can be pointed at a per-ASIC port.

Our cgminer reader parses every capture (quirks included), needs no web API for the fields
we report, and one joined request per ASIC per poll keeps a 2,000-ASIC round in budget.
Fields that only a web API gives (Antminer MAC, Braiins/Whatsminer model) stay ``None``;
the config holds per-ASIC/per-subnet credentials for when a web backend is added.
"""

from __future__ import annotations

from minerfarm.cgminer import CgminerCommandError, CgminerError
from minerfarm.protocol.reports import Asic

from ..errors import AsicError, AsicNotIdentified, AsicUnreachable
from . import antminer, avalon, braiins, luxos, whatsminer
from .base import Backend
from .facts import algorithm_for, default_coin
from .transport import DEFAULT_PORT, Replies, RpcTransport

# Order matters: Braiins OS and LuxOS run on Antminer hardware (LuxOS even answers with the
# stock ``Type``), so they are asked before stock Antminer. One line per backend.
BACKENDS: tuple[Backend, ...] = (
    braiins.BACKEND,
    luxos.BACKEND,
    antminer.BACKEND,
    whatsminer.BACKEND,
    avalon.BACKEND,
)
BACKEND_NAMES: tuple[str, ...] = tuple(backend.name for backend in BACKENDS)
_BY_NAME = {backend.name: backend for backend in BACKENDS}

__all__ = ["BACKENDS", "BACKEND_NAMES", "DEFAULT_PORT", "Backend", "Replies", "RpcTransport",
           "backend_named", "identify", "offline", "probe", "read", "with_model_facts"]


def backend_named(name: str) -> Backend:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise AsicError(f"unknown ASIC type {name!r}; one of {', '.join(BACKEND_NAMES)}") \
            from None


async def identify(transport: RpcTransport) -> Backend:
    """Which backend speaks to this ASIC: asks ``version``, then ``summary``."""
    for command in ("version", "summary"):
        try:
            reply = await transport.command(command)
        except CgminerCommandError:
            continue
        except CgminerError as exc:
            raise AsicUnreachable(str(exc)) from exc
        for backend in BACKENDS:
            if backend.recognizes(reply):
                return backend
    raise AsicNotIdentified(
        f"{transport.host}:{transport.port} answers cgminer RPC but is no known ASIC firmware "
        f"({', '.join(BACKEND_NAMES)})")


async def read(transport: RpcTransport, backend: Backend) -> Asic:
    """One normalised reading; raises :class:`AsicUnreachable` if nothing could be read."""
    optional = [name for name in backend.optional if name not in transport.skip]
    try:
        replies = await transport.commands([*backend.commands, *optional])
    except CgminerError as exc:
        raise AsicUnreachable(str(exc)) from exc
    for name in optional:
        replies.errors.pop(name, None)  # an optional command is never an error
        if name in replies.refused:
            transport.skip.add(name)  # this firmware has no such command: not asked again
    if backend.enrich is not None and replies.data:
        await backend.enrich(transport, replies)
    if not replies.data:
        raise AsicUnreachable(f"{transport.host}:{transport.port}: every command refused: "
                              + "; ".join(replies.errors.values()))
    return with_model_facts(backend.parse(transport.host, replies), backend.name)


def with_model_facts(asic: Asic, backend: str) -> Asic:
    """``asic`` with the algorithm (and default coin) of its model where it reported none."""
    algorithm = asic.algorithm or algorithm_for(backend, asic.make, asic.model)
    coin = asic.coin or (default_coin(algorithm) if not asic.algorithm else None)
    if (algorithm, coin) == (asic.algorithm, asic.coin):
        return asic
    return asic.model_copy(update={"algorithm": algorithm, "coin": coin})


async def probe(host: str, port: int = DEFAULT_PORT, kind: str | None = None, *,
                timeout: float = 5.0) -> tuple[Backend, Asic]:  # noqa: ASYNC109 (per request)
    """Identify (unless ``kind`` is given) and read one ASIC: (its backend, the reading)."""
    transport = RpcTransport(host, port, timeout)
    backend = backend_named(kind) if kind else await identify(transport)
    return backend, await read(transport, backend)


def offline(ip: str, error: str, last: Asic | None = None) -> Asic:
    """An offline entry: identity kept from the last good reading, no live value."""
    identity = {} if last is None else last.model_dump(
        include={"mac", "make", "model", "model_variant", "firmware_version",
                 "software_version", "expected_hashrate_hs"})
    return Asic(ip=ip, online=False, errors=[error], **identity)
