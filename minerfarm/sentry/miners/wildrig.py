"""WildRig-Multi: ``GET /`` on the ``--api-port`` (no default found documented: give the port).
Captured: 0.10.0 (OpenCL/CUDA).

An XMRig-derived reply: ``hashrate.total`` and each GPU's ``hashrate.threads[i]`` are
``[10s, 60s, 15m]`` in H/s; the 10 s window is the current rate (a longer one reads 0 until
it has filled). Shares are ``results.shares_good`` of ``shares_total`` (the
rest were rejected). The captured version carries no GPU temperature, fan or power.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import DeviceHashrate, Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect

SOFTWARE = "wildrig"


def _current(windows: Any) -> float | None:
    """The first window of ``[10s, 60s, 15m]``."""
    first = windows[0] if isinstance(windows, list) and windows else None
    return v.hashrate(first)


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "WildRig-Multi's API", "hashrate", "connection",
                   "results")
    rates, results = v.obj(reply.get("hashrate")), v.obj(reply.get("results"))
    threads = rates.get("threads")
    devices = [DeviceHashrate(index=i, hashrate_hs=_current(windows))
               for i, windows in enumerate(threads if isinstance(threads, list) else [])]
    good, total = v.count(results.get("shares_good")), v.count(results.get("shares_total"))
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("version")),
        algorithm=v.text(reply.get("algo")),
        pool=v.text(v.obj(reply.get("connection")).get("pool")),
        hashrate_hs=_current(rates.get("total")),
        devices=devices,
        shares=v.shares(good, total - good if good is not None and total is not None
                        and total >= good else None),
        uptime_s=v.non_negative(reply.get("uptime")),
        running=True,
    )


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/"}, parse=parse)
