"""AMD GPUs through the amdgpu driver's sysfs and hwmon files (no ROCm needed).

Per card, ``<sysfs>/class/drm/cardN/device/``: ``vendor`` (``0x1002``), ``product_name`` (where
the board has one), ``gpu_busy_percent``, ``mem_info_vram_used`` (bytes), ``pp_dpm_sclk`` and
``pp_dpm_mclk`` (levels, ``*`` marks the current one), and ``hwmon/hwmonM/``: ``temp*_input``
(millidegrees; the one labelled ``edge``, else ``temp1``), ``pwm1``/``pwm1_max``,
``power1_average`` (microwatts; ``power1_input`` on newer kernels), ``freq1_input``/
``freq2_input`` (Hz) as the clocks' fallback. A file the driver lacks or refuses is ``None``.
The sysfs root is a constructor argument so tests point it at a fake tree.
"""

from __future__ import annotations

import re
from pathlib import Path

from minerfarm.protocol.reports import Gpu
from minerfarm.sentry.collectors.common import MIB, lenient

AMD_VENDOR = "0x1002"
_CARD = re.compile(r"^card(\d+)$")  # not card0-DP-1 (connectors) nor renderD128
_PCI_ADDRESS = re.compile(r"^[0-9a-f]{4,8}:([0-9a-f]{2}):[0-9a-f]{2}\.[0-7]$")
_CURRENT_LEVEL = re.compile(r"^\s*\w+:\s*(\d+(?:\.\d+)?)\s*mhz\s*\*", re.IGNORECASE | re.MULTILINE)


class AmdCollector:
    def __init__(self, sysfs_root: Path = Path("/sys")) -> None:
        self._drm = sysfs_root / "class" / "drm"
        # index -> PCI bus number, from the last collect() (see NvidiaCollector.pci_buses)
        self.pci_buses: dict[int, int] = {}

    def collect(self) -> list[Gpu]:
        devices = self._devices()
        self.pci_buses = {index: bus for index, device in enumerate(devices)
                          if (bus := _pci_bus(device)) is not None}
        return [self._gpu(index, device) for index, device in enumerate(devices)]

    def _devices(self) -> list[Path]:
        """The PCI device directories of AMD cards, by card number."""
        try:
            cards = [(int(m[1]), entry) for entry in self._drm.iterdir()
                     if (m := _CARD.match(entry.name))]
        except OSError:  # no DRM at all (a headless VM, a container)
            return []
        return [card / "device" for _, card in sorted(cards)
                if (_text(card / "device" / "vendor") or "").lower() == AMD_VENDOR]

    def _gpu(self, index: int, device: Path) -> Gpu:
        hwmon = _hwmon(device)
        return lenient(
            Gpu,
            index=index,
            vendor="amd",
            name=_text(device / "product_name"),
            temp_c=_scaled(_edge_temperature(hwmon), 1000),
            fan_pct=_fan_percent(hwmon),
            power_w=_scaled(_number(hwmon / "power1_average", hwmon / "power1_input"),
                            1_000_000),
            core_mhz=_current_mhz(device / "pp_dpm_sclk")
            or _scaled(_number(hwmon / "freq1_input"), 1_000_000),
            mem_mhz=_current_mhz(device / "pp_dpm_mclk")
            or _scaled(_number(hwmon / "freq2_input"), 1_000_000),
            util_pct=_number(device / "gpu_busy_percent"),
            mem_used_mb=_scaled(_number(device / "mem_info_vram_used"), MIB),
        )


def _pci_bus(device: Path) -> int | None:
    """``cardN/device`` links to the PCI device, ``.../0000:03:00.0``: bus 3."""
    try:
        found = _PCI_ADDRESS.match(device.resolve().name)
    except OSError:
        return None
    return int(found[1], 16) if found else None


def _text(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:  # missing, or the driver refuses (EINVAL, EBUSY while the GPU sleeps)
        return None
    return text or None


def _number(*paths: Path) -> float | None:
    """The number in the first of ``paths`` that holds one."""
    for path in paths:
        text = _text(path)
        if text is None:
            continue
        try:
            return float(text)
        except ValueError:
            continue
    return None


def _scaled(value: float | None, divisor: float) -> float | None:
    return value / divisor if value is not None else None


def _hwmon(device: Path) -> Path:
    """The card's hwmon directory (``hwmonM``, M assigned at boot); a missing path reads as
    ``None`` everywhere, so a card without hwmon still reports its sysfs readings."""
    try:
        found = sorted((device / "hwmon").glob("hwmon*"))
    except OSError:
        found = []
    return found[0] if found else device / "hwmon" / "missing"


def _edge_temperature(hwmon: Path) -> float | None:
    for label in sorted(hwmon.glob("temp*_label")):
        if _text(label) == "edge":
            return _number(label.with_name(label.name.replace("_label", "_input")))
    return _number(hwmon / "temp1_input")


def _fan_percent(hwmon: Path) -> float | None:
    pwm, pwm_max = _number(hwmon / "pwm1"), _number(hwmon / "pwm1_max")
    if pwm is None or not pwm_max:
        return None
    return 100.0 * pwm / pwm_max


def _current_mhz(path: Path) -> float | None:
    text = _text(path)
    match = _CURRENT_LEVEL.search(text) if text is not None else None
    return float(match[1]) if match else None
