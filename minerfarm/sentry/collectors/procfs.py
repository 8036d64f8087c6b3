"""The host's figures read from Linux's /proc and /sys, as psutil reads them there.

The sentry needs five of psutil's figures (memory, boot time, CPU count, CPU usage, CPU
temperature); on Linux each is a few lines of a /proc or /sys file, and psutil with its
C extension cost about 0.8 MB of the sentry's 40 MB budget on a rig
(``bench/sentry_footprint.py``). :class:`~.host.HostCollector` uses psutil elsewhere. The
arithmetic is psutil's: used memory is total less ``MemAvailable``; CPU usage is the busy
share of the time between two readings of ``/proc/stat`` (idle and iowait are not busy,
guest time is already in user time); temperatures are the hwmon ``temp*_input`` sensors, and
the thermal zones where no hwmon sensor reports one.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


def memory_bytes(proc: Path) -> tuple[int, int] | None:
    """``(total, available)`` from ``meminfo``; None if it cannot be read."""
    fields: dict[str, int] = {}
    try:
        with (proc / "meminfo").open(encoding="ascii", errors="replace") as meminfo:
            for line in meminfo:
                name, _, rest = line.partition(":")
                value = rest.split()
                if value and value[0].isdigit():
                    fields[name] = int(value[0]) * 1024  # kB
    except OSError:
        return None
    if "MemTotal" not in fields:
        return None
    available = fields.get("MemAvailable")
    if available is None:  # kernels before 3.14
        available = sum(fields.get(name, 0) for name in ("MemFree", "Buffers", "Cached"))
    return fields["MemTotal"], available


def uptime_s(proc: Path) -> float | None:
    try:
        return float((proc / "uptime").read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class CpuTimes:
    busy: float
    total: float

    @classmethod
    def read(cls, proc: Path) -> CpuTimes | None:
        """The first (all CPUs) line of ``stat``: user nice system idle iowait irq softirq
        steal guest guest_nice, in ticks."""
        try:
            with (proc / "stat").open(encoding="ascii") as stat:
                fields = stat.readline().split()
            ticks = [float(value) for value in fields[1:]]
        except (OSError, ValueError):
            return None
        if fields[:1] != ["cpu"] or len(ticks) < 4:
            return None
        total = sum(ticks) - sum(ticks[8:10])  # guest, guest_nice: counted in user, nice
        iowait = ticks[4] if len(ticks) > 4 else 0.0
        return cls(busy=total - ticks[3] - iowait, total=total)

    def percent_since(self, before: CpuTimes) -> float:
        elapsed = self.total - before.total
        if elapsed <= 0:
            return 0.0
        return min(max(100 * (self.busy - before.busy) / elapsed, 0.0), 100.0)


def temperatures(sys_root: Path) -> dict[str, list[tuple[str, float]]]:
    """``{chip: [(label, degrees C), ...]}`` as psutil's ``sensors_temperatures`` names them."""
    found: dict[str, list[tuple[str, float]]] = {}
    hwmon = sys_root / "class" / "hwmon"
    inputs = sorted({*hwmon.glob("hwmon*/temp*_input"), *hwmon.glob("hwmon*/device/temp*_input")})
    for path in inputs:
        current = _millidegrees(path)
        chip = _text(path.with_name("name"))
        if current is not None and chip is not None:
            label = _text(path.with_name(path.name.replace("_input", "_label"))) or ""
            found.setdefault(chip, []).append((label, current))
    if not inputs:
        for zone in sorted((sys_root / "class" / "thermal").glob("thermal_zone*")):
            current, chip = _millidegrees(zone / "temp"), _text(zone / "type")
            if current is not None and chip is not None:
                found.setdefault(chip, []).append(("", current))
    return found


def _millidegrees(path: Path) -> float | None:
    text = _text(path)
    try:
        return float(text) / 1000 if text is not None else None
    except ValueError:
        return None


def _text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None

