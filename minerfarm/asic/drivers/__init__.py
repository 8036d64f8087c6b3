"""ASIC drivers: firmware backends over two transports, cgminer RPC and web APIs.

Layers (as in pyasic): transports (:mod:`.transport`: cgminer RPC via
:mod:`minerfarm.cgminer`; :mod:`.web`: HTTP JSON with basic/digest auth, vendor tokens and
sessions), firmware backends (one module each, registered explicitly in :data:`BACKENDS`,
one line per backend), and model facts as plain data (:mod:`.facts`). An :class:`Endpoint`
is one ASIC's address, ports and login.

Identification asks RPC (``version``, then ``summary``), then every backend's web probe
(AxeOS ``/api/system/info``, Goldshell ``/mcb/status``, the Antminer/Elphapex
``get_system_info.cgi``, ePIC ``/summary`` on 4028, Braiins OS REST) at once, within one
short deadline; the first answer naming a firmware wins (RPC's first: Braiins runs on
Antminer hardware), then web matches in :data:`BACKENDS` order. A reading asks a backend's
RPC commands and web requests at once.

The library question, measured again (``bench/asic_libraries.py``, also printed at the end of
``bench/asic_scale.py``; 2026-12, pyasic 0.79.0 and pyasic-rs 0.8.6 from PyPI, against the
simulator serving every profile over RPC, web and Whatsminer API 3; 11 fields per ASIC:
model, firmware, MAC, hashrate, expected hashrate, per-board hashrate, a temperature, fans,
power, pool, uptime; 18 simulated ASICs):

=========  ==========  ===========  ============  ==========================================
library    identified  fields read  peak RSS      where it fell short
=========  ==========  ===========  ============  ==========================================
ours       16/18       154/198      49 MB         MAC/power/pool where no capture has them;
                                                  the two Braiins OS profiles served over
                                                  the web only (no RPC capture of 26.04 or
                                                  25.03: their RPC port is closed, and where
                                                  RPC is refused Braiins, which always
                                                  serves it, is not asked over the web)
pyasic     11/18       24/198       72 MB         reads fail once one command of its batch
                                                  is refused (S9, LuxOS, Whatsminer API 3,
                                                  Elphapex, Braiins OS+ needs LuCI); web-only
                                                  families not identified
pyasic-rs  4/18        40/198       41 MB         identifies by the web root page (no
                                                  capture); reads Avalon, LuxOS, S21 fully
=========  ==========  ===========  ============  ==========================================

The decision per family: our backends for all of them. ``luxos``: pyasic-rs reads the LuxOS
capture as completely as ours (11/11), pyasic identifies it but reads nothing; ``avalon``
(A1566, Avalon Q): pyasic-rs 11/11 like ours, pyasic 6 and 9 of 11; ``whatsminer`` (M31S, API
2, API 3): neither library reads any field (pyasic-rs does not identify them; pyasic asks API
3's ``get.miner.status``, which has no capture); ``antminer``, ``braiins``, ``bitaxe``,
``goldshell``, ``epic``, ``auradine``, ``elphapex``, ``sealminer``: at most 7 of 11 from a
library (S21), most not identified. Where a library matches ours it adds a dependency
(pyasic: asyncssh, betterproto, passlib... +25 MB at import) and hard-codes ports 4028/80/443,
so it cannot be pointed at a per-ASIC port; no library backend is kept, not even an optional
one. Caveat, in the libraries' favour: they also ask for replies no capture has (``/`` HTML,
``devdetails``, ``tempctrl``, ``get_miner_info``), which the simulator refuses as it must; on
real hardware they would identify and read more than here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import CgminerCommandError, CgminerError, CgminerUnreachable
from minerfarm.protocol.reports import Asic

from ..errors import AsicAuthFailed, AsicError, AsicNotIdentified, AsicUnreachable
from . import (
    antminer,
    auradine,
    avalon,
    bitaxe,
    braiins,
    elphapex,
    epic,
    goldshell,
    luxos,
    sealminer,
    whatsminer,
)
from .base import Backend
from .endpoint import Endpoint
from .facts import algorithm_for, default_coin
from .transport import DEFAULT_PORT, Replies, RpcTransport
from .web import Login, WebAuth, WebRequest, WebSession

# Order matters: Braiins OS and LuxOS run on Antminer hardware (LuxOS even answers with the
# stock ``Type``), so they are asked before stock Antminer. One line per backend.
BACKENDS: tuple[Backend, ...] = (
    braiins.BACKEND,
    luxos.BACKEND,
    antminer.BACKEND,
    whatsminer.BACKEND,
    avalon.BACKEND,
    bitaxe.BACKEND,
    goldshell.BACKEND,
    epic.BACKEND,
    auradine.BACKEND,
    elphapex.BACKEND,
    sealminer.BACKEND,
)
BACKEND_NAMES: tuple[str, ...] = tuple(backend.name for backend in BACKENDS)
_BY_NAME = {backend.name: backend for backend in BACKENDS}
WEB_PROBE_DELAY = 0.5  # of the deadline: the web probes' head start given to RPC

__all__ = ["BACKENDS", "BACKEND_NAMES", "DEFAULT_PORT", "Backend", "Endpoint", "Login",
           "Replies", "RpcTransport", "WebSession", "backend_named", "identify", "offline",
           "probe", "read", "with_model_facts"]


def backend_named(name: str) -> Backend:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise AsicError(f"unknown ASIC type {name!r}; one of {', '.join(BACKEND_NAMES)}") \
            from None


async def identify(target: Endpoint | RpcTransport, *, deadline: float | None = None
                   ) -> Backend:
    """Which backend speaks to this ASIC: RPC and every web probe (see the module doc), all
    within ``deadline`` seconds (default: the endpoint's timeout). The web probes start
    once RPC has failed, or after :data:`WEB_PROBE_DELAY` of the deadline (most of a fleet
    answers RPC at once, and six web requests per ASIC would double a cold round's work).
    Where RPC is refused outright, the families that always serve RPC (Antminer, Braiins)
    are not asked over the web."""
    endpoint = target if isinstance(target, Endpoint) else Endpoint.of_rpc(target)
    loop = asyncio.get_running_loop()
    budget = deadline or endpoint.timeout
    ends = loop.time() + budget
    rpc = asyncio.ensure_future(_identify_rpc(endpoint.rpc()))
    web: dict[tuple[int, str], asyncio.Future[Any]] = {}
    tasks: set[asyncio.Future[Any]] = {rpc}
    try:
        await asyncio.wait({rpc}, timeout=budget * WEB_PROBE_DELAY)
        if rpc.done() and isinstance(_outcome(rpc), Backend):
            return rpc.result()
        refused = rpc.done() and _refused(_outcome(rpc))
        for backend in BACKENDS:
            if backend.probe is None or (refused and backend.commands):
                continue
            key = (endpoint.web_port_for(backend), backend.probe.path)
            if key not in web:
                web[key] = asyncio.ensure_future(endpoint.web(backend).call(backend.probe))
        tasks |= set(web.values())
        pending = set(tasks)
        while pending:  # the first answer that names a firmware wins
            done, pending = await asyncio.wait(pending, timeout=max(0.0, ends - loop.time()),
                                               return_when=asyncio.FIRST_COMPLETED)
            if not done:
                break
            found = _match(endpoint, rpc, web)
            if found is not None:
                return found
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    raise _not_identified(endpoint, [_outcome(rpc), *(_outcome(task) for task in web.values())])


def _refused(outcome: Any) -> bool:
    """RPC's port is closed: the host is there and serves no cgminer API."""
    cause = outcome.__cause__ if isinstance(outcome, AsicUnreachable) else None
    return isinstance(cause, CgminerUnreachable) and isinstance(cause.__cause__,
                                                                ConnectionRefusedError)


def _match(endpoint: Endpoint, rpc: asyncio.Future[Any],
           web: Mapping[tuple[int, str], asyncio.Future[Any]]) -> Backend | None:
    """The backend named by a finished probe: RPC's first, then the web's in order."""
    if rpc.done() and isinstance(_outcome(rpc), Backend):
        return rpc.result()  # type: ignore[no-any-return]
    for backend in BACKENDS:
        if backend.probe is None or backend.web_recognizes is None:
            continue
        task = web.get((endpoint.web_port_for(backend), backend.probe.path))
        if task is not None and task.done():
            reply = _outcome(task)
            if not isinstance(reply, BaseException) and backend.web_recognizes(reply):
                return backend
    return None


def _outcome(task: asyncio.Future[Any]) -> Any:
    if task.cancelled():
        return TimeoutError("no answer in time")
    return task.exception() or task.result()


def _not_identified(endpoint: Endpoint, failures: list[Any]) -> AsicError:
    rpc_failure = failures[0]
    answered = [f for f in failures if not isinstance(f, AsicUnreachable | TimeoutError)]
    denied = [f for f in failures if isinstance(f, AsicAuthFailed)]
    where = f"{endpoint.host}:{endpoint.rpc_port}"
    if not answered:
        reason = str(rpc_failure) if where in str(rpc_failure) else f"{where}: {rpc_failure}"
        return AsicUnreachable(f"{reason}; no known web API answers either")
    if isinstance(rpc_failure, AsicNotIdentified) and not denied:
        return rpc_failure
    hint = f" ({denied[0] if denied else answered[0]})"
    return AsicNotIdentified(f"{endpoint.host} answers, but is no known ASIC firmware "
                             f"({', '.join(BACKEND_NAMES)}){hint}")


async def _identify_rpc(transport: RpcTransport) -> Backend:
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


async def read(target: Endpoint | RpcTransport, backend: Backend) -> Asic:
    """One normalised reading: the backend's RPC commands and web requests at once; raises
    :class:`AsicUnreachable` (or the web API's own error) if nothing could be read."""
    endpoint = target if isinstance(target, Endpoint) else Endpoint.of_rpc(target)
    jobs: list[Any] = []
    if backend.commands:
        jobs.append(_read_rpc(endpoint.rpc(), backend))
    by_auth: dict[WebAuth, list[WebRequest]] = {}
    for request in backend.web:
        by_auth.setdefault(request.auth or backend.auth, []).append(request)
    for auth, requests in by_auth.items():
        jobs.append(endpoint.web(backend, auth).requests(requests))
    replies, failures = Replies(), []
    for outcome in await asyncio.gather(*jobs, return_exceptions=True):
        if isinstance(outcome, Replies):
            replies.merge(outcome)
        elif isinstance(outcome, AsicError):
            failures.append(outcome)
        else:
            raise outcome
    if not replies.data and not replies.web:
        if failures:
            raise failures[0]
        raise AsicUnreachable(f"{endpoint.host}:{endpoint.main_port(backend)}: every command "
                              "refused: " + "; ".join(replies.errors.values()))
    for failure in failures:
        replies.errors[type(failure).__name__] = str(failure)
    if backend.enrich is not None and replies.data:
        await backend.enrich(endpoint.rpc(), replies)
    return with_model_facts(backend.parse(endpoint.host, replies), backend.name)


async def _read_rpc(transport: RpcTransport, backend: Backend) -> Replies:
    """The backend's commands and those of its optional ones this firmware did not refuse
    before; a refused optional command is no error and is not asked again."""
    optional = [name for name in backend.optional if name not in transport.skip]
    try:
        replies = await transport.commands([*backend.commands, *optional])
    except CgminerError as exc:
        raise AsicUnreachable(str(exc)) from exc
    for name in optional:
        replies.errors.pop(name, None)
        if name in replies.refused:
            transport.skip.add(name)
    return replies


def with_model_facts(asic: Asic, backend: str) -> Asic:
    """``asic`` with the algorithm (and default coin) of its model where it reported none."""
    algorithm = asic.algorithm or algorithm_for(backend, asic.make, asic.model)
    coin = asic.coin or (default_coin(algorithm) if not asic.algorithm else None)
    if (algorithm, coin) == (asic.algorithm, asic.coin):
        return asic
    return asic.model_copy(update={"algorithm": algorithm, "coin": coin})


async def probe(host: str, port: int | None = None, kind: str | None = None, *,
                timeout: float = 5.0,  # noqa: ASYNC109 (per request)
                web_port: int | None = None, login: Login | None = None,
                ) -> tuple[Backend, Asic]:
    """Identify (unless ``kind`` is given) and read one ASIC: (its backend, the reading)."""
    endpoint = Endpoint(host, port, web_port, timeout, login)
    try:
        backend = backend_named(kind) if kind else await identify(endpoint)
        return backend, await read(endpoint, backend)
    finally:
        await endpoint.session.aclose()


def offline(ip: str, error: str, last: Asic | None = None) -> Asic:
    """An offline entry: identity kept from the last good reading, no live value."""
    identity = {} if last is None else last.model_dump(
        include={"mac", "make", "model", "model_variant", "firmware_version",
                 "software_version", "expected_hashrate_hs"})
    return Asic(ip=ip, online=False, errors=[error], **identity)
