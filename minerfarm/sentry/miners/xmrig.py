"""XMRig (CPU, OpenCL, CUDA): HTTP API v2, ``GET /2/summary`` and ``GET /2/backends``.

Captured: 6.22.1. ``hashrate.total`` and each thread's ``hashrate`` are ``[10s, 60s, 15m]`` in
H/s, ``null`` until a window has filled: the shortest filled window is the current rate.
``/2/backends`` is optional: without it the miner is still read, just without devices.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import DeviceHashrate, Miner, Shares
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "xmrig"


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    summary = expect(replies.get("summary"), "XMRig's /2/summary", "hashrate", "connection")
    connection = v.obj(summary.get("connection"))
    algorithm = v.text(summary.get("algo")) or v.text(connection.get("algo"))
    paused = summary.get("paused")
    return Miner(
        software=SOFTWARE,
        version=v.text(summary.get("version")),
        algorithm=algorithm,
        pool=v.text(connection.get("pool")),
        hashrate_hs=v.first_number(v.obj(summary.get("hashrate")).get("total")),
        devices=_devices(replies.get("backends"), algorithm),
        shares=_shares(summary, connection),
        uptime_s=v.non_negative(summary.get("uptime")),
        running=not paused if isinstance(paused, bool) else True,
    )


def _shares(summary: dict[str, Any], connection: dict[str, Any]) -> Shares | None:
    # results.* count the whole session; connection.* only the current pool connection.
    results = v.obj(summary.get("results"))
    good, total = v.count(results.get("shares_good")), v.count(results.get("shares_total"))
    if good is not None and total is not None and total >= good:
        return v.shares(accepted=good, rejected=total - good)
    return v.shares(accepted=connection.get("accepted"), rejected=connection.get("rejected"))


def _devices(backends: Any, algorithm: str | None) -> list[DeviceHashrate]:
    """One device per CPU thread or GPU of the enabled backends mining ``algorithm``.

    Devices are numbered in the order XMRig lists them (CPU threads first): a CPU thread and a
    GPU both have index 0 in XMRig's own numbering. A backend on another algorithm (XMRig
    keeps the last figures of a backend that cannot mine the current one) is left out, so the
    devices add up to the miner's total.
    """
    devices: list[DeviceHashrate] = []
    for backend in v.objects(backends):
        if backend.get("enabled") is False:
            continue
        if algorithm is not None and backend.get("algo") not in (None, algorithm):
            continue
        for thread in v.objects(backend.get("threads")):
            rate = v.first_number(thread.get("hashrate"))
            devices.append(DeviceHashrate(index=len(devices), hashrate_hs=rate))
    return devices


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """GPU threads of the ``opencl`` and ``cuda`` backends, by their ``index`` (the device's
    OpenCL/CUDA number): ``health.temperature`` (degC) and ``health.power`` (W). The fan is
    given only as ``health.rpm``, which has no wire field, and the 6.22.1 CUDA threads carry no
    ``health`` at all. OpenCL may be AMD or NVIDIA, so only CUDA names its vendor."""
    summary = v.obj(replies.get("summary"))
    algorithm = v.text(summary.get("algo")) or v.text(v.obj(summary.get("connection")).get("algo"))
    found: list[MinerGpu | None] = []
    for backend in v.objects(replies.get("backends")):
        kind = backend.get("type")
        if kind not in ("opencl", "cuda") or backend.get("enabled") is False:
            continue
        # a backend on another algorithm keeps its last rate: not what it mines now
        current = algorithm is None or backend.get("algo") in (None, algorithm)
        for i, thread in enumerate(v.objects(backend.get("threads"))):
            health = v.obj(thread.get("health"))
            found.append(reading(SOFTWARE, i, thread.get("index"),
                                 vendor="nvidia" if kind == "cuda" else None,
                                 name=thread.get("board") or thread.get("name"),
                                 temp=health.get("temperature"), power=health.get("power"),
                                 bus=thread.get("bus_id"),
                                 hashrate_hs=v.first_number(thread.get("hashrate"))
                                 if current else None))
    return present(found)


ADAPTER = Adapter(
    software=SOFTWARE,
    dialect="http",
    requests={"summary": "/2/summary", "backends": "/2/backends"},
    optional=frozenset({"backends"}),
    parse=parse,
    gpus=gpus,
)
