"""The host: name, OS, uptime, CPU (model, cores, usage, temperature) and memory, via psutil."""

from __future__ import annotations

import platform
import socket
import time
from pathlib import Path

import psutil

from minerfarm.protocol.reports import Cpu, Host, Memory
from minerfarm.sentry.collectors.common import MIB, lenient

# Sensor chips and labels that measure the CPU package, best first (Intel, AMD, ARM boards).
_CPU_SENSORS = (("coretemp", "Package id 0"), ("k10temp", "Tctl"), ("k10temp", "Tdie"),
                ("zenpower", "Tdie"), ("cpu_thermal", ""), ("coretemp", ""), ("k10temp", ""))


class HostCollector:
    """Keep one per process: CPU usage is measured between two successive ``collect()`` calls
    (the first call measures over a short blocking interval instead)."""

    def __init__(self, proc_root: Path = Path("/proc")) -> None:
        self._proc_root = proc_root
        self._primed = False

    def collect(self) -> Host:
        memory = psutil.virtual_memory()
        return lenient(
            Host,
            hostname=socket.gethostname() or None,
            os=f"{platform.system()} {platform.release()}".strip() or None,
            uptime_s=max(time.time() - psutil.boot_time(), 0.0),
            cpu=lenient(Cpu, model=self._cpu_model(), cores=psutil.cpu_count(logical=True),
                        usage_pct=self._usage(), temp_c=cpu_temperature()),
            memory=lenient(Memory, total_mb=memory.total / MIB,
                           used_mb=(memory.total - memory.available) / MIB),
        )

    def _usage(self) -> float:
        # psutil's first non-blocking reading compares against nothing and says 0.0: measure
        # over 0.2 s once, then between calls.
        if not self._primed:
            self._primed = True
            return float(psutil.cpu_percent(interval=0.2))
        return float(psutil.cpu_percent(interval=None))

    def _cpu_model(self) -> str | None:
        try:
            with (self._proc_root / "cpuinfo").open(encoding="utf-8", errors="replace") as info:
                for line in info:
                    key, _, value = line.partition(":")
                    if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                        return value.strip()
        except OSError:
            pass
        return platform.processor() or None


def cpu_temperature() -> float | None:
    """The CPU package temperature, if a known sensor reports it (Linux, FreeBSD)."""
    sensors = getattr(psutil, "sensors_temperatures", None)  # absent on macOS/Windows
    if sensors is None:
        return None
    try:
        readings = sensors()
    except (OSError, RuntimeError):
        return None
    for chip, label in _CPU_SENSORS:
        for entry in readings.get(chip, []):
            if not label or entry.label == label:
                return float(entry.current)
    return None
