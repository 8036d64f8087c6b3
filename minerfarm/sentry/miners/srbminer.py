"""SRBMiner-MULTI: ``GET /`` on the ``--api-port`` (default 21550). Captured: 0.5.6 (CPU).

The modern layout has ``algorithms[]``, each with its pool, shares and a ``hashrate`` object in
H/s: ``now``/``1min``/``5min``/... and per-device maps ``cpu``/``gpu`` whose keys other than
``total`` are devices (``thread0``). A window that has not filled yet reads 0, so only ``now``
is the current rate; ``1min`` stands in when ``now`` is absent. Devices are numbered in the
order listed, CPU threads first. When mining several algorithms, the first is reported.
No GPU temperature, fan or power is read: the only capture mines on the CPU (its
``gpu_devices`` is empty), so which fields a GPU entry has is unknown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import DeviceHashrate, Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect

SOFTWARE = "srbminer"


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "SRBMiner-MULTI's API", "algorithms", "miner_version")
    algorithms = v.objects(reply.get("algorithms"))
    algo = algorithms[0] if algorithms else {}
    rates, shares = v.obj(algo.get("hashrate")), v.obj(algo.get("shares"))
    now = v.hashrate(rates.get("now"))
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("miner_version")),
        algorithm=v.text(algo.get("name")),
        pool=v.text(v.obj(algo.get("pool")).get("pool")),
        hashrate_hs=now if now is not None else v.hashrate(rates.get("1min")),
        devices=_devices(rates),
        shares=v.shares(shares.get("accepted"), shares.get("rejected")),
        uptime_s=v.non_negative(reply.get("mining_time")),
        running=True,
    )


def _devices(rates: dict[str, Any]) -> list[DeviceHashrate]:
    devices: list[DeviceHashrate] = []
    for kind in ("cpu", "gpu"):
        for key, value in v.obj(rates.get(kind)).items():
            if key != "total":
                devices.append(DeviceHashrate(index=len(devices), hashrate_hs=v.hashrate(value)))
    return devices


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/"}, parse=parse,
                  default_port=21550)
