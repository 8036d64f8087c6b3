"""Rigel (NVIDIA): ``GET /`` on the address given to ``--api-bind`` (Rigel has no default API
port). Captured: 1.23.2.

Everything is keyed by algorithm name: ``hashrate.{algo}`` (H/s, the miner's own rate;
``pool_hashrate`` is what the pool credits), ``solution_stat.{algo}`` and ``pools.{algo}[]``,
at the root and again per device. The reported algorithm is the root ``algorithm`` where the
hashrates are keyed by it, else the first algorithm of ``hashrate`` (dual mining reports its
first). The pool is the algorithm's first pool, as ``hostname:port``. ``invalid`` solutions
are not counted as rejected ones (the wire has no field for them).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "rigel"


def _by_algo(value: Any, algo: str | None) -> Any:
    """``value[algo]`` of an object keyed by algorithm name, else ``None``."""
    return v.obj(value).get(algo) if algo is not None else None


def _algorithm(reply: dict[str, Any]) -> str | None:
    named = v.text(reply.get("algorithm"))
    rates = v.obj(reply.get("hashrate"))
    if named is not None and (named in rates or not rates):
        return named
    return next((key for key in rates if v.text(key)), named)


def _pool(reply: dict[str, Any], algo: str | None) -> str | None:
    pools = v.objects(_by_algo(reply.get("pools"), algo))
    details = v.obj(pools[0].get("connection_details")) if pools else {}
    host, port = v.text(details.get("hostname")), v.count(details.get("port"))
    if host is None:
        return None
    return f"{host}:{port}" if port is not None else host


def _mining(reply: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    """The devices Rigel mines on (``selected`` is not false), with their positions."""
    return [(i, gpu) for i, gpu in enumerate(v.objects(reply.get("devices")))
            if gpu.get("selected") is not False]


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "Rigel's API", "hashrate", "devices", "solution_stat")
    algo = _algorithm(reply)
    shares = v.obj(_by_algo(reply.get("solution_stat"), algo))
    devices = [v.device(i, gpu.get("id"), v.hashrate(_by_algo(gpu.get("hashrate"), algo)))
               for i, gpu in _mining(reply)]
    return Miner(
        software=SOFTWARE,
        version=v.text(reply.get("version")),
        algorithm=algo,
        pool=_pool(reply, algo),
        hashrate_hs=v.hashrate(_by_algo(reply.get("hashrate"), algo)),
        devices=devices,
        shares=v.shares(shares.get("accepted"), shares.get("rejected")),
        uptime_s=v.non_negative(reply.get("uptime")),
        running=True,
    )


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """``devices[].monitoring_info``: ``core_temperature`` (degC), ``fan_speed`` (%),
    ``power_usage`` (W), by ``id``; ``pci_address`` is ``bus:device`` in hex (``"0b:0"``).
    Rigel mines on NVIDIA only."""
    reply = v.obj(replies.get("status"))
    algo = _algorithm(reply)
    readings = []
    for i, gpu in _mining(reply):
        info = v.obj(gpu.get("monitoring_info"))
        readings.append(reading(SOFTWARE, i, gpu.get("id"), vendor="nvidia", name=gpu.get("name"),
                                temp=info.get("core_temperature"), fan=info.get("fan_speed"),
                                power=info.get("power_usage"), bus=gpu.get("pci_address"),
                                hashrate_hs=v.hashrate(_by_algo(gpu.get("hashrate"), algo))))
    return present(readings)


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/"}, parse=parse,
                  gpus=gpus)
