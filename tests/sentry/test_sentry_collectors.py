"""The hardware collectors: the host on this machine, NVML as it is here (no GPU: ``[]``),
and amdgpu on a fake sysfs tree laid out as the kernel lays it out."""

from __future__ import annotations

import os
import platform
import socket
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pynvml
import pytest

from minerfarm.sentry.collectors import procfs
from minerfarm.sentry.collectors.amd import AmdCollector
from minerfarm.sentry.collectors.host import HostCollector, cpu_temperature
from minerfarm.sentry.collectors.nvidia import NvidiaCollector, collect_nvidia

# --- host -------------------------------------------------------------------------------


def test_host_reports_this_machine() -> None:
    host = HostCollector().collect()
    assert host.hostname == socket.gethostname()
    assert host.os is not None and host.os.startswith(platform.system())
    assert host.uptime_s is not None and host.uptime_s > 0
    assert host.cpu is not None and host.cpu.cores == os.cpu_count()
    assert host.cpu.usage_pct is not None and 0 <= host.cpu.usage_pct <= 100
    assert host.memory is not None and host.memory.total_mb and host.memory.used_mb
    assert 0 < host.memory.used_mb < host.memory.total_mb


def test_host_cpu_model_from_cpuinfo(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD Ryzen 9 5950X 16-Core "
        "Processor\nflags\t\t: fpu vme\n\nprocessor\t: 1\n")
    host = HostCollector(proc_root=tmp_path).collect()
    assert host.cpu is not None and host.cpu.model == "AMD Ryzen 9 5950X 16-Core Processor"


# --- NVIDIA -----------------------------------------------------------------------------


def _machine_has_nvml() -> bool:
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError:
        return False
    pynvml.nvmlShutdown()
    return True


def test_nvml_collector_reads_what_the_machine_has() -> None:
    gpus = collect_nvidia()  # must not raise, driver or not
    if not _machine_has_nvml():
        assert gpus == []
    else:  # on a GPU machine: one entry per GPU, each with its name
        assert gpus and all(gpu.vendor == "nvidia" and gpu.name for gpu in gpus)


def _fake_nvml(**overrides: Any) -> SimpleNamespace:
    """An NVML stand-in (NVML cannot run without a GPU): one RTX 3080 at fixed readings, with
    the real ``pynvml`` error classes so the collector's error handling is what runs."""

    def refuse(*_: Any) -> Any:
        raise pynvml.NVMLError(pynvml.NVML_ERROR_NOT_SUPPORTED)

    fake = SimpleNamespace(
        NVMLError=pynvml.NVMLError, NVML_TEMPERATURE_GPU=pynvml.NVML_TEMPERATURE_GPU,
        NVML_CLOCK_GRAPHICS=pynvml.NVML_CLOCK_GRAPHICS, NVML_CLOCK_MEM=pynvml.NVML_CLOCK_MEM,
        nvmlInit=lambda: None, nvmlShutdown=lambda: None, nvmlDeviceGetCount=lambda: 1,
        nvmlDeviceGetHandleByIndex=lambda index: f"handle{index}",
        nvmlDeviceGetName=lambda h: "NVIDIA GeForce RTX 3080",
        nvmlDeviceGetTemperature=lambda h, sensor: 61,
        nvmlDeviceGetFanSpeed=lambda h: 70,
        nvmlDeviceGetPowerUsage=lambda h: 221500,  # milliwatts
        nvmlDeviceGetClockInfo=lambda h, clock: {pynvml.NVML_CLOCK_GRAPHICS: 1500,
                                                  pynvml.NVML_CLOCK_MEM: 9501}[clock],
        nvmlDeviceGetUtilizationRates=lambda h: SimpleNamespace(gpu=100, memory=80),
        nvmlDeviceGetMemoryInfo=lambda h: SimpleNamespace(used=4100 * 1024 * 1024),
    )
    for name, value in overrides.items():
        setattr(fake, name, refuse if value is None else value)
    return fake


def test_nvml_readings_in_wire_units() -> None:
    (gpu,) = NvidiaCollector(nvml=_fake_nvml()).collect()  # type: ignore[arg-type]
    assert gpu.model_dump(exclude_none=True) == {
        "index": 0, "vendor": "nvidia", "name": "NVIDIA GeForce RTX 3080", "temp_c": 61,
        "fan_pct": 70, "power_w": 221.5, "core_mhz": 1500, "mem_mhz": 9501, "util_pct": 100,
        "mem_used_mb": 4100}


def test_nvml_error_on_one_reading_leaves_the_others() -> None:
    nvml = _fake_nvml(nvmlDeviceGetFanSpeed=None, nvmlDeviceGetPowerUsage=None)
    (gpu,) = NvidiaCollector(nvml=nvml).collect()  # type: ignore[arg-type]
    assert gpu.fan_pct is None and gpu.power_w is None
    assert (gpu.temp_c, gpu.core_mhz, gpu.util_pct) == (61, 1500, 100)


