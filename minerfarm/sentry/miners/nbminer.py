"""NBMiner: ``GET /api/v1/status`` on the ``--api`` port. Captured: the official v40.0 example.

Hashrates come twice: as text (``"61.50 M"``) and as ``*_raw`` H/s numbers; the raw number is
preferred, the text is the fallback. ``start_time`` is a Unix time, so the uptime is counted
from when the reply arrived. The second algorithm of dual mining (``hashrate2``) is not
reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "nbminer"


def _rate(item: dict[str, Any], key: str) -> float | None:
    raw = v.hashrate(item.get(f"{key}_raw"))
    return raw if raw is not None else v.hashrate(item.get(key))


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "NBMiner's /api/v1/status", "miner", "stratum")
    miner, stratum = v.obj(reply.get("miner")), v.obj(reply.get("stratum"))
    devices = [v.device(i, gpu.get("id"), _rate(gpu, "hashrate"))
               for i, gpu in enumerate(v.objects(miner.get("devices")))]
    started = v.non_negative(reply.get("start_time"))
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("version")),
        algorithm=v.text(stratum.get("algorithm")),
        pool=v.text(stratum.get("url")),
        hashrate_hs=_rate(miner, "total_hashrate"),
        devices=devices,
        shares=v.shares(stratum.get("accepted_shares"), stratum.get("rejected_shares")),
        uptime_s=max(received_at - started, 0.0) if started else None,
        running=True,
    )


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """``miner.devices[]``: ``temperature`` (degC), ``fan`` (%), ``power`` (W), by ``id``;
    ``pci_bus_id`` is the PCI bus number."""
    miner = v.obj(v.obj(replies.get("status")).get("miner"))
    return present([reading(SOFTWARE, i, gpu.get("id"), name=gpu.get("info"),
                            temp=gpu.get("temperature"), fan=gpu.get("fan"),
                            power=gpu.get("power"), bus=gpu.get("pci_bus_id"),
                            hashrate_hs=_rate(gpu, "hashrate"))
                    for i, gpu in enumerate(v.objects(miner.get("devices")))])


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/api/v1/status"},
                  parse=parse, gpus=gpus)
