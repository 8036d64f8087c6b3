"""T-Rex (NVIDIA): ``GET /summary`` (default port 4067). Captured: 0.25.9, API 4.1.

Hashrates are plain H/s numbers; ``hashrate`` is T-Rex's current (averaged) rate. T-Rex counts
accepted, rejected and invalid shares but has no stale count.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "trex"


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("summary"), "T-Rex's /summary", "gpus", "hashrate", "active_pool")
    devices = [v.device(i, gpu.get("gpu_id"), v.hashrate(gpu.get("hashrate")))
               for i, gpu in enumerate(v.objects(reply.get("gpus")))]
    paused = reply.get("paused")
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("version")),
        algorithm=v.text(reply.get("algorithm")),
        coin=v.text(reply.get("coin")),
        pool=v.text(v.obj(reply.get("active_pool")).get("url")),
        hashrate_hs=v.hashrate(reply.get("hashrate")),
        devices=devices,
        shares=v.shares(reply.get("accepted_count"), reply.get("rejected_count")),
        uptime_s=v.non_negative(reply.get("uptime")),
        running=not paused if isinstance(paused, bool) else True,
    )


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """``gpus[]``: ``temperature`` (degC), ``fan_speed`` (%), ``power`` (W), by ``gpu_id``
    (``pci_bus`` is the PCI bus number, in decimal).
    T-Rex mines on NVIDIA only."""
    return present([reading(SOFTWARE, i, gpu.get("gpu_id"), vendor="nvidia",
                            name=gpu.get("name"), temp=gpu.get("temperature"),
                            fan=gpu.get("fan_speed"), power=gpu.get("power"),
                            bus=gpu.get("pci_bus"), hashrate_hs=v.hashrate(gpu.get("hashrate")))
                    for i, gpu in enumerate(v.objects(v.obj(replies.get("summary")).get("gpus")))])


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"summary": "/summary"},
                  parse=parse, default_port=4067, gpus=gpus)