def test_nvml_pci_bus_of_each_gpu() -> None:
    collector = NvidiaCollector(nvml=_fake_nvml(  # type: ignore[arg-type]
        nvmlDeviceGetPciInfo=lambda h: SimpleNamespace(bus=10, busId="00000000:0A:00.0")))
    collector.collect()
    assert collector.pci_buses == {0: 10}
    refused = NvidiaCollector(nvml=_fake_nvml(nvmlDeviceGetPciInfo=None))  # type: ignore[arg-type]
    refused.collect()
    assert refused.pci_buses == {}


def test_nvml_without_driver_is_no_gpus() -> None:
    nvml = _fake_nvml(nvmlInit=None)
    assert NvidiaCollector(nvml=nvml).collect() == []  # type: ignore[arg-type]


# --- AMD --------------------------------------------------------------------------------


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n")


def _card(sysfs: Path, card: str, pci: str, files: dict[str, str]) -> Path:
    """``/sys/class/drm/<card>`` -> ``/sys/devices/.../<pci>/drm/<card>``, whose ``device``
    links back to the PCI device, as the kernel builds it."""
    device = sysfs / "devices" / "pci0000:00" / pci
    for name, text in files.items():
        _write(device / name, text)
    card_dir = device / "drm" / card
    card_dir.mkdir(parents=True)
    (card_dir / "device").symlink_to(device)
    (sysfs / "class" / "drm").mkdir(parents=True, exist_ok=True)
    (sysfs / "class" / "drm" / card).symlink_to(card_dir)
    return device


@pytest.fixture
def sysfs(tmp_path: Path) -> Path:
    _card(tmp_path, "card0", "0000:00:02.0", {"vendor": "0x8086"})  # an Intel iGPU
    _card(tmp_path, "card1", "0000:03:00.0", {
        "vendor": "0x1002", "product_name": "AMD Radeon RX 6800",
        "gpu_busy_percent": "97", "mem_info_vram_used": str(4 * 1024**3),
        "pp_dpm_sclk": "0: 500Mhz\n1: 1340Mhz *\n2: 2105Mhz",
        "pp_dpm_mclk": "0: 96Mhz\n1: 456Mhz\n2: 1000Mhz *",
        "hwmon/hwmon2/name": "amdgpu",
        "hwmon/hwmon2/temp1_input": "47000", "hwmon/hwmon2/temp1_label": "edge",
        "hwmon/hwmon2/temp2_input": "60000", "hwmon/hwmon2/temp2_label": "junction",
        "hwmon/hwmon2/pwm1": "153", "hwmon/hwmon2/pwm1_max": "255",
        "hwmon/hwmon2/power1_average": "120500000",
    })
    # A newer card on a newer kernel: power1_input, no pp_dpm files, clocks in hwmon (Hz),
    # a nonsense temperature, and gpu_busy_percent the driver refuses to read.
    device = _card(tmp_path, "card2", "0000:04:00.0", {
        "vendor": "0x1002",
        "hwmon/hwmon3/temp1_input": "511000",
        "hwmon/hwmon3/power1_input": "200000000",
        "hwmon/hwmon3/freq1_input": "2100000000", "hwmon/hwmon3/freq2_input": "1250000000",
    })
    (device / "gpu_busy_percent").mkdir()  # reading it fails, as an EIO would
    (tmp_path / "class" / "drm" / "card1-DP-1").mkdir()  # a connector, not a card
    (tmp_path / "class" / "drm" / "renderD128").mkdir()
    return tmp_path


def test_amd_cards_read_from_sysfs(sysfs: Path) -> None:
    first, second = AmdCollector(sysfs_root=sysfs).collect()
    assert first.model_dump(exclude_none=True) == {
        "index": 0, "vendor": "amd", "name": "AMD Radeon RX 6800",
        "temp_c": 47.0,  # edge, not junction
        "fan_pct": pytest.approx(60.0),  # 153 / 255
        "power_w": 120.5, "core_mhz": 1340, "mem_mhz": 1000, "util_pct": 97,
        "mem_used_mb": 4096}
    assert second.model_dump(exclude_none=True) == {
        "index": 1, "vendor": "amd", "power_w": 200.0, "core_mhz": 2100, "mem_mhz": 1250}


def test_amd_cards_pci_buses_from_their_device_links(sysfs: Path) -> None:
    collector = AmdCollector(sysfs_root=sysfs)
    collector.collect()
    assert collector.pci_buses == {0: 3, 1: 4}  # 0000:03:00.0, 0000:04:00.0


def test_amd_without_drm_is_no_gpus(tmp_path: Path) -> None:
    assert AmdCollector(sysfs_root=tmp_path).collect() == []


# --- host, from /proc and /sys (Linux) --------------------------------------------------


