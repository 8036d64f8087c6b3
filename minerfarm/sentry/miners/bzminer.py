"""BzMiner: ``GET /status`` on its HTTP API (default port 4014). UNVERIFIED: no full reply
has been captured.

What this reads is only what is known: a real ``pools[]`` entry (BzMiner 9.0.0, issue #67 of
bzminer/bzminer: ``algorithm``, ``current_url``, ``hashrate``, ``valid_solutions``,
``rejected_solutions``, ``stale_solutions``) and the top-level and device field names that
third-party parsers read (``bzminer_version``, ``uptime_s``, ``pools[]``, ``devices[]``; per
device ``vendor`` (1 = GPU, 4 = CPU), ``pci_bus_id``, ``hashrate[]`` per algorithm in
``pools[]`` order, ``core_temp``, ``fan``, ``power``). Hashrates are taken as H/s.

Only the first pool's algorithm is reported: BzMiner lists a second pool slot even when it
mines one algorithm (issue #67), so a ``pools[1]`` says nothing about dual mining. GPUs are
numbered in the order listed, CPUs left out; a GPU's figures feed ``gpus[]`` by its PCI bus.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import DeviceHashrate, Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "bzminer"
GPU_VENDOR = 1  # devices[].vendor; 4 is a CPU


def _first(values: Any) -> float | None:
    """A device's figure for the first algorithm (``hashrate[0]``)."""
    return v.hashrate(values[0]) if isinstance(values, list) and values else None


def _gpus(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [d for d in v.objects(reply.get("devices")) if d.get("vendor") == GPU_VENDOR]


def _total(pool: dict[str, Any], devices: list[DeviceHashrate]) -> float | None:
    """The first pool's ``hashrate``, else the GPUs' sum."""
    rate = v.hashrate(pool.get("hashrate"))
    return rate if rate is not None else v.total(d.hashrate_hs for d in devices) if devices \
        else None


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "BzMiner's /status", "bzminer_version", "pools",
                   "devices")
    pools = v.objects(reply.get("pools"))
    pool = pools[0] if pools else {}
    devices = [DeviceHashrate(index=i, hashrate_hs=_first(gpu.get("hashrate")))
               for i, gpu in enumerate(_gpus(reply))]
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("bzminer_version")),
        algorithm=v.text(pool.get("algorithm")),
        pool=v.text(pool.get("current_url")),
        hashrate_hs=_total(pool, devices),
        devices=devices,
        shares=v.shares(pool.get("valid_solutions"), pool.get("rejected_solutions"),
                        pool.get("stale_solutions")),
        uptime_s=v.non_negative(reply.get("uptime_s")),
        running=True,
    )


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """GPU ``devices[]``: ``core_temp`` (degC), ``fan`` (%), ``power`` (W), ``pci_bus_id``."""
    return present([reading(SOFTWARE, i, None, temp=gpu.get("core_temp"), fan=gpu.get("fan"),
                            power=gpu.get("power"), bus=gpu.get("pci_bus_id"),
                            hashrate_hs=_first(gpu.get("hashrate")))
                    for i, gpu in enumerate(_gpus(v.obj(replies.get("status"))))])


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/status"},
                  parse=parse, default_port=4014, gpus=gpus)
