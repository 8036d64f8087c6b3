"""The CPU/GPU sentry's loop: every interval, one report (host, GPUs, miners) into the uplink.

GPU figures the driver does not give are filled from the miners' APIs (see
:mod:`~minerfarm.sentry.gpumerge`).

Collectors are blocking (psutil, NVML, sysfs) and run in a worker thread; miners are read
concurrently, each on its own deadline. A miner that does not answer is reported with
``running: false`` and no figures (never zeros); one that answers something unreadable with
``running`` unknown.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from minerfarm.agent.uplink import Uplink
from minerfarm.aio import every
from minerfarm.protocol.reports import Gpu, Host, Miner, Report, utc_now
from minerfarm.sentry.collectors.amd import AmdCollector
from minerfarm.sentry.collectors.host import HostCollector
from minerfarm.sentry.collectors.nvidia import NvidiaCollector
from minerfarm.sentry.gpumerge import merge_gpus
from minerfarm.sentry.miners import MinerApiError, MinerUnreachable
from minerfarm.sentry.miners.gpustats import MinerGpu
from minerfarm.sentry.miners.registry import read_miner_with_gpus
from minerfarm.sentry.targets import MinerSource, MinerTarget, all_targets

log = logging.getLogger(__name__)


class Hardware:
    """The host and GPU collectors, kept between rounds (CPU usage and NVML need that)."""

    def __init__(self, nvidia_driver: Path = Path("/proc/driver/nvidia")) -> None:
        self.host = HostCollector()
        # NVML needs the NVIDIA kernel driver; without it, not even importing pynvml saves
        # about 2 MB of the sentry's memory on AMD and CPU rigs.
        self.nvidia = NvidiaCollector() if nvidia_driver.exists() else None
        self.amd = AmdCollector()

    def collect(self) -> tuple[Host | None, list[Gpu], dict[tuple[str, int], int]]:
        """The host, the driver's GPUs and their PCI bus numbers by ``(vendor, index)``."""
        host: Host | None = None
        gpus: list[Gpu] = []
        buses: dict[tuple[str, int], int] = {}
        try:
            host = self.host.collect()
        except Exception:  # a collector bug must not stop the reports
            log.exception("host collector failed")
        for collector in (self.nvidia, self.amd):
            if collector is None:
                continue
            try:
                gpus.extend(collector.collect())
            except Exception:
                log.exception("%s failed", type(collector).__name__)
                continue
            vendor = "nvidia" if collector is self.nvidia else "amd"
            buses.update({(vendor, index): bus for index, bus in collector.pci_buses.items()})
        return host, gpus, buses

    def close(self) -> None:
        if self.nvidia is not None:
            self.nvidia.close()


async def read_target(target: MinerTarget, timeout_s: float) -> tuple[Miner, list[MinerGpu]]:
    """The miner's entry, and what it says about its GPUs (none when it did not answer)."""
    gpus: list[MinerGpu] = []
    try:
        miner, gpus = await read_miner_with_gpus(target.software, target.api_url,
                                                 timeout_s=timeout_s)
    except MinerUnreachable as exc:
        log.info("miner %s at %s: %s", target.software, target.api_url, exc)
        miner = Miner(software=target.software, running=False, api_error=str(exc)[:256])
    except MinerApiError as exc:
        log.warning("miner %s at %s: %s", target.software, target.api_url, exc)
        miner = Miner(software=target.software)
    if target.playbook_id is not None:
        miner.playbook_id = target.playbook_id
    miner.api_url = target.api_url[:1024]
    return miner, gpus


class SentryRuntime:
    def __init__(self, uplink: Uplink, sources: Sequence[MinerSource], *,
                 interval_s: float = 10.0, hardware: Hardware | None = None) -> None:
        self.uplink, self.sources = uplink, list(sources)
        self.interval_s = interval_s
        self.hardware = hardware or Hardware()
        self.miner_timeout_s = min(5.0, max(0.5, interval_s * 0.8))

    async def build_report(self) -> dict[str, Any]:
        """One report, without its ``seq`` (given when it is spooled)."""
        ts = utc_now()
        targets = all_targets(self.sources)
        (host, gpus, buses), read = await asyncio.gather(
            asyncio.to_thread(self.hardware.collect),
            asyncio.gather(*(read_target(t, self.miner_timeout_s) for t in targets)),
        )
        miners = [miner for miner, _ in read]
        gpus = merge_gpus(gpus, (gpu for _, miner_gpus in read for gpu in miner_gpus), buses)
        report = Report(seq=0, ts=ts, host=host, gpus=gpus[:64], miners=miners)
        body = report.model_dump(mode="json", exclude_none=True)
        del body["seq"]
        return body

    async def report_round(self) -> None:
        report = await self.build_report()
        seq = await self.uplink.next_seq()
        await self.uplink.submit(seq, {"seq": seq, **report})

    async def produce(self) -> None:
        """Forever: build a report, spool it, wait for the next tick (no drift, no burst)."""
        await every(self.interval_s, self.report_round)