def _fake_proc(root: Path, *, stat: str) -> Path:
    root.mkdir(exist_ok=True)
    (root / "meminfo").write_text("MemTotal:       16318428 kB\nMemFree:         1203516 kB\n"
                                  "MemAvailable:    9882380 kB\nBuffers:          433484 kB\n")
    (root / "uptime").write_text("35468.21 270311.98\n")
    (root / "stat").write_text(stat)
    return root


def _stat(user: int, idle: int, iowait: int, guest: int) -> str:
    # user nice system idle iowait irq softirq steal guest guest_nice
    return (f"cpu  {user} 0 100 {idle} {iowait} 0 0 0 {guest} 0\n"
            f"cpu0 {user} 0 100 {idle} {iowait} 0 0 0 {guest} 0\nintr 1 2 3\n")


def test_host_figures_from_proc(tmp_path: Path) -> None:
    proc = _fake_proc(tmp_path / "proc", stat=_stat(user=1000, idle=8000, iowait=500, guest=50))
    collector = HostCollector(proc_root=proc, sys_root=tmp_path / "sys", procfs_readings=True)
    first = collector.collect()
    assert first.uptime_s == 35468.21
    assert first.memory is not None
    assert first.memory.total_mb == 16318428 / 1024
    assert first.memory.used_mb == (16318428 - 9882380) / 1024
    assert first.cpu is not None and first.cpu.usage_pct == 0.0  # nothing moved in 0.2 s
    # 300 ticks of user, 100 idle, 100 iowait: 60 % busy (guest time is in user time)
    (proc / "stat").write_text(_stat(user=1300, idle=8100, iowait=600, guest=80))
    second = collector.collect()
    assert second.cpu is not None and second.cpu.usage_pct == pytest.approx(60.0)


def test_old_kernels_without_memavailable_and_missing_files(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    proc.mkdir()
    (proc / "meminfo").write_text("MemTotal: 1024 kB\nMemFree: 256 kB\nBuffers: 128 kB\n"
                                  "Cached: 128 kB\n")
    host = HostCollector(proc_root=proc, sys_root=tmp_path, procfs_readings=True).collect()
    assert host.memory is not None and host.memory.used_mb == 512 / 1024
    assert host.uptime_s is None and host.cpu is not None and host.cpu.usage_pct is None


def _sensor(hwmon: Path, chip: str, readings: dict[str, tuple[str, int]]) -> None:
    hwmon.mkdir(parents=True)
    (hwmon / "name").write_text(chip + "\n")
    for sensor, (label, millidegrees) in readings.items():
        (hwmon / f"{sensor}_input").write_text(f"{millidegrees}\n")
        if label:
            (hwmon / f"{sensor}_label").write_text(label + "\n")


def test_cpu_temperature_from_hwmon_then_thermal_zones(tmp_path: Path) -> None:
    sys_root = tmp_path / "sys"
    hwmon = sys_root / "class" / "hwmon"
    _sensor(hwmon / "hwmon0", "nvme", {"temp1": ("Composite", 41850)})
    _sensor(hwmon / "hwmon1", "k10temp", {"temp1": ("Tctl", 63125), "temp3": ("Tccd1", 58000)})
    assert procfs.temperatures(sys_root) == {"nvme": [("Composite", 41.85)],
                                             "k10temp": [("Tctl", 63.125), ("Tccd1", 58.0)]}
    host = HostCollector(proc_root=tmp_path, sys_root=sys_root, procfs_readings=True).collect()
    assert host.cpu is not None and host.cpu.temp_c == 63.125
    # no hwmon sensor at all (some ARM boards): the thermal zones
    board = tmp_path / "board"
    zone = board / "class" / "thermal" / "thermal_zone0"
    zone.mkdir(parents=True)
    (zone / "type").write_text("cpu_thermal\n")
    (zone / "temp").write_text("48312\n")
    assert procfs.temperatures(board) == {"cpu_thermal": [("", 48.312)]}
    assert cpu_temperature(procfs.temperatures(board)) == 48.312


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc and /sys")
@pytest.mark.realclock  # psutil's uptime is the wall clock less the boot time: faketime moves it
def test_uptime_is_what_psutil_says_on_this_machine() -> None:
    import psutil

    uptime = procfs.uptime_s(Path("/proc"))
    assert uptime is not None and abs(uptime - (time.time() - psutil.boot_time())) < 5


def test_proc_and_sys_say_what_psutil_says_on_this_machine() -> None:
    import psutil

    total, _ = procfs.memory_bytes(Path("/proc")) or (0, 0)
    assert total == psutil.virtual_memory().total
    ours = procfs.temperatures(Path("/sys"))
    theirs = {chip: [(entry.label, entry.current) for entry in entries]
              for chip, entries in psutil.sensors_temperatures().items()}
    assert ours == theirs
    by_psutil = HostCollector(procfs_readings=False).collect()
    by_proc = HostCollector().collect()
    assert by_proc.os == by_psutil.os and by_proc.cpu is not None and by_psutil.cpu is not None
    assert by_proc.cpu.cores == by_psutil.cpu.cores and by_proc.cpu.model == by_psutil.cpu.model
