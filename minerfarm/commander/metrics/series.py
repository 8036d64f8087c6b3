"""The series ``/metrics`` serves, built from the farm model at scrape time.

Names follow Prometheus' conventions: base units (``_hs`` for H/s, ``_celsius``, ``_watts``,
``_ratio`` for 0..1), counters end in ``_total``. Labels: ``rig`` (the rig's or ASIC sentry's
name), ``kind``, ``gpu``, ``miner``, ``asic`` (its IP), ``algorithm``, ``coin``.

Cardinality is linear in devices and bounded per device: an ASIC gives at most
``9 + MAX_FANS`` series (board and chip temperatures are its hottest board, not one series per
board or chip), a GPU 5, a miner 5. Free-form text (pool URLs, error messages) is never a label.

A device figure is only served while its rig is online: a rig that stopped reporting has
``minerfarm_rig_up 0`` and its last report's time, never its last figures as if current.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from minerfarm.commander.dashboard.aggregator import FarmAggregator
from minerfarm.commander.dashboard.digest import MinerLine, RigDigest, algorithm_bucket
from minerfarm.commander.dashboard.totals import FarmTotals
from minerfarm.commander.reports.figures import max_of, number, obj, objects, text

MAX_FANS = 8  # an ASIC's fans served (real ones have 2 to 6)


@dataclass(frozen=True)
class Internals:
    """The commander's own figures, read by the route before the series are built."""

    queue_depth: int | None
    reports_stored: int
    dead_letters: int | None
    websockets: int


class Families:
    """Metric families by name, made on first use (only series that have a sample appear)."""

    def __init__(self) -> None:
        self._by_name: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}

    def gauge(self, name: str, doc: str, labels: dict[str, str], value: float | None) -> None:
        self._add(GaugeMetricFamily, name, doc, labels, value)

    def counter(self, name: str, doc: str, labels: dict[str, str], value: float | None) -> None:
        self._add(CounterMetricFamily, name, doc, labels, value)

    def _add(self, kind: type[GaugeMetricFamily] | type[CounterMetricFamily], name: str,
             doc: str, labels: dict[str, str], value: float | None) -> None:
        if value is None:
            return
        family = self._by_name.get(name)
        if family is None:
            family = self._by_name[name] = kind(name, doc, labels=list(labels))
        assert isinstance(family, kind), name  # one name, one kind
        family.add_metric(list(labels.values()), value)

    def __iter__(self) -> Iterator[Metric]:
        return iter(self._by_name.values())


def _ratio(percent: Any) -> float | None:
    value = number(percent)
    return None if value is None else value / 100.0


@dataclass(frozen=True)
class RigView:
    """What a scrape reads of one rig, taken on the event loop in one pass. The digest
    replaces its report, miners and figures (never changes them in place), so a thread can
    build the series from these references while new reports arrive."""

    name: str
    kind: str
    online: bool
    last_seen: datetime | None
    stats: dict[str, Any]
    miners: list[MinerLine]
    power_w: float | None

    @classmethod
    def of(cls, digest: RigDigest, online: bool) -> RigView:
        return cls(digest.name, digest.kind, online, digest.last_seen, digest.stats,
                   digest.miners, digest.power_w)


@dataclass(frozen=True)
class FarmView:
    rigs: list[RigView]
    totals: FarmTotals
    internals: Internals


def snapshot(farm: FarmAggregator, internals: Internals, now: datetime) -> FarmView:
    """On the event loop: O(rigs) attribute reads, no per-device work."""
    totals = copy.deepcopy(farm.totals(now))
    return FarmView([RigView.of(d, farm.is_online(d, now)) for d in farm.rigs.values()],
                    totals, internals)


def farm_families(view: FarmView) -> Families:
    """In any thread: every series of the snapshot."""
    out = Families()
    _farm(out, view)
    for rig in view.rigs:
        _rig(out, rig)
    _internals(out, view.internals)
    return out


