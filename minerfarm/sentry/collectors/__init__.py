"""Hardware collectors of the CPU/GPU sentry. All are blocking and synchronous: call them from
the event loop with ``asyncio.to_thread`` (/proc, NVML and sysfs reads may stall).

- :class:`~.host.HostCollector` ``.collect() -> Host`` (/proc and /sys on Linux, psutil elsewhere).
- :class:`~.nvidia.NvidiaCollector` ``.collect() -> list[Gpu]`` (NVML; ``[]`` without a driver),
  ``.close()``; or the one-shot :func:`~.nvidia.collect_nvidia`. ``python -m
  minerfarm.sentry.collectors.nvidia`` prints what it reads, as JSON.
- :class:`~.amd.AmdCollector` ``(sysfs_root=Path("/sys")).collect() -> list[Gpu]`` (amdgpu
  sysfs/hwmon; ``[]`` without AMD cards).

GPU ``index`` is per vendor (the NVML index; the position among AMD cards by DRM card number),
so a rig with both kinds has an ``index`` 0 of each, told apart by ``vendor``. A reading a
driver refuses or that is out of range is ``None``; the other readings of the device stay.
After ``collect()``, each GPU collector's ``pci_buses`` maps its indexes to PCI bus numbers
(not on the wire: the sentry matches miners' GPU figures to the cards by it).
"""
