"""SRBMiner-MULTI: ``GET /`` on the ``--api-port`` (default 21550). Captured in
``shared/fixtures``: 0.5.6 (CPU, the current layout). The early layout was read off a real
0.1.8 reply (6 AMD GPUs) published in delawr0190/foreman-apps' tests; that capture is GPL and
not in our fixtures, so the early layout is tested on a reply with its field names only
(tests/sentry/test_srbminer_early.py).

The current layout has ``algorithms[]``, each with its pool, shares and a ``hashrate`` object in
H/s: ``now``/``1min``/``5min``/... and per-device maps ``cpu``/``gpu`` whose keys other than
``total`` are devices (``thread0``). A window that has not filled yet reads 0, so only ``now``
is the current rate; ``1min`` stands in when ``now`` is absent. Devices are numbered in the
order listed, CPU threads first. When mining several algorithms, the first is reported.
No GPU temperature, fan or power is read from it: its only capture mines on the CPU (its
``gpu_devices`` is empty), so which fields a GPU entry has there is unknown.

The early layout (0.1.x) has one algorithm at the root: ``algorithm``, ``hashrate_total_now``
(``_1min`` stands in), ``pool`` and ``shares``; ``gpu_hashrate[0]`` maps ``"GPU0"``... to H/s,
and ``gpu_devices[]`` carries ``device_id``, ``model``, ``bus_id`` (the PCI bus) and
``temperature`` (its fan is ``fan_speed_rpm``, not a percentage, and is not read).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import DeviceHashrate, Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "srbminer"
_GPU_KEY = re.compile(r"^GPU(\d+)$")
_EARLY_KEYS = {"hashrate_total_now", "hashrate_total_1min", "gpu_hashrate"}


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "SRBMiner-MULTI's API", "algorithms",
                   "hashrate_total_now", "hashrate_total_1min", "miner_version")
    if "algorithms" not in reply and _EARLY_KEYS & reply.keys():
        return _parse_early(reply)
    algorithms = v.objects(reply.get("algorithms"))
    algo = algorithms[0] if algorithms else {}
    rates, shares = v.obj(algo.get("hashrate")), v.obj(algo.get("shares"))
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("miner_version")),
        algorithm=v.text(algo.get("name")),
        pool=v.text(v.obj(algo.get("pool")).get("pool")),
        hashrate_hs=_now(rates.get("now"), rates.get("1min")),
        devices=_devices(rates),
        shares=v.shares(shares.get("accepted"), shares.get("rejected")),
        uptime_s=v.non_negative(reply.get("mining_time")),
        running=True,
    )


def _parse_early(reply: dict[str, Any]) -> Miner:
    shares = v.obj(reply.get("shares"))
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("miner_version")),
        algorithm=v.text(reply.get("algorithm")),
        pool=v.text(v.obj(reply.get("pool")).get("pool")),
        hashrate_hs=_now(reply.get("hashrate_total_now"), reply.get("hashrate_total_1min")),
        devices=[DeviceHashrate(index=index, hashrate_hs=rate)
                 for index, rate in _early_gpu_rates(reply).items()],
        shares=v.shares(shares.get("accepted"), shares.get("rejected")),
        uptime_s=v.non_negative(reply.get("mining_time")),
        running=True,
    )


def _now(now: Any, one_minute: Any) -> float | None:
    rate = v.hashrate(now)
    return rate if rate is not None else v.hashrate(one_minute)


def _devices(rates: dict[str, Any]) -> list[DeviceHashrate]:
    devices: list[DeviceHashrate] = []
    for kind in ("cpu", "gpu"):
        for key, value in v.obj(rates.get(kind)).items():
            if key != "total":
                devices.append(DeviceHashrate(index=len(devices), hashrate_hs=v.hashrate(value)))
    return devices


def _early_gpu_rates(reply: dict[str, Any]) -> dict[int, float | None]:
    """``gpu_hashrate[0]``'s ``"GPUn"`` entries by ``n`` (the ``total`` entry left out)."""
    found: dict[int, float | None] = {}
    for rates in v.objects(reply.get("gpu_hashrate"))[:1]:
        for key, value in rates.items():
            number = _GPU_KEY.match(key)
            if number:
                found[int(number[1])] = v.hashrate(value)
    return found


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """Early layout only: ``gpu_devices[]`` ``temperature`` (degC) and ``bus_id``, by
    ``device_id``, with the hashrate ``gpu_hashrate`` gives that GPU."""
    reply = v.obj(replies.get("status"))
    if "algorithms" in reply:
        return []
    rates = _early_gpu_rates(reply)
    readings = []
    for position, gpu in enumerate(v.objects(reply.get("gpu_devices"))):
        index = v.count(gpu.get("device_id"))
        readings.append(reading(SOFTWARE, position, index, name=gpu.get("model"),
                                temp=gpu.get("temperature"), bus=gpu.get("bus_id"),
                                hashrate_hs=rates.get(position if index is None else index)))
    return present(readings)


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/"}, parse=parse,
                  default_port=21550, gpus=gpus)