def _farm(out: Families, view: FarmView) -> None:
    totals = view.totals
    for algorithm, rate in sorted(totals.hashrate_by_algorithm.items()):
        out.gauge("minerfarm_farm_hashrate_hs", "Farm hashrate per algorithm, online rigs",
                  {"algorithm": algorithm}, rate)
    for coin, rate in sorted(totals.hashrate_by_coin.items()):
        out.gauge("minerfarm_farm_coin_hashrate_hs",
                  "Farm hashrate per coin (by algorithm where no coin is reported)",
                  {"coin": coin}, rate)
    if totals.power_reporters:
        out.gauge("minerfarm_farm_power_watts", "Power of the online rigs that report it", {},
                  totals.power_w)
    states = {(kind, state): 0 for kind in ("cpu_gpu", "asic")
              for state in ("online", "offline", "waiting")}
    for rig in view.rigs:
        state = "waiting" if rig.last_seen is None else "online" if rig.online else "offline"
        states[(rig.kind, state)] = states.get((rig.kind, state), 0) + 1
    for (kind, state), count in states.items():
        out.gauge("minerfarm_farm_rigs", "Rigs (kind cpu_gpu) and ASIC sentries (kind asic) "
                  "by state", {"kind": kind, "state": state}, count)
    for state, count in (("online", totals.asics_online), ("offline", totals.asics_offline)):
        out.gauge("minerfarm_farm_asics", "ASICs in the latest reports of online sentries",
                  {"state": state}, count)


def _rig(out: Families, view: RigView) -> None:
    rig = {"rig": view.name, "kind": view.kind}
    out.gauge("minerfarm_rig_up", "1 while the rig reports, 0 once it is offline", rig,
              1.0 if view.online else 0.0)
    if view.last_seen is not None:
        out.gauge("minerfarm_rig_last_report_timestamp_seconds",
                  "When the commander received the rig's latest report (Unix time)", rig,
                  view.last_seen.timestamp())
    if not view.online:
        return
    rates: dict[str, float] = {}
    for line in view.miners:
        if line.hashrate_hs is not None:
            key = algorithm_bucket(line)
            rates[key] = rates.get(key, 0.0) + line.hashrate_hs
    for algorithm, rate in sorted(rates.items()):
        out.gauge("minerfarm_rig_hashrate_hs", "Rig hashrate per algorithm",
                  {**rig, "algorithm": algorithm}, rate)
    out.gauge("minerfarm_rig_power_watts", "Rig power (GPUs, or the ASICs)", rig, view.power_w)
    if view.kind == "asic":
        _asics(out, view.name, objects(view.stats.get("asics")))
    else:
        _host(out, view.name, view.stats)
        _gpus(out, view.name, objects(view.stats.get("gpus")))
        _miners(out, view.name, objects(view.stats.get("miners")))


def _host(out: Families, rig: str, stats: dict[str, Any]) -> None:
    cpu = obj(obj(stats.get("host")).get("cpu"))
    labels = {"rig": rig}
    out.gauge("minerfarm_cpu_temperature_celsius", "CPU temperature", labels,
              number(cpu.get("temp_c")))
    out.gauge("minerfarm_cpu_usage_ratio", "CPU use (0..1)", labels, _ratio(cpu.get("usage_pct")))


def _gpus(out: Families, rig: str, gpus: Iterable[dict[str, Any]]) -> None:
    for gpu in gpus:
        index = number(gpu.get("index"))
        if index is None:
            continue
        labels = {"rig": rig, "gpu": str(int(index))}
        out.gauge("minerfarm_gpu_temperature_celsius", "GPU temperature", labels,
                  number(gpu.get("temp_c")))
        out.gauge("minerfarm_gpu_fan_ratio", "GPU fan speed (0..1)", labels,
                  _ratio(gpu.get("fan_pct")))
        out.gauge("minerfarm_gpu_power_watts", "GPU power", labels, number(gpu.get("power_w")))
        out.gauge("minerfarm_gpu_utilization_ratio", "GPU use (0..1)", labels,
                  _ratio(gpu.get("util_pct")))
        out.gauge("minerfarm_gpu_hashrate_hs", "Hashrate the miner counts for this GPU", labels,
                  number(gpu.get("hashrate_hs")))


