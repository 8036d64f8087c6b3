"""NVIDIA GPUs through NVML (package ``nvidia-ml-py``, module ``pynvml``).

Loaded defensively: no package, no driver or no ``libnvidia-ml`` gives ``[]``, never an error.
Each reading is its own NVML call, and an NVML error (a consumer card without a fan sensor,
``NVML_ERROR_NOT_SUPPORTED`` for power on some models, a GPU fallen off the bus) turns only
that reading into ``None``.

``python -m minerfarm.sentry.collectors.nvidia`` prints what it reads, as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from types import ModuleType
from typing import Any

from minerfarm.protocol.reports import Gpu
from minerfarm.sentry.collectors.common import MIB, lenient


def _load_pynvml() -> ModuleType | None:
    try:
        import pynvml
    except ImportError:
        return None
    module: ModuleType = pynvml
    return module


class NvidiaCollector:
    """Initialises NVML on first use (retrying on later calls if the driver was not ready)
    and keeps it until :meth:`close`. Not thread-safe: use it from one thread at a time."""

    def __init__(self, nvml: ModuleType | None = None) -> None:
        self._nvml = nvml if nvml is not None else _load_pynvml()
        self._ready = False
        # NVML index -> PCI bus number, from the last collect(): lets the sentry match a
        # miner's GPU to this one by bus (not on the wire)
        self.pci_buses: dict[int, int] = {}

    def collect(self) -> list[Gpu]:
        self.pci_buses = {}
        nvml = self._start()
        if nvml is None:
            return []
        gpus = []
        for index in range(self._read(nvml.nvmlDeviceGetCount) or 0):
            handle = self._read(nvml.nvmlDeviceGetHandleByIndex, index)
            if handle is not None:
                gpus.append(self._gpu(nvml, index, handle))
                bus = self._pci_bus(nvml, handle)
                if bus is not None:
                    self.pci_buses[index] = bus
        return gpus

    def _pci_bus(self, nvml: ModuleType, handle: Any) -> int | None:
        getter = getattr(nvml, "nvmlDeviceGetPciInfo", None)
        info = self._read(getter, handle) if getter is not None else None
        bus = getattr(info, "bus", None)
        return bus if isinstance(bus, int) and 0 <= bus <= 255 else None

    def close(self) -> None:
        if self._ready and self._nvml is not None:
            self._ready = False
            self._read(self._nvml.nvmlShutdown)

    def _start(self) -> ModuleType | None:
        """The NVML module, initialised; ``None`` where there is no NVIDIA driver."""
        nvml = self._nvml
        if nvml is not None and not self._ready:
            try:
                nvml.nvmlInit()
            except (nvml.NVMLError, OSError):  # no driver / no libnvidia-ml: no GPUs
                return None
            self._ready = True
        return nvml

    def _read(self, getter: Callable[..., Any], *args: Any) -> Any:
        try:
            return getter(*args)
        except self._nvml.NVMLError:  # type: ignore[union-attr]
            return None

    def _gpu(self, nvml: ModuleType, index: int, handle: Any) -> Gpu:
        name = self._read(nvml.nvmlDeviceGetName, handle)
        power_mw = self._read(nvml.nvmlDeviceGetPowerUsage, handle)
        utilization = self._read(nvml.nvmlDeviceGetUtilizationRates, handle)
        memory = self._read(nvml.nvmlDeviceGetMemoryInfo, handle)
        return lenient(
            Gpu,
            index=index,
            vendor="nvidia",
            name=name.decode(errors="replace") if isinstance(name, bytes) else name,
            temp_c=self._read(nvml.nvmlDeviceGetTemperature, handle, nvml.NVML_TEMPERATURE_GPU),
            fan_pct=self._read(nvml.nvmlDeviceGetFanSpeed, handle),
            power_w=power_mw / 1000 if power_mw is not None else None,
            core_mhz=self._read(nvml.nvmlDeviceGetClockInfo, handle, nvml.NVML_CLOCK_GRAPHICS),
            mem_mhz=self._read(nvml.nvmlDeviceGetClockInfo, handle, nvml.NVML_CLOCK_MEM),
            util_pct=getattr(utilization, "gpu", None),
            mem_used_mb=memory.used / MIB if getattr(memory, "used", None) is not None else None,
        )


def collect_nvidia() -> list[Gpu]:
    """One-shot: initialise NVML, read every GPU, shut NVML down."""
    collector = NvidiaCollector()
    try:
        return collector.collect()
    finally:
        collector.close()


def main() -> None:
    gpus = collect_nvidia()
    print(json.dumps([gpu.model_dump(mode="json") for gpu in gpus], indent=2))


if __name__ == "__main__":
    main()
