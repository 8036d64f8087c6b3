"""lolMiner: ``GET /`` on the ``--apiport``. Two formats, told apart by their keys:

- current (captured 1.92): ``Workers[]`` (the GPUs) and ``Algorithms[]``, each algorithm with
  its pool, ``Total_Performance`` in ``Performance_Unit`` and per-worker lists in worker order;
- legacy (captured 1.26): ``Mining.Algorithm``, ``Stratum.Current_Pool``,
  ``Session.Performance_Summary`` in ``Session.Performance_Unit`` and ``GPUs[].Performance``.

When dual mining, the first algorithm is the one reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minerfarm.protocol.reports import Miner
from minerfarm.sentry.miners import values as v
from minerfarm.sentry.miners.base import Adapter, expect
from minerfarm.sentry.miners.gpustats import MinerGpu, present, reading

SOFTWARE = "lolminer"


def parse(replies: Mapping[str, Any], received_at: float) -> Miner:
    reply = expect(replies.get("status"), "lolMiner's API", "Algorithms", "GPUs", "Session")
    common: dict[str, Any] = {
        "software": SOFTWARE,
        "version": v.version_from(reply.get("Software")),
        "uptime_s": v.non_negative(v.obj(reply.get("Session")).get("Uptime")),
        "running": True,
    }
    if "Algorithms" in reply or "Workers" in reply:
        return Miner(**common, **_current(reply))
    return Miner(**common, **_legacy(reply))


def _rate(value: Any, unit: Any, factor: Any = None) -> float | None:
    rate = v.hashrate(value, v.text(unit))
    if rate is None and v.non_negative(factor) is not None and v.non_negative(value) is not None:
        return float(value) * float(factor)  # an odd unit text, but the factor to H/s is given
    return rate


def _current(reply: dict[str, Any]) -> dict[str, Any]:
    algorithms = v.objects(reply.get("Algorithms"))
    algo = algorithms[0] if algorithms else {}
    unit, factor = algo.get("Performance_Unit"), algo.get("Performance_Factor")
    per_worker = algo.get("Worker_Performance")
    per_worker = per_worker if isinstance(per_worker, list) else []
    workers = v.objects(reply.get("Workers"))
    devices = []
    for position, value in enumerate(per_worker):
        worker = workers[position] if position < len(workers) else {}
        devices.append(v.device(position, worker.get("Index"), _rate(value, unit, factor)))
    return {
        "algorithm": v.text(algo.get("Algorithm")),
        "pool": v.text(algo.get("Pool")),
        "hashrate_hs": _rate(algo.get("Total_Performance"), unit, factor),
        "devices": devices,
        "shares": v.shares(algo.get("Total_Accepted"), algo.get("Total_Rejected"),
                           algo.get("Total_Stales")),
    }


def _legacy(reply: dict[str, Any]) -> dict[str, Any]:
    session = v.obj(reply.get("Session"))
    unit = session.get("Performance_Unit")
    devices = [v.device(i, gpu.get("Index"), _rate(gpu.get("Performance"), unit))
               for i, gpu in enumerate(v.objects(reply.get("GPUs")))]
    return {
        "algorithm": v.text(v.obj(reply.get("Mining")).get("Algorithm")),
        "pool": v.text(v.obj(reply.get("Stratum")).get("Current_Pool")),
        "hashrate_hs": _rate(session.get("Performance_Summary"), unit),
        "devices": devices,
        # Legacy gives only Accepted and Submitted; Submitted - Accepted would count shares
        # still awaiting the pool's answer as rejected, so rejected stays unknown.
        "shares": v.shares(accepted=session.get("Accepted")),
    }


def gpus(replies: Mapping[str, Any]) -> list[MinerGpu]:
    """Current ``Workers[]``: ``Core_Temp``, ``Fan_Speed`` (%), ``Power`` (W); legacy
    ``GPUs[]``: ``Temp (deg C)``, ``Fan Speed (%)``, ``Consumption (W)``; both by ``Index``.
    ``PCIE_Address`` (``"1:0"``, ``"11:0"``) is not used: whether its bus is decimal or hex is
    not known from the captures."""
    reply = v.obj(replies.get("status"))
    if "Workers" in reply or "Algorithms" in reply:
        rates = {device.index: device.hashrate_hs for device in _current(reply)["devices"]}
        return present([reading(SOFTWARE, i, w.get("Index"), name=w.get("Name"),
                                temp=w.get("Core_Temp"), fan=w.get("Fan_Speed"),
                                power=w.get("Power"),
                                hashrate_hs=rates.get(v.count(w.get("Index"))))
                        for i, w in enumerate(v.objects(reply.get("Workers")))])
    unit = v.obj(reply.get("Session")).get("Performance_Unit")
    return present([reading(SOFTWARE, i, g.get("Index"), name=g.get("Name"),
                            temp=g.get("Temp (deg C)"), fan=g.get("Fan Speed (%)"),
                            power=g.get("Consumption (W)"),
                            hashrate_hs=_rate(g.get("Performance"), unit))
                    for i, g in enumerate(v.objects(reply.get("GPUs")))])


ADAPTER = Adapter(software=SOFTWARE, dialect="http", requests={"status": "/"}, parse=parse,
                  gpus=gpus)
