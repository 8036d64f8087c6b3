"""The host: name, OS, uptime, CPU (model, cores, usage, temperature) and memory, from /proc
and /sys on Linux (:mod:`.procfs`), via psutil elsewhere."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import Any

from minerfarm.protocol.reports import Cpu, Host, Memory
from minerfarm.sentry.collectors import procfs
from minerfarm.sentry.collectors.common import MIB, lenient

# Sensor chips and labels that measure the CPU package, best first (Intel, AMD, ARM boards).
_CPU_SENSORS = (("coretemp", "Package id 0"), ("k10temp", "Tctl"), ("k10temp", "Tdie"),
                ("zenpower", "Tdie"), ("cpu_thermal", ""), ("coretemp", ""), ("k10temp", ""))
FIRST_USAGE_S = 0.2  # the first CPU usage is measured over this (blocking)


class HostCollector:
    """Keep one per process: CPU usage is measured between two successive ``collect()`` calls
    (the first call measures over a short blocking interval instead)."""

    def __init__(self, proc_root: Path = Path("/proc"), sys_root: Path = Path("/sys"), *,
                 procfs_readings: bool | None = None) -> None:
        self._proc_root, self._sys_root = proc_root, sys_root
        self._procfs = sys.platform.startswith("linux") if procfs_readings is None \
            else procfs_readings
        self._psutil: Any = None if self._procfs else _psutil()
        self._cpu_before: procfs.CpuTimes | None = None
        self._primed = False

    def collect(self) -> Host:
        total, available = self._memory()
        return lenient(
            Host,
            hostname=socket.gethostname() or None,
            os=_os_name(),
            uptime_s=self._uptime(),
            cpu=lenient(Cpu, model=self._cpu_model(), cores=os.cpu_count(),
                        usage_pct=self._usage(), temp_c=self._temperature()),
            memory=lenient(Memory, total_mb=None if total is None else total / MIB,
                           used_mb=None if total is None or available is None
                           else (total - available) / MIB),
        )

    def _memory(self) -> tuple[int | None, int | None]:
        if not self._procfs:
            memory = self._psutil.virtual_memory()
            return memory.total, memory.available
        return procfs.memory_bytes(self._proc_root) or (None, None)

    def _uptime(self) -> float | None:
        if not self._procfs:
            return max(time.time() - float(self._psutil.boot_time()), 0.0)
        return procfs.uptime_s(self._proc_root)

    def _usage(self) -> float | None:
        # A first reading compares against nothing: measure over 0.2 s once, then between
        # calls (as psutil.cpu_percent does).
        if not self._procfs:
            first, self._primed = not self._primed, True
            return float(self._psutil.cpu_percent(interval=FIRST_USAGE_S if first else None))
        before = self._cpu_before
        if before is None:
            before = procfs.CpuTimes.read(self._proc_root)
            time.sleep(FIRST_USAGE_S)
        now = self._cpu_before = procfs.CpuTimes.read(self._proc_root)
        return now.percent_since(before) if now is not None and before is not None else None

    def _temperature(self) -> float | None:
        if not self._procfs:
            sensors = getattr(self._psutil, "sensors_temperatures", None)  # not macOS/Windows
            try:
                readings = {chip: [(entry.label, entry.current) for entry in entries]
                            for chip, entries in (sensors() if sensors else {}).items()}
            except (OSError, RuntimeError):
                return None
        else:
            readings = procfs.temperatures(self._sys_root)
        return cpu_temperature(readings)

    def _cpu_model(self) -> str | None:
        try:
            with (self._proc_root / "cpuinfo").open(encoding="utf-8", errors="replace") as info:
                for line in info:
                    key, _, value = line.partition(":")
                    if key.strip() in ("model name", "Model", "Hardware") and value.strip():
                        return value.strip()
        except OSError:
            pass
        import platform  # here: only where cpuinfo names no model

        return platform.processor() or None


def cpu_temperature(readings: dict[str, list[tuple[str, float]]]) -> float | None:
    """The CPU package temperature, if a known sensor reports it: ``readings`` are
    ``{chip: [(label, degrees C), ...]}``."""
    for chip, label in _CPU_SENSORS:
        for entry_label, current in readings.get(chip, []):
            if not label or entry_label == label:
                return float(current)
    return None


def _os_name() -> str | None:
    if hasattr(os, "uname"):
        uname = os.uname()  # what platform.system() and .release() say, on POSIX
        return f"{uname.sysname} {uname.release}".strip() or None
    import platform

    return f"{platform.system()} {platform.release()}".strip() or None


def _psutil() -> Any:
    import psutil  # not on Linux: /proc and /sys say it all there

    return psutil
