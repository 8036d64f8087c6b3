"""The sentry's GPU merge: the driver's figures win, a miner's fill the gaps, a figure nobody
gave stays unknown, and each figure says where it came from."""

from __future__ import annotations

from minerfarm.protocol.reports import Gpu
from minerfarm.sentry.gpumerge import merge_gpus
from minerfarm.sentry.miners.gpustats import MinerGpu


def sources(gpu: Gpu) -> dict[str, str]:
    return gpu.source.model_dump(exclude_none=True) if gpu.source else {}


TREX = MinerGpu(index=0, software="trex", vendor="nvidia", name="RTX 3070",
                temp_c=74, fan_pct=68, power_w=195, hashrate_hs=50287688)


def test_driver_figures_win_and_the_miner_fills_only_the_gaps() -> None:
    # NVML read the temperature and the fan but not the power (a card without power sensing)
    nvml = Gpu(index=0, vendor="nvidia", name="NVIDIA GeForce RTX 3070", temp_c=70, fan_pct=60,
               core_mhz=1935)
    [gpu] = merge_gpus([nvml], [TREX])
    assert (gpu.temp_c, gpu.fan_pct, gpu.power_w) == (70, 60, 195)
    assert gpu.name == "NVIDIA GeForce RTX 3070" and gpu.core_mhz == 1935
    assert sources(gpu) == {"temp_c": "nvml", "fan_pct": "nvml", "power_w": "trex",
                          "hashrate_hs": "trex"}


def test_without_a_driver_the_miner_gives_the_gpu() -> None:
    [gpu] = merge_gpus([], [TREX])
    assert gpu.model_dump(mode="json", exclude_none=True) == {
        "index": 0, "vendor": "nvidia", "name": "RTX 3070", "temp_c": 74, "fan_pct": 68,
        "power_w": 195, "hashrate_hs": 50287688,
        "source": {"temp_c": "trex", "fan_pct": "trex", "power_w": "trex", "hashrate_hs": "trex"}}


def test_a_figure_nobody_gave_stays_none_never_zero() -> None:
    trm = MinerGpu(index=1, software="teamredminer", vendor="amd", temp_c=61, fan_pct=65)
    amd = Gpu(index=1, vendor="amd", core_mhz=1383)  # sysfs without hwmon
    [gpu] = merge_gpus([amd], [trm])
    assert gpu.power_w is None and gpu.temp_c == 61
    assert sources(gpu) == {"temp_c": "teamredminer", "fan_pct": "teamredminer"}
    [alone] = merge_gpus([Gpu(index=0, vendor="nvidia")], [])
    assert alone.source is None and alone.power_w is None


def test_gpus_map_by_index_and_vendor() -> None:
    nvidia0, amd0 = Gpu(index=0, vendor="nvidia"), Gpu(index=0, vendor="amd")
    trm = MinerGpu(index=0, software="teamredminer", vendor="amd", temp_c=61)
    merged = merge_gpus([nvidia0, amd0], [trm])
    assert [g.temp_c for g in merged] == [None, 61]
    # a miner that does not say its vendor, on a rig with both kinds: which card is its 0 is
    # not known, so nothing is put on either
    gminer = MinerGpu(index=0, software="gminer", temp_c=66)
    assert [g.temp_c for g in merge_gpus([nvidia0, amd0], [gminer])] == [None, None]
    # the first miner to give a figure keeps it; a second one fills only what is still missing
    nb = MinerGpu(index=0, software="nbminer", temp_c=50, power_w=131)
    [gpu] = merge_gpus([nvidia0], [gminer, nb])
    assert (gpu.temp_c, gpu.power_w) == (66, 131)
    assert sources(gpu) == {"temp_c": "gminer", "power_w": "nbminer"}


def test_a_miner_figure_out_of_range_is_dropped_not_sent() -> None:
    wild = MinerGpu(index=0, software="trex", temp_c=900, fan_pct=140, power_w=195)
    [gpu] = merge_gpus([], [wild])
    assert (gpu.temp_c, gpu.fan_pct, gpu.power_w) == (None, None, 195)
    assert sources(gpu) == {"power_w": "trex"}
    nonsense = MinerGpu(index=1, software="trex", temp_c=900)
    assert merge_gpus([], [nonsense]) == []  # no GPU made of nothing


def test_gpus_map_by_pci_bus_when_driver_and_miner_both_give_it() -> None:
    # NVML numbers the cards 0 (bus 1) and 1 (bus 10); the miner calls the bus-10 card its 0
    nvml = [Gpu(index=0, vendor="nvidia"), Gpu(index=1, vendor="nvidia")]
    buses = {("nvidia", 0): 1, ("nvidia", 1): 10}
    trex_on_bus_10 = MinerGpu(index=0, software="trex", vendor="nvidia", power_w=195, bus=10)
    merged = merge_gpus(nvml, [trex_on_bus_10], buses)
    assert [g.power_w for g in merged] == [None, 195]
    # a miner GPU on a bus the driver does not list is not put on the driver's card 0
    elsewhere = MinerGpu(index=0, software="trex", vendor="nvidia", power_w=150, bus=48)
    assert [g.power_w for g in merge_gpus(nvml, [elsewhere], buses)] == [None, None]
    # without the driver's buses, the index decides
    assert [g.power_w for g in merge_gpus(nvml, [trex_on_bus_10])] == [195, None]
