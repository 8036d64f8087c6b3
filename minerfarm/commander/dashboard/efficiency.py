"""A rig's efficiency: joules per terahash for the ASIC algorithms (as their makers quote it),
hashes per watt for the rest (GPU and CPU algorithms, as miners quote them).

Only for a rig whose hashrate is all one algorithm and whose report gives its power: the
power of a dual-mining rig cannot be split between its algorithms, so it shows "—".
"""

from __future__ import annotations

from dataclasses import dataclass

from minerfarm.commander.dashboard.digest import RigDigest

# Algorithms mined by ASICs: quoted as energy per hash (unit, hashes per unit).
PER_HASH = {"SHA-256": ("J/TH", 1e12), "kHeavyHash": ("J/TH", 1e12), "Scrypt": ("J/GH", 1e9),
            "Equihash": ("J/kH", 1e3)}
_PREFIXES = (("E", 1e18), ("P", 1e15), ("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3))


@dataclass(frozen=True)
class Efficiency:
    algorithm: str
    joules_per_hash: float  # what sorting compares: lower is better, whatever the unit shown

    def __str__(self) -> str:
        unit = PER_HASH.get(self.algorithm)
        if unit is not None:
            return f"{self.joules_per_hash * unit[1]:.2f} {unit[0]}"
        per_watt = 1 / self.joules_per_hash
        for prefix, factor in _PREFIXES:
            if per_watt >= factor:
                return f"{per_watt / factor:.2f} {prefix}H/W"
        return f"{per_watt:.2f} H/W"


def efficiency(digest: RigDigest) -> Efficiency | None:
    rates = digest.hashrate_by_algorithm()
    if len(rates) != 1 or not digest.power_w or digest.power_w <= 0:
        return None
    (algorithm, rate), = rates.items()
    if rate <= 0:
        return None
    return Efficiency(algorithm, digest.power_w / rate)
