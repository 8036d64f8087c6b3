"""TeamRedMiner (AMD): the sgminer-compatible TCP API (``--api_listen``, default port 4028),
commands ``devs`` and ``pools``. Captured: 0.3.8.

Device rates come as ``<prefix>HS <window>`` keys (``KHS av``, ``MHS 30s``, ``KHS 120s``, the
window depending on the version): a short window is the current rate and ``av`` (since start)
only the fallback; of equal windows the smallest unit carries the most digits. The miner total
is the sum of the GPUs (no ``summary`` reply was captured), and so is the uptime's source:
each GPU's ``Device Elapsed``. Shares are the pools' counters (they include stale), else the
GPUs'. The 2nd/3rd algorithm of dual mining (``devs2`` ...) is not reported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minerfarm.cgminer import as_float, section
from minerfarm.protocol.reports import Miner, Shares
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "teamredminer"

_RATE_KEY = re.compile(r"^([KMGT]?)HS (?:(av)|(\d+)([sm]))$")
_UNIT_ORDER = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4}


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    devs = expect(replies.get("devs"), "a cgminer-style devs reply", "DEVS")
    gpus = section(devs, "DEVS")
    devices = [v.device(i, gpu.get("GPU"), _device_rate(gpu)) for i, gpu in enumerate(gpus)]
    pools = section(v.obj(replies.get("pools")), "POOLS")
    pool = next((p for p in pools if p.get("Stratum Active") is True), pools[0] if pools else {})
    status = section(devs, "STATUS")
    return Miner(
        software=SOFTWARE,
        version=v.version_from(status[0].get("Description")) if status else None,
        algorithm=v.text(pool.get("Algorithm")),
        pool=v.text(pool.get("URL")),
        hashrate_hs=v.total(device.hashrate_hs for device in devices),
        devices=devices,
        shares=_shares(pools or gpus, with_stale=bool(pools)),
        uptime_s=max((e for e in (v.non_negative(as_float(g.get("Device Elapsed")))
                                  for g in gpus) if e is not None), default=None),
        running=True,
    )


def _device_rate(gpu: dict[str, Any]) -> float | None:
    """The shortest-window rate, in the finest unit, of the ``*HS *`` keys present."""
    candidates = []
    for key, value in gpu.items():
        match = _RATE_KEY.match(key)
        rate = v.hashrate(as_float(value), f"{match[1]}H/s") if match else None
        if match and rate is not None:
            window = float("inf") if match[2] else int(match[3]) * (60 if match[4] == "m" else 1)
            candidates.append((window, _UNIT_ORDER[match[1]], rate))
    return min(candidates)[2] if candidates else None


def _shares(entries: list[dict[str, Any]], *, with_stale: bool) -> Shares | None:
    if not entries:
        return None

    def summed(key: str) -> int | None:
        return v.total_count(v.count(as_float(entry.get(key))) for entry in entries)

    return v.shares(summed("Accepted"), summed("Rejected"),
                    summed("Stale") if with_stale else None)


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """``DEVS[]``: ``Temperature`` (degC) and ``Fan Percent`` by ``GPU``; no power figure
    (``Fan Speed`` is RPM). TeamRedMiner mines on AMD only."""
    devs = section(v.obj(replies.get("devs")), "DEVS")
    return present([reading(SOFTWARE, i, as_float(gpu.get("GPU")), vendor="amd",
                            temp=as_float(gpu.get("Temperature")),
                            fan=as_float(gpu.get("Fan Percent")),
                            hashrate_hs=_device_rate(gpu))
                    for i, gpu in enumerate(devs)])


ADAPTER = Adapter(software=SOFTWARE, dialect="tcp", requests={"devs": "devs", "pools": "pools"},
                  optional=frozenset({"pools"}), parse=parse, default_port=4028, gpus=gpus)
