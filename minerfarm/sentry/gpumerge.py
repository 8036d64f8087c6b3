"""Merge what the miners say about each GPU into the driver's ``gpus[]``.

The driver's figures (NVML, amdgpu sysfs) win where present; a miner's fill the gaps; a figure
nobody gave stays ``None``. Each figure's origin goes into ``Gpu.source``.

Mapping: by PCI bus number where both the driver (NVML's PCI info, the amdgpu card's PCI
address) and the miner (T-Rex ``pci_bus``, GMiner ``bus_id``, NBMiner ``pci_bus_id``, XMRig
``bus_id``) give it: the bus is the card, whatever order each numbers them in. A miner GPU on a
bus the driver does not list is not one of the driver's GPUs. (The PCI domain is not compared:
a rig with GPUs in two PCI domains is not expected.)

Otherwise by GPU index. The driver's index is per vendor (the NVML index; the AMD position by
DRM card number) and a miner numbers GPUs in its own CUDA/OpenCL order, which is PCI bus order
on a default driver setup, the same order the drivers use. A reading maps to the GPU with its
index and, where the miner says which vendor it mines on (T-Rex, TeamRedMiner, XMRig's CUDA
backend), that vendor. Where two GPUs could match (a rig with both kinds, a miner that does
not say), the reading is left out rather than put on the wrong card. A reading with no driver
GPU to match (no NVML on the rig) becomes a GPU of its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from minerfarm.protocol.reports import Gpu, GpuFigure, GpuSource
from minerfarm.sentry.collectors.common import lenient
from minerfarm.sentry.miners.gpustats import MinerGpu

FIGURES: tuple[GpuFigure, ...] = ("temp_c", "fan_pct", "power_w", "hashrate_hs")
DRIVER_SOURCE = {"nvidia": "nvml", "amd": "amdgpu"}


def merge_gpus(driver: Iterable[Gpu], readings: Iterable[MinerGpu],
               buses: Mapping[tuple[str, int], int] | None = None) -> list[Gpu]:
    """``buses``: the driver GPUs' PCI bus numbers by ``(vendor, index)``, where known."""
    gpus = [_with_driver_source(gpu) for gpu in driver]
    bus_of = {i: buses[(gpu.vendor or "", gpu.index)] for i, gpu in enumerate(gpus)
              if buses and (gpu.vendor or "", gpu.index) in buses}
    for reading in readings:
        by_index = [i for i, gpu in enumerate(gpus) if gpu.index == reading.index
                    and (reading.vendor is None or gpu.vendor in (None, reading.vendor))]
        matches = by_index
        if reading.bus is not None and bus_of:
            by_bus = [i for i, bus in bus_of.items() if bus == reading.bus
                      and reading.vendor in (None, gpus[i].vendor)]
            if by_bus:
                matches = by_bus
            elif any(i in bus_of for i in by_index):
                continue  # its index is a card on another bus: a GPU the driver does not list
        if len(matches) > 1:
            continue
        if matches:
            gpus[matches[0]] = _filled(gpus[matches[0]], reading)
        else:
            alone = _filled(lenient(Gpu, index=reading.index, vendor=reading.vendor,
                                    name=reading.name), reading)
            if alone.source:  # not a GPU with every figure out of range
                gpus.append(alone)
    return gpus


def _with_driver_source(gpu: Gpu) -> Gpu:
    given = [name for name in FIGURES if getattr(gpu, name) is not None]
    if not given or gpu.source:
        return gpu
    origin = DRIVER_SOURCE.get(gpu.vendor or "", "driver")
    return gpu.model_copy(update={"source": GpuSource(**dict.fromkeys(given, origin))})


def _filled(gpu: Gpu, reading: MinerGpu) -> Gpu:
    """``gpu`` with the figures it lacks taken from ``reading`` (a figure out of the wire's
    range is dropped by :func:`lenient`, not sent)."""
    gaps = {name: value for name, value in reading.figures().items()
            if getattr(gpu, name) is None}
    if not gaps:
        return gpu
    fields: dict[str, Any] = gpu.model_dump(exclude_none=True)
    for name, value in gaps.items():
        fields[name] = value
    if fields.get("name") is None and reading.name is not None:
        fields["name"] = reading.name
    merged = lenient(Gpu, **{k: v for k, v in fields.items() if k != "source"})
    source: dict[str, Any] = gpu.source.model_dump(exclude_none=True) if gpu.source else {}
    source.update({name: reading.software for name in gaps if getattr(merged, name) is not None})
    return merged.model_copy(update={"source": GpuSource(**source) if source else None})