def _miners(out: Families, rig: str, miners: Iterable[dict[str, Any]]) -> None:
    for index, miner in enumerate(miners):
        line = MinerLine.miner(miner)
        # Two instances of one miner on a rig (CPU and GPU xmrig) stay apart by position.
        name = line.software if index == 0 else f"{line.software}#{index}"
        labels = {"rig": rig, "miner": name}
        out.gauge("minerfarm_miner_hashrate_hs", "Miner hashrate",
                  {**labels, "algorithm": line.algorithm or "", "coin": line.coin or ""},
                  line.hashrate_hs)
        running = miner.get("running")
        if isinstance(running, bool):
            out.gauge("minerfarm_miner_running", "1 while the miner runs", labels,
                      1.0 if running else 0.0)
        _shares(out, "minerfarm_miner", labels, obj(miner.get("shares")))


def _shares(out: Families, prefix: str, labels: dict[str, str], shares: dict[str, Any]) -> None:
    for kind in ("accepted", "rejected", "stale"):
        out.counter(f"{prefix}_shares_{kind}", f"Shares {kind} (resets when the miner restarts)",
                    labels, number(shares.get(kind)))


def _asics(out: Families, rig: str, asics: Iterable[dict[str, Any]]) -> None:
    for asic in asics:
        ip = text(asic.get("ip"))
        if not ip:
            continue
        labels = {"rig": rig, "asic": ip}
        online = asic.get("online") is True
        out.gauge("minerfarm_asic_up", "1 while the ASIC answers its sentry", labels,
                  1.0 if online else 0.0)
        out.gauge("minerfarm_asic_info", "The ASIC's identity (value 1)",
                  {**labels, "mac": (text(asic.get("mac")) or "").lower(),
                   "make": text(asic.get("make")) or "", "model": text(asic.get("model")) or "",
                   "firmware": text(asic.get("firmware_version")) or ""}, 1.0)
        if not online:
            continue
        line = MinerLine.asic(asic)
        out.gauge("minerfarm_asic_hashrate_hs", "ASIC hashrate",
                  {**labels, "algorithm": line.algorithm or "", "coin": line.coin or ""},
                  line.hashrate_hs)
        out.gauge("minerfarm_asic_expected_hashrate_hs", "ASIC nominal hashrate", labels,
                  number(asic.get("expected_hashrate_hs")))
        boards = objects(asic.get("boards"))
        for sensor, key in (("board", "temp_c"), ("chip", "chip_temp_c")):
            out.gauge("minerfarm_asic_temperature_celsius",
                      "The ASIC's hottest hashboard (sensor board) or chip (sensor chip)",
                      {**labels, "sensor": sensor}, max_of([b.get(key) for b in boards]))
        out.gauge("minerfarm_asic_power_watts", "ASIC power", labels, number(asic.get("power_w")))
        fans = asic.get("fans_rpm")
        for fan, rpm in enumerate(fans[:MAX_FANS] if isinstance(fans, list) else []):
            out.gauge("minerfarm_asic_fan_rpm", "ASIC fan speed (revolutions per minute)",
                      {**labels, "fan": str(fan)}, number(rpm))
        _shares(out, "minerfarm_asic", labels, obj(asic.get("shares")))


def _internals(out: Families, internals: Internals) -> None:
    out.gauge("minerfarm_ingest_queue_depth", "Report batches acknowledged, not yet stored", {},
              internals.queue_depth)
    out.counter("minerfarm_ingest_reports_stored", "Reports stored since the commander started",
                {}, internals.reports_stored)
    out.gauge("minerfarm_dead_letters", "Reports the consumer could not store (kept)", {},
              internals.dead_letters)
    out.gauge("minerfarm_websockets", "Live pages open", {}, internals.websockets)
