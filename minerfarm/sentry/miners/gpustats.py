"""What a miner's API says about the GPUs it mines on: temperature, fan, power and hashrate per
GPU.

These are sentry-side readings, not wire models: :mod:`minerfarm.sentry.gpumerge` merges them
into the report's ``gpus[]``, where the driver's figures (NVML, amdgpu) win and these fill the
gaps. ``index`` is the miner's own GPU number (CUDA/OpenCL order as the miner lists it); the
merge maps it to the driver's index.

Miners write 0 where they could not read a sensor (GMiner's ``memory_temperature``, XMRig's
OpenCL ``power`` while hashing), so a temperature or power of 0 is read as unknown; a fan at
0 % is real (zero-RPM mode) and kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from minerfarm.protocol.reports import GpuFigure
from minerfarm.sentry.miners import values as v

Vendor = Literal["nvidia", "amd"]


@dataclass(frozen=True)
class MinerGpu:
    index: int
    software: str  # the adapter's registry name, shown as the figure's source
    vendor: Vendor | None = None  # only where the miner's API says (or mines on one kind only)
    name: str | None = None
    temp_c: float | None = None
    fan_pct: float | None = None
    power_w: float | None = None
    hashrate_hs: float | None = None  # the miner's figure for this GPU (as in its devices[])
    bus: int | None = None  # the PCI bus number, where the miner gives it

    def figures(self) -> dict[GpuFigure, float]:
        """The figures the miner gave, by wire field name."""
        found: dict[GpuFigure, float | None] = {
            "temp_c": self.temp_c, "fan_pct": self.fan_pct, "power_w": self.power_w,
            "hashrate_hs": self.hashrate_hs}
        return {name: value for name, value in found.items() if value is not None}


def positive(value: Any) -> float | None:
    """A sensor figure where 0 means "not read" (temperature, power)."""
    number = v.non_negative(value)
    return number if number else None


# "0000:03:00.0" (GMiner) or "03:00.0" (XMRig): lspci's hex domain:bus:device.function;
# "0b:0" (Rigel): bus:device, without the function
_PCI_ADDRESS = re.compile(
    r"^(?:[0-9a-fA-F]{4,8}:)?([0-9a-fA-F]{2}):(?:[0-9a-fA-F]{2}\.[0-7]|[0-9a-fA-F]{1,2})$")


def pci_bus(value: Any) -> int | None:
    """A PCI bus number given as an integer (T-Rex ``pci_bus``, NBMiner ``pci_bus_id``) or as
    a PCI address; ``None`` for anything else."""
    if isinstance(value, str):
        found = _PCI_ADDRESS.match(value.strip())
        return int(found[1], 16) if found else None
    number = v.count(value)
    return number if number is not None and number <= 255 else None


def reading(software: str, position: int, index: Any, *, vendor: Vendor | None = None,
            name: Any = None, temp: Any = None, fan: Any = None, power: Any = None,
            bus: Any = None, hashrate_hs: float | None = None) -> MinerGpu | None:
    """One GPU's reading, numbered by the miner's index when usable (else by position);
    ``None`` when the miner gave none of the figures."""
    number = v.count(index)
    gpu = MinerGpu(index=position if number is None else number, software=software,
                   vendor=vendor, name=v.text(name), temp_c=positive(temp),
                   fan_pct=v.non_negative(fan), power_w=positive(power),
                   hashrate_hs=hashrate_hs, bus=pci_bus(bus))
    return gpu if gpu.figures() else None


def present(gpus: list[MinerGpu | None]) -> list[MinerGpu]:
    return [gpu for gpu in gpus if gpu is not None]
