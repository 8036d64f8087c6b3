"""GMiner: ``GET /stat`` on the ``--api`` port. Captured: 3.06.

Device ``speed`` is in ``speed_unit`` (``"H/s"`` in 3.06; GMiner's speed is raw H/s, so a
missing unit is read as H/s). There is no miner-wide hashrate field (``pool_speed`` is what the
pool credits): the total is the sum of the devices, known only if every device's is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import Miner, Shares
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "gminer"


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("stat"), "GMiner's /stat", "devices", "miner")
    unit = v.text(reply.get("speed_unit")) or "H/s"
    gpus = v.objects(reply.get("devices"))
    devices = [v.device(i, gpu.get("gpu_id"), v.hashrate(gpu.get("speed"), unit))
               for i, gpu in enumerate(gpus)]
    return Miner(
        software=SOFTWARE,
        version=v.version_from(reply.get("miner")),
        algorithm=v.text(reply.get("algorithm")),
        pool=v.text(reply.get("server")),
        hashrate_hs=v.total(device.hashrate_hs for device in devices),
        devices=devices,
        shares=_shares(reply, gpus),
        uptime_s=v.non_negative(reply.get("uptime")),
        running=True,
    )


def _shares(reply: dict[str, Any], gpus: list[dict[str, Any]]) -> Shares | None:
    """Miner-wide ``total_*_shares`` when given, else the sum over the devices."""
    if any(key in reply for key in ("total_accepted_shares", "total_rejected_shares")):
        return v.shares(reply.get("total_accepted_shares"), reply.get("total_rejected_shares"),
                        reply.get("total_stale_shares"))
    if not gpus:
        return None
    return v.shares(*(v.total_count(v.count(gpu.get(key)) for gpu in gpus)
                      for key in ("accepted_shares", "rejected_shares", "stale_shares")))


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """``devices[]``: ``temperature`` (degC), ``fan`` (%), ``power_usage`` (W), by ``gpu_id``;
    ``bus_id`` is a PCI address."""
    stat = v.obj(replies.get("stat"))
    unit = v.text(stat.get("speed_unit")) or "H/s"
    return present([reading(SOFTWARE, i, gpu.get("gpu_id"), name=gpu.get("name"),
                            temp=gpu.get("temperature"), fan=gpu.get("fan"),
                            power=gpu.get("power_usage"), bus=gpu.get("bus_id"),
                            hashrate_hs=v.hashrate(gpu.get("speed"), unit))
                    for i, gpu in enumerate(v.objects(stat.get("devices")))])


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"stat": "/stat"}, parse=parse,
                  gpus=gpus)
